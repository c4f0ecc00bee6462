"""Which audit entries a list shows."""

from __future__ import annotations

from typing import Any

import strawberry

from app.audit.documents import AuditAction
from app.data.audit import ids_within
from app.errors import PublicError
from app.graphql.context import Info
from app.graphql.filters import DateTimeRange, merge
from app.graphql.relay import from_global_id


@strawberry.input(description="Which audit entries to show. All given conditions must hold.")
class AuditFilter:
    record: strawberry.ID | None = strawberry.field(
        default=None, description="Entries about this record (its global ID)."
    )
    actor: strawberry.ID | None = strawberry.field(
        default=None, description="Entries by this API client or user (global ID)."
    )
    action: list[AuditAction] | None = strawberry.field(
        default=None, description="Any of these actions."
    )
    at: DateTimeRange | None = strawberry.field(default=None, description="When they happened.")

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            record_clause(self.record) if self.record else {},
            {"actor.id": _key(self.actor, "actor")} if self.actor else {},
            {"action": {"$in": [a.value for a in self.action]}} if self.action else {},
            self.at.clause("at") if self.at else {},
            ids_within(self.at.start, self.at.end) if self.at else {},
        )


def record_clause(global_id: str) -> dict[str, Any]:
    decoded = from_global_id(global_id)
    if decoded is None:
        raise PublicError("`record` is not a global ID of this API.")
    return {"record_type": decoded[0], "record_id": decoded[1]}


def _key(global_id: str, name: str) -> Any:
    decoded = from_global_id(global_id)
    if decoded is None:
        raise PublicError(f"`{name}` is not a global ID of this API.")
    return decoded[1]
