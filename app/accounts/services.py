"""Opening accounts, issuing API clients, and exchanging keys for access tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.accounts.auth import (
    hash_secret,
    is_active,
    lookup_hash,
    new_key,
    new_secret,
    secret_matches_async,
)
from app.accounts.documents import Account, ApiClient
from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.services import Actor, RawDoc, encode, validated
from app.data.policy import BUILT_IN, role_named
from app.data.records import Also, RecordStore
from app.data.scope import Scope
from app.data.system import System, account_of
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError


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
) -> tuple[str, str]:
    """Issue a key and secret for a program acting for the account; they are shown only now."""
    scope = Scope(database, Actor(account_id=account_id))
    account = await scope["accounts"].find_one({"_id": account_id}, {"roles": 1})
    if account is None:
        raise ServiceError.one("No such account.", ErrorCode.NOT_FOUND)
    if role_named(account, role) is None:
        raise ServiceError.one(f"The account has no role {role!r}.", ErrorCode.INVALID, "role")
    key, secret = key or new_key(), secret or new_secret()
    client = ApiClient(
        account=account_id,
        name=name,
        role=role,
        key_hash=lookup_hash(key),
        secret_hash=hash_secret(secret),
        created_date=now(),
    )
    await scope["api_clients"].insert_one(encode(client))
    return key, secret


async def authorize(
    database: Database,
    api_key: str,
    api_secret: str,
    ttl_seconds: int,
    request_id: str | None = None,
    client_address: str | None = None,
) -> tuple[str, dt.datetime, dict[str, Any]]:
    """An access token for a valid key and secret, with its expiry and the account."""
    system = System(database)
    client = await system.credential(
        "api_clients", {"key_hash": lookup_hash(api_key or ""), "revoked": {"$ne": True}}
    )
    stored = client["secret_hash"] if client is not None else None
    if client is None or not await secret_matches_async(api_secret or "", stored):
        raise ServiceError.one("The api_key and api_secret do not match.", ErrorCode.FORBIDDEN)
    account_id = account_of(client)
    account = await system.account(account_id)
    if not is_active(account):
        raise ServiceError.one("This account is not active.", ErrorCode.FORBIDDEN)
    token = new_secret()
    expires_at = now() + dt.timedelta(seconds=ttl_seconds)
    client_id = client["_id"]
    grant = {"api_client": client_id, "token_hash": lookup_hash(token), "expires_at": expires_at}
    actor = Actor(
        account_id=account_id,
        api_client_id=client_id,
        api_client_name=client["name"],
        request_id=request_id,
        client_address=client_address,
    )

    async def write(tx: Tx) -> None:
        await tx["access_tokens"].insert_one(grant)
        await tx.audit(AuditAction.AUTHORIZE, "ApiClient", client_id)

    await Scope(database, actor).transact(write)
    return token, expires_at, account


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
