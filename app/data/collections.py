"""A collection limited to one account: the scoping every query of the data path gets.

Its methods mirror PyMongo's. They add `_account` to every filter, every insert, every update's
filter and the first `$match` of every aggregation, apply the row policy to reads and leave out
of what they read the fields the caller may not read (app/data/fields.py), and refuse what
they cannot scope (a filter naming another account, a pipeline that reads or writes another
collection, an update that moves a record to another account).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from bson import ObjectId
from pymongo import ReplaceOne, ReturnDocument, UpdateMany, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.results import BulkWriteResult, InsertManyResult, InsertOneResult, UpdateResult

from app.data.fields import in_trail, masked
from app.data.policy import RECORDS
from app.data.rows import RowPolicy
from app.db import RawDoc

ACCOUNT = "_account"
"""The tenant key every record carries: only this package spells it in a query."""

TRAIL = RECORDS["AuditEvent"].collection
"""The audit trail: its entries carry values of other records' fields, shown by their policy."""

CROSS_COLLECTION_STAGES = frozenset({"$lookup", "$graphLookup", "$unionWith", "$out", "$merge"})

Filter = Mapping[str, Any]
FieldPolicy = Callable[[str], tuple[str, ...]]
"""The stored paths of a collection the caller may not read (app/data/fields.py)."""


def every_field(collection: str) -> tuple[str, ...]:
    """Nothing hidden: the agency itself, and rules computing with what they read."""
    return ()


C = TypeVar("C", AsyncCursor[RawDoc], AsyncCommandCursor[RawDoc])


