"""Credentials: API keys and secrets (stored hashed), expiring access tokens, and the caller."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any, TypeGuard

from bson import ObjectId

from app.common.clock import as_utc
from app.common.clock import now as clock_now
from app.common.codes import Permission, RoleType
from app.common.services import Actor
from app.data.policy_checks import role_named
from app.data.scope import Scope
from app.data.system import System, account_of
from app.db import Database

TOKEN_ALPHABET = string.ascii_lowercase + string.digits
CACHE_SECONDS = 30.0
UNKNOWN_CACHE_SECONDS = 5.0
USE_RESOLUTION = dt.timedelta(minutes=1)
"""`lastUsedAt` is written at most this often per client: not a write per request."""
PRINCIPALS = {
    "api_client": "api_client_id",
    "session": "session_id",
    "user": "user_id",
    "account": "account_id",
}
"""What a credential change names (`CredentialChange.kind`), and the Caller attribute it is."""


@dataclass(frozen=True)
class Caller:
    """Who is making a request: an API client, or a user signed in (app/identity), of one
    account, with its role's permissions."""

    account_id: int
    api_client_id: ObjectId | None
    api_client_name: str | None
    role: str
    permissions: frozenset[Permission]
    user_id: ObjectId | None = None
    user_name: str | None = None
    session_id: ObjectId | None = None
    role_type: RoleType | None = None
    """The kind of role: a caregiver reads only their own rows (app/data/policy.py)."""

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def principal(self) -> str:
        """Who sent a request, for what is kept per sender (an idempotent mutation's answer):
        the API client, or the user and their session. Two senders in one account never share
        what they keep."""
        if self.session_id is not None:
            return f"user:{self.user_id}:session:{self.session_id}"
        return f"api_client:{self.api_client_id}"

    def acting(self, request_id: str | None, address: str | None) -> Actor:
        """The caller as services and the audit trail see them, for one request: a user
        signed in is named (and their session), so records and the trail say who acted."""
        return Actor(
            account_id=self.account_id,
            user_id=self.user_id,
            user_name=self.user_name,
            session_id=self.session_id,
            api_client_id=self.api_client_id,
            api_client_name=self.api_client_name,
            request_id=request_id,
            client_address=address,
            permissions=self.permissions,
            role_type=self.role_type,
        )


def new_key() -> str:
    """An API key, in the shape of seed 001's keys: 32 hex digits."""
    return secrets.token_hex(16)


