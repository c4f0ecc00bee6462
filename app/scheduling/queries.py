"""Finding visits and series."""

from __future__ import annotations

import strawberry

from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.scheduling.inputs import (
    BY_START,
    EventFilter,
    EventGroupFilter,
    EventGroupOrder,
    EventOrder,
)
from app.scheduling.types import Event, EventGroup


@strawberry.type
class SchedulingQueries:
    @strawberry.field(description="A visit by global ID; null if not in your account.")
    async def event(self, info: Info, id: strawberry.ID) -> Event | None:
        return await Event.load(info, decode_id(id, Event))

    @strawberry.field(
        description="The account's visits, earliest first unless told; filter by a date range "
        "to see a day or a week."
    )
    async def events(
        self,
        info: Info,
        filter: EventFilter | None = None,
        order_by: EventOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Event]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or EventFilter()).query(info)
        return await list_records(info, Event, query, order_by, BY_START, page)

    @strawberry.field(description="A series of visits by global ID; null if not in your account.")
    async def event_group(self, info: Info, id: strawberry.ID) -> EventGroup | None:
        return await EventGroup.load(info, decode_id(id, EventGroup))

    @strawberry.field(description="The account's series of visits, earliest first unless told.")
    async def event_groups(
        self,
        info: Info,
        filter: EventGroupFilter | None = None,
        order_by: EventGroupOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[EventGroup]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or EventGroupFilter()).query(info)
        return await list_records(info, EventGroup, query, order_by, BY_START, page)
