"""Edges other packages put on their types to reach punchcards, batched per request.

`Event.punchcard` is one field per visit in a list: a per-request DataLoader answers all the
visits of a page with one query, so walking the graph costs a query per level, not per row.
"""

from __future__ import annotations

from typing import Any

import strawberry

from app.db import RawDoc
from app.graphql.context import Info
from app.graphql.loaders import BatchLoad
from app.graphql.projection import reads
from app.graphql.relay import node_types, record_ref


def first_punchcard_of_events(info: Info) -> BatchLoad:
    punchcards, loaders = info.context.scope["punchcards"], info.context.loaders

    async def load(keys: list[Any]) -> list[RawDoc | None]:
        query = {"event": {"$in": list(set(keys))}, "_deleted": {"$ne": True}}
        first: dict[Any, RawDoc] = {}
        async for doc in punchcards.find(query, sort=[("_id", 1)]):
            first.setdefault(doc["event"], doc)
        loaders.prime("punchcards", list(first.values()))
        return [first.get(key) for key in keys]

    return load


def event_punchcard() -> Any:
    """`Event.punchcard`: the visit's punchcard (the first recorded, not deleted), or null."""

    @reads()
    async def resolve(root: Any, info: Info) -> Any:
        if info.context.caller is None:
            return None
        loader = info.context.loaders.batch(
            "event_punchcard", lambda: first_punchcard_of_events(info)
        )
        doc = await loader.load(root.doc["_id"])
        return None if doc is None else node_types()["Punchcard"].from_doc(doc)  # type: ignore[attr-defined]

    resolve.__annotations__["return"] = record_ref("Punchcard") | None
    return strawberry.field(
        resolver=resolve,
        description="The visit's punchcard: the first one recorded for it that is not "
        "deleted; null while nobody has clocked in.",
    )
