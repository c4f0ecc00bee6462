"""GraphQL inputs and payloads of invoice generation, batches and credit notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from app.billing.batch import BatchFailure, BatchReport
from app.billing.credit import CreditLine
from app.billing.enums import InvoiceStatus
from app.billing.generation import GenerateOptions, Period
from app.billing.types import Invoice
from app.graphql.payloads import UserError
from app.graphql.relay import to_global_id
from app.visits.review_types import HeldPunchcard


@strawberry.input(description="The days of care to bill, both ends included (at most a year).")
class BillingPeriodInput:
    start: dt.date = strawberry.field(description="The first day billed.")
    end: dt.date = strawberry.field(description="The last day billed.")

    def period(self) -> Period:
        return Period(self.start, self.end)


@strawberry.input(description="How generated invoices are made.")
class InvoiceGenerateOptions:
    dry_run: bool = strawberry.field(
        default=False,
        description="Compute the invoice and return it without storing anything: no invoice, "
        "no punchcard linked, no number taken (`previewNumber` shows the number it would "
        "take now; its id is not stored).",
    )
    invoice_date: dt.date | None = strawberry.field(
        default=None, description="The invoice date; today (account time) when left out."
    )
    term: str | None = strawberry.field(
        default=None,
        description="The key of one of the account's payment terms; left out, the invoice is "
        "due after the account's billingSettings.defaultTermDays.",
    )
    notes: str | None = strawberry.field(default=None, description="Notes on the invoice.")
    status: InvoiceStatus = strawberry.field(
        default=InvoiceStatus.DRAFT, description="DRAFT (the default), SENT or VOID."
    )

    def options(self) -> GenerateOptions:
        return GenerateOptions(
            dry_run=self.dry_run,
            invoice_date=self.invoice_date,
            term=self.term,
            notes=self.notes,
            status=self.status,
        )


@strawberry.input(
    description="A part of a line of a closed invoice to credit. Name the line by its position "
    "(`line`), or by its code (and its rate when several lines have the code); a code and rate "
    "that several lines share is refused: name it by its position."
)
class InvoiceCreditLineInput:
    quantity: Decimal = strawberry.field(
        description="How many of its units to credit: more than 0, at most what is left."
    )
    line: int | None = strawberry.field(
        default=None,
        description="The line's position in the invoice's services (0 for the first). With a "
        "code (or rate) too, they must be the line's.",
    )
    code: str | None = strawberry.field(
        default=None, description="The line's service code, when `line` is not given."
    )
    rate: Decimal | None = strawberry.field(
        default=None,
        description="The line's rate: needed when the invoice has several lines of this code "
        "(a statutory-holiday line beside a regular one).",
    )

    def line_to_credit(self) -> CreditLine:
        return CreditLine(self.code, self.quantity, self.rate, self.line)


@strawberry.type(description="The result of an invoice generation.")
class InvoiceGeneratePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice made (or, on a dry run, computed and not stored); null if refused."
    )
    dry_run: bool = strawberry.field(description="Whether nothing was stored.")
    preview_number: str | None = strawberry.field(
        description="On a dry run: the number the invoice would take now (not reserved)."
    )
    invoices: list[Invoice] = strawberry.field(
        description="Every invoice made: one, or, for a patient whose payers share the care, "
        "one per payer (its share), in the patient's order of payers; `invoice` is the first."
    )
    punchcards_billed: int = strawberry.field(description="How many visits the invoices bill.")
    held_for_review: list[HeldPunchcard] = strawberry.field(
        description="The period's punchcards not billed because they wait for the office's "
        "review or were rejected (visitReviews), and why."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success. Nothing left to bill is "
        "INVALID_STATE on billingPeriod; billing past a payer's service authorization is "
        "INVALID_STATE naming the authorization."
    )


@strawberry.type(description="A patient a batch made no invoice for, and why.")
class InvoiceBatchProblem:
    patient: strawberry.ID = strawberry.field(description="The patient's global ID.")
    errors: list[UserError] = strawberry.field(description="Why no invoice was made.")

    @classmethod
    def of(cls, failure: BatchFailure) -> InvoiceBatchProblem:
        errors = [UserError.of(problem) for problem in failure.problems]
        return cls(patient=strawberry.ID(to_global_id("Patient", failure.patient)), errors=errors)


@strawberry.type(description="What an invoice batch did.")
class InvoiceBatchReport:
    patients_considered: int = strawberry.field(
        description="Patients with visits left to bill in the period."
    )
    invoices: list[Invoice] = strawberry.field(description="The invoices made, by patient id.")
    skipped: list[InvoiceBatchProblem] = strawberry.field(
        description="Patients passed over (deleted since their visits were recorded)."
    )
    failed: list[InvoiceBatchProblem] = strawberry.field(
        description="Patients whose invoice was refused (each invoice is its own transaction: "
        "the others stand)."
    )
    punchcards_billed: int = strawberry.field(description="Visits billed in all.")
    subtotal: Decimal = strawberry.field(description="The sum of the invoices' subtotals.")
    tax_total: Decimal = strawberry.field(description="The sum of their taxes.")
    total: Decimal = strawberry.field(description="The sum of their totals.")
    db_commands: int = strawberry.field(description="Database commands the batch sent.")
    db_commands_per_invoice: Decimal = strawberry.field(
        description="Database commands per invoice made (bounded: independent of the account's "
        "size)."
    )
    held_for_review: list[HeldPunchcard] = strawberry.field(
        description="Punchcards of the invoiced patients not billed because they wait for "
        "the office's review or were rejected."
    )

    @classmethod
    def of(cls, report: BatchReport) -> InvoiceBatchReport:
        return cls(
            patients_considered=report.patients_considered,
            invoices=Invoice.from_docs(report.invoices),
            skipped=[InvoiceBatchProblem.of(s) for s in report.skipped],
            failed=[InvoiceBatchProblem.of(f) for f in report.failed],
            punchcards_billed=report.punchcards_billed,
            subtotal=report.subtotal,
            tax_total=report.tax_total,
            total=report.total,
            db_commands=report.db_commands,
            db_commands_per_invoice=report.db_commands_per_invoice,
            held_for_review=HeldPunchcard.of(report.held),
        )


@strawberry.type(description="The result of an invoice batch.")
class InvoiceBatchPayload:
    report: InvoiceBatchReport | None = strawberry.field(
        description="What the batch did; null if refused as a whole."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the whole batch was refused (a bad period); empty otherwise."
    )


@strawberry.type(description="The result of crediting an invoice.")
class InvoiceCreditPayload:
    credit_note: Invoice | None = strawberry.field(
        description="The credit note made (type CREDIT_NOTE); null if refused."
    )
    invoice: Invoice | None = strawberry.field(
        description="The credited invoice, its amountCredited and amountDue updated."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")
