"""Sessions of people signed in, kept on the server so that they can be revoked at once.

A sign-in opens a session and gives a short-lived access token (`CAREGRAPH_SESSION_TOKEN_TTL`,
15 minutes) that the Authenticator resolves to the user and their role. A browser asks for a
refresh secret too, kept in an HttpOnly cookie (app/identity/routes.py): each refresh spends it
and sets a new one; a spent secret sent again means it was copied, and revokes the session.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

from app.accounts.auth import CACHE_SECONDS, Authenticator, Caller, lookup_hash
from app.accounts.revocation import credentials_changed
from app.audit.documents import AuditAction
from app.common.clock import as_utc, now
from app.common.services import Actor, RawDoc, encode
from app.common.text import name_of
from app.data.scope import Scope
from app.data.system import System, account_of
from app.data.unit import Tx
from app.db import Database
from app.identity.documents import Session, SessionToken
from app.identity.logins import (
    USER_FIELDS,
    RequestFacts,
    person,
    person_scope,
    role_key,
    role_permissions,
    role_type,
)
from app.settings import Settings

RACE_SECONDS = 10
"""A secret spent this recently was most likely spent by another tab of the same browser."""
SPENT_KEPT = 10


@dataclass(frozen=True)
class Grant:
    """What signing in or refreshing gives: an access token until `expires_at`, and for a
    browser the cookie value (`refresh`) that gets the next one."""

    account_id: int
    session_id: ObjectId
    access_token: str
    expires_at: dt.datetime
    session_expires_at: dt.datetime
    refresh: str | None = None
    user: RawDoc | None = None


class RefreshRefused(Exception):
    """A refresh that gives nothing: 401 (sign in again) or 409 (refreshed meanwhile)."""

    def __init__(self, status: int, message: str, ended_in: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.ended_in = ended_in
        """The account of a session this refusal ended (a replayed secret), if one."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cookie_value(session_id: ObjectId, secret: str) -> str:
    return f"{session_id}.{secret}"


def parse_cookie(value: str | None) -> tuple[ObjectId, str] | None:
    session, _, secret = (value or "").partition(".")
    try:
        return (ObjectId(session), secret) if secret else None
    except (InvalidId, TypeError):
        return None


async def open_session(
    tx: Tx,
    settings: Settings,
    login: Mapping[str, Any],
    user: RawDoc,
    facts: RequestFacts,
    want_refresh: bool,
) -> Grant:
    """A new session of the transaction's actor (whose `session_id` it takes, so the trail
    names it), its first access token, and its SIGN_IN entry; `lastLoginDate` is set."""
    session_id = tx.actor.session_id
    assert session_id is not None, "open a session as person(..., session_id=ObjectId())"
    at = now()
    secret = new_token() if want_refresh else None
    session = Session(
        id=session_id,
        account=tx.account_id,
        user=user["_id"],
        login=login["_id"],
        created_date=at,
        last_used_date=at,
        expires_at=at + dt.timedelta(seconds=settings.session_lifetime_seconds),
        refresh_hash=lookup_hash(secret) if secret else None,
        client_address=facts.address,
        user_agent=(facts.user_agent or "")[:300] or None,
    )
    await tx["sessions"].insert_one(encode(session))
    token, expires_at = await issue_token(tx, settings, session_id, session.expires_at)
    await tx["users"].update_one({"_id": user["_id"]}, {"$set": {"last_login_date": at}})
    await tx.audit(AuditAction.SIGN_IN, "User", user["_id"])
    refresh = cookie_value(session_id, secret) if secret else None
    return Grant(tx.account_id, session_id, token, expires_at, session.expires_at, refresh, user)


