"""Edges other packages put on their types to reach punchcards, batched per request.

`Event.punchcard` is one field per visit in a list: a per-request DataLoader answers all the
visits of a page with one query, so walking the graph costs a query per level, not per row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from weakref import WeakKeyDictionary

import strawberry
from strawberry.dataloader import DataLoader

from app.db import RawDoc
from app.graphql.context import Info
from app.graphql.loaders import Loaders
from app.graphql.relay import node_types, record_ref

BatchLoad = Callable[[list[Any]], Awaitable[list[Any]]]
_loaders: WeakKeyDictionary[Loaders, dict[str, DataLoader[Any, Any]]] = WeakKeyDictionary()


def request_loader(
    info: Info, name: str, make: Callable[[Info], BatchLoad]
) -> DataLoader[Any, Any]:
    """A DataLoader that lives as long as the request (its `Loaders`), made on first use."""
    per_request = _loaders.setdefault(info.context.loaders, {})
    if name not in per_request:
        per_request[name] = DataLoader(load_fn=make(info))
    return per_request[name]


def first_punchcard_of_events(info: Info) -> BatchLoad:
    database, account = info.context.database, info.context.account_id
    loaders = info.context.loaders

    async def load(keys: list[Any]) -> list[RawDoc | None]:
        query = {"_account": account, "event": {"$in": list(set(keys))}, "_deleted": {"$ne": True}}
        first: dict[Any, RawDoc] = {}
        async for doc in database.db.punchcards.find(query, sort=[("_id", 1)]):
            first.setdefault(doc["event"], doc)
        loaders.prime("punchcards", list(first.values()))
        return [first.get(key) for key in keys]

    return load


def event_punchcard() -> Any:
    """`Event.punchcard`: the visit's punchcard (the first recorded, not deleted), or null."""

    async def resolve(root: Any, info: Info) -> Any:
        if info.context.caller is None:
            return None
        loader = request_loader(info, "event_punchcard", first_punchcard_of_events)
        doc = await loader.load(root.doc["_id"])
        return None if doc is None else node_types()["Punchcard"].from_doc(doc)  # type: ignore[attr-defined]

    resolve.__annotations__["return"] = record_ref("Punchcard") | None
    return strawberry.field(
        resolver=resolve,
        description="The visit's punchcard: the first one recorded for it that is not "
        "deleted; null while nobody has clocked in.",
    )
