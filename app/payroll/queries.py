"""Finding payrolls and payroll lines."""

from __future__ import annotations

import strawberry

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
    async def payroll(self, info: Info, id: strawberry.ID) -> Payroll | None:
        return await Payroll.load(info, decode_id(id, Payroll))

    @strawberry.field(description="The account's payrolls, latest period first unless told.")
    async def payrolls(
        self,
        info: Info,
        filter: PayrollFilter | None = None,
        order_by: PayrollOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Payroll]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PayrollFilter()).query(info)
        return await list_records(info, Payroll, query, order_by, NEWEST_PERIOD_FIRST, page)

    @strawberry.field(description="A payroll line by global ID; null if not in your account.")
    async def payroll_user(self, info: Info, id: strawberry.ID) -> PayrollUser | None:
        return await PayrollUser.load(info, decode_id(id, PayrollUser))

    @strawberry.field(description="The account's payroll lines, by caregiver name unless told.")
    async def payroll_users(
        self,
        info: Info,
        filter: PayrollUserFilter | None = None,
        order_by: PayrollUserOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PayrollUser]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PayrollUserFilter()).query(info)
        return await list_records(info, PayrollUser, query, order_by, BY_CAREGIVER, page)
