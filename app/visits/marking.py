"""Punchcards marked by the system steps that bill or pay them: an invoice's or a payroll
line's snapshot put on them (or taken off), checked and written in the caller's transaction.

A system step (an invoice, a payroll line, the demo) also marks punchcards frozen by an invoice
or a closed payroll, which clerks cannot edit. It never moves a punchcard from one invoice (or
payroll) to another: a punchcard already carrying another record's snapshot is refused with
DUPLICATE (clear it first), checked in the same transaction as the write (see `_write_marks`),
so two invoices marking one punchcard at the same time cannot both win. Each punchcard changed
gets an audit entry; the marks of several invoices (a batch's group) are one command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from bson import ObjectId

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.services import RawDoc, snapshot_id
from app.data.collections import ScopedCollection
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, ServiceError

SYSTEM_SNAPSHOTS = {"invoice": "its invoice", "payroll": "the payroll line paying it"}
"""Snapshots only system steps set (`mark_punchcards`), and who sets them."""

Mark = tuple[RawDoc | None, list[Any]]
"""A snapshot to put on these punchcards (None: take the field off them)."""


def _same(stored: Any, snapshot: RawDoc) -> bool:
    """Whether a punchcard already carries this snapshot (stored times come back with UTC)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value

    if not isinstance(stored, dict) or stored.keys() != snapshot.keys():
        return False
    return all(plain(stored[k]) == plain(v) for k, v in snapshot.items())


async def mark_punchcards(
    within: Scope | Tx,
    field: str,
    snapshot: RawDoc | None,
    punchcard_ids: list[Any],
    read: Mapping[Any, RawDoc] | None = None,
) -> int:
    """Put a snapshot (`payroll` or `invoice`, stored names: `{"_id": ..., ...}`) on
    punchcards, or take it off (`snapshot=None` unsets the field), with an audit entry each
    (see the module). Given a `Tx`, it writes in the caller's transaction (and raises there, so
    the caller's writes roll back too); given a `Scope`, in a transaction of its own. It reads
    and marks the punchcards of the whole account, whoever may see them. Returns how many
    punchcards it changed. `read`: the punchcards as the caller's transaction (`within`) has
    just read them whole (an invoice's generation), which are not read again."""

    async def write(tx: Tx) -> int:
        return await mark_each(
            tx, field, [(snapshot, punchcard_ids)], read if within is tx else None
        )

    if isinstance(within, Tx):
        return await write(within)
    return await within.transact(write)


async def mark_each(
    tx: Tx, field: str, marks: Sequence[Mark], read: Mapping[Any, RawDoc] | None = None
) -> int:
    """Several marks (one per invoice of a batch's group) checked as `mark_punchcards` checks
    one, and written in one command of the caller's transaction. `read`: the punchcards as
    this transaction has just read them whole."""
    if field not in SYSTEM_SNAPSHOTS:
        raise ValueError(f"mark_punchcards marks {sorted(SYSTEM_SNAPSHOTS)}, not {field!r}")
    wanted = [(snapshot, list(dict.fromkeys(ids))) for snapshot, ids in marks if ids]
    for snapshot, _ in wanted:
        if snapshot is not None and not isinstance(snapshot.get("_id"), ObjectId):
            raise ValueError("a snapshot holds the record's id as `_id`")
    known = dict(read or {})
    missing = [key for _, ids in wanted for key in ids if key not in known]
    punchcards = tx.whole_account()["punchcards"]
    if missing:
        query = {"_id": {"$in": missing}}
        async for doc in punchcards.find(query, {field: 1, "_revision": 1}):
            known[doc["_id"]] = doc
    changes, entries = [], []
    for snapshot, ids in wanted:
        if any(key not in known for key in ids):
            raise ServiceError.one("No punchcard with this id.", ErrorCode.NOT_FOUND, "punchcards")
        found, change = _checked(field, snapshot, [known[key] for key in ids])
        if found:
            changes.append((found, change))
        entries += [
            tx.entry(
                AuditAction.UPDATE,
                "Punchcard",
                doc["_id"],
                changes=[{"field": field, "before": doc.get(field), "after": snapshot}],
            )
            for doc in found
        ]
    if not changes:
        return 0
    expected = len(entries)
    if await _write_marks(punchcards, changes) != expected:
        # a snapshot read then written: not expected, but never silent
        raise ServiceError.one(
            f"A punchcard's {field} changed while marking it; try again.",
            ErrorCode.CONFLICT,
            "punchcards",
        )
    await tx.audit_all(entries)
    return expected


def _checked(
    field: str, snapshot: RawDoc | None, found: list[RawDoc]
) -> tuple[list[RawDoc], RawDoc]:
    """The punchcards this mark changes, and the change; DUPLICATE for one carrying another
    record's snapshot."""
    if snapshot is None:
        return [doc for doc in found if doc.get(field) is not None], {"$unset": {field: ""}}
    target = snapshot["_id"]
    if any(snapshot_id(doc.get(field)) not in (None, target) for doc in found):
        raise ServiceError.one(
            f"This punchcard already carries another {field}.", ErrorCode.DUPLICATE, "punchcards"
        )
    return [doc for doc in found if not _same(doc.get(field), snapshot)], {
        "$set": {field: snapshot}
    }


async def _write_marks(
    punchcards: ScopedCollection, changes: list[tuple[list[RawDoc], RawDoc]]
) -> int:
    """Write the changes on the punchcards `mark_each` read and checked in this transaction,
    in one command, by `_id` only (and the account the collection adds): a filter on any other
    field makes the embedded server scan the whole collection (measured: the two guarded
    updates were the largest cost per invoice). The check stays sound without a guard in the
    filter: the read pinned the transaction's snapshot, so a punchcard another transaction
    changed since is a write conflict here, and the whole transaction is run again
    (re-reading it). How many punchcards changed."""
    stamp = now()
    updates: list[tuple[RawDoc, RawDoc]] = []
    for found, change in changes:
        # records loaded from the old API have no revision yet: they were at revision 1
        versioned = [doc["_id"] for doc in found if "_revision" in doc]
        legacy = [doc["_id"] for doc in found if "_revision" not in doc]
        sets = {**change.get("$set", {}), "_last_updated_date": stamp}
        if versioned:
            bumped = {**change, "$set": sets, "$inc": {"_revision": 1}}
            updates.append(({"_id": {"$in": versioned}}, bumped))
        if legacy:
            updates.append(({"_id": {"$in": legacy}}, {**change, "$set": {**sets, "_revision": 2}}))
    result = await punchcards.update_each(updates, many=True)
    return int(result.modified_count)
