"""GraphQL types of schedule conflicts and caregiver matches."""

from __future__ import annotations

from typing import Any

import strawberry
from bson import ObjectId

from app.common.services import RawDoc
from app.graphql.context import Info
from app.graphql.relay import node_types, record_ref
from app.scheduling.matching import MatchCriterion
from app.scheduling.overrides import ConflictKind


def _record(type_name: str, doc: RawDoc | None) -> Any:
    wrap: Any = node_types()[type_name].from_doc  # type: ignore[attr-defined]
    return None if doc is None else wrap(doc)


@strawberry.type(description="A schedule conflict of a stored visit, for one of its caregivers.")
class ScheduleConflict:
    kind: ConflictKind = strawberry.field(description="What kind of conflict it is.")
    message: str = strawberry.field(
        description="The conflict in words, naming the caregiver, the patient and the times."
    )
    visit_doc: strawberry.Private[RawDoc]
    caregiver_id: strawberry.Private[ObjectId | None]
    other_id: strawberry.Private[ObjectId | None]

    @strawberry.field(description="The visit in conflict.")
    def visit(self) -> record_ref("Event"):  # type: ignore[valid-type]
        return _record("Event", self.visit_doc)

    @strawberry.field(
        description="The caregiver (or other attendee) the conflict concerns; for a conflict "
        "of the visit itself (AUTHORIZATION_EXCEEDED), its first caregiver, null if none."
    )
    async def caregiver(self, info: Info) -> record_ref("User") | None:  # type: ignore[valid-type]
        if self.caregiver_id is None:
            return None
        return _record("User", await info.context.loaders.load("users", self.caregiver_id))

    @strawberry.field(description="The other visit the caregiver is booked on (DOUBLE_BOOKED).")
    async def other_visit(self, info: Info) -> record_ref("Event") | None:  # type: ignore[valid-type]
        if self.other_id is None:
            return None
        return _record("Event", await info.context.loaders.load("events", self.other_id))


@strawberry.type(description="How a caregiver scores on one criterion, and why.")
class MatchScore:
    criterion: MatchCriterion = strawberry.field(description="What is scored.")
    score: float = strawberry.field(description="0 (not at all) to 1 (fully).")
    reason: str = strawberry.field(description="Why, in a sentence.")


@strawberry.type(description="A caregiver ranked for a visit or a patient, with the reasons.")
class CaregiverMatch:
    score: float = strawberry.field(
        description="0 to 100: the criteria's scores, weighted (see MatchCriterion)."
    )
    criteria: list[MatchScore] = strawberry.field(description="The score of each criterion.")
    caregiver_id: strawberry.Private[ObjectId]

    @strawberry.field(description="The caregiver.")
    async def caregiver(self, info: Info) -> record_ref("User") | None:  # type: ignore[valid-type]
        return _record("User", await info.context.loaders.load("users", self.caregiver_id))
