"""Writing audit entries: in the same transaction as the change they describe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bson import ObjectId

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.text import camel

if TYPE_CHECKING:
    from app.common.services import Actor

RawDoc = dict[str, Any]

SENSITIVE_KEYS = frozenset(
    {"ssn", "date_of_birth", "auth_token", "key_hash", "secret_hash", "last4", "note"}
    | {"password_hash", "totp_secret", "totp_pending_secret", "token_hash", "refresh_hash"}
    | {"signing_secret"}
)
MASK = "***"
OUTBOX = "outbox"
"""Marks the first audit entry of a transaction that the change feed (app/live) has not taken
yet: the trail is the outbox, and the feed takes each committed transaction once, then removes
the mark (`Outbox.publish`). Only that entry carries the mark and names the transaction's
entries (`TRANSACTION_ENTRIES`), so the outbox's index holds one entry a transaction, not one a
record (a year of a series writes 366). Entries about reads, written outside a transaction,
carry none."""
TRANSACTION_ENTRIES = "transaction_entries"
NOT_AUDITED = frozenset(
    {
        "_search",
        "_revision",
        "_last_updated_date",
        "_created_date",
        "_id",
        "_account",
        "last_updated_date",
    }
)


@lru_cache(maxsize=4096)
def _sensitive(key: str) -> bool:
    return key.lstrip("_") in SENSITIVE_KEYS


def masked(key: str, value: Any) -> Any:
    """A value fit for the trail: sensitive values, at any depth, become ***."""
    if _sensitive(key):
        return None if value is None else MASK
    if isinstance(value, dict):
        return {k: masked(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(key, v) for v in value]
    return value


def changes_between(
    before: RawDoc | None, after: RawDoc, keys: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The stored keys whose values differ, with both values masked."""
    old = before or {}
    candidates = keys if keys is not None else set(old) | set(after)
    return [
        {
            "field": camel(key),
            "before": masked(key, old.get(key)),
            "after": masked(key, after.get(key)),
        }
        for key in sorted(candidates)
        if key not in NOT_AUDITED and old.get(key) != after.get(key)
    ]


def entry_id(at: dt.datetime) -> ObjectId:
    """An entry's id, whose time is the second the entry was made: a time range of the trail is
    a range of ids (`ids_within`), which the `_id` index serves, so the trail needs no index
    of its own on `at`. The other eight bytes are a fresh ObjectId's (unique)."""
    return ObjectId(int(at.timestamp()).to_bytes(4, "big") + ObjectId().binary[4:])


WRITTEN_WITHIN = dt.timedelta(seconds=61)
"""How long after an entry was made an entry written before `entry_id` got its id: when its
transaction inserted it, at most MongoDB's 60 seconds a transaction may live."""


ID_TIMES = (
    dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=2**32 - 1),
)
"""The first and last second an ObjectId's four bytes of time can hold."""


def ids_within(start: dt.datetime | None, end: dt.datetime | None) -> dict[str, Any]:
    """The ids of entries made from `start` to before `end`, give or take: what narrows a time
    range of the trail to a range of the `_id` index (the exact times are checked too)."""
    bounds: dict[str, Any] = {}
    # an id holds the seconds from 1970 to 2106; a caller may ask for any time from 1800 to
    # 2999 (the DateTime scalar): a bound outside what ids hold narrows nothing, and is left
    # to the exact times' clause
    if start is not None and start > ID_TIMES[0]:
        bounds["$gte"] = ObjectId.from_datetime(min(start, ID_TIMES[1]))
    if end is not None and end + WRITTEN_WITHIN <= ID_TIMES[1]:
        bounds["$lt"] = ObjectId.from_datetime(max(end + WRITTEN_WITHIN, ID_TIMES[0]))
    return {"_id": bounds} if bounds else {}


def audit_event(
    actor: Actor, action: AuditAction, record_type: str, record_id: Any, **details: Any
) -> RawDoc:
    """A trail entry, ready to insert in the writer's transaction. `private=True` marks an entry
    about a private record (a private progress note): only roles with VIEW_SENSITIVE see it."""
    at = now()
    return {
        "_id": entry_id(at),
        **({"private": True} if details.get("private") else {}),
        "_account": actor.account_id,
        "at": at,
        "actor": actor.as_audit_actor(),
        "action": action.value,
        "record_type": record_type,
        "record_id": record_id,
        "changes": details.get("changes", []),
        "fields_read": details.get("fields_read", []),
        "reason": details.get("reason"),
        "request_id": actor.request_id,
        "client_address": actor.client_address,
        # the record's revision after the change: the feed keeps one record's changes in order
        **({"revision": details["revision"]} if details.get("revision") is not None else {}),
        # a writer may name the change for the feed (`event="ticket.escalated"`); else the
        # feed derives its name (app/live/events.py)
        **({"event": details["event"]} if details.get("event") else {}),
    }


def outboxed(entries: list[RawDoc], transaction: Any) -> list[RawDoc]:
    """A transaction's entries, each naming the transaction (the feed keeps its entries
    together), the first marked for the change feed and naming them all, in order."""
    for entry in entries:
        entry["transaction"] = transaction
    entries[0][OUTBOX] = True
    entries[0][TRANSACTION_ENTRIES] = [entry["_id"] for entry in entries]
    return entries


def sensitive_read_events(actor: Actor, reads: dict[tuple[str, Any], set[str]]) -> list[RawDoc]:
    """One entry per record whose sensitive fields a request read, naming the fields."""
    return [
        audit_event(
            actor, AuditAction.READ_SENSITIVE, record_type, record_id, fields_read=sorted(fields)
        )
        for (record_type, record_id), fields in reads.items()
    ]
