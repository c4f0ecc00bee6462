"""Opening accounts, issuing API clients, and exchanging keys for access tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from app.accounts.auth import (
    hash_secret,
    lookup_hash,
    new_key,
    new_secret,
    secret_matches_async,
)
from app.accounts.documents import Account, ApiClient, Role
from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.common.clock import now
from app.common.codes import Permission, RoleType
from app.common.services import Actor, encode, validated
from app.common.store import RecordStore, in_transaction
from app.db import Database
from app.errors import ErrorCode, ServiceError

DEFAULT_ROLES = [
    Role(
        key="administrator",
        name="Administrator",
        type=RoleType.ADMINISTRATOR,
        color="#1f4e79",
        permissions=list(Permission),
    ),
    Role(
        key="scheduler",
        name="Scheduler",
        type=RoleType.OFFICE,
        color="#2e7d32",
        permissions=[
            Permission.MANAGE_SCHEDULE,
            Permission.RECORD_VISITS,
            Permission.MANAGE_PATIENTS,
            Permission.MANAGE_STAFF,
            Permission.MANAGE_TICKETS,
        ],
    ),
    Role(
        key="billing",
        name="Billing clerk",
        type=RoleType.OFFICE,
        color="#8e24aa",
        permissions=[Permission.MANAGE_BILLING, Permission.MANAGE_PAYROLL],
    ),
    Role(
        key="caregiver",
        name="Caregiver",
        type=RoleType.CAREGIVER,
        color="#ef6c00",
        permissions=[Permission.RECORD_VISITS],  # clocking in and out from their phones
    ),
]


async def next_value(database: Database, sequence: str) -> int:
    """The next number of a named sequence; atomic, so concurrent callers never share one."""
    counter = await database.db.counters.find_one_and_update(
        {"_id": sequence},
        {"$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return int(counter["value"])  # type: ignore[index]


async def create_account(
    database: Database, name: str, number: int | None = None, **fields: Any
) -> dict[str, Any]:
    """Open an account with the default roles; returns the stored account. `number` is for an
    account whose number is known outside (the care-ticket API's documented provider)."""
    number = number if number is not None else await next_value(database, "accounts")
    stamp = now()
    account = validated(
        Account,
        {
            "id": number,
            "account": number,
            "name": {"legal": name, "display": name},
            "roles": DEFAULT_ROLES,
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
    await database.db.accounts.insert_one(raw)
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
    account = await database.db.accounts.find_one({"_id": account_id}, {"roles": 1})
    if account is None:
        raise ServiceError.one("No such account.", ErrorCode.NOT_FOUND)
    if role not in {r["key"] for r in account.get("roles", [])}:
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
    await database.db.api_clients.insert_one(encode(client))
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
    client = await database.db.api_clients.find_one(
        {"key_hash": lookup_hash(api_key or ""), "revoked": {"$ne": True}}
    )
    stored = client["secret_hash"] if client is not None else None
    if client is None or not await secret_matches_async(api_secret or "", stored):
        raise ServiceError.one("The api_key and api_secret do not match.", ErrorCode.FORBIDDEN)
    account = await database.db.accounts.find_one({"_id": client["_account"], "active": 1})
    if account is None:
        raise ServiceError.one("This account is not active.", ErrorCode.FORBIDDEN)
    token = new_secret()
    expires_at = now() + dt.timedelta(seconds=ttl_seconds)
    grant = {
        "_account": client["_account"],
        "api_client": client["_id"],
        "token_hash": lookup_hash(token),
        "expires_at": expires_at,
    }
    actor = Actor(
        account_id=client["_account"],
        api_client_id=client["_id"],
        api_client_name=client["name"],
        request_id=request_id,
        client_address=client_address,
    )
    event = audit_event(actor, AuditAction.AUTHORIZE, "ApiClient", client["_id"])

    async def write(session: AsyncClientSession) -> None:
        await database.db.access_tokens.insert_one(grant, session=session)
        await database.db.audit_events.insert_one(event, session=session)

    await in_transaction(database, write)
    return token, expires_at, account


def account_store(database: Database) -> RecordStore:
    return RecordStore(database, Account, "Account")
