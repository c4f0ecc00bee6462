"""One-time links: an administrator invites a user or resets their password; the link, passed
on to the person (through the outbox, for a mail adapter to send), sets a password and signs in.

A link's token is shown once (to the administrator, and in the message) and stored hashed. It
works once, until it expires (`CAREGRAPH_SIGN_IN_LINK_TTL`, 72 hours), and only while it is the
newest of its login: a new link, a deactivation or its use ends the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.accounts.auth import lookup_hash
from app.audit.documents import AuditAction
from app.common.clock import as_utc, now
from app.common.services import Actor, RawDoc, encode
from app.common.text import name_of
from app.data.scope import Scope
from app.data.system import System, account_of
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, ServiceError
from app.identity import passwords
from app.identity.documents import LinkPurpose, Login, OutboxMessage, SignInLink
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
    user_of,
)
from app.identity.sessions import Grant, new_token, open_session, revoke_sessions
from app.settings import Settings

PATHS = {LinkPurpose.INVITATION: "accept-invitation", LinkPurpose.PASSWORD_RESET: "reset-password"}
DEAD_LINK = "This link does not work any more (used, expired or replaced): ask for a new one."


@dataclass(frozen=True)
class Link:
    """A one-time link as the administrator sees it, once."""

    email: str
    url: str
    token: str
    expires_at: dt.datetime
    user: RawDoc


async def invite(scope: Scope, settings: Settings, user_id: ObjectId, email: str) -> Link:
    """Give a user a way to sign in with this email: a login without a password yet, and an
    invitation link to set one. Inviting again (before they accept) replaces the link."""
    address = normalised_email(email)
    user, account = await _managed_user(scope, user_id)
    login = await login_of(scope, user_id)
    if login is not None and login.get("password_hash"):
        raise ServiceError.one(
            "This user already signs in; send a password reset instead (passwordReset).",
            ErrorCode.INVALID_STATE,
            "user",
        )
    taken = await System(scope.database).login_by_email(address)
    if taken is not None and (login is None or taken["_id"] != login["_id"]):
        raise _email_taken()
    at = now()
    login_id = login["_id"] if login is not None else ObjectId()

    async def work(tx: Tx) -> Link:
        if login is None:
            new = Login(id=login_id, account=tx.account_id, user=user_id, email=address,
                        created_date=at)  # fmt: skip
            await tx["logins"].insert_one(encode(new))
        else:
            await tx["logins"].update_one({"_id": login_id}, {"$set": {"email": address}})
        await tx["users"].update_one({"_id": user_id}, {"$set": {"invited_date": at}})
        link = await _new_link(tx, settings, login_id, user, address, LinkPurpose.INVITATION)
        await _post(tx, link, account, LinkPurpose.INVITATION)
        await tx.audit(AuditAction.INVITE, "User", user_id, changes=[
            {"field": "signInEmail", "before": (login or {}).get("email"), "after": address}
        ])  # fmt: skip
        return link

    try:
        return await scope.transact(work)
    except DuplicateKeyError:  # the same email invited elsewhere at the same moment
        raise _email_taken() from None


async def reset(
    scope: Scope, settings: Settings, user_id: ObjectId, reset_two_factor: bool = False
) -> Link:
    """A link for a user who signs in already to set a new password (their current one keeps
    working until the link is used); with `reset_two_factor`, using it also turns two-factor
    sign-in off, for a person who lost their phone."""
    user, account = await _managed_user(scope, user_id)
    login = await login_of(scope, user_id)
    if login is None:
        raise ServiceError.one(
            "This user has no sign-in yet: invite them (userInvite).",
            ErrorCode.INVALID_STATE,
            "user",
        )
    if not login.get("active", True):
        raise ServiceError.one(
            "This user's sign-in is turned off: turn it on first (userReactivate).",
            ErrorCode.INVALID_STATE,
            "user",
        )
    purpose = LinkPurpose.PASSWORD_RESET if login.get("password_hash") else LinkPurpose.INVITATION

    async def work(tx: Tx) -> Link:
        link = await _new_link(
            tx, settings, login["_id"], user, login["email"], purpose, reset_two_factor
        )
        await _post(tx, link, account, purpose)
        await tx.audit(
            AuditAction.PASSWORD_RESET,
            "User",
            user_id,
            reason="reset link issued" + (", two-factor to be reset" if reset_two_factor else ""),
        )
        return link

    return await scope.transact(work)


async def accept(
    database: Database,
    settings: Settings,
    token: str,
    password: str,
    facts: RequestFacts,
    want_refresh: bool = False,
) -> Grant:
    """Use a one-time link: set the password and sign in. Every other session of the person
    ends (a reset is often about a password someone else may know)."""
    link = await System(database).credential("sign_in_links", {"token_hash": lookup_hash(token)})
    at = now()
    if link is None or link.get("used_date") or as_utc(link["expires_at"]) <= at:
        raise ServiceError.one(DEAD_LINK, ErrorCode.INVALID, "token")
    scope = Scope(database, Actor(account_id=account_of(link)))
    login = await person_scope(scope)["logins"].find_one({"_id": link["login"]})
    if login is None or not login.get("active", True):
        raise ServiceError.one(DEAD_LINK, ErrorCode.INVALID, "token")
    user = await user_of(scope, link["user"], "token")
    passwords.check_new_password(password, "password", password_context(login, user))
    hashed = await passwords.hash_password_async(password)
    actor = person(scope.account_id, user, facts, ObjectId())

    async def work(tx: Tx) -> Grant:
        used = await tx["sign_in_links"].update_one(
            {"_id": link["_id"], "used_date": None}, {"$set": {"used_date": at}}
        )
        if not used.modified_count:
            raise ServiceError.one(DEAD_LINK, ErrorCode.INVALID, "token")
        change: dict[str, Any] = {"password_hash": hashed, "password_changed_date": at}
        if link.get("reset_two_factor"):
            change.update(totp_secret=None, totp_pending_secret=None, totp_last_step=None)
        guard = {"_id": login["_id"], "active": True}
        if not (await tx["logins"].update_one(guard, {"$set": change})).matched_count:
            raise ServiceError.one(DEAD_LINK, ErrorCode.INVALID, "token")
        await revoke_sessions(tx, user["_id"], "password set through a one-time link")
        reason = "invitation accepted" if link["purpose"] == "invitation" else "password reset"
        await tx.audit(AuditAction.PASSWORD_CHANGE, "User", user["_id"], reason=reason)
        return await open_session(tx, settings, login, user, facts, want_refresh)

    return await scope.acting_as(actor).transact(work)


async def _managed_user(scope: Scope, user_id: ObjectId) -> tuple[RawDoc, RawDoc]:
    """The user an administrator acts on, once it is clear the administrator may."""
    user = await user_of(scope, user_id)
    account = await person_scope(scope)["accounts"].find_one(
        {"_id": scope.account_id}, {"roles": 1, "role_settings": 1, "name": 1}
    )
    account = account or {}
    check_may_manage(scope.actor, role_permissions(account, role_key(user, account)))
    return user, account


async def _new_link(
    tx: Tx,
    settings: Settings,
    login_id: ObjectId,
    user: RawDoc,
    email: str,
    purpose: LinkPurpose,
    reset_two_factor: bool = False,
) -> Link:
    """A new link of the login; its earlier unused links stop working."""
    await retire_links(tx, login_id)
    token = new_token()
    at = now()
    expires_at = at + dt.timedelta(seconds=settings.sign_in_link_ttl_seconds)
    record = SignInLink(
        account=tx.account_id,
        login=login_id,
        user=user["_id"],
        purpose=purpose,
        token_hash=lookup_hash(token),
        expires_at=expires_at,
        reset_two_factor=reset_two_factor,
        created_date=at,
    )
    await tx["sign_in_links"].insert_one(encode(record))
    url = f"{settings.web_app_url}/{PATHS[purpose]}#token={token}"
    return Link(email=email, url=url, token=token, expires_at=expires_at, user=user)


async def retire_links(tx: Tx, login_id: ObjectId) -> None:
    """End every unused link of a login (a newer one was made, or its sign-in turned off)."""
    unused = tx.whole_account()["sign_in_links"].find({"login": login_id, "used_date": None})
    ids = [doc["_id"] async for doc in unused]
    if ids:
        retired = {"$set": {"used_date": now()}}
        await tx["sign_in_links"].update_each([({"_id": i}, retired) for i in ids])


async def _post(tx: Tx, link: Link, account: RawDoc, purpose: LinkPurpose) -> None:
    """The message that carries the link to the person, for a mail adapter to send."""
    agency = (account.get("name") or {}).get("display") or "your agency"
    hours = round((link.expires_at - now()).total_seconds() / 3600)
    if purpose is LinkPurpose.INVITATION:
        subject = f"You are invited to sign in to {agency}"
        opening = f"{agency} invites you to sign in to Caregraph as {link.email}."
        action = "choose your password"
    else:
        subject = f"Set a new password for {agency}"
        opening = f"An administrator of {agency} sent you a link to set a new password."
        action = "set a new password"
    body = (
        f"Hello {name_of(link.user)},\n\n{opening}\nOpen this link to {action} (it works once, "
        f"within {hours} hours):\n\n{link.url}\n\nIf you did not expect this, ignore it.\n"
    )
    message = OutboxMessage(
        account=tx.account_id,
        to=link.email,
        subject=subject,
        body=body,
        kind=purpose.value,
        user=link.user["_id"],
        created_date=now(),
    )
    await tx["outbox"].insert_one(encode(message))


def _email_taken() -> ServiceError:
    return ServiceError.one(
        "This email already signs in to Caregraph; give another.", ErrorCode.DUPLICATE, "email"
    )
