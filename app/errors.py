"""Errors the services raise; free of GraphQL so scripts and REST routes share them."""

from __future__ import annotations

from dataclasses import dataclass

from app.common.codes import Code


class ErrorCode(Code):
    """Why a request was refused. Stable: clients branch on these."""

    INVALID = "INVALID", "A value breaks a rule."
    REQUIRED = "REQUIRED", "A value is missing."
    NOT_FOUND = "NOT_FOUND", "No such record in your account."
    CONFLICT = "CONFLICT", "The record changed since the revision you sent; reload it."
    DUPLICATE = "DUPLICATE", "A value that must be unique is taken."
    FORBIDDEN = "FORBIDDEN", "Your role may not do this."
    INVALID_STATE = "INVALID_STATE", "The record's state does not allow it."
    SCHEDULE_CONFLICT = (
        "SCHEDULE_CONFLICT",
        "The visit clashes with the caregiver's schedule or the patient's needs; pass an "
        "override to book it anyway.",
    )
    OTP_REQUIRED = (
        "OTP_REQUIRED",
        "Signing in needs a valid one-time code from the person's authenticator app.",
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: which input field, what, and its code."""

    message: str
    code: ErrorCode = ErrorCode.INVALID
    field: str | None = None


class ServiceError(Exception):
    """An expected refusal (validation, not found, conflict): shown to the caller as it is."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(
        cls, message: str, code: ErrorCode = ErrorCode.INVALID, field: str | None = None
    ) -> ServiceError:
        return cls(Problem(message, code, field))


def not_found(what: str, field: str | None = "id") -> ServiceError:
    """The same answer for a missing record and another account's record."""
    return ServiceError.one(f"No {what} with this id.", ErrorCode.NOT_FOUND, field)


class PublicError(Exception):
    """A refusal outside a mutation payload (bad page size, forbidden field): message kept."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.code = code
