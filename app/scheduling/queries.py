"""Finding visits and series."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from app.errors import PublicError
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.inputs import decode_global_id
from app.graphql.relay import decode_id
from app.scheduling.conflict_types import CaregiverMatch, MatchScore, ScheduleConflict
from app.scheduling.conflicts import MAX_WINDOW, stored_conflicts
from app.scheduling.inputs import (
    BY_START,
    EventFilter,
    EventGroupFilter,
    EventGroupOrder,
    EventOrder,
)
from app.scheduling.matching import caregiver_matches, wanted_for_event, wanted_for_patient
from app.scheduling.types import Event, EventGroup


@strawberry.type
class SchedulingQueries:
    @strawberry.field(description="A visit by global ID; null if not in your account.")
    async def event(self, info: Info, id: RecordId) -> Event | None:
        return await Event.load(info, decode_id(id, Event))

    @strawberry.field(
        description="The account's visits, earliest first unless told; filter by a date range "
        "to see a day or a week."
    )
    async def events(
        self,
        info: Info,
        filter: Filter[EventFilter] = None,
        order_by: OrderBy[EventOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Event]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or EventFilter()).query(info)
        return await list_records(info, Event, query, order_by, BY_START, page)

    @strawberry.field(description="A series of visits by global ID; null if not in your account.")
    async def event_group(self, info: Info, id: RecordId) -> EventGroup | None:
        return await EventGroup.load(info, decode_id(id, EventGroup))

    @strawberry.field(description="The account's series of visits, earliest first unless told.")
    async def event_groups(
        self,
        info: Info,
        filter: Filter[EventGroupFilter] = None,
        order_by: OrderBy[EventGroupOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[EventGroup]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or EventGroupFilter()).query(info)
        return await list_records(info, EventGroup, query, order_by, BY_START, page)

    @strawberry.field(
        description="The schedule conflicts of one caregiver's visits, or of one patient's, "
        "that overlap a window of at most 31 days (cancelled and deleted visits never "
        "conflict): earliest visit first, each conflict once per visit and caregiver. Pass "
        "caregiver or patient, not both; an id not in your account is NOT_FOUND."
    )
    async def schedule_conflicts(
        self,
        info: Info,
        from_: Annotated[dt.datetime, strawberry.argument(name="from", description="From.")],
        to: Annotated[dt.datetime, strawberry.argument(description="Until (after `from`).")],
        caregiver: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The caregiver (a User) whose visits are checked."),
        ] = None,
        patient: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The patient whose visits are checked."),
        ] = None,
    ) -> list[ScheduleConflict]:
        if (caregiver is None) == (patient is None):
            raise PublicError("Pass `caregiver` or `patient`, one of them.")
        if not dt.timedelta(0) < to - from_ <= MAX_WINDOW:
            raise PublicError("`to` comes after `from`, at most 31 days later.")
        who = "User" if caregiver else "Patient"
        key = decode_global_id(
            caregiver or patient or "", who, "caregiver" if caregiver else "patient"
        )
        await _existing(info, "users" if caregiver else "patients", key, who)
        found = await stored_conflicts(
            info.context.scope,
            (from_, to),
            caregiver=key if caregiver else None,
            patient=key if patient else None,
        )
        return [
            ScheduleConflict(
                kind=c.kind,
                message=c.message,
                visit_doc=visit,
                caregiver_id=c.caregiver,
                other_id=c.other,
            )
            for visit, c in found
        ]

    @strawberry.field(
        description="The account's active caregivers (not deleted, not suspended) ranked for a "
        "visit, best first, each with a score per criterion and why. For a patient instead of a "
        "visit: ranked for their needs at their primary address, and for a time if `from` and "
        "`to` are given (else FREE is not judged). Ties go by last name, first name, id. Pass "
        "event or patient, not both; an id not in your account is NOT_FOUND."
    )
    async def caregiver_matches(
        self,
        info: Info,
        event: Annotated[
            strawberry.ID | None, strawberry.argument(description="The visit to staff.")
        ] = None,
        patient: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The patient to staff (when there is no visit yet)."),
        ] = None,
        from_: Annotated[
            dt.datetime | None,
            strawberry.argument(name="from", description="With a patient: the visit's start."),
        ] = None,
        to: Annotated[
            dt.datetime | None,
            strawberry.argument(description="With a patient: the visit's end (within 24 h)."),
        ] = None,
        first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 10,
    ) -> list[CaregiverMatch]:
        scope = info.context.scope
        if (event is None) == (patient is None):
            raise PublicError("Pass `event` or `patient`, one of them.")
        if event is not None:
            if from_ is not None or to is not None:
                raise PublicError("`from` and `to` go with a patient; a visit has its own time.")
            wanted = await wanted_for_event(scope, decode_global_id(event, "Event", "event"))
            what = "Event"
        else:
            if (from_ is None) != (to is None) or (
                from_ and to and not from_ < to <= from_ + dt.timedelta(hours=24)
            ):
                raise PublicError("Give `from` and `to` together, `to` within 24 hours after.")
            key = decode_global_id(patient or "", "Patient", "patient")
            wanted = await wanted_for_patient(scope, key, from_, to)
            what = "Patient"
        if wanted is None:
            raise PublicError(f"No {what} with this id.", "NOT_FOUND")
        matches = await caregiver_matches(scope, wanted, first)
        return [
            CaregiverMatch(
                score=m.total,
                criteria=[
                    MatchScore(criterion=s.criterion, score=s.score, reason=s.reason)
                    for s in m.scores
                ],
                caregiver_id=m.caregiver["_id"],
            )
            for m in matches
        ]


async def _existing(info: Info, collection: str, key: Any, what: str) -> None:
    """Refuse an id not of the account, or of a deleted record (NOT_FOUND, as elsewhere)."""
    found = await info.context.scope[collection].by_ids([key], {"_deleted": 1})
    if not found or found[key].get("_deleted"):
        raise PublicError(f"No {what} with this id.", "NOT_FOUND")