async def issue_token(
    tx: Tx, settings: Settings, session_id: ObjectId, session_expires_at: dt.datetime
) -> tuple[str, dt.datetime]:
    """An access token of the session, never outliving it."""
    token = new_token()
    expires_at = min(now() + dt.timedelta(seconds=settings.session_token_ttl_seconds),
                     session_expires_at)  # fmt: skip
    record = SessionToken(
        account=tx.account_id,
        session=session_id,
        token_hash=lookup_hash(token),
        expires_at=expires_at,
    )
    await tx["session_tokens"].insert_one(encode(record))
    return token, expires_at


async def revoke_sessions(
    tx: Tx, user_id: ObjectId, reason: str, keep: ObjectId | None = None
) -> int:
    """Revoke every live session of the user (but `keep`); returns how many. Each is updated by
    its id: the embedded server would scan the collection for a `$ne`."""
    live = tx.whole_account()["sessions"].find({"user": user_id, "revoked_date": None}, {"_id": 1})
    ids = [doc["_id"] async for doc in live if doc["_id"] != keep]
    if not ids:
        return 0
    stamp = {"$set": {"revoked_date": now(), "revoked_reason": reason}}
    result = await tx["sessions"].update_each(
        [({"_id": i, "revoked_date": None}, stamp) for i in ids]
    )
    for session_id in ids:  # every server process stops taking their tokens within a second
        await credentials_changed(tx, "session", session_id)
    return int(result.modified_count)


async def revoke_session(tx: Tx, session_id: ObjectId, reason: str) -> bool:
    """Revoke one session; False if it was revoked already."""
    done = await tx["sessions"].update_one(
        {"_id": session_id, "revoked_date": None},
        {"$set": {"revoked_date": now(), "revoked_reason": reason}},
    )
    if done.modified_count:  # every server process stops taking its tokens within a second
        await credentials_changed(tx, "session", session_id)
    return bool(done.modified_count)


def is_live(session: Mapping[str, Any] | None, at: dt.datetime) -> bool:
    return (
        session is not None
        and session.get("revoked_date") is None
        and as_utc(session["expires_at"]) > at
    )


async def refresh(
    database: Database, settings: Settings, cookie: str | None, facts: RequestFacts
) -> Grant:
    """Spend the cookie's refresh secret for a new access token and a new secret."""
    parsed = parse_cookie(cookie)
    if parsed is None:
        raise RefreshRefused(401, "No session to refresh: sign in.")
    session_id, secret = parsed
    session = await System(database).credential("sessions", {"_id": session_id})
    at = now()
    if session is None or not is_live(session, at):
        raise RefreshRefused(401, "The session has ended: sign in again.")
    given = lookup_hash(secret)
    current = session.get("refresh_hash")
    if current and hmac.compare_digest(given, current):
        return await _rotate(database, settings, session, at)
    spent = next((s for s in session.get("spent_refresh", []) if s.get("hash") == given), None)
    if spent is None:
        raise RefreshRefused(401, "The session has ended: sign in again.")
    if (at - as_utc(spent["at"])).total_seconds() < RACE_SECONDS:
        raise RefreshRefused(409, "The session was refreshed meanwhile (in another tab?); retry.")
    await _revoke_replayed(database, session, facts)
    raise RefreshRefused(401, "The session has ended: sign in again.", account_of(session))


async def _rotate(
    database: Database, settings: Settings, session: RawDoc, at: dt.datetime
) -> Grant:
    secret = new_token()
    scope = Scope(database, _session_actor(session))
    spent = {"$each": [{"hash": session["refresh_hash"], "at": at}], "$slice": -SPENT_KEPT}
    guard = {"_id": session["_id"], "refresh_hash": session["refresh_hash"], "revoked_date": None}
    change = {"$set": {"refresh_hash": lookup_hash(secret), "last_used_date": at},
              "$push": {"spent_refresh": spent}}  # fmt: skip

    async def work(tx: Tx) -> Grant:
        rotated = await tx["sessions"].find_one_and_update(
            guard, change, return_document=ReturnDocument.AFTER
        )
        if rotated is None:  # another request spent the same secret first
            raise RefreshRefused(409, "The session was refreshed meanwhile; retry.")
        expires = as_utc(rotated["expires_at"])
        token, expires_at = await issue_token(tx, settings, rotated["_id"], expires)
        refresh = cookie_value(rotated["_id"], secret)
        return Grant(tx.account_id, rotated["_id"], token, expires_at, expires, refresh)

    return await scope.transact(work)


