"""Indexes a document model cannot declare: those whose options come from the settings."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from app.db import Database

INDEX_CONFLICTS = frozenset({85, 86})  # IndexOptionsConflict, IndexKeySpecsConflict


async def expire_after(
    database: Database, collection: str, field: str, index: str, seconds: int
) -> None:
    """A TTL index named `index` on `field`: documents go `seconds` after that date. Created,
    or, when the expiry changed since, modified in place. It is the collection's, of no one
    account, hence here and not in a scope."""
    raw = database.db[collection]
    try:
        await raw.create_index([(field, ASCENDING)], name=index, expireAfterSeconds=seconds)
    except OperationFailure as error:
        if error.code not in INDEX_CONFLICTS:
            raise
        await database.db.command(
            {"collMod": collection, "index": {"name": index, "expireAfterSeconds": seconds}}
        )
