"""API clients as managed credentials: made, listed, changed, rotated and revoked by an
administrator, each change audited and noted so that every server process applies it at once.

A key and secret are shown once, when a client is made or rotated; only their hashes are kept.
Revoking or rotating a client ends its access tokens too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from app.accounts.auth import hash_secret, lookup_hash, new_key, new_secret
from app.accounts.documents import ApiClient
from app.accounts.revocation import credentials_changed
from app.audit.documents import AuditAction
from app.common.clock import as_utc, now
from app.common.codes import Permission
from app.common.services import Actor, RawDoc, encode
from app.data.audit import changes_between
from app.data.policy_checks import role_named
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, ServiceError, not_found

RECORD = "ApiClient"
COLLECTION = "api_clients"
CHANGEABLE = ("name", "role", "expires_at", "key_only")
MAX_NAME = 100


@dataclass(frozen=True)
class Issued:
    """A client and its key and secret, as they are shown: once."""

    client: RawDoc
    key: str
    secret: str


def require_admin(actor: Actor) -> None:
    if not actor.may(Permission.MANAGE_ACCOUNT):
        raise ServiceError.one(
            "Only an administrator (MANAGE_ACCOUNT) manages API clients.", ErrorCode.FORBIDDEN
        )


async def check_role(scope: Scope, role: str, field: str = "role") -> None:
    """The role must be one of the account's."""
    account = await scope["accounts"].find_one({"_id": scope.account_id}, {"roles": 1})
    if account is None:
        raise ServiceError.one("No such account.", ErrorCode.NOT_FOUND)
    if role_named(account, role) is None:
        raise ServiceError.one(f"The account has no role {role!r}.", ErrorCode.INVALID, field)


def check_expiry(expires_at: dt.datetime | None, field: str = "expiresAt") -> None:
    if expires_at is not None and as_utc(expires_at) <= now():
        raise ServiceError.one("Give a time in the future, or none.", ErrorCode.INVALID, field)


def checked_name(name: str | None, field: str = "name") -> str:
    cleaned = (name or "").strip()
    if not 0 < len(cleaned) <= MAX_NAME:
        raise ServiceError.one(
            f"Give the client a name of 1 to {MAX_NAME} characters.", ErrorCode.INVALID, field
        )
    return cleaned


def new_client(
    account_id: int,
    name: str,
    role: str,
    *,
    key: str,
    secret: str,
    key_only: bool,
    expires_at: dt.datetime | None = None,
) -> RawDoc:
    """A client's stored document, holding the hashes of its key and secret."""
    client = ApiClient(
        account=account_id,
        name=checked_name(name),
        role=role,
        key_only=key_only,
        key_hash=lookup_hash(key),
        secret_hash=hash_secret(secret),
        created_date=now(),
        expires_at=as_utc(expires_at),
    )
    return encode(client)


async def create_client(
    scope: Scope,
    name: str,
    role: str,
    expires_at: dt.datetime | None = None,
    key_only: bool = False,
) -> Issued:
    """A new client acting with `role`; by default it exchanges key and secret for tokens."""
    require_admin(scope.actor)
    check_expiry(expires_at)
    await check_role(scope, role)
    key, secret = new_key(), new_secret()
    raw = new_client(
        scope.account_id, name, role, key=key, secret=secret, key_only=key_only,
        expires_at=expires_at,
    )  # fmt: skip
    raw["_id"] = ObjectId()

    async def work(tx: Tx) -> None:
        await tx[COLLECTION].insert_one(raw)
        await tx.audit_all([tx.created(RECORD, raw)])

    await scope.transact(work)
    return Issued(raw, key, secret)


async def rotate_client(scope: Scope, client_id: Any) -> Issued:
    """A new key and secret for a client; the old ones, and its tokens, stop working."""
    require_admin(scope.actor)
    current = await _live(scope, client_id)
    key, secret = new_key(), new_secret()
    change = {"key_hash": lookup_hash(key), "secret_hash": hash_secret(secret), "rotated_at": now()}

    async def work(tx: Tx) -> RawDoc:
        after = await _change(tx, current, change, AuditAction.ROTATE)
        await tx["access_tokens"].delete_many({"api_client": client_id})
        return after

    return Issued(await scope.transact(work), key, secret)


async def revoke_client(scope: Scope, client_id: Any, reason: str | None = None) -> RawDoc:
    """Revoke a client for good: its key, secret and tokens stop working in every process."""
    require_admin(scope.actor)
    current = await _live(scope, client_id)

    async def work(tx: Tx) -> RawDoc:
        change = {"revoked": True, "revoked_at": now()}
        after = await _change(tx, current, change, AuditAction.REVOKE, reason=reason)
        await tx["access_tokens"].delete_many({"api_client": client_id})
        return after

    return await scope.transact(work)


async def update_client(scope: Scope, client_id: Any, changes: dict[str, Any]) -> RawDoc:
    """Rename a client, give it another role or expiry, or change whether its key alone works;
    a role change applies to its next request, in every process."""
    require_admin(scope.actor)
    current = await _live(scope, client_id)
    change = {key: value for key, value in changes.items() if key in CHANGEABLE}
    if "role" in change:
        if change["role"] is None:
            raise ServiceError.one("A client needs a role.", ErrorCode.REQUIRED, "input.role")
        await check_role(scope, change["role"], "input.role")
    if "expires_at" in change:
        check_expiry(change["expires_at"], "input.expiresAt")
        change["expires_at"] = as_utc(change["expires_at"])
    if "name" in change:
        change["name"] = checked_name(change["name"], "input.name")
    if "key_only" in change and change["key_only"] is None:
        raise ServiceError.one("Say true or false.", ErrorCode.REQUIRED, "input.keyOnly")
    if not change:
        return current

    async def work(tx: Tx) -> RawDoc:
        return await _change(tx, current, change, AuditAction.UPDATE)

    return await scope.transact(work)


async def _live(scope: Scope, client_id: Any) -> RawDoc:
    client = await scope[COLLECTION].find_one({"_id": client_id})
    if client is None:
        raise not_found("API client")
    if client.get("revoked"):
        raise ServiceError.one(
            "This API client is revoked; make a new one.", ErrorCode.INVALID_STATE, "id"
        )
    return client


async def _change(
    tx: Tx, current: RawDoc, change: dict[str, Any], action: AuditAction, **details: Any
) -> RawDoc:
    """Apply a change to a client that is still as read (else CONFLICT), audit it, and note
    it for every process's cache."""
    sets = {key: value for key, value in change.items() if value is not None}
    unsets = {key: "" for key, value in change.items() if value is None}
    update: dict[str, Any] = {"$set": sets} if sets else {}
    if unsets:
        update["$unset"] = unsets
    guard = {"_id": current["_id"], "revoked": {"$ne": True}, "key_hash": current["key_hash"]}
    after = await tx[COLLECTION].find_one_and_update(
        guard, update, return_document=ReturnDocument.AFTER
    )
    if after is None:
        raise ServiceError.one(
            "This API client changed while you were saving; reload it.", ErrorCode.CONFLICT, "id"
        )
    changes = changes_between(current, after, keys=set(change))
    await tx.audit(action, RECORD, current["_id"], changes=changes, **details)
    await credentials_changed(tx, "api_client", current["_id"])
    return after
