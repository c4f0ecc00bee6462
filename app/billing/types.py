"""GraphQL types of invoices and payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from app.billing.defaults import account_today
from app.billing.documents import Invoice as InvoiceDocument
from app.billing.documents import Payment as PaymentDocument
from app.billing.inputs import OLDEST_PAYMENT_FIRST, PaymentFilter
from app.billing.snapshot_documents import InvoiceAccount
from app.common.money import to_decimal
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.modeled import output_type, record_type
from app.graphql.projection import reads
from app.graphql.records import Record, to_date
from app.graphql.relay import Node

InvoiceAccountType = output_type(InvoiceAccount)


@record_type(
    InvoiceDocument,
    name="Invoice",
    description="A bill for care given: service lines, taxes, total, and what is paid and due. "
    "Amounts are computed by the server, exactly. A closed invoice is no longer edited or "
    "deleted; payments still change its amount paid, amount due and status.",
    exclude=("account_snapshot",),
)
class Invoice(Record, Node, Versioned):
    payments = related(
        "Payment",
        "invoice",
        "The payments against this invoice, oldest first (void ones too unless filtered).",
        filter_input=PaymentFilter,
        ordering=OLDEST_PAYMENT_FIRST,
    )

    billed_punchcards = related(
        "Punchcard",
        "invoice._id",
        "The punchcards whose invoice is this one, newest first (the `punchcards` field holds "
        "what the invoice itself lists).",
    )

    @strawberry.field(
        description="The agency as the invoice shows it: names, offices, website and HST "
        "number, copied from the account when the invoice was made."
    )
    @reads("account")
    def account(self) -> InvoiceAccountType | None:  # type: ignore[valid-type]
        value = self.doc.get("account")
        return InvoiceAccountType.from_doc(value) if isinstance(value, dict) else None

    @strawberry.field(description="The first day billed (billingPeriod.start).")
    @reads("billing_period")
    def billing_period_start(self) -> dt.date | None:
        return to_date((self.doc.get("billing_period") or {}).get("start"))

    @strawberry.field(description="The last day billed (billingPeriod.end).")
    @reads("billing_period")
    def billing_period_end(self) -> dt.date | None:
        return to_date((self.doc.get("billing_period") or {}).get("end"))

    @strawberry.field(
        description="Whether the due date has passed (today in the account's time zone) with "
        "something still due."
    )
    @reads("due_date", "amount_due")
    async def overdue(self, info: Info) -> bool:
        return (await self.days_overdue(info) or 0) > 0

    @strawberry.field(
        description="How many days past its due date the invoice is (today in the account's "
        "time zone); null when it is not yet due or nothing is due (a paid invoice, a credit "
        "note)."
    )
    @reads("due_date", "amount_due")
    async def days_overdue(self, info: Info) -> int | None:
        due_date, amount_due = to_date(self.doc.get("due_date")), self.doc.get("amount_due")
        if due_date is None or (to_decimal(amount_due) or Decimal(0)) <= 0:
            return None
        account = await info.context.loaders.load("accounts", info.context.account_id)
        days = (account_today(account) - due_date).days
        return days if days > 0 else None


@record_type(
    PaymentDocument,
    name="Payment",
    description="Money received against an invoice. A wrong payment is voided, never deleted; "
    "recording or voiding one recomputes its invoice.",
)
class Payment(Record, Node, Versioned):
    """Plain fields and references come from the document model."""
