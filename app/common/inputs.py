"""Filter conditions every list of people shares."""

from __future__ import annotations

from typing import Any

import strawberry

from app.graphql.connections import Ordering
from app.graphql.filters import (
    DeletedState,
    deleted_clause,
    equals_normalised,
    search_field,
    words_clause,
)

# People are listed by last name, then first name, unless asked otherwise.
BY_NAME = Ordering("_search.sort")


@strawberry.input(description="Conditions on people that every list of people offers.")
class PersonFilter:
    search: str | None = search_field(
        'Words that start words of the name ("jo sm" finds Joan Smith); case and accents ignored.'
    )
    city: str | None = strawberry.field(default=None, description="A city of their addresses.")
    language: str | None = strawberry.field(default=None, description="A language code spoken.")
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted records too, or only them."
    )

    def person_clauses(self) -> list[dict[str, Any]]:
        return [
            words_clause("_search.name", self.search),
            equals_normalised("_search.city", self.city),
            equals_normalised("_search.languages", self.language),
            deleted_clause(self.deleted),
        ]