class Judged:
    """A cursor whose documents pass a function as they are read (`async for`, `next`,
    `to_list`); what else a cursor does, it does as the cursor it wraps."""

    def __init__(self, cursor: Any, view: Callable[[RawDoc], RawDoc]) -> None:
        self._cursor = cursor
        self._view = view

    def __aiter__(self) -> Judged:
        return self

    async def __anext__(self) -> RawDoc:
        return self._view(await self._cursor.__anext__())

    async def next(self) -> RawDoc:
        return await self.__anext__()

    async def to_list(self, length: int | None = None) -> list[RawDoc]:
        return [self._view(doc) for doc in await self._cursor.to_list(length)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class ScopeError(Exception):
    """A query that cannot be limited to one account: a programming error, never user input."""


@dataclass(frozen=True)
class ScopedCollection:
    """A collection limited to one account (and, for reads, the scope's row and field
    policies)."""

    raw: AsyncCollection[RawDoc]
    account_id: int
    rows: RowPolicy
    session: AsyncClientSession | None = None
    fields: FieldPolicy = every_field

    @property
    def name(self) -> str:
        return self.raw.name

    # reads ---------------------------------------------------------------------------------

    def find(self, filter: Filter | None = None, *args: Any, **kwargs: Any) -> AsyncCursor[RawDoc]:
        args, kwargs = self._projected(args, kwargs)
        cursor = self.raw.find(self._read(filter), *args, **self._with_session(kwargs))
        return self._shown(cursor)

    async def find_one(
        self, filter: Filter | None = None, *args: Any, **kwargs: Any
    ) -> RawDoc | None:
        args, kwargs = self._projected(args, kwargs)
        found = await self.raw.find_one(self._read(filter), *args, **self._with_session(kwargs))
        return found if found is None or not self._judges_trail() else self._in_trail(found)

    async def by_ids(
        self, ids: Iterable[Any], fields: Mapping[str, Any] | None = None
    ) -> dict[Any, RawDoc]:
        """The records with these ids (only `fields`, if named), in one query, by id."""
        wanted = list({key for key in ids if isinstance(key, ObjectId)})
        if not wanted:
            return {}
        return {doc["_id"]: doc async for doc in self.find({"_id": {"$in": wanted}}, fields)}

    async def count_documents(self, filter: Filter | None = None, **kwargs: Any) -> int:
        return int(await self.raw.count_documents(self._read(filter), **self._with_session(kwargs)))

    async def aggregate(
        self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> AsyncCommandCursor[RawDoc]:
        """A pipeline whose first stage is a `$match` (scoped here) and that stays in this
        collection; anything else is refused. The fields the caller may not read are unset
        right after the match (the embedded server does not unset them inside lists)."""
        if not pipeline or "$match" not in pipeline[0]:
            raise ScopeError(f"a pipeline on {self.name} must start with $match")
        for stage in pipeline:
            crossing = CROSS_COLLECTION_STAGES.intersection(stage)
            if crossing:
                raise ScopeError(f"{sorted(crossing)[0]} would leave {self.name}")
        first = {"$match": self._read(pipeline[0]["$match"])}
        hidden = self.fields(self.name)
        unset: list[Mapping[str, Any]] = [{"$unset": list(hidden)}] if hidden else []
        stages: list[Mapping[str, Any]] = [first, *unset, *pipeline[1:]]
        return self._shown(await self.raw.aggregate(stages, **self._with_session(kwargs)))

    def _judges_trail(self) -> bool:
        """Whether this is the trail read under a field policy (rules read it whole)."""
        return self.name == TRAIL and self.fields is not every_field

    def _in_trail(self, entry: RawDoc) -> RawDoc:
        """A trail entry with the values the caller may not read taken out of its changes."""
        return dict(in_trail(entry, self.fields))

    def _shown(self, cursor: C) -> C:
        """The cursor, whose trail entries pass `_in_trail` as they are read."""
        if not self._judges_trail():
            return cursor
        return cast(C, Judged(cursor, self._in_trail))

    # writes --------------------------------------------------------------------------------

    async def insert_one(self, document: RawDoc, **kwargs: Any) -> InsertOneResult:
        return await self.raw.insert_one(self._stamped(document), **self._with_session(kwargs))

    async def insert_unless(self, document: RawDoc, unless: Filter, **kwargs: Any) -> bool:
        """Insert the document unless a record matching `unless` is there: the check and the
        insert in one command (an upsert that only sets on insert); whether it was inserted."""
        stamped = self._stamped(document)
        fields = {key: value for key, value in stamped.items() if key != ACCOUNT}
        result = await self.raw.update_one(
            self._write(unless), {"$setOnInsert": fields}, upsert=True, **self._with_session(kwargs)
        )
        return result.upserted_id is not None

    async def insert_many(self, documents: Iterable[RawDoc], **kwargs: Any) -> InsertManyResult:
        stamped = [self._stamped(document) for document in documents]
        if not stamped:  # MongoDB refuses an insert of nothing: nothing was asked, nothing done
            return InsertManyResult([], acknowledged=True)
        return await self.raw.insert_many(stamped, **self._with_session(kwargs))

    async def update_one(self, filter: Filter, update: Any, **kwargs: Any) -> UpdateResult:
        return await self.raw.update_one(
            self._write(filter), self._update(update), **self._by_id(filter, kwargs)
        )

    async def update_many(self, filter: Filter, update: Any, **kwargs: Any) -> UpdateResult:
        return await self.raw.update_many(
            self._write(filter), self._update(update), **self._by_id(filter, kwargs)
        )

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Any,
        return_document: bool = ReturnDocument.BEFORE,
        **kwargs: Any,
    ) -> RawDoc | None:
        return await self.raw.find_one_and_update(
            self._write(filter),
            self._update(update),
            return_document=return_document,
            **self._with_session(kwargs),
        )

    async def update_each(
        self, updates: Sequence[tuple[Filter, Any]], *, many: bool = False, **kwargs: Any
    ) -> BulkWriteResult:
        """Several updates in one command (`bulk_write`), each filter scoped."""
        kind = UpdateMany if many else UpdateOne
        upsert = bool(kwargs.pop("upsert", False))
        requests = [
            kind(
                dict(self._write(filter)),
                self._update(update),
                upsert=upsert,
                hint=None if upsert else _id_hint(filter),
            )
            for filter, update in updates
        ]
        return await self.raw.bulk_write(requests, **self._with_session(kwargs))

    async def replace_each(
        self, replacements: Sequence[tuple[Filter, RawDoc]], **kwargs: Any
    ) -> BulkWriteResult:
        """Several whole-document replacements in one command, each filter scoped and each
        new document kept in the account."""
        requests = [
            ReplaceOne(dict(self._write(filter)), self._stamped(document))
            for filter, document in replacements
        ]
        return await self.raw.bulk_write(requests, **self._with_session(kwargs))

    async def delete_one(self, filter: Filter, **kwargs: Any) -> Any:
        """Removes a working document (a spent key, a lock); records are deleted softly."""
        return await self.raw.delete_one(self._write(filter), **self._with_session(kwargs))

    async def delete_many(self, filter: Filter, **kwargs: Any) -> Any:
        """Removes working documents (the access tokens of a client revoked or rotated)."""
        return await self.raw.delete_many(self._write(filter), **self._with_session(kwargs))

    # scoping -------------------------------------------------------------------------------

    def _by_id(self, filter: Filter, kwargs: dict[str, Any]) -> dict[str, Any]:
        """An update of records named by id walks the id index, told so (`_id_hint`)."""
        hint = _id_hint(filter)
        if hint is not None and kwargs.get("hint") is None and not kwargs.get("upsert"):
            kwargs = {**kwargs, "hint": hint}
        return self._with_session(kwargs)

    def _with_session(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.session is not None and kwargs.get("session") is None:
            kwargs["session"] = self.session
        return kwargs

    def _projected(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The read's projection, leaving out what the caller may not read."""
        hidden = self.fields(self.name)
        if not hidden:
            return args, kwargs
        if args:
            return (masked(args[0], hidden, self.name), *args[1:]), kwargs
        return args, {**kwargs, "projection": masked(kwargs.get("projection"), hidden, self.name)}

    def _write(self, filter: Filter | None) -> RawDoc:
        """The filter limited to the account."""
        query = dict(filter or {})
        stated = query.get(ACCOUNT, self.account_id)
        if stated != self.account_id:
            raise ScopeError(f"a query on {self.name} names another account")
        query[ACCOUNT] = self.account_id
        return query

    def _read(self, filter: Filter | None) -> RawDoc:
        """The filter limited to the account and to the rows the caller may read."""
        query = self._write(filter)
        rows = self.rows(self.name)
        if not rows:
            return query
        if set(rows).isdisjoint(query):
            return {**query, **rows}  # one conjunction: index-friendly on the embedded server
        return {"$and": [query, rows]}

    def _stamped(self, document: RawDoc) -> RawDoc:
        stated = document.setdefault(ACCOUNT, self.account_id)
        if stated != self.account_id:
            raise ScopeError(f"a record for another account cannot go into {self.name}")
        return document

    def _update(self, update: Any) -> Any:
        stages = update if isinstance(update, list) else [update]  # an update or a pipeline
        for stage in stages:
            for fields in stage.values() if isinstance(stage, Mapping) else ():
                if isinstance(fields, Mapping) and ACCOUNT in fields:
                    raise ScopeError(f"an update of {self.name} cannot move a record's account")
        return update


def _id_hint(filter: Filter) -> list[tuple[str, int]] | None:
    """The id index, for a write naming its records by id: with the account beside the ids,
    the embedded server scanned the whole collection (measured: 10 ms to mark an invoice's 8
    punchcards among 8,000, 3 ms told). MongoDB picks the same index."""
    named = filter.get("_id")
    by_id = named is not None and (not isinstance(named, Mapping) or set(named) == {"$in"})
    return [("_id", 1)] if by_id else None
