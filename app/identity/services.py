"""Signing in and out, changing one's password, and an administrator turning a login off and on.

A wrong email and a wrong password get the same answer after the same work (one argon2
verification, against a dummy hash when the email is unknown). Failures on a known login are
audited in its account; an unknown email is only logged, since it names no account.
"""

from __future__ import annotations

import logging
from typing import Any

from bson import ObjectId

from app.accounts.throttle import Attempt, count_failure, refuse_if_throttled
from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.services import Actor, RawDoc
from app.data.scope import Scope
from app.data.system import System, account_of
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, ServiceError
from app.identity import passwords, totp
from app.identity.links import retire_links
from app.identity.logins import (
    RequestFacts,
    check_may_manage,
    login_of,
    normalised_email,
    password_context,
    person,
    person_scope,
    role_key,
    role_permissions,
    signed_in_person,
    user_of,
)
from app.identity.sessions import Grant, open_session, revoke_session, revoke_sessions
from app.settings import Settings

log = logging.getLogger("app.identity")

WRONG = "The email or password is not right."
ACCOUNT_FIELDS = {"roles": 1, "active": 1, "role_settings": 1, "security_settings": 1}


def wrong_credentials() -> ServiceError:
    return ServiceError.one(WRONG, ErrorCode.FORBIDDEN)


def otp_required(message: str) -> ServiceError:
    return ServiceError.one(message, ErrorCode.OTP_REQUIRED, "otp")


async def sign_in(
    database: Database,
    settings: Settings,
    email: str,
    password: str,
    otp: str | None,
    facts: RequestFacts,
    want_refresh: bool = False,
) -> Grant:
    """A new session for the person with this email and password (and a one-time code when
    they use two-factor sign-in or their role requires it). Throttled per email and per address
    (app/accounts/throttle.py): past the limit, 429 before any password is checked."""
    attempt = Attempt("signIn", email.strip().lower(), facts.address)
    await refuse_if_throttled(database, settings, attempt)
    try:
        return await _sign_in(database, settings, email, password, otp, facts, want_refresh)
    except ServiceError as refused:
        if otp or refused.problems[0].code != ErrorCode.OTP_REQUIRED:  # not the first step
            await count_failure(database, settings, attempt)
        raise


async def _sign_in(
    database: Database,
    settings: Settings,
    email: str,
    password: str,
    otp: str | None,
    facts: RequestFacts,
    want_refresh: bool,
) -> Grant:
    try:
        address = normalised_email(email)
    except ServiceError:
        address = None
    login = await System(database).login_by_email(address) if address else None
    stored = login.get("password_hash") if login is not None else None
    matched = await passwords.password_matches_async(password, stored)
    if login is None:
        log.info("sign-in refused: no login for the email given (request %s)", facts.request_id)
        raise wrong_credentials()
    scope = Scope(database, Actor(account_id=account_of(login)))
    user, account = await _person_and_account(scope, login)
    if user is None:
        raise wrong_credentials()
    if not matched or not login.get("active", True) or account is None:
        reason = (
            "wrong password" if not matched
            else "sign-in turned off" if not login.get("active", True)
            else "account not active"
        )  # fmt: skip
        await _failed(scope, user, facts, reason)
        raise wrong_credentials()
    step = await _second_factor(scope, login, user, account, otp, facts)
    session_id = ObjectId()

    async def work(tx: Tx) -> Grant:
        await _mark_signed_in(tx, login, step)
        return await open_session(tx, settings, login, user, facts, want_refresh)

    grant = await scope.acting_as(person(scope.account_id, user, facts, session_id)).transact(work)
    if stored is not None and passwords.needs_rehash(stored):
        await _rehash(scope, login, password)
    return grant


async def _person_and_account(scope: Scope, login: RawDoc) -> tuple[RawDoc | None, RawDoc | None]:
    """The login's user (None if deleted) and account (None unless active)."""
    try:
        user = await user_of(scope, login["user"])
    except ServiceError:
        return None, None
    account = await person_scope(scope)["accounts"].find_one(
        {"_id": scope.account_id}, ACCOUNT_FIELDS
    )
    return user, account if account is not None and account.get("active") == 1 else None


async def _second_factor(
    scope: Scope,
    login: RawDoc,
    user: RawDoc,
    account: RawDoc,
    otp: str | None,
    facts: RequestFacts,
) -> int | None:
    """The time step of a valid one-time code when one is needed; None when none is."""
    secret = login.get("totp_secret")
    required = role_key(user, account) in _two_factor_roles(account)
    if secret is None and not required:
        return None
    if secret is None:
        raise otp_required(
            "Your role signs in with a one-time code, and you have no authenticator app set "
            "up yet: ask an administrator for a password reset link, sign in with it, then set "
            "one up (totpEnroll)."
        )
    if not otp:
        raise otp_required("Enter the 6-digit code from your authenticator app (otp).")
    step = totp.accepted_step(secret, otp, now(), login.get("totp_last_step"))
    if step is None:
        await _failed(scope, user, facts, "wrong one-time code")
        raise otp_required("That code is not right, or was used already: enter the current one.")
    return step


def _two_factor_roles(account: RawDoc) -> list[str]:
    settings = account.get("security_settings") or {}
    return list(settings.get("require_two_factor_roles") or [])


