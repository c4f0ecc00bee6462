"""Finding invoices and payments."""

from __future__ import annotations

from typing import Annotated

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
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id


@strawberry.type
class BillingQueries:
    @strawberry.field(description="An invoice by global ID; null if not in your account.")
    async def invoice(self, info: Info, id: RecordId) -> Invoice | None:
        return await Invoice.load(info, decode_id(id, Invoice))

    @strawberry.field(description="An invoice by its number (case ignored); null if none.")
    async def invoice_by_number(
        self,
        info: Info,
        number: Annotated[
            str,
            strawberry.argument(
                description="The invoice's number, such as INV-42 (its prefix and counter)."
            ),
        ],
    ) -> Invoice | None:
        doc = await info.context.scope["invoices"].find_one({"_search.number": normalise(number)})
        return None if doc is None else Invoice.from_doc(doc)

    @strawberry.field(description="The account's invoices, newest invoice date first unless told.")
    async def invoices(
        self,
        info: Info,
        filter: Filter[InvoiceFilter] = None,
        order_by: OrderBy[InvoiceOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Invoice]:
        page = Page(first=first, after=after, last=last, before=before)
        query = await (filter or InvoiceFilter()).query(info)
        return await list_records(info, Invoice, query, order_by, NEWEST_INVOICE_FIRST, page)

    @strawberry.field(description="A payment by global ID; null if not in your account.")
    async def payment(self, info: Info, id: RecordId) -> Payment | None:
        return await Payment.load(info, decode_id(id, Payment))

    @strawberry.field(description="The account's payments, newest first unless told.")
    async def payments(
        self,
        info: Info,
        filter: Filter[PaymentFilter] = None,
        order_by: OrderBy[PaymentOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Payment]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PaymentFilter()).query(info)
        return await list_records(info, Payment, query, order_by, NEWEST_PAYMENT_FIRST, page)
