"""References between records: an id given in a write names a record of the same account."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel

from app.common.services import item_path, references_in
from app.data.scope import Scope
from app.errors import ErrorCode, Problem, ServiceError


async def check_references(
    scope: Scope,
    model: type[BaseModel],
    items: list[dict[str, Any]],
    prefix: str | None = None,
    known: Mapping[str, Collection[Any]] | None = None,
) -> None:
    """Every id the items refer to, in subdocuments too, names a record of the scope's account
    (one it may read): one query per collection referred to, except for the ids `known` holds
    (per collection: records the caller has just read through the same scope)."""
    known = known or {}
    wanted: dict[str, list[tuple[Any, str, str]]] = {}
    for index, item in enumerate(items):
        where = item_path(prefix, index)
        for collection, type_name, key, path in references_in(model, item, where):
            wanted.setdefault(collection, []).append((key, type_name, path))
    problems = []
    for collection, refs in wanted.items():
        found = set(known.get(collection, ()))
        keys = list({key for key, _, _ in refs if key not in found})
        if keys:
            cursor = scope[collection].find({"_id": {"$in": keys}}, {"_id": 1})
            found |= {doc["_id"] async for doc in cursor}
        problems += [
            Problem(f"No {type_name} with this id.", ErrorCode.NOT_FOUND, path)
            for key, type_name, path in refs
            if key not in found
        ]
    if problems:
        raise ServiceError(*problems)
