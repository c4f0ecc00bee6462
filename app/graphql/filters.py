"""Pieces of typed filters shared by every list: soft-deletion state, ranges, word search."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Any

import strawberry

from app.common.text import keywords, normalise
from app.errors import ErrorCode, ServiceError
from app.graphql.inputs import decode_global_id


@strawberry.enum(description="Which records a list shows with respect to soft deletion.")
class DeletedState(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Only records that are not deleted.")
    DELETED = strawberry.enum_value("DELETED", description="Only soft-deleted records.")
    ALL = strawberry.enum_value("ALL", description="Both.")


def deleted_clause(state: DeletedState | None) -> dict[str, Any]:
    if state == DeletedState.ALL:
        return {}
    if state == DeletedState.DELETED:
        return {"_deleted": True}
    return {"_deleted": {"$ne": True}}


@strawberry.input(description="A span of time; either end may be left open.")
class DateTimeRange:
    start: dt.datetime | None = strawberry.field(default=None, description="From this time on.")
    end: dt.datetime | None = strawberry.field(default=None, description="Before this time.")

    def clause(self, key: str) -> dict[str, Any]:
        bounds: dict[str, Any] = {}
        if self.start is not None:
            bounds["$gte"] = self.start
        if self.end is not None:
            bounds["$lt"] = self.end
        return {key: bounds} if bounds else {}


MAX_SEARCH_WORDS = 10
MAX_SEARCH_WORD = 50
SEARCH_LIMITS = (
    f"At most {MAX_SEARCH_WORDS} words of at most {MAX_SEARCH_WORD} characters each: a longer "
    "search is refused (BAD_USER_INPUT, naming the field), never cut short."
)
"""A search box's words are names' beginnings: a pasted page is a mistake to say, and cutting
it would answer matches for words the caller did not send."""


def search_field(description: str) -> Any:
    """A filter's `search` field (null: no condition), its description saying its limits."""
    return strawberry.field(default=None, description=f"{description} {SEARCH_LIMITS}")


def words_clause(key: str, text: str | None, field: str = "filter.search") -> dict[str, Any]:
    """Every word of `text` starts some stored keyword: anchored, so an index serves it. At
    most MAX_SEARCH_WORDS words of MAX_SEARCH_WORD characters, else a user error on `field`."""
    words = keywords(text)
    if not words:
        return {}
    if len(words) > MAX_SEARCH_WORDS:
        raise ServiceError.one(
            f"Search with at most {MAX_SEARCH_WORDS} words ({field} has {len(words)}).",
            ErrorCode.INVALID,
            field,
        )
    if any(len(word) > MAX_SEARCH_WORD for word in words):
        raise ServiceError.one(
            f"Each word of {field} has at most {MAX_SEARCH_WORD} characters: search with the "
            "beginning of a name.",
            ErrorCode.INVALID,
            field,
        )
    return {"$and": [{key: {"$regex": "^" + re.escape(word)}} for word in words]}


def equals_normalised(key: str, text: str | None) -> dict[str, Any]:
    """A case- and accent-insensitive equality on a key stored normalised."""
    return {} if text is None else {key: normalise(text)}


def id_clause(key: str, value: str | None, type_name: str, field: str) -> dict[str, Any]:
    """Records whose `key` is the record a global ID names (refused when it names another
    type); no condition when no ID is given."""
    return {} if value is None else {key: decode_global_id(value, type_name, field)}


def flag_clause(key: str, value: bool | None) -> dict[str, Any]:
    """A stored flag that is true, or not true (missing counts as false)."""
    if value is None:
        return {}
    return {key: True} if value else {key: {"$ne": True}}


def merge(*clauses: dict[str, Any]) -> dict[str, Any]:
    """One filter from several clauses; `$and` keeps clauses on the same key apart."""
    kept = [clause for clause in clauses if clause]
    if not kept:
        return {}
    if len(kept) == 1:
        return kept[0]
    return {"$and": kept}


@strawberry.input(description="Conditions on records found by their name's words.")
class NamedFilter:
    """The filter of short lists (skills, tags, ticket categories): name words, deletion."""

    search: str | None = search_field("Words that start words of the name; case ignored.")
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted ones too, or only them."
    )

    def query(self, info: Any) -> dict[str, Any]:
        return merge(
            words_clause("_search.name", self.search),
            deleted_clause(self.deleted),
        )
