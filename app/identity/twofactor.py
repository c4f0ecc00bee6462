"""A person sets up two-factor sign-in for themselves: enrol (a new secret for their
authenticator app), then confirm with a code from the app; only then does signing in ask for
codes. Replacing a set-up app takes a code from the current one."""

from __future__ import annotations

from dataclasses import dataclass

from app.audit.documents import AuditAction
from app.common.clock import now
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, ServiceError
from app.identity import totp
from app.identity.logins import login_of, person_scope, signed_in_person


@dataclass(frozen=True)
class Enrolment:
    """A secret for an authenticator app, as text and as the otpauth:// URI of a QR code."""

    secret: str
    uri: str


async def enrol(scope: Scope, current_code: str | None) -> Enrolment:
    user_id, _ = signed_in_person(scope.actor)
    login = await login_of(scope, user_id)
    if login is None:
        raise ServiceError.one("You have no sign-in.", ErrorCode.INVALID_STATE)
    at = now()
    enrolled = login.get("totp_secret")
    step = None
    if enrolled is not None:
        step = totp.accepted_step(enrolled, current_code, at, login.get("totp_last_step"))
        if step is None:
            raise ServiceError.one(
                "Two-factor sign-in is set up already: to replace the app, give a current code "
                "from it (currentCode).",
                ErrorCode.OTP_REQUIRED,
                "currentCode",
            )
    secret = totp.new_secret()
    change: dict[str, object] = {"totp_pending_secret": secret}
    if step is not None:
        change["totp_last_step"] = step
    await scope["logins"].update_one({"_id": login["_id"]}, {"$set": change})
    account = await person_scope(scope)["accounts"].find_one({"_id": scope.account_id}, {"name": 1})
    agency = ((account or {}).get("name") or {}).get("display")
    return Enrolment(secret=secret, uri=totp.enrolment_uri(secret, login["email"], agency))


async def confirm(scope: Scope, code: str) -> None:
    """Turn two-factor sign-in on with the secret enrolled, once a code from it is right."""
    user_id, _ = signed_in_person(scope.actor)
    login = await login_of(scope, user_id)
    pending = (login or {}).get("totp_pending_secret")
    if login is None or pending is None:
        raise ServiceError.one(
            "Enrol first (totpEnroll), then confirm with a code from the app.",
            ErrorCode.INVALID_STATE,
            "code",
        )
    step = totp.accepted_step(pending, code, now(), None)
    if step is None:
        raise ServiceError.one(
            "That code is not right: enter the current code from the app.",
            ErrorCode.INVALID,
            "code",
        )

    async def work(tx: Tx) -> None:
        guard = {"_id": login["_id"], "totp_pending_secret": pending}
        change = {"totp_secret": pending, "totp_pending_secret": None, "totp_last_step": step}
        if not (await tx["logins"].update_one(guard, {"$set": change})).matched_count:
            raise ServiceError.one(
                "A newer enrolment replaced this one; confirm with its code.",
                ErrorCode.CONFLICT,
                "code",
            )
        replaced = login.get("totp_secret") is not None
        await tx.audit(
            AuditAction.TWO_FACTOR,
            "User",
            user_id,
            reason="authenticator app replaced" if replaced else "two-factor sign-in turned on",
        )

    await scope.transact(work)