async def _mark_signed_in(tx: Tx, login: RawDoc, step: int | None) -> None:
    """Stamp the login, only if it is still active and its code unused: a deactivation or a
    sign-in with the same code at the same time conflicts here, and one of them waits."""
    guard: dict[str, Any] = {"_id": login["_id"], "active": True}
    change: dict[str, Any] = {"last_sign_in_date": now()}
    if step is not None:
        guard["totp_last_step"] = login.get("totp_last_step")
        change["totp_last_step"] = step
    done = await tx["logins"].update_one(guard, {"$set": change})
    if not done.matched_count:
        raise wrong_credentials()


async def _failed(scope: Scope, user: RawDoc, facts: RequestFacts, reason: str) -> None:
    """A failed sign-in on a known login: in its account's trail, naming the user claimed."""
    actor = person(scope.account_id, user, facts)

    async def work(tx: Tx) -> None:
        await tx.audit(AuditAction.SIGN_IN_FAILED, "User", user["_id"], reason=reason)

    await scope.acting_as(actor).transact(work)


async def _rehash(scope: Scope, login: RawDoc, password: str) -> None:
    """Replace a hash made with older parameters, now that the password is at hand."""
    rehashed = await passwords.hash_password_async(password)
    await scope["logins"].update_one(
        {"_id": login["_id"], "password_hash": login["password_hash"]},
        {"$set": {"password_hash": rehashed}},
    )


async def sign_out(scope: Scope) -> bool:
    """End the caller's own session at once; False if it had ended already."""
    user_id, session_id = signed_in_person(scope.actor)

    async def work(tx: Tx) -> bool:
        ended = await revoke_session(tx, session_id, "signed out")
        if ended:
            await tx.audit(AuditAction.SIGN_OUT, "User", user_id)
        return ended

    return await scope.transact(work)


async def change_password(scope: Scope, current: str, new: str) -> int:
    """Set a new password after checking the current one; every other session of the person
    ends (this one goes on). Returns how many ended."""
    user_id, session_id = signed_in_person(scope.actor)
    login = await login_of(scope, user_id)
    stored = login.get("password_hash") if login is not None else None
    if login is None or not await passwords.password_matches_async(current, stored):
        raise ServiceError.one("The current password is not right.", ErrorCode.INVALID, "current")
    user = await user_of(scope, user_id)
    passwords.check_new_password(new, "new", password_context(login, user))
    hashed = await passwords.hash_password_async(new)

    async def work(tx: Tx) -> int:
        guard = {"_id": login["_id"], "password_hash": stored}
        change = {"$set": {"password_hash": hashed, "password_changed_date": now()}}
        if not (await tx["logins"].update_one(guard, change)).matched_count:
            raise ServiceError.one(
                "Your password changed meanwhile; sign in again.", ErrorCode.CONFLICT, "current"
            )
        ended = await revoke_sessions(tx, user_id, "password changed", keep=session_id)
        await tx.audit(AuditAction.PASSWORD_CHANGE, "User", user_id, reason="changed by the user")
        return ended

    return await scope.transact(work)


async def set_active(scope: Scope, user_id: ObjectId, active: bool) -> tuple[RawDoc, int]:
    """Turn a user's sign-in off (every session ends at once) or on again. Returns the user
    and how many sessions ended."""
    actor = scope.actor
    user = await user_of(scope, user_id)
    login = await login_of(scope, user_id)
    if login is None:
        raise ServiceError.one(
            "This user has no sign-in yet: invite them first (userInvite).",
            ErrorCode.INVALID_STATE,
            "user",
        )
    account = await person_scope(scope)["accounts"].find_one(
        {"_id": scope.account_id}, ACCOUNT_FIELDS
    )
    check_may_manage(actor, role_permissions(account or {}, role_key(user, account or {})))
    if not active and actor.user_id == user_id:
        raise ServiceError.one(
            "You cannot turn off your own sign-in; ask another administrator.",
            ErrorCode.INVALID_STATE,
            "user",
        )
    if bool(login.get("active", True)) == active:
        state = "on" if active else "off"
        raise ServiceError.one(
            f"This user's sign-in is already {state}.", ErrorCode.INVALID_STATE, "user"
        )

    async def work(tx: Tx) -> int:
        await tx["logins"].update_one({"_id": login["_id"]}, {"$set": {"active": active}})
        ended = 0
        if not active:
            ended = await revoke_sessions(tx, user_id, "sign-in turned off")
            await retire_links(tx, login["_id"])
        action = AuditAction.REACTIVATE if active else AuditAction.DEACTIVATE
        changes = [{"field": "active", "before": not active, "after": active}]
        await tx.audit(action, "User", user_id, changes=changes)
        return ended

    return user, await scope.transact(work)


async def viewer(scope: Scope) -> tuple[RawDoc, RawDoc]:
    """The caller's login and session, for a person signed in."""
    user_id, session_id = signed_in_person(scope.actor)
    login = await login_of(scope, user_id)
    session = await person_scope(scope)["sessions"].find_one({"_id": session_id})
    if login is None or session is None:
        raise ServiceError.one("You are not signed in.", ErrorCode.FORBIDDEN)
    return login, session
