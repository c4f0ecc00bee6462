"""Opening accounts, issuing API clients, and exchanging keys for access tokens."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from app.accounts.auth import (
    is_active,
    lookup_hash,
    new_key,
    new_secret,
    seconds_left,
    secret_matches_async,
)
from app.accounts.clients import check_role, new_client
from app.accounts.documents import Account
from app.accounts.throttle import Attempt, count_failure, refuse_if_throttled
from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.services import Actor, RawDoc, encode, validated
from app.data.policy import BUILT_IN
from app.data.records import Also, RecordStore
from app.data.scope import Scope
from app.data.system import System, account_of
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.settings import Settings

log = logging.getLogger("app.accounts")


async def create_account(
    database: Database, name: str, number: int | None = None, **fields: Any
) -> dict[str, Any]:
    """Open an account; returns the stored account. `number` is for an account whose number is
    known outside (the care-ticket API's documented provider). Its roles are the built-in ones
    (app/data/policy.py, from code); it stores only the roles it defines itself."""
    system = System(database)
    number = number if number is not None else await system.next_account_number()
    stamp = now()
    account = validated(
        Account,
        {
            "id": number,
            "account": number,
            "name": {"legal": name, "display": name},
            "roles": [],
            "created_date": stamp,
            "last_updated_date": stamp,
            "role_settings": {
                "default_staff_role": "scheduler",
                "default_caregiver_role": "caregiver",
            },
            **fields,
        },
    )
    raw = encode(account)
    await system.open_account(raw)
    return raw


async def create_api_client(
    database: Database,
    account_id: int,
    name: str,
    role: str = "administrator",
    *,
    key: str | None = None,
    secret: str | None = None,
    key_only: bool = True,
) -> tuple[str, str]:
    """Issue a key and secret for a program acting for the account; they are shown only now.

    For the command line and the seeds (`account create`'s administrator, the demo's and the
    documented example's clients): key-only unless told, so seed-000 clients that send their
    key alone keep working. Clients made through the API (`apiClientCreate`) default to
    exchanging key and secret for tokens."""
    scope = Scope(database, Actor(account_id=account_id))
    await check_role(scope, role)
    key, secret = key or new_key(), secret or new_secret()
    raw = new_client(account_id, name, role, key=key, secret=secret, key_only=key_only)
    await scope["api_clients"].insert_one(raw)
    return key, secret


WRONG_KEY_OR_SECRET = "The api_key and api_secret do not match."


async def authorize(
    database: Database,
    settings: Settings,
    api_key: str,
    api_secret: str,
    request_id: str | None = None,
    client_address: str | None = None,
) -> tuple[str, dt.datetime, dict[str, Any]]:
    """An access token for a valid key and secret, with its expiry and the account.

    Throttled per key and per address (`app.accounts.throttle`); every failure is counted and
    audited in the client's account (an unknown key is logged). An unknown key costs the same
    scrypt check and the same answer as a wrong secret."""
    attempt = Attempt("authorize", lookup_hash(api_key or ""), client_address)
    await refuse_if_throttled(database, settings, attempt)
    system = System(database)
    client = await system.credential(
        "api_clients", {"key_hash": lookup_hash(api_key or ""), "revoked": {"$ne": True}}
    )
    stored = client["secret_hash"] if client is not None else None
    matched = await secret_matches_async(api_secret or "", stored)
    left = seconds_left(client) if client is not None else None
    if client is None or not matched or (left is not None and left <= 0):
        reason = "unknown key" if client is None else "wrong secret" if not matched else "expired"
        await _failed(database, settings, attempt, client, reason, request_id)
        raise ServiceError.one(WRONG_KEY_OR_SECRET, ErrorCode.FORBIDDEN)
    account_id = account_of(client)
    account = await system.account(account_id)
    if not is_active(account):
        raise ServiceError.one("This account is not active.", ErrorCode.FORBIDDEN)
    token = new_secret()
    at = now()
    expires_at = at + dt.timedelta(seconds=settings.access_token_ttl_seconds)
    client_id = client["_id"]
    grant = {"api_client": client_id, "token_hash": lookup_hash(token), "expires_at": expires_at}

    async def write(tx: Tx) -> None:
        await tx["access_tokens"].insert_one(grant)
        await tx["api_clients"].update_one({"_id": client_id}, {"$set": {"last_used_at": at}})
        await tx.audit(AuditAction.AUTHORIZE, "ApiClient", client_id)

    actor = client_actor(client, request_id, client_address)
    await Scope(database, actor).transact(write)
    return token, expires_at, account


def client_actor(client: RawDoc, request_id: str | None, address: str | None) -> Actor:
    """An API client as the actor of its own key exchange."""
    return Actor(
        account_id=account_of(client),
        api_client_id=client["_id"],
        api_client_name=client["name"],
        request_id=request_id,
        client_address=address,
    )


async def _failed(
    database: Database,
    settings: Settings,
    attempt: Attempt,
    client: RawDoc | None,
    reason: str,
    request_id: str | None,
) -> None:
    """Count the failure and put it in the client's trail, at once (an unknown key, which has
    no account, is logged instead, about as fast)."""
    if client is None:
        log.warning(
            "authorize refused: unknown key from %s (request %s)", attempt.address, request_id
        )
        await count_failure(database, settings, attempt)
        return

    async def audit(tx: Tx) -> None:
        await tx.audit(AuditAction.AUTHORIZE_FAILED, "ApiClient", client["_id"], reason=reason)

    scope = Scope(database, client_actor(client, request_id, attempt.address))
    await asyncio.gather(count_failure(database, settings, attempt), scope.transact(audit))


class AccountStore(RecordStore):
    """The account: its own roles may not take the key of a built-in role (those come from
    the policy table, the same in every account)."""

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        taken = [
            Problem(
                f"{role.get('key')!r} is a built-in role: give your own role another key.",
                ErrorCode.DUPLICATE,
                f"input.roles.{index}.key",
            )
            for index, role in enumerate(changes.get("roles") or [])
            if isinstance(role, dict) and role.get("key") in BUILT_IN
        ]
        if taken:
            raise ServiceError(*taken)
        return await super().update(actor, key, revision, changes, also)


def account_store(database: Database) -> RecordStore:
    return AccountStore(database, Account, "Account", unique_field="ext_id")
