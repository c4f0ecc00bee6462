"""Per-request DataLoaders: one batched, account-scoped query per collection and tick."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from app.data.scope import Scope
from app.db import RawDoc

BatchLoad = Callable[[list[Any]], Awaitable[list[Any]]]


class Loaders:
    """Loads records by id, batched per collection; another account's id loads as missing."""

    def __init__(self, scope: Scope | None) -> None:
        self._scope = scope
        self._by_collection: dict[str, DataLoader[Any, RawDoc | None]] = {}
        self._batches: dict[Any, DataLoader[Any, Any]] = {}

    def batch(self, name: Any, make: Callable[[], BatchLoad]) -> DataLoader[Any, Any]:
        """A request-long DataLoader for any batched lookup (reverse edges, first punchcards),
        made on first use; `name` tells the lookups apart."""
        loader = self._batches.get(name)
        if loader is None:
            loader = DataLoader(load_fn=make())
            self._batches[name] = loader
        return loader

    def records(self, collection: str) -> DataLoader[Any, RawDoc | None]:
        loader = self._by_collection.get(collection)
        if loader is None:
            loader = DataLoader(load_fn=self._batch_loader(collection))
            self._by_collection[collection] = loader
        return loader

    async def load(self, collection: str, key: Any) -> RawDoc | None:
        if key is None or self._scope is None:
            return None
        return await self.records(collection).load(key)

    def prime(self, collection: str, docs: Sequence[RawDoc]) -> None:
        """Remember documents a list already read, so references to them cost nothing."""
        loader = self.records(collection)
        for doc in docs:
            loader.prime(doc["_id"], doc)

    def _batch_loader(self, collection: str) -> Any:
        async def load_batch(keys: list[Any]) -> list[RawDoc | None]:
            if self._scope is None:
                return [None for _ in keys]
            cursor = self._scope[collection].find({"_id": {"$in": list(set(keys))}})
            found = {doc["_id"]: doc async for doc in cursor}
            return [found.get(key) for key in keys]

        return load_batch
