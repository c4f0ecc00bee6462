"""Mutation payloads: the record and the `userErrors` that explain a refusal."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry

from app.errors import ErrorCode, Problem, ServiceError

T = TypeVar("T")

UserErrorCode = strawberry.enum(
    ErrorCode,
    name="UserErrorCode",
    description="Why a mutation was refused: INVALID (a value breaks a rule), REQUIRED (a "
    "value is missing), NOT_FOUND (no such record in your account), CONFLICT (the record "
    "changed since the revision you sent), DUPLICATE (a unique value is taken), FORBIDDEN "
    "(your role may not do this), INVALID_STATE (the record's state does not allow it), "
    "SCHEDULE_CONFLICT (the visit clashes with the caregiver's schedule or the patient's needs; "
    "pass an override to book it anyway), OTP_REQUIRED (signing in needs a valid one-time code "
    "from an authenticator app).",
)


@strawberry.type(description="An expected refusal of a mutation: nothing was written.")
class UserError:
    field: str | None = strawberry.field(
        description="The input path the error is about, such as `input.name.first`; null "
        "when it is about the whole request."
    )
    message: str = strawberry.field(description="What is wrong, for a person to read.")
    code: UserErrorCode = strawberry.field(description="What is wrong, for a program to read.")  # type: ignore[valid-type]

    @classmethod
    def of(cls, problem: Problem) -> UserError:
        return cls(field=problem.field, message=problem.message, code=problem.code)


async def attempt(action: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Run a service call; an expected refusal becomes user errors, anything else propagates."""
    try:
        return await action, []
    except ServiceError as refusal:
        return None, [UserError.of(problem) for problem in refusal.problems]
