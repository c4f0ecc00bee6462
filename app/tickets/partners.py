"""Who calls the care-ticket API: the API client of the headers `api_key` and `api_secret`,
holding a live access token (in the URL) of the same account.

The caller (account, role, permissions) comes from the application's Authenticator, cached as
it caches every caller. scrypt on every request would cost ~30 ms of CPU each: a secret that
matched its key is remembered for CACHE_SECONDS (by the hashes of both, never the secret), so a
partner calling again within that time is not hashed again. Only matches are remembered: a
wrong secret is hashed every time. A revoked key stops working as it does on /graphql (the
Authenticator's cache).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from aiohttp import web

from app.accounts.auth import CACHE_SECONDS, Authenticator, lookup_hash, secret_matches_async
from app.accounts.routes import Refused, unauthenticated
from app.common.codes import Permission
from app.common.services import RawDoc
from app.data.scope import Scope
from app.data.system import System, account_of
from app.db import Database
from app.errors import ErrorCode, Problem
from app.keys import AUTHENTICATOR, DATABASE, REQUEST_ID

MAX_REMEMBERED = 10_000
_matched: WeakKeyDictionary[Authenticator, dict[tuple[str, str], float]] = WeakKeyDictionary()
"""Per application (its Authenticator): (key hash, secret hash) -> until when it is trusted."""


@dataclass(frozen=True)
class Partner:
    """Who calls: the API client of the headers, its account (and the view of it every
    endpoint reads and writes through) and its role's permissions."""

    scope: Scope
    account: RawDoc
    permissions: frozenset[Permission]

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise Refused(
                403,
                Problem(
                    f"This API client's role may not do this: it needs {permission.name}.",
                    ErrorCode.FORBIDDEN,
                ),
            )


async def secret_matches_key(
    authenticator: Authenticator, database: Database, key: str, secret: str
) -> bool:
    """Whether the secret is the key's (a key not revoked), hashing it only when not
    remembered; an unknown key takes as long as a known one."""
    remembered = _matched.setdefault(authenticator, {})
    pair = (lookup_hash(key), lookup_hash(secret))
    now = time.monotonic()
    if remembered.get(pair, 0.0) > now:
        return True
    client = await System(database).credential(
        "api_clients", {"key_hash": pair[0], "revoked": {"$ne": True}}, {"secret_hash": 1}
    )
    stored = client["secret_hash"] if client is not None else None
    if not await secret_matches_async(secret, stored):
        return False
    if len(remembered) > MAX_REMEMBERED:
        remembered.clear()
    remembered[pair] = now + CACHE_SECONDS
    return True


async def partner_of(request: web.Request) -> Partner:
    """The headers' API client, checked against the URL's access token: both of one account."""
    database, authenticator = request.app[DATABASE], request.app[AUTHENTICATOR]
    key, secret = request.headers.get("api_key"), request.headers.get("api_secret")
    if not key or not secret:
        raise unauthenticated("Send the headers api_key and api_secret.")
    if not await secret_matches_key(authenticator, database, key, secret):
        raise unauthenticated("The api_key and api_secret do not match.")
    caller = await authenticator.caller_for(key)
    if caller is None:  # revoked, or its account closed, since
        raise unauthenticated("The api_key and api_secret do not match.")
    given = request.match_info["token"]
    system = System(database)
    token = await system.credential(
        "access_tokens", {"token_hash": lookup_hash(given)}, {"expires_at": 1}
    )
    expires = token.get("expires_at") if token is not None else None
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    if token is None or expires is None or expires <= dt.datetime.now(dt.UTC):
        raise unauthenticated("The access token is unknown or expired; authorize again.")
    if account_of(token) != caller.account_id:
        raise unauthenticated("The access token is not of this api_key's provider.")
    account = await system.account(caller.account_id, {"settings": 1})
    if account is None or await authenticator.caller_for(given) is None:
        raise unauthenticated("The access token is no longer valid; authorize again.")
    return Partner(
        scope=Scope(database, caller.acting(request.get(REQUEST_ID), request.remote)),
        account=account,
        permissions=caller.permissions,
    )
