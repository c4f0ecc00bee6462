"""The rules every record shares: validated create, revision-checked update, soft delete.

A `RecordStore` writes one document model through the data path: each write and its audit
entry commit together in one unit of work, so the trail never misses a change and never
describes one that did not happen. Free of GraphQL: mutations, REST routes and scripts all
call these. Record types with rules of their own subclass it: check, then call `super()`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bson import ObjectId
from pydantic import BaseModel, ValidationError
from pymongo.errors import BulkWriteError, DuplicateKeyError

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.documents import stored_key
from app.common.patch import patched
from app.common.services import (
    Actor,
    RawDoc,
    SearchKeys,
    decode,
    encode,
    item_path,
    keep_write_only,
    problems_from_many,
    validated,
)
from app.common.text import camel, control_character
from app.data.audit import changes_between
from app.data.fields import unwritable
from app.data.references import check_references
from app.data.scope import Scope, ScopedCollection
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, ServiceError, not_found

T = TypeVar("T")
log = logging.getLogger(__name__)
MAX_IMPORT = 5000

Also = Callable[[Tx], Awaitable[None]]
"""More writes that must commit with a record's write, in its unit of work."""
Known = Mapping[str, Mapping[Any, RawDoc]] | None
"""Records already read through the writer's scope, by collection and id."""


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
    def collection_name(self) -> str:
        return str(self.model.Settings.name)  # type: ignore[attr-defined]

    def scope(self, actor: Actor) -> Scope:
        """The actor's view of the account, through which this store reads and writes."""
        return Scope(self.database, actor)

    def collection(self, actor: Actor) -> ScopedCollection:
        return self.scope(actor)[self.collection_name]

    # create ----------------------------------------------------------------------------------

    async def create(self, actor: Actor, data: dict[str, Any], also: Also | None = None) -> RawDoc:
        (raw,) = await self.create_many(actor, [data], prefix=None, also=also)
        return raw

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        """Create records all or nothing: one bad item refuses them all, naming its index."""
        return await self.insert_new(actor, await self.prepare_many(actor, items, prefix), also)

    async def prepare(self, actor: Actor, data: dict[str, Any], known: Known = None) -> RawDoc:
        """A new record, validated and ready to insert, without writing anything."""
        (raw,) = await self.prepare_many(actor, [data], prefix=None, known=known)
        return raw

    async def prepare_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        known: Known = None,
    ) -> list[RawDoc]:
        """New records, validated (the problems of all of them, each naming its item) and their
        references checked, ready to insert; nothing is written. Marked fields (pay, billing,
        ...) the actor may not write are refused first, unless the actor is `computing()`:
        the data is the rules' (a punch's pay), or the store checked what the caller gave
        before filling in more. `known`: records the caller just read through the actor's
        scope, by collection and id, which need not be read again to check references."""
        if len(items) > MAX_IMPORT:
            raise ServiceError.one(f"At most {MAX_IMPORT} records at a time.", field=prefix)
        self.refuse_unwritable(actor, items, prefix)
        raws = [
            self.new_raw(document)
            for document in problems_from_many(self.validate_new, actor, items, prefix)
        ]
        await check_references(self.scope(actor), self.model, items, prefix, known)
        return raws

    async def insert_new(
        self, actor: Actor, raws: list[RawDoc], also: Also | None = None
    ) -> list[RawDoc]:
        """Insert prepared records with their audit entries, and `also` whatever must commit
        with them (a payment settles its invoice), in one unit of work."""
        if not raws:
            return raws
        if len(raws) >= 100:  # a migration-sized write: worth a line in the log
            log.info("writing %d %s records in one transaction", len(raws), self.what)

        async def write(tx: Tx) -> None:
            await self.insert(tx, raws)
            if also is not None:
                await also(tx)

        await self.unique(self.scope(actor).transact(write))
        return raws

    async def insert(self, tx: Tx, raws: list[RawDoc]) -> None:
        """Insert prepared records, their audit entries and what `inserted` adds, in the
        caller's unit of work."""
        await tx.insert(self.record_type, self.collection_name, raws)
        await self.inserted(tx, raws)

    # read ------------------------------------------------------------------------------------

    async def get(self, actor: Actor, key: Any) -> RawDoc:
        """A record the actor may see, whole: the store's rules (and an update's patch)
        work with every field of it, the ones the actor may not read too."""
        raw = await self.scope(actor).unmasked()[self.collection_name].find_one({"_id": key})
        if raw is None:
            raise not_found(self.what)
        return raw

    # update, delete, restore -----------------------------------------------------------------

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        """Apply a patch: fields left out keep their stored values at every depth, a null
        clears one, a list replaces the stored list whole. Marked fields the actor may not
        write are refused first (see `prepare_many`)."""
        self.refuse_unwritable(actor, [changes], None)
        return await self.patch(actor, await self.get(actor, key), revision, changes, also)

    async def patch(
        self,
        actor: Actor,
        current: RawDoc,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        """`update` of a record the caller has just read whole (as `get` reads it): a punch
        read its punchcard to compute the change, and need not read it again."""
        self.refuse_unwritable(actor, [changes], None)
        self.check_revision(current, revision)
        self.check_not_deleted(current)
        before = self.stored_fields(current)
        changes = keep_write_only(self.model, before, changes)
        merged = patched(before, changes, self.model)
        document = validated(self.model, {**merged, "last_updated_date": now()}, changes)
        await check_references(self.scope(actor), self.model, [changes])
        self._index_search(document)
        encoded = encode(document)
        keys = {stored_key(self.model, name) for name in [*changes, "last_updated_date", "search"]}
        updates = {k: v for k, v in encoded.items() if k in keys}
        unset = {k: "" for k in keys if k not in encoded and k in current}
        update = {"$set": updates, **({"$unset": unset} if unset else {})}
        changed = changes_between(current, encoded, keys)
        return await self.write(actor, current, update, changes=changed, also=also)

    def stored_fields(self, current: RawDoc) -> dict[str, Any]:
        """A stored record as its model's fields, to patch. One the model no longer takes as
        it is (a value stored before a rule, an empty name say) is taken as stored: an update
        must then give that field a value the rules accept, and is refused naming it."""
        raw = decode(current)
        try:
            return self.model.model_validate(raw).model_dump()
        except ValidationError:
            return self.model.model_construct(**raw).model_dump(warnings=False)

    async def delete(
        self,
        actor: Actor,
        key: Any,
        reason: str,
        revision: int | None,
        also: Also | None = None,
    ) -> RawDoc:
        current = await self.get(actor, key)
        if revision is not None:
            self.check_revision(current, revision)
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
        return await self.write(
            actor,
            current,
            update,
            action=AuditAction.DELETE,
            changes=[{"field": "deleted", "before": False, "after": True}],
            reason=reason.strip(),
            also=also,
        )

    async def restore(self, actor: Actor, key: Any, also: Also | None = None) -> RawDoc:
        current = await self.get(actor, key)
        if not current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is not deleted.", ErrorCode.INVALID_STATE, "id"
            )
        last = len(current.get("_deleted_dates") or []) - 1
        restored: dict[str, Any] = {"_deleted": False, "_last_updated_date": now()}
        if last >= 0:
            restored[f"_deleted_dates.{last}.restored_date"] = now()
        return await self.write(
            actor,
            current,
            {"$set": restored},
            action=AuditAction.RESTORE,
            changes=[{"field": "deleted", "before": True, "after": False}],
            also=also,
        )

    async def write(
        self,
        actor: Actor,
        current: RawDoc,
        update: dict[str, Any],
        *,
        action: AuditAction = AuditAction.UPDATE,
        changes: list[dict[str, Any]] | None = None,
        also: Also | None = None,
        **details: Any,
    ) -> RawDoc:
        """Apply an update with its audit entry, only if nobody changed the record meanwhile,
        then `written` and `also`, all in one unit of work."""

        async def work(tx: Tx) -> RawDoc:
            after = await tx.update(
                self.record_type,
                self.collection_name,
                current,
                update,
                action=action,
                changes=changes,
                **details,
            )
            await self.written(tx, current, after)
            if also is not None:
                await also(tx)
            return after

        return await self.unique(self.scope(actor).transact(work))

    # hooks -----------------------------------------------------------------------------------

    async def inserted(self, tx: Tx, raws: list[RawDoc]) -> None:
        """What must commit with new records (the punchcards a payroll line pays, a ticket's
        number): stores override it; it runs in the insert's unit of work, after the records
        and their audit entries."""

    async def written(self, tx: Tx, before: RawDoc, after: RawDoc) -> None:
        """What must commit with every update of a record (a payroll line's punchcards):
        stores override it; it runs in the write's unit of work."""

    # checks ----------------------------------------------------------------------------------

    async def unique(self, write: Awaitable[T]) -> T:
        """The write's result; a clash on a unique index is a DUPLICATE user error."""
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

    def refuse_unwritable(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None
    ) -> None:
        """FORBIDDEN, naming each input field, when the items give a value to a marked field
        (pay, billing, clinical, HR, identity) the actor's role may not write; nothing when
        the actor writes what the rules computed (`Actor.computing`)."""
        if actor.computed:
            return
        paths = [item_path(prefix, index) for index in range(len(items))]
        problems = unwritable(actor, self.model, items, paths)
        if problems:
            raise ServiceError(*problems)

    def validate_new(self, actor: Actor, data: dict[str, Any]) -> BaseModel:
        """A new record's document, with its account, first revision and dates."""
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

    def new_raw(self, document: BaseModel) -> RawDoc:
        """A validated document as it is stored, with its search keys and an id."""
        self._index_search(document)
        raw = encode(document)
        raw.setdefault("_id", ObjectId())
        return raw

    def check_revision(self, current: RawDoc, revision: int) -> None:
        stored = current.get("_revision", 1)
        if stored != revision:
            raise ServiceError.one(
                f"This {self.what} is at revision {stored}, not {revision}: someone changed it "
                "since you read it. Reload it and apply your change again.",
                ErrorCode.CONFLICT,
                "revision",
            )

    def check_not_deleted(self, current: RawDoc) -> None:
        if current.get("_deleted"):
            raise ServiceError.one(
                f"This {self.what} is deleted; restore it first.", ErrorCode.INVALID_STATE, "id"
            )

    def _index_search(self, document: BaseModel) -> None:
        if self.search_keys is not None:
            document.search = self.search_keys(document)  # type: ignore[attr-defined]
