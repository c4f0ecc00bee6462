"""GraphQL types of events (visits) and event groups (recurring series)."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry

from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.modeled import record_type
from app.graphql.records import Record
from app.graphql.relay import Node, node_types, record_ref
from app.scheduling.documents import AttendeeStatus
from app.scheduling.documents import Event as EventDocument
from app.scheduling.documents import EventGroup as EventGroupDocument
from app.scheduling.inputs import BY_START, EventFilter
from app.visits.edges import event_punchcard

OFF_THE_VISIT = {AttendeeStatus.DECLINED.value, AttendeeStatus.CANCELLED.value}


@record_type(
    EventDocument,
    name="Event",
    description="A scheduled visit: a caregiver's time with a patient, for a service. "
    "`patient` is a snapshot of the patient (with `record`, the live patient).",
)
class Event(Record, Node, Versioned):
    punchcard = event_punchcard()

    @strawberry.field(
        description="The users attending the visit (not those who declined or were taken "
        "off it), in booking order."
    )
    async def caregivers(self, info: Info) -> list[record_ref("User")]:  # type: ignore[valid-type]
        wrap: Any = node_types()["User"].from_doc  # type: ignore[attr-defined]
        ids = [
            attendee.get("user")
            for attendee in self.doc.get("attendees") or []
            if attendee.get("status") not in OFF_THE_VISIT
        ]
        docs = await asyncio.gather(*(info.context.loaders.load("users", key) for key in ids))
        return [wrap(doc) for doc in docs if doc is not None]


@record_type(
    EventGroupDocument,
    name="EventGroup",
    description="A recurring series of visits: an RFC 5545 rule (freq, interval, byweekday, "
    "bymonthday, count or until, wkst) read in its time zone, and the template its visits "
    "follow. Its visits point at it (`Event.group`).",
)
class EventGroup(Record, Node, Versioned):
    events = related(
        "Event",
        "_group",
        "The visits of the series, earliest first.",
        filter_input=EventFilter,
        ordering=BY_START,
    )
