"""Finding tickets and ticket categories."""

from __future__ import annotations

import strawberry

from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.tickets.inputs import (
    CATEGORIES_IN_ORDER,
    NEWEST_TICKETS,
    TicketCategoryFilter,
    TicketCategoryOrder,
    TicketFilter,
    TicketOrder,
)
from app.tickets.types import Ticket, TicketCategory


@strawberry.type
class TicketQueries:
    @strawberry.field(description="A care ticket by global ID; null if not in your account.")
    async def ticket(self, info: Info, id: RecordId) -> Ticket | None:
        return await Ticket.load(info, decode_id(id, Ticket))

    @strawberry.field(description="The account's care tickets, newest first unless told.")
    async def tickets(
        self,
        info: Info,
        filter: Filter[TicketFilter] = None,
        order_by: OrderBy[TicketOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Ticket]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or TicketFilter()).query(info)
        return await list_records(info, Ticket, query, order_by, NEWEST_TICKETS, page)

    @strawberry.field(description="A ticket category by global ID; null if not in your account.")
    async def ticket_category(self, info: Info, id: RecordId) -> TicketCategory | None:
        return await TicketCategory.load(info, decode_id(id, TicketCategory))

    @strawberry.field(
        description="The account's ticket categories, in the order they were added unless told."
    )
    async def ticket_categories(
        self,
        info: Info,
        filter: Filter[TicketCategoryFilter] = None,
        order_by: OrderBy[TicketCategoryOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[TicketCategory]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or TicketCategoryFilter()).query(info)
        return await list_records(info, TicketCategory, query, order_by, CATEGORIES_IN_ORDER, page)
