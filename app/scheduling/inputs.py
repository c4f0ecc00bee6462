"""Inputs of event and event group queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.common.clock import now
from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import (
    DateTimeRange,
    DeletedState,
    deleted_clause,
    id_clause,
    merge,
)
from app.graphql.modeled import input_type
from app.scheduling.documents import Event, EventGroup, EventStatus

BY_START = Ordering("start")
"""Visits and series by when they start, earliest first: the scheduler's order."""

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    EventCreateInput = EventUpdateInput = EventGroupCreateInput = EventGroupUpdateInput = Any
else:
    EventCreateInput = input_type(Event, name="EventCreateInput")
    EventUpdateInput = input_type(Event, name="EventUpdateInput", patch=True)
    EventGroupCreateInput = input_type(EventGroup, name="EventGroupCreateInput")
    EventGroupUpdateInput = input_type(EventGroup, name="EventGroupUpdateInput", patch=True)


@strawberry.input(description="Which visits a list shows. All given conditions must hold.")
class EventFilter:
    start: DateTimeRange | None = strawberry.field(
        default=None, description="Visits starting within this span (such as one week)."
    )
    status: list[EventStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    caregiver: strawberry.ID | None = strawberry.field(
        default=None, description="Visits this user attends."
    )
    patient: strawberry.ID | None = strawberry.field(
        default=None, description="Visits for this patient."
    )
    group: strawberry.ID | None = strawberry.field(
        default=None, description="Visits of this recurring series."
    )
    service: str | None = strawberry.field(
        default=None, description="Visits for this service code."
    )
    unassigned: bool | None = strawberry.field(
        default=None,
        description="True: open visits, with nobody booked on them yet (to be staffed); "
        "false: visits with somebody booked.",
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted visits too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            self.start.clause("start") if self.start else {},
            {"status": {"$in": [s.value for s in self.status]}} if self.status else {},
            id_clause("attendees.user", self.caregiver, "User", "filter.caregiver"),
            id_clause("patient._id", self.patient, "Patient", "filter.patient"),
            id_clause("_group", self.group, "EventGroup", "filter.group"),
            {"service.code": self.service} if self.service else {},
            {} if self.unassigned is None else {"attendees.0": {"$exists": not self.unassigned}},
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of visits or series is sorted by.")
class EventOrderField(Enum):
    START = strawberry.enum_value("start", description="When it starts.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was added.")


@strawberry.input(description="Which series a list shows. All given conditions must hold.")
class EventGroupFilter:
    patient: strawberry.ID | None = strawberry.field(
        default=None, description="Series for this patient."
    )
    caregiver: strawberry.ID | None = strawberry.field(
        default=None, description="Series this user attends."
    )
    active: bool | None = strawberry.field(
        default=None,
        description="True: series with no end date (until) or one still ahead; false: series "
        "whose end date has passed. A series ending after a count is active until its "
        "visits are made (not judged here).",
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted series too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        moment = now()
        active = (
            {}
            if self.active is None
            else {"$or": [{"until": None}, {"until": {"$gt": moment}}]}
            if self.active
            else {"until": {"$lte": moment}}
        )
        return merge(
            id_clause("patient._id", self.patient, "Patient", "filter.patient"),
            id_clause("attendees.user", self.caregiver, "User", "filter.caregiver"),
            active,
            deleted_clause(self.deleted),
        )


if TYPE_CHECKING:
    EventOrder = Any
    EventGroupOrder = Any
else:
    EventOrder = order_input("EventOrder", EventOrderField, "visits")
    EventGroupOrder = order_input("EventGroupOrder", EventOrderField, "series of visits")
