"""The rules every record shares: validated create, revision-checked update, soft delete.

Each write and its audit entry commit together in one transaction, so the trail never misses a
change and never describes one that did not happen. Free of GraphQL: mutations, REST routes
and scripts all call these.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from bson import ObjectId
from pydantic import BaseModel
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError

from app.audit.documents import AuditAction
from app.audit.services import audit_event, changes_between
from app.common.clock import now
from app.common.documents import stored_key
from app.common.services import (
    Actor,
    RawDoc,
    SearchKeys,
    check_references,
    decode,
    encode,
    keep_write_only,
    problems_from_many,
    validated,
)
from app.common.text import camel, control_character
from app.db import Database
from app.errors import ErrorCode, ServiceError, not_found

T = TypeVar("T")
log = logging.getLogger(__name__)
MAX_IMPORT = 5000


async def in_transaction(
    database: Database, work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """Run `work` in one transaction: all of its writes commit, or none do."""
    async with database.client.start_session() as session:
        return await session.with_transaction(work)


async def records_by_id(
    database: Database,
    collection: str,
    account_id: int,
    ids: Iterable[Any],
    fields: dict[str, int] | None = None,
    session: AsyncClientSession | None = None,
) -> dict[Any, RawDoc]:
    """The account's records of a collection with these ids (only `fields`, if named), in one
    query; in `session`'s transaction when given, so they agree with what it writes."""
    wanted = list({i for i in ids if isinstance(i, ObjectId)})
    if not wanted:
        return {}
    query = {"_id": {"$in": wanted}, "_account": account_id}
    found = database.db[collection].find(query, fields, session=session)
    return {doc["_id"]: doc async for doc in found}