async def _revoke_replayed(database: Database, session: RawDoc, facts: RequestFacts) -> None:
    """A spent secret came back: someone holds a copy. The session ends, and the trail says so."""
    reason = "a spent refresh secret was sent again (copied cookie?)"
    await _end(database, session, facts, reason, audited_reason=reason)


async def sign_out_by_cookie(
    database: Database, cookie: str | None, facts: RequestFacts
) -> int | None:
    """End the session whose current refresh secret the cookie holds; returns its account
    (None when the cookie names no live session, or an old secret of one)."""
    parsed = parse_cookie(cookie)
    if parsed is None:
        return None
    session = await System(database).credential("sessions", {"_id": parsed[0]})
    current = (session or {}).get("refresh_hash")
    if session is None or not current or not hmac.compare_digest(lookup_hash(parsed[1]), current):
        return None
    await _end(database, session, facts, "signed out")
    return account_of(session)


async def _end(
    database: Database,
    session: RawDoc,
    facts: RequestFacts,
    reason: str,
    audited_reason: str | None = None,
) -> None:
    """Revoke a session in the name of its user, with a SIGN_OUT entry."""
    scope = Scope(database, _session_actor(session))
    user = await person_scope(scope)["users"].find_one({"_id": session["user"]}, {"name": 1})
    actor = person(scope.account_id, user or {"_id": session["user"]}, facts, session["_id"])

    async def work(tx: Tx) -> None:
        if await revoke_session(tx, session["_id"], reason):
            await tx.audit(AuditAction.SIGN_OUT, "User", session["user"], reason=audited_reason)

    await scope.acting_as(actor).transact(work)


def _session_actor(session: RawDoc) -> Actor:
    return Actor(account_id=account_of(session), user_id=session["user"], session_id=session["_id"])


async def session_caller(database: Database, digest: str) -> tuple[Caller | None, float]:
    """The person behind an access token, with their role's permissions, and how long the
    answer holds (the token's and the session's remaining life, at most CACHE_SECONDS)."""
    system = System(database)
    token = await system.credential("session_tokens", {"token_hash": digest})
    at = now()
    if token is None or as_utc(token["expires_at"]) <= at:
        return None, CACHE_SECONDS
    account_id = account_of(token)
    scope = person_scope(Scope(database, Actor(account_id=account_id)))
    session = await scope["sessions"].find_one({"_id": token["session"]})
    if session is None or not is_live(session, at):
        return None, CACHE_SECONDS
    user = await scope["users"].find_one({"_id": session["user"]}, USER_FIELDS)
    account = await system.account(account_id, {"roles": 1, "active": 1, "role_settings": 1})
    if user is None or user.get("_deleted") or account is None or account.get("active") != 1:
        return None, CACHE_SECONDS
    role = role_key(user, account)
    caller = Caller(
        account_id=account_id,
        api_client_id=None,
        api_client_name=None,
        role=role or "",
        permissions=role_permissions(account, role),
        role_type=role_type(account, role),
        user_id=user["_id"],
        user_name=name_of(user),
        session_id=session["_id"],
    )
    remaining = min(as_utc(token["expires_at"]), as_utc(session["expires_at"])) - at
    return caller, remaining.total_seconds()


class PeopleAuthenticator(Authenticator):
    """The Authenticator of API keys and tokens, that also knows people's access tokens."""

    async def _resolve(self, digest: str) -> tuple[Caller | None, float]:
        caller, valid_for = await super()._resolve(digest)
        if caller is not None:
            return caller, valid_for
        return await session_caller(self.database, digest)
