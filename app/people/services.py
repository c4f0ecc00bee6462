"""The rules of users, free of GraphQL."""

from __future__ import annotations

from typing import Any

from app.common.search import person_search
from app.common.store import RecordStore
from app.db import Database
from app.errors import ErrorCode, ServiceError
from app.people.documents import User


def user_search(user: User) -> dict[str, Any]:
    return person_search(user.name, user.locations, user.languages, user.skills)


class UserStore(RecordStore):
    """Users, with the rule that nobody manages themselves."""

    async def update(
        self, actor: Any, key: Any, revision: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        if changes.get("manager") is not None and changes["manager"] == key:
            raise ServiceError.one(
                "A user cannot be their own manager.", ErrorCode.INVALID, "input.manager"
            )
        return await super().update(actor, key, revision, changes)


def user_store(database: Database) -> UserStore:
    return UserStore(database, User, "User", search_keys=user_search)
