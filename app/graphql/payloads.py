"""Mutation payloads: the record and the `userErrors` that explain a refusal."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry

from app.errors import ErrorCode, Problem, ServiceError
from app.graphql.enums import graphql_enum

T = TypeVar("T")

UserErrorCode = graphql_enum(
    ErrorCode, name="UserErrorCode", description="Why a mutation was refused."
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
