"""Inputs of invoice and payment queries and mutations."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.billing.defaults import account_today
from app.billing.documents import Invoice, Payment
from app.billing.enums import InvoiceStatus, PaymentMethod
from app.common.text import normalise
from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import DeletedState, deleted_clause, merge, words_clause
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type

NEWEST_INVOICE_FIRST = Ordering("invoice_date", descending=True)
NEWEST_PAYMENT_FIRST = Ordering("date", descending=True)
OLDEST_PAYMENT_FIRST = Ordering("date")

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    InvoiceCreateInput = Any
    InvoiceUpdateInput = Any
    PaymentCreateInput = Any
else:
    InvoiceCreateInput = input_type(Invoice, name="InvoiceCreateInput")
    InvoiceUpdateInput = input_type(Invoice, name="InvoiceUpdateInput", patch=True)
    PaymentCreateInput = input_type(Payment, name="PaymentCreateInput")


@strawberry.input(
    description="Corrections to a payment. Its invoice and amount do not change: void it and "
    "record a new one."
)
class PaymentUpdateInput:
    date: dt.date | None = strawberry.field(
        default=strawberry.UNSET, description="The day it was received."
    )
    method: PaymentMethod | None = strawberry.field(
        default=strawberry.UNSET, description="How it was paid."
    )
    reference: str | None = strawberry.field(
        default=strawberry.UNSET, description="Cheque number, transaction id or other reference."
    )
    notes: str | None = strawberry.field(
        default=strawberry.UNSET, description="Notes on the payment."
    )


@strawberry.input(description="A span of calendar days, both ends included; either may be open.")
class BillingDateRange:
    start: dt.date | None = strawberry.field(default=None, description="From this day on.")
    end: dt.date | None = strawberry.field(default=None, description="Up to this day.")

    def clause(self, key: str) -> dict[str, Any]:
        # dates are stored as midnight UTC datetimes
        bounds: dict[str, Any] = {}
        if self.start is not None:
            bounds["$gte"] = dt.datetime.combine(self.start, dt.time())
        if self.end is not None:
            bounds["$lte"] = dt.datetime.combine(self.end, dt.time())
        return {key: bounds} if bounds else {}


async def request_today(info: Info) -> dt.date:
    """Today in the caller's account's time zone (the account is read once per request)."""
    return account_today(await info.context.loaders.load("accounts", info.context.account_id))


def _span(value: BillingDateRange | None, key: str) -> dict[str, Any]:
    return value.clause(key) if value is not None else {}


@strawberry.input(description="Which invoices a list shows. All given conditions must hold.")
class InvoiceFilter:
    status: list[InvoiceStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    invoice_date: BillingDateRange | None = strawberry.field(
        default=None, description="Invoice date within these days."
    )
    due_date: BillingDateRange | None = strawberry.field(
        default=None, description="Due date within these days."
    )
    patient: strawberry.ID | None = strawberry.field(
        default=None, description="Invoices of this patient."
    )
    client: strawberry.ID | None = strawberry.field(
        default=None, description="Invoices billed to this client."
    )
    closed: bool | None = strawberry.field(default=None, description="Closed, or still open.")
    overdue: bool | None = strawberry.field(
        default=None,
        description="True: past their due date (before today, account time) with something "
        "still due; false: the others.",
    )
    number: str | None = strawberry.field(
        default=None, description="This invoice number exactly (case ignored)."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words that start words of the number, the patient's or the client's name.",
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted invoices too, or only them."
    )

    async def query(self, info: Info) -> dict[str, Any]:
        """The MongoDB filter; overdue is judged by today in the account's time zone."""
        today = await request_today(info) if self.overdue is not None else None
        return merge(
            {"status": {"$in": [s.value for s in self.status]}} if self.status else {},
            _span(self.invoice_date, "invoice_date"),
            _span(self.due_date, "due_date"),
            {"patient._id": decode_global_id(self.patient, "Patient", "filter.patient")}
            if self.patient
            else {},
            {"client._id": decode_global_id(self.client, "Client", "filter.client")}
            if self.client
            else {},
            {"_closed": True}
            if self.closed
            else {"_closed": {"$ne": True}}
            if self.closed is False
            else {},
            self._overdue(today) if today is not None else {},
            {"_search.number": normalise(self.number)} if self.number is not None else {},
            words_clause("_search.words", self.search),
            deleted_clause(self.deleted),
        )

    def _overdue(self, today: dt.date) -> dict[str, Any]:
        if self.overdue is None:
            return {}
        late = {
            "due_date": {"$lt": dt.datetime.combine(today, dt.time())},
            "_search.due_cents": {"$gt": 0},
        }
        return late if self.overdue else {"$nor": [late]}


@strawberry.enum(description="What a list of invoices is sorted by.")
class InvoiceOrderField(Enum):
    INVOICE_DATE = strawberry.enum_value("invoice_date", description="The invoice date.")
    NUMBER = strawberry.enum_value(
        "_search.number_sort", description="The number, digits in numeric order (INV-9, INV-10)."
    )
    DUE_DATE = strawberry.enum_value("due_date", description="The due date.")
    TOTAL = strawberry.enum_value("_search.total_cents", description="The total.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was added.")


@strawberry.input(description="Which payments a list shows. All given conditions must hold.")
class PaymentFilter:
    invoice: strawberry.ID | None = strawberry.field(
        default=None, description="Payments of this invoice."
    )
    date: BillingDateRange | None = strawberry.field(
        default=None, description="Received within these days."
    )
    method: list[PaymentMethod] | None = strawberry.field(
        default=None, description="Paid any of these ways."
    )
    void: bool | None = strawberry.field(
        default=None, description="Only void payments (true), or only those that count (false)."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            {"invoice": decode_global_id(self.invoice, "Invoice", "filter.invoice")}
            if self.invoice
            else {},
            _span(self.date, "date"),
            {"method": {"$in": [m.value for m in self.method]}} if self.method else {},
            {"_void": True}
            if self.void
            else {"_void": {"$ne": True}}
            if self.void is False
            else {},
        )


@strawberry.enum(description="What a list of payments is sorted by.")
class PaymentOrderField(Enum):
    DATE = strawberry.enum_value("date", description="The day it was received.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was recorded.")


if TYPE_CHECKING:
    InvoiceOrder = Any
    PaymentOrder = Any
else:
    InvoiceOrder = order_input("InvoiceOrder", InvoiceOrderField, "invoices")
    PaymentOrder = order_input("PaymentOrder", PaymentOrderField, "payments")
