"""Finding punchcards."""

from __future__ import annotations

import strawberry

from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.visits.inputs import NEWEST_PUNCH_FIRST, PunchcardFilter, PunchcardOrder
from app.visits.types import Punchcard


@strawberry.type
class PunchcardQueries:
    @strawberry.field(description="A punchcard by global ID; null if not in your account.")
    async def punchcard(self, info: Info, id: RecordId) -> Punchcard | None:
        return await Punchcard.load(info, decode_id(id, Punchcard))

    @strawberry.field(description="The account's punchcards, newest clock-in first unless told.")
    async def punchcards(
        self,
        info: Info,
        filter: Filter[PunchcardFilter] = None,
        order_by: OrderBy[PunchcardOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Punchcard]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PunchcardFilter()).query(info)
        return await list_records(info, Punchcard, query, order_by, NEWEST_PUNCH_FIRST, page)
