"""The rules of skills and tags: names are unique in an account, whatever their case."""

from __future__ import annotations

from typing import Any

from app.catalog.documents import Skill, Tag
from app.common.text import keywords, normalise
from app.data.records import RecordStore
from app.db import Database


def title_search(title: str) -> dict[str, Any]:
    return {"title": normalise(title), "name": keywords(title)}


def skill_store(database: Database) -> RecordStore:
    return RecordStore(
        database, Skill, "Skill", search_keys=lambda s: title_search(s.title), unique_field="title"
    )


def tag_store(database: Database) -> RecordStore:
    return RecordStore(
        database, Tag, "Tag", search_keys=lambda t: title_search(t.name), unique_field="name"
    )
