"""Finding payrolls and payroll lines."""

from __future__ import annotations

import strawberry

from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.payroll.inputs import (
    BY_CAREGIVER,
    NEWEST_PERIOD_FIRST,
    PayrollFilter,
    PayrollOrder,
    PayrollUserFilter,
    PayrollUserOrder,
)
from app.payroll.types import Payroll, PayrollUser


@strawberry.type
class PayrollQueries:
    @strawberry.field(description="A payroll by global ID; null if not in your account.")
    async def payroll(self, info: Info, id: RecordId) -> Payroll | None:
        return await Payroll.load(info, decode_id(id, Payroll))

    @strawberry.field(description="The account's payrolls, latest period first unless told.")
    async def payrolls(
        self,
        info: Info,
        filter: Filter[PayrollFilter] = None,
        order_by: OrderBy[PayrollOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Payroll]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PayrollFilter()).query(info)
        return await list_records(info, Payroll, query, order_by, NEWEST_PERIOD_FIRST, page)

    @strawberry.field(description="A payroll line by global ID; null if not in your account.")
    async def payroll_user(self, info: Info, id: RecordId) -> PayrollUser | None:
        return await PayrollUser.load(info, decode_id(id, PayrollUser))

    @strawberry.field(description="The account's payroll lines, by caregiver name unless told.")
    async def payroll_users(
        self,
        info: Info,
        filter: Filter[PayrollUserFilter] = None,
        order_by: OrderBy[PayrollUserOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PayrollUser]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PayrollUserFilter()).query(info)
        return await list_records(info, PayrollUser, query, order_by, BY_CAREGIVER, page)
