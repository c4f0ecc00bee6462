"""References between records: an id given in a write names a record of the same account."""

from __future__ import annotations

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
) -> None:
    """Every id the items refer to, in subdocuments too, names a record of the scope's account
    (one it may read): one query per collection referred to."""
    wanted: dict[str, list[tuple[Any, str, str]]] = {}
    for index, item in enumerate(items):
        where = item_path(prefix, index)
        for collection, type_name, key, path in references_in(model, item, where):
            wanted.setdefault(collection, []).append((key, type_name, path))
    problems = []
    for collection, refs in wanted.items():
        keys = list({key for key, _, _ in refs})
        cursor = scope[collection].find({"_id": {"$in": keys}}, {"_id": 1})
        found = {doc["_id"] async for doc in cursor}
        problems += [
            Problem(f"No {type_name} with this id.", ErrorCode.NOT_FOUND, path)
            for key, type_name, path in refs
            if key not in found
        ]
    if problems:
        raise ServiceError(*problems)
