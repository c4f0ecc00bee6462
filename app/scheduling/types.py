"""GraphQL types of events (visits) and event groups (recurring series)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

import strawberry

from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.modeled import record_type
from app.graphql.payloads import UserError
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node, node_types, record_ref
from app.scheduling.documents import Event as EventDocument
from app.scheduling.documents import EventGroup as EventGroupDocument
from app.scheduling.enums import AttendeeStatus
from app.scheduling.inputs import BY_START, EventFilter
from app.scheduling.recurrence import occurrences, window
from app.scheduling.series import KeptReason, SeriesChange
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
    @reads("attendees")
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
    "bymonthday, bymonth, byyearday, byweekno, bysetpos, count or until, wkst) with extra and "
    "skipped days (rdate, exdate), read in its time zone, and the template its visits follow. "
    "Its visits point at it (`Event.group`).",
)
class EventGroup(Record, Node, Versioned):
    events = related(
        "Event",
        "_group",
        "The visits of the series, earliest first.",
        filter_input=EventFilter,
        ordering=BY_START,
    )

    @strawberry.field(
        description="When the series' occurrences start from `from` (included) to `to` "
        "(excluded), computed from its rule in its time zone, with its extra days (rdate), "
        "without its skipped days (exdate) and cancelled occurrences (excluded); nothing is "
        "stored. At most 366 days at a time."
    )
    def occurrences(
        self,
        from_: Annotated[
            dt.datetime, strawberry.argument(name="from", description="Window start.")
        ],
        to: Annotated[dt.datetime, strawberry.argument(description="Window end (excluded).")],
    ) -> list[dt.datetime]:
        window(from_, to)
        return occurrences(self.doc, from_, to, field="to")


@strawberry.type(description="A visit a change to its series left as it was, and why.")
class KeptEvent:
    event: Event = strawberry.field(description="The visit kept.")
    reason: KeptReason = strawberry.field(description="Why it was kept.")


@strawberry.type(description="The result of a change to a series: the series and its visits.")
class EventGroupChangePayload:
    event_group: EventGroup | None = strawberry.field(
        description="The series as it now is; null if refused."
    )
    new_event_group: EventGroup | None = strawberry.field(
        description="The series made by a split (this and following); null otherwise."
    )
    booked: list[Event] = strawberry.field(
        description="Visits created or rewritten by the change, earliest first."
    )
    removed: list[Event] = strawberry.field(
        description="Visits the change cancelled (and soft-deleted), earliest first."
    )
    kept: list[KeptEvent] = strawberry.field(
        description="Visits the change would have rewritten or removed but left as they were."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success."
    )

    @classmethod
    def of(cls, change: SeriesChange | None, errors: list[UserError]) -> EventGroupChangePayload:
        if change is None:
            return cls(
                event_group=None,
                new_event_group=None,
                booked=[],
                removed=[],
                kept=[],
                user_errors=errors,
            )

        def by_start(docs: list[dict[str, Any]]) -> list[Event]:
            return Event.from_docs(sorted(docs, key=lambda doc: doc["start"]))

        return cls(
            event_group=EventGroup.from_doc(change.group),
            new_event_group=EventGroup.from_doc(change.successor) if change.successor else None,
            booked=by_start(change.booked),
            removed=by_start(change.removed),
            kept=[KeptEvent(event=Event.from_doc(doc), reason=why) for doc, why in change.kept],
            user_errors=errors,
        )
