"""Inputs of invoice and payment queries and mutations."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.billing.defaults import account_today
from app.billing.documents import Invoice, Payment
from app.billing.enums import InvoiceStatus, InvoiceType, PaymentMethod
from app.common.money import MAX_AMOUNT
from app.common.text import normalise
from app.errors import PublicError
from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import DeletedState, deleted_clause, merge, search_field, words_clause
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type

NEWEST_INVOICE_FIRST = Ordering("invoice_date", descending=True)
MAX_DAYS_OVERDUE = 36_500
"""A century: the furthest back `overdueBy` reaches (and a date that stays in the calendar)."""
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


@strawberry.input(description="A span of amounts, both ends included; either may be open.")
class AmountRange:
    min: Decimal | None = strawberry.field(default=None, description="At least this much.")
    max: Decimal | None = strawberry.field(default=None, description="At most this much.")

    def clause(self, key: str) -> dict[str, Any]:
        """On a key stored in whole cents: a bound between two cents keeps only whole cents
        inside it (at least 10.005 is at least 10.01)."""
        bounds: dict[str, Any] = {}
        for name, value, op, whole in (
            ("min", self.min, "$gte", math.ceil),
            ("max", self.max, "$lte", math.floor),
        ):
            if value is None:
                continue
            if abs(value) > MAX_AMOUNT:
                raise PublicError(f"`amountDue.{name}` is at most {MAX_AMOUNT:,} either way.")
            bounds[op] = whole(value * 100)
        return {key: bounds} if bounds else {}


DUE = "_search.due_cents"
"""The amount due in cents, indexed: what an aging report filters and sorts on. A credit note's
is always 0 (nothing is owed on it), so "something due" leaves credit notes out."""


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
    overdue_by: int | None = strawberry.field(
        default=None,
        description="At least this many days past their due date (today in the account's time "
        "zone) with something still due: 30 lists what `daysOverdue` puts at 30 or more.",
    )
    unpaid: bool | None = strawberry.field(
        default=None,
        description="True: something is still due (amount due above 0; never a credit note, on "
        "which nothing is due); false: nothing is.",
    )
    type: list[InvoiceType] | None = strawberry.field(
        default=None, description="Any of these kinds (standard, credit note, interim, final)."
    )
    amount_due: AmountRange | None = strawberry.field(
        default=None, description="Amount due within this range."
    )
    number: str | None = strawberry.field(
        default=None, description="This invoice number exactly (case ignored)."
    )
    search: str | None = search_field(
        "Words that start words of the number, the patient's or the client's name."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted invoices too, or only them."
    )

    async def query(self, info: Info) -> dict[str, Any]:
        """The MongoDB filter; overdue is judged by today in the account's time zone."""
        judged = self.overdue is not None or self.overdue_by is not None
        today = await request_today(info) if judged else None
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
            self._overdue_by(today) if today is not None else {},
            {DUE: {"$gt": 0} if self.unpaid else {"$lte": 0}} if self.unpaid is not None else {},
            {"invoice_type": {"$in": [t.value for t in self.type]}} if self.type else {},
            self.amount_due.clause(DUE) if self.amount_due is not None else {},
            {"_search.number": normalise(self.number)} if self.number is not None else {},
            words_clause("_search.words", self.search),
            deleted_clause(self.deleted),
        )

    def _overdue(self, today: dt.date) -> dict[str, Any]:
        if self.overdue is None:
            return {}
        late = {
            "due_date": {"$lt": dt.datetime.combine(today, dt.time())},
            DUE: {"$gt": 0},
        }
        return late if self.overdue else {"$nor": [late]}

    def _overdue_by(self, today: dt.date) -> dict[str, Any]:
        if self.overdue_by is None:
            return {}
        if self.overdue_by < 1:
            raise PublicError("`overdueBy` is a number of days past the due date: 1 or more.")
        if self.overdue_by > MAX_DAYS_OVERDUE:
            raise PublicError(f"`overdueBy` is at most {MAX_DAYS_OVERDUE} days.")
        latest = today - dt.timedelta(days=self.overdue_by)
        return {"due_date": {"$lte": dt.datetime.combine(latest, dt.time())}, DUE: {"$gt": 0}}


@strawberry.enum(description="What a list of invoices is sorted by.")
class InvoiceOrderField(Enum):
    INVOICE_DATE = strawberry.enum_value("invoice_date", description="The invoice date.")
    NUMBER = strawberry.enum_value(
        "_search.number_sort", description="The number, digits in numeric order (INV-9, INV-10)."
    )
    DUE_DATE = strawberry.enum_value("due_date", description="The due date.")
    TOTAL = strawberry.enum_value("_search.total_cents", description="The total.")
    AMOUNT_DUE = strawberry.enum_value(DUE, description="The amount still due.")
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
