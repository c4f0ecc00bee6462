"""The unit of work: what one transaction writes, with its revisions and audit entries.

`Scope.transact(work)` hands `work` a `Tx`. Through it, new records go in with one audit entry
each, and an update applies only if the record is still at the revision it was read at (the
revision is bumped and the audit entry written in the same transaction). Everything a `Tx`
writes commits together or not at all.

The audit entries of a unit of work are kept until `work` is done and then appended in one
command, still inside the transaction: a clock-in (its punchcard and its visit's status) or an
invoice (the invoice and the punchcards it marks) writes its trail once, not per change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from app.audit.documents import AuditAction
from app.common.services import Actor
from app.data.audit import audit_event, changes_between, outboxed
from app.data.collections import FieldPolicy, ScopedCollection, every_field
from app.data.rows import RowPolicy, whole_account
from app.db import Database, RawDoc
from app.errors import ErrorCode, ServiceError

AUDIT = "audit_events"
CREATED_SLICE = 64
"""New records' entries made between two turns of the loop (`Tx._created`): about 2 ms."""


@dataclass(frozen=True)
class Tx:
    """One transaction of one scope (`Scope.transact` makes it): the same actor, account,
    row and field policies, and collections that carry the transaction's session."""

    database: Database
    actor: Actor
    rows: RowPolicy
    session: AsyncClientSession
    fields: FieldPolicy = every_field
    pending: list[RawDoc] = field(default_factory=list)
    """The unit of work's audit entries, appended when `work` is done (`flush`)."""
    transaction: ObjectId = field(default_factory=ObjectId)
    """Names this attempt's audit entries, which the change feed keeps together."""

    @property
    def account_id(self) -> int:
        return self.actor.account_id

    def __getitem__(self, collection: str) -> ScopedCollection:
        raw = self.database.db[collection]
        return ScopedCollection(raw, self.account_id, self.rows, self.session, self.fields)

    def whole_account(self) -> Tx:
        """This transaction without the row and field policies (see `Scope.whole_account`)."""
        return replace(self, rows=whole_account, fields=every_field)

    def unmasked(self) -> Tx:
        """This transaction without the field policy (see `Scope.unmasked`)."""
        return replace(self, fields=every_field)

    async def flush(self) -> None:
        """Append the entries kept so far, in one command (`Scope.transact` does, last), each
        naming this transaction, the first marked for the change feed: the trail is the
        feed's outbox (app/live), and the feed keeps one transaction's entries together."""
        if self.pending:
            entries = outboxed(list(self.pending), self.transaction)
            self.pending.clear()
            await self[AUDIT].insert_many(entries)

    def mark_entries(self, record_type: str, record_ids: Iterable[Any], **fields: Any) -> None:
        """Set fields on this unit of work's entries about these records (a private note's
        entries are private) before they are written."""
        wanted = set(record_ids)
        for entry in self.pending:
            if entry.get("record_type") == record_type and entry.get("record_id") in wanted:
                entry.update(fields)

    def entry(
        self, action: AuditAction, record_type: str, record_id: Any, **details: Any
    ) -> RawDoc:
        """An audit entry by this transaction's actor, for `audit_all`."""
        return audit_event(self.actor, action, record_type, record_id, **details)

    async def audit(
        self, action: AuditAction, record_type: str, record_id: Any, **details: Any
    ) -> None:
        """Append one entry to the trail, committed with the change it describes."""
        self.pending.append(self.entry(action, record_type, record_id, **details))

    async def audit_all(self, entries: list[RawDoc]) -> None:
        """Append several entries (with the unit of work's others, in one command)."""
        self.pending.extend(entries)

    async def insert(self, record_type: str, collection: str, raws: list[RawDoc]) -> None:
        """New records, each with its CREATE entry (all their fields, sensitive ones masked)."""
        if not raws:
            return
        writing = asyncio.ensure_future(self[collection].insert_many(raws))
        try:
            entries = await self._created_meanwhile(record_type, raws)
        except BaseException:
            # nothing of the unit may go on after it failed: the insert would run on a
            # session its transaction has aborted and ended (asyncio.gather leaves it running)
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)
            raise
        await writing
        await self.audit_all(entries)

    async def _created_meanwhile(self, record_type: str, raws: list[RawDoc]) -> list[RawDoc]:
        """The CREATE entries of new records, made while the database writes them (a year of a
        series keeps it busy a quarter of a second): a slice at a time, handing the loop back
        between slices, since the driver needs a few turns of it to send the insert."""
        entries: list[RawDoc] = []
        for start in range(0, len(raws), CREATED_SLICE):
            await asyncio.sleep(0)
            entries += [
                self.created(record_type, raw) for raw in raws[start : start + CREATED_SLICE]
            ]
        return entries

    def created(self, record_type: str, raw: RawDoc) -> RawDoc:
        """A new record's CREATE entry: all its fields, sensitive ones masked."""
        changes = changes_between(None, raw)
        revision = raw.get("_revision", 1)
        return self.entry(
            AuditAction.CREATE, record_type, raw["_id"], changes=changes, revision=revision
        )

    async def insert_unless(
        self, record_type: str, collection: str, raw: RawDoc, unless: Mapping[str, Any]
    ) -> bool:
        """A new record with its CREATE entry, unless a record matching `unless` is there
        (one per caregiver and visit): checked and inserted in one command. Whether it was."""
        if not await self[collection].insert_unless(raw, unless):
            return False
        self.pending.append(self.created(record_type, raw))
        return True

    async def update(
        self,
        record_type: str,
        collection: str,
        current: RawDoc,
        update: Mapping[str, Any],
        *,
        action: AuditAction = AuditAction.UPDATE,
        changes: list[dict[str, Any]] | None = None,
        **details: Any,
    ) -> RawDoc:
        """Apply `update` only if the record is still at the revision `current` was read at;
        bump the revision and write the audit entry (`changes`, or every field that differs).
        A record changed meanwhile is a CONFLICT, and nothing is written."""
        stored = current.get("_revision")
        # records loaded from the old API have no revision yet: they are at revision 1
        at = stored if stored is not None else {"$exists": False}
        guard = {"_id": current["_id"], "_revision": at}
        revision = (stored or 1) + 1
        revised = {**update, "$set": {**update.get("$set", {}), "_revision": revision}}
        after = await self[collection].find_one_and_update(
            guard, revised, return_document=ReturnDocument.AFTER
        )
        if after is None:
            raise changed_meanwhile(record_type)
        if changes is None:
            changes = changes_between(current, after)
        await self.audit(
            action, record_type, current["_id"], changes=changes, revision=revision, **details
        )
        return after


def changed_meanwhile(record_type: str) -> ServiceError:
    return ServiceError.one(
        f"This {record_type.lower()} changed while you were saving; reload it.",
        ErrorCode.CONFLICT,
        "revision",
    )