def new_secret() -> str:
    """A secret or an access token: 25 lower-case letters and digits, as seed 001 shows them."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(25))


def lookup_hash(credential: str) -> str:
    """Keys and tokens are random, so a plain SHA-256 is safe to store and to index."""
    return hashlib.sha256(credential.encode()).hexdigest()


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


# Compared against when the key is unknown, so both answers take the same time.
DUMMY_SECRET_HASH = "scrypt$" + "00" * 16 + "$" + "00" * 64


async def secret_matches_async(secret: str, stored: str | None) -> bool:
    """scrypt is ~30 ms of CPU: run it beside the event loop, and always run it."""
    matched = await asyncio.to_thread(secret_matches, secret, stored or DUMMY_SECRET_HASH)
    return matched and stored is not None


def secret_matches(secret: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)


class Authenticator:
    """Turns an Authorization credential into a Caller, caching answers for a few seconds.

    The cache spares a database round trip on every request. What changes a credential (a
    client revoked or rotated, a role changed, a session ended) is forgotten at once in the
    process that made the change and, through `app.accounts.revocation.CredentialWatch`, within
    a second in every other; CACHE_SECONDS only bounds an answer whose change was missed. A
    token or client never outlives its expiry, an unknown credential is remembered briefly.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._cache: dict[str, tuple[float, Caller | None]] = {}
        self._used: dict[ObjectId, float] = {}

    async def caller_for(self, credential: str) -> Caller | None:
        digest = lookup_hash(credential)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            caller = cached[1]
        else:
            caller, valid_for = await self._resolve(digest)
            if len(self._cache) > 10_000:
                self._cache.clear()
            keep = min(CACHE_SECONDS if caller else UNKNOWN_CACHE_SECONDS, valid_for)
            self._cache[digest] = (now + keep, caller)
        if caller is not None and caller.api_client_id is not None:
            await self._note_use(caller.account_id, caller.api_client_id)
        return caller

    async def caller_now(self, credential: str) -> Caller | None:
        """The caller, looked up anew rather than from the cache (an open socket checking that
        its credential still holds), and cached again."""
        self._cache.pop(lookup_hash(credential), None)
        return await self.caller_for(credential)

    async def _note_use(self, account_id: int, client_id: ObjectId) -> None:
        """Set the client's `last_used_at`, at most once a minute: this process remembers when
        it last did, and the filter skips a write another process made within the minute."""
        now = time.monotonic()
        last = self._used.get(client_id)
        if last is not None and now - last < USE_RESOLUTION.total_seconds():
            return
        if len(self._used) > 10_000:
            self._used.clear()
        self._used[client_id] = now
        at = clock_now()
        recent = {"$or": [{"last_used_at": None}, {"last_used_at": {"$lt": at - USE_RESOLUTION}}]}
        clients = Scope(self.database, Actor(account_id=account_id))["api_clients"]
        await clients.update_one({"_id": client_id, **recent}, {"$set": {"last_used_at": at}})

    def forget(self, account_id: int | None = None) -> None:
        """Drop cached answers: all of them, or one account's (its roles or state changed)."""
        if account_id is None:
            self._cache.clear()
            return
        for digest, (_, caller) in list(self._cache.items()):
            if caller is not None and caller.account_id == account_id:
                del self._cache[digest]

    def forget_principal(self, kind: str, key: Any) -> None:
        """Drop cached answers about one API client, session or user (`PRINCIPALS`), or one
        account: its credentials changed, here or in another process."""
        attribute = PRINCIPALS.get(kind)
        if attribute is None:
            self.forget()  # a change of a kind this process does not know: forget everything
            return
        for digest, (_, caller) in list(self._cache.items()):
            if caller is not None and getattr(caller, attribute) == key:
                del self._cache[digest]

    async def _resolve(self, digest: str) -> tuple[Caller | None, float]:
        system = System(self.database)
        token = await system.credential("access_tokens", {"token_hash": digest})
        client_filter: dict[str, object] = {"key_hash": digest}
        valid_for = CACHE_SECONDS
        if token is not None:
            remaining = (token["expires_at"] - dt.datetime.now(dt.UTC)).total_seconds()
            if remaining <= 0:
                return None, CACHE_SECONDS
            client_filter = {"_id": token["api_client"]}
            valid_for = remaining
        client = await system.credential("api_clients", {**client_filter, "revoked": {"$ne": True}})
        if client is None or (token is None and not client.get("key_only", True)):
            return None, CACHE_SECONDS  # a key that must be exchanged is no credential alone
        left = seconds_left(client)
        if left is not None and left <= 0:
            return None, CACHE_SECONDS
        valid_for = min(valid_for, left) if left is not None else valid_for
        return await self._caller(system, client), valid_for

    async def _caller(self, system: System, client: dict[str, Any]) -> Caller | None:
        account_id = account_of(client)
        account = await system.account(account_id, {"roles": 1, "active": 1})
        if not is_active(account):
            return None
        role = role_named(account, client["role"])
        return Caller(
            account_id=account_id,
            api_client_id=client["_id"],
            api_client_name=str(client["name"]),
            role=str(client["role"]),
            permissions=role.permissions if role is not None else frozenset(),
            role_type=role.type if role is not None else None,
        )


def seconds_left(client: dict[str, Any]) -> float | None:
    """How long an API client still works; None: no expiry."""
    expires = client.get("expires_at")
    if expires is None:
        return None
    return (as_utc(expires) - dt.datetime.now(dt.UTC)).total_seconds()


def is_active(account: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """Whether an account was found and is active (`active` is 1, as the REST API shows it)."""
    return account is not None and account.get("active") == 1


def credential_from_header(value: str | None) -> str | None:
    """`Bearer <key or token>`, or seed 000's bare `<api key>`."""
    if not value or not value.strip():
        return None
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip() or None
    return value.strip()
