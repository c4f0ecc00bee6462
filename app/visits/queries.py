"""Finding punchcards."""

from __future__ import annotations

import strawberry

from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.visits.inputs import NEWEST_PUNCH_FIRST, PunchcardFilter, PunchcardOrder
from app.visits.types import Punchcard


@strawberry.type
class PunchcardQueries:
    @strawberry.field(description="A punchcard by global ID; null if not in your account.")
    async def punchcard(self, info: Info, id: strawberry.ID) -> Punchcard | None:
        return await Punchcard.load(info, decode_id(id, Punchcard))

    @strawberry.field(description="The account's punchcards, newest clock-in first unless told.")
    async def punchcards(
        self,
        info: Info,
        filter: PunchcardFilter | None = None,
        order_by: PunchcardOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Punchcard]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PunchcardFilter()).query(info)
        return await list_records(info, Punchcard, query, order_by, NEWEST_PUNCH_FIRST, page)