@dataclass
class RecordStore:
    """Writes records of one document model into its collection, scoped to an account."""

    database: Database
    model: type[BaseModel]
    record_type: str
    search_keys: SearchKeys | None = None
    unique_field: str | None = None
    """The input field a unique index guards; a clash is a DUPLICATE user error naming it."""

    @property
    def what(self) -> str:
        return self.record_type.lower()

    @property
    def collection(self) -> Any:
        return self.database.db[self.model.Settings.name]  # type: ignore[attr-defined]

    async def create(self, actor: Actor, data: dict[str, Any]) -> RawDoc:
        (raw,) = await self.create_many(actor, [data], prefix=None)
        return raw

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        """Create records all or nothing: one bad item refuses them all, naming its index."""
        if len(items) > MAX_IMPORT:
            raise ServiceError.one(f"At most {MAX_IMPORT} records at a time.", field=prefix)
        raws = [
            self._new(actor, item)
            for item in problems_from_many(self._validate_new, actor, items, prefix)
        ]
        await check_references(self._collection_of, actor.account_id, self.model, items, prefix)
        return await self.insert_new(actor, raws)

    async def insert_new(
        self,
        actor: Actor,
        raws: list[RawDoc],
        also: Callable[[AsyncClientSession], Awaitable[None]] | None = None,
    ) -> list[RawDoc]:
        """Insert validated new records with their audit entries, and `also` whatever must
        commit with them (a payment settles its invoice), in one transaction."""
        if len(raws) >= 100:  # a migration-sized write: worth a line in the log
            log.info("writing %d %s records in one transaction", len(raws), self.what)

        async def write(session: AsyncClientSession) -> None:
            await self.insert_within(session, actor, raws)
            if also is not None:
                await also(session)

        await self._unique(in_transaction(self.database, write))
        return raws

    async def insert_within(
        self, session: AsyncClientSession, actor: Actor, raws: list[RawDoc]
    ) -> None:
        """Insert validated new records, their audit entries and what `inserted` adds, in the
        caller's transaction."""
        if not raws:  # an empty import: MongoDB refuses an insert of nothing
            return
        events = [
            audit_event(
                actor,
                AuditAction.CREATE,
                self.record_type,
                raw["_id"],
                changes=changes_between(None, raw),
            )
            for raw in raws
        ]
        await self.collection.insert_many(raws, session=session)
        await self.database.db.audit_events.insert_many(events, session=session)
        await self.inserted(session, actor, raws)

    async def get(self, actor: Actor, key: Any) -> RawDoc:
        raw = await self.collection.find_one({"_id": key, "_account": actor.account_id})
        if raw is None:
            raise not_found(self.what)
        return raw

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        current = await self.get(actor, key)
        self._check_revision(current, revision)
        self._check_not_deleted(current)
        before = self.model.model_validate(decode(current)).model_dump()
        changes = keep_write_only(self.model, before, changes)
        merged = {**before, **changes}
        document = validated(self.model, {**merged, "last_updated_date": now()})
        await check_references(self._collection_of, actor.account_id, self.model, [changes])
        self._index_search(document)
        encoded = encode(document)
        keys = {stored_key(self.model, name) for name in [*changes, "last_updated_date", "search"]}
        updates = {k: v for k, v in encoded.items() if k in keys}
        unset = {k: "" for k in keys if k not in encoded and k in current}
        update = {"$set": updates, **({"$unset": unset} if unset else {})}
        event = audit_event(
            actor,
            AuditAction.UPDATE,
            self.record_type,
            key,
            changes=changes_between(current, encoded, keys),
        )
        return await self._write(current, update, event)

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        current = await self.get(actor, key)
        if revision is not None:
            self._check_revision(current, revision)
        if current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is already deleted.", ErrorCode.INVALID_STATE, "id"
            )
        if not reason.strip():
            raise ServiceError.one("Say why it is deleted.", ErrorCode.REQUIRED, "reason")
        if (why := control_character(reason, multiline=True)) is not None:
            raise ServiceError.one(why, ErrorCode.INVALID, "reason")
        entry = {
            "date": now(),
            "reason": reason.strip(),
            "user": actor.user_id,
            "api_client": actor.api_client_name,
        }
        update = {
            "$set": {"_deleted": True, "_last_updated_date": now()},
            "$push": {"_deleted_dates": entry},
        }
        event = audit_event(
            actor,
            AuditAction.DELETE,
            self.record_type,
            key,
            changes=[{"field": "deleted", "before": False, "after": True}],
            reason=reason.strip(),
        )
        return await self._write(current, update, event)

    async def restore(self, actor: Actor, key: Any) -> RawDoc:
        current = await self.get(actor, key)
        if not current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is not deleted.", ErrorCode.INVALID_STATE, "id"
            )
        last = len(current.get("_deleted_dates") or []) - 1
        restored: dict[str, Any] = {"_deleted": False, "_last_updated_date": now()}
        if last >= 0:
            restored[f"_deleted_dates.{last}.restored_date"] = now()
        event = audit_event(
            actor,
            AuditAction.RESTORE,
            self.record_type,
            key,
            changes=[{"field": "deleted", "before": True, "after": False}],
        )
        return await self._write(current, {"$set": restored}, event)

    async def _write(self, current: RawDoc, update: dict[str, Any], event: RawDoc) -> RawDoc:
        """Apply an update, with its audit entry, only if nobody changed the record meanwhile."""
        # records loaded from the old API have no revision yet: they are at revision 1
        stored = current.get("_revision")
        guard = {
            "_id": current["_id"],
            "_account": current["_account"],
            "_revision": stored if stored is not None else {"$exists": False},
        }
        update.setdefault("$set", {})["_revision"] = (stored or 1) + 1

        async def write(session: AsyncClientSession) -> RawDoc | None:
            after = await self.collection.find_one_and_update(
                guard, update, return_document=ReturnDocument.AFTER, session=session
            )
            if after is not None:
                await self.database.db.audit_events.insert_one(event, session=session)
                await self.written(session, current, after)
            return after

        after = await self._unique(in_transaction(self.database, write))
        if after is None:
            raise ServiceError.one(
                f"This {self.what} changed while you were saving; reload it.",
                ErrorCode.CONFLICT,
                "revision",
            )
        return after

    async def _unique(self, write: Awaitable[T]) -> T:
        try:
            return await write
        except (DuplicateKeyError, BulkWriteError) as clash:
            details = getattr(clash, "details", None) or {}
            codes = {e.get("code") for e in details.get("writeErrors", [])} or {clash.code}
            if 11000 not in codes:
                raise
            field = f"input.{camel(self.unique_field)}" if self.unique_field else None
            what = f"this {camel(self.unique_field)}" if self.unique_field else "these values"
            raise ServiceError.one(
                f"Another {self.what} has {what}.", ErrorCode.DUPLICATE, field
            ) from None

    async def inserted(self, session: AsyncClientSession, actor: Actor, raws: list[RawDoc]) -> None:
        """What must commit with new records (the punchcards a payroll line pays, a ticket's
        number): stores override it; it runs inside the insert's transaction, after the
        records and their audit entries."""

    async def written(self, session: AsyncClientSession, before: RawDoc, after: RawDoc) -> None:
        """What must commit with an update of a record (its invoice's punchcards, a payroll
        line's): stores override it; it runs inside the write's transaction."""

    def _validate_new(self, actor: Actor, data: dict[str, Any]) -> BaseModel:
        stamp = now()
        return validated(
            self.model,
            {
                **data,
                "account": actor.account_id,
                "revision": 1,
                "created_date": stamp,
                "last_updated_date": stamp,
            },
        )

    def _new(self, actor: Actor, document: BaseModel) -> RawDoc:
        self._index_search(document)
        raw = encode(document)
        raw.setdefault("_id", ObjectId())
        return raw

    def _check_revision(self, current: RawDoc, revision: int) -> None:
        stored = current.get("_revision", 1)
        if stored != revision:
            raise ServiceError.one(
                f"This {self.what} is at revision {stored}, not {revision}: someone changed it "
                "since you read it. Reload it and apply your change again.",
                ErrorCode.CONFLICT,
                "revision",
            )

    def _check_not_deleted(self, current: RawDoc) -> None:
        if current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is deleted; restore it first.", ErrorCode.INVALID_STATE, "id"
            )

    def _index_search(self, document: BaseModel) -> None:
        if self.search_keys is not None:
            document.search = self.search_keys(document)  # type: ignore[attr-defined]

    def _collection_of(self, name: str) -> Any:
        return self.database.db[name]
