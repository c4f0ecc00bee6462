"""Per-request DataLoaders: one batched, account-scoped query per collection and tick.

A loader fetches either the keys the request's selection needs of its collection (the plan in
`projection.py`, the same for every list and reference of that collection) or whole documents
(for code reading records for its own rules); the two are kept apart, so a record fetched
with few keys is never handed to code expecting all of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from app.data.scope import Scope
from app.db import RawDoc
from app.graphql.projection import Fields, covers, projection

BatchLoad = Callable[[list[Any]], Awaitable[list[Any]]]


class Loaders:
    """Loads records by id, batched per collection; another account's id loads as missing."""

    def __init__(self, scope: Scope | None) -> None:
        self._scope = scope
        self._by_collection: dict[tuple[str, Fields], DataLoader[Any, RawDoc | None]] = {}
        self._batches: dict[Any, DataLoader[Any, Any]] = {}
        self._primed: dict[str, list[tuple[Fields, Sequence[RawDoc]]]] = {}

    def batch(self, name: Any, make: Callable[[], BatchLoad]) -> DataLoader[Any, Any]:
        """A request-long DataLoader for any batched lookup (reverse edges, first punchcards),
        made on first use; `name` tells the lookups apart."""
        loader = self._batches.get(name)
        if loader is None:
            loader = DataLoader(load_fn=make())
            self._batches[name] = loader
        return loader

    def records(self, collection: str, fields: Fields = None) -> DataLoader[Any, RawDoc | None]:
        loader = self._by_collection.get((collection, fields))
        if loader is None:
            loader = DataLoader(load_fn=self._batch_loader(collection, fields))
            self._by_collection[(collection, fields)] = loader
            for held, docs in self._primed.get(collection, ()):
                if covers(held, fields):
                    _prime(loader, docs)
        return loader

    async def load(self, collection: str, key: Any, fields: Fields = None) -> RawDoc | None:
        """The record with this id: with `fields` only (the request's plan), else whole."""
        if key is None or self._scope is None:
            return None
        return await self.records(collection, fields).load(key)

    def held(self, collection: str, key: Any, fields: Fields = None) -> tuple[bool, RawDoc | None]:
        """A record this request already has (loaded, primed), without waiting: whether it
        is held, and the record (None: it does not exist)."""
        if self._scope is None:
            return True, None
        future = self.records(collection, fields).cache_map.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return False, None
        return True, future.result()

    async def load_many(
        self, collection: str, keys: Sequence[Any], fields: Fields = None
    ) -> list[RawDoc | None]:
        """Records by id (None for a missing one), in one batch with the tick's other loads."""
        if self._scope is None:
            return [None for _ in keys]
        return await self.records(collection, fields).load_many(keys)

    def prime(self, collection: str, docs: Sequence[RawDoc], fields: Fields = None) -> None:
        """Remember documents a list already read (with `fields`, or whole), so references to
        them cost nothing: in every loader of the collection they hold enough for, now or
        made later in the request."""
        self._primed.setdefault(collection, []).append((fields, docs))
        for (name, wanted), loader in self._by_collection.items():
            if name == collection and covers(fields, wanted):
                _prime(loader, docs)

    def _batch_loader(self, collection: str, fields: Fields) -> Any:
        async def load_batch(keys: list[Any]) -> list[RawDoc | None]:
            if self._scope is None:
                return [None for _ in keys]
            cursor = self._scope[collection].find(
                {"_id": {"$in": list(set(keys))}}, projection(fields)
            )
            found = {doc["_id"]: doc async for doc in cursor}
            return [found.get(key) for key in keys]

        return load_batch


def _prime(loader: DataLoader[Any, RawDoc | None], docs: Sequence[RawDoc]) -> None:
    for doc in docs:
        loader.prime(doc["_id"], doc)
