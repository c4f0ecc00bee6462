"""Finding invoices and payments."""

from __future__ import annotations

import strawberry

from app.billing.inputs import (
    NEWEST_INVOICE_FIRST,
    NEWEST_PAYMENT_FIRST,
    InvoiceFilter,
    InvoiceOrder,
    PaymentFilter,
    PaymentOrder,
)
from app.billing.types import Invoice, Payment
from app.common.text import normalise
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id


@strawberry.type
class BillingQueries:
    @strawberry.field(description="An invoice by global ID; null if not in your account.")
    async def invoice(self, info: Info, id: strawberry.ID) -> Invoice | None:
        return await Invoice.load(info, decode_id(id, Invoice))

    @strawberry.field(description="An invoice by its number (case ignored); null if none.")
    async def invoice_by_number(self, info: Info, number: str) -> Invoice | None:
        doc = await info.context.scope["invoices"].find_one({"_search.number": normalise(number)})
        return None if doc is None else Invoice.from_doc(doc)

    @strawberry.field(description="The account's invoices, newest invoice date first unless told.")
    async def invoices(
        self,
        info: Info,
        filter: InvoiceFilter | None = None,
        order_by: InvoiceOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Invoice]:
        page = Page(first=first, after=after, last=last, before=before)
        query = await (filter or InvoiceFilter()).query(info)
        return await list_records(info, Invoice, query, order_by, NEWEST_INVOICE_FIRST, page)

    @strawberry.field(description="A payment by global ID; null if not in your account.")
    async def payment(self, info: Info, id: strawberry.ID) -> Payment | None:
        return await Payment.load(info, decode_id(id, Payment))

    @strawberry.field(description="The account's payments, newest first unless told.")
    async def payments(
        self,
        info: Info,
        filter: PaymentFilter | None = None,
        order_by: PaymentOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Payment]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PaymentFilter()).query(info)
        return await list_records(info, Payment, query, order_by, NEWEST_PAYMENT_FIRST, page)
