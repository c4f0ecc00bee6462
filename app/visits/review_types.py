"""GraphQL of the office's review of punches: the queue's filter, and what a generation held
back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry

from app.graphql.context import Info
from app.graphql.filters import DateTimeRange, id_clause, merge
from app.graphql.relay import to_global_id
from app.visits.review_documents import ReviewStatus
from app.visits.reviews import Held
from app.visits.types import Punchcard


@strawberry.input(description="Which punchcards the review queue shows. All conditions hold.")
class VisitReviewFilter:
    status: ReviewStatus = strawberry.field(
        default=ReviewStatus.PENDING,
        description="Their review's status: PENDING (the default) is the queue; APPROVED and "
        "REJECTED list what the office decided.",
    )
    period: DateTimeRange | None = strawberry.field(
        default=None, description="Clocked in within this span (the visit's start, if not)."
    )
    caregiver: strawberry.ID | None = strawberry.field(
        default=None, description="The caregiver (a User) who made the visits."
    )
    patient: strawberry.ID | None = strawberry.field(
        default=None, description="The patient visited."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            {"review.status": self.status.value, "_deleted": {"$ne": True}},
            self.period.clause("_search.date") if self.period else {},
            id_clause("user._id", self.caregiver, "User", "filter.caregiver"),
            id_clause("patient._id", self.patient, "Patient", "filter.patient"),
        )


@strawberry.type(description="A punchcard a generation did not bill or pay because of its review.")
class HeldPunchcard:
    punchcard_id: strawberry.Private[Any]
    status: ReviewStatus = strawberry.field(
        description="PENDING (waits for the office) or REJECTED."
    )
    reason: str = strawberry.field(description="Why it was held back, in words.")

    @strawberry.field(description="The punchcard's global ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Punchcard", self.punchcard_id))

    @strawberry.field(description="The punchcard held back.")
    async def punchcard(self, info: Info) -> Punchcard | None:
        return await Punchcard.load(info, self.punchcard_id)

    @classmethod
    def of(cls, held: Iterable[Held]) -> list[HeldPunchcard]:
        return [cls(punchcard_id=h.punchcard, status=h.status, reason=h.reason) for h in held]
