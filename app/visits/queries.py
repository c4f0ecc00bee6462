"""Finding punchcards."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.common.codes import Permission
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Ordering, Page, list_records
from app.graphql.context import Info
from app.graphql.inputs import actor_of
from app.graphql.relay import decode_id
from app.visits.evv_export import EvvFormat, summary
from app.visits.evv_types import EvvExport, EvvPeriodInput
from app.visits.inputs import NEWEST_PUNCH_FIRST, PunchcardFilter, PunchcardOrder
from app.visits.review_types import VisitReviewFilter
from app.visits.types import Punchcard

OLDEST_PUNCH_FIRST = Ordering("_search.date")
"""The review queue: the visits waiting longest first."""


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


@strawberry.type
class VisitReviewQueries:
    @strawberry.field(
        description="The review queue: punchcards whose punches were flagged or recorded by "
        "hand and wait for the office (status PENDING, the default), oldest visit first; or "
        "those approved or rejected. A punchcard waiting or rejected is neither billed nor "
        "paid (invoice and payroll generation list it in heldForReview)."
    )
    async def visit_reviews(
        self,
        info: Info,
        filter: Filter[VisitReviewFilter] = None,
        order_by: OrderBy[PunchcardOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Punchcard]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or VisitReviewFilter()).query(info)
        return await list_records(info, Punchcard, query, order_by, OLDEST_PUNCH_FIRST, page)


@strawberry.type
class EvvQueries:
    @strawberry.field(
        description="Electronic visit verification: what the export of a period's visits to an "
        "aggregator holds (modelled on Sandata's Alternate EVV visit record: see the README), "
        "the visits it leaves out and why, and the URL streaming the file (CSV or JSON lines). "
        "Every punchcard of the period's days is either exported or listed in `skipped`. Needs "
        "MANAGE_BILLING."
    )
    async def evv_export(
        self,
        info: Info,
        period: Annotated[EvvPeriodInput, strawberry.argument(description="The days exported.")],
        format: Annotated[
            EvvFormat, strawberry.argument(description="The file's layout; JSONL when left out.")
        ] = EvvFormat.JSONL,
    ) -> EvvExport:
        actor_of(info, Permission.MANAGE_BILLING)
        chosen = period.period()
        done = await summary(info.context.scope, chosen)
        return EvvExport.of(chosen, format, done)
