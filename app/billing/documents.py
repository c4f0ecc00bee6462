"""Invoices and the payments against them. Money is `Decimal` everywhere (Decimal128 stored).

An invoice keeps copies (snapshots) of the account, patient, client, sales rep and term as they
were when it was made, beside the ids of the live records (snapshot_documents.py). Its amounts
(line amounts, subtotal, taxes, total, paid and due) are computed by the services, never sent
by a client.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from beanie import PydanticObjectId
from pydantic import AliasChoices, Field, field_validator, model_validator

from app.billing.enums import InvoiceDelivery, InvoiceStatus, InvoiceType, PaymentMethod
from app.billing.share_documents import InvoiceLineShare, InvoicePayer
from app.billing.snapshot_documents import (
    InvoiceAccount,
    InvoiceClient,
    InvoiceCredited,
    InvoicePatient,
    InvoiceReferral,
    InvoiceSalesRep,
    InvoiceTerm,
)
from app.common.codes import ServiceUnit
from app.common.documents import (
    BILLING,
    FILLED,
    READONLY,
    CareDocument,
    Embedded,
    SoftDeletable,
    by_account,
    ref,
)
from app.common.money import MAX_AMOUNT, MAX_QUANTITY, ZERO, whole_cents

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# A reference to a record type of another package (a global ID in inputs, the live record in
# outputs), checked same-account on every write by the shared plumbing (`references_in` walks
# subdocuments); the snapshots' own are in snapshot_documents.py.
PUNCHCARD_REF: dict[str, Any] = ref("Punchcard", "punchcards")


class InvoiceBillingPeriod(Embedded):
    """The days of care an invoice bills, both ends included."""

    start: dt.date = Field(description="The first day billed.")
    end: dt.date = Field(description="The last day billed (not before the first).")

    @model_validator(mode="after")
    def _ordered(self) -> InvoiceBillingPeriod:
        if self.end < self.start:
            raise ValueError("the billing period ends on or after the day it starts")
        return self


class InvoiceCardPayment(Embedded):
    """A card payment of the whole invoice, as the card processor confirmed it."""

    brand: str | None = Field(None, max_length=30, description="Visa, Mastercard...")
    last4: str | None = Field(None, pattern=r"^\d{4}$", description="The card's last 4 digits.")
    authorization_code: str | None = Field(
        None, max_length=60, description="The processor's authorization code."
    )
    amount: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, description="The amount charged.")
    date: dt.datetime | None = Field(None, description="When it was charged.")

    _cents = field_validator("amount")(whole_cents)


class InvoicePunchcard(Embedded):
    """A visit billed on the invoice: the punchcard and what it billed."""

    record: PydanticObjectId = Field(
        alias="_id", description="The punchcard (live).", json_schema_extra=PUNCHCARD_REF
    )
    date: dt.date = Field(description="The day of the visit.")
    hours: Decimal = Field(ge=0, le=MAX_QUANTITY, description="Hours billed.")
    service_code: str | None = Field(None, max_length=20, description="The service billed.")
    caregiver: str | None = Field(None, max_length=200, description="Who gave the care.")
    amount: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="The amount billed for it: on a generated invoice, its part of its line "
        "(its quantity at the line's rate, the holiday rate on a holiday), the line's amount "
        "apportioned to the cent so the visits of a line add up to it exactly.",
    )
    distance: Decimal | None = Field(
        None, ge=0, le=MAX_QUANTITY, json_schema_extra=READONLY,
        description="On a generated invoice, the distance driven to it from the caregiver's "
        "visit before it that day, billed on its service's mileage line (the account's "
        "distance unit); null when its service bills no mileage or there was no such drive.",
    )  # fmt: skip
    mileage_amount: Decimal | None = Field(
        None, ge=0, le=MAX_AMOUNT, json_schema_extra=READONLY,
        description="Its part of its mileage line, apportioned to the cent so the visits of "
        "the line add up to it; null without a distance.",
    )  # fmt: skip
    shared: bool = Field(
        False,
        description="Whether it bills the invoice payer's share of the visit (care shared "
        "between payers), not the whole visit: the punchcard records the share in its "
        "billedShares.",
        json_schema_extra=READONLY,
    )

    _cents = field_validator("amount", "mileage_amount")(whole_cents)


class InvoiceServiceLine(Embedded):
    """A line of an invoice: a service, how much of it, at what rate. Left out, the
    description, unit, rate and taxes are the account's for that service code."""

    code: str = Field(min_length=1, max_length=20, description="The account's service code.")
    description: str | None = Field(None, max_length=200, description="What was done.")
    quantity: Decimal = Field(ge=0, le=MAX_QUANTITY, description="How many units: hours or visits.")
    unit: ServiceUnit | None = Field(None, description="What the quantity counts.")
    rate: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, description="The price of one unit.")
    amount: Decimal | None = Field(
        None,
        description="Quantity times rate, rounded half-up to the cent (computed).",
        json_schema_extra=READONLY,
    )
    taxes: list[str] | None = Field(
        None, description="Codes of the account's taxes this line bears; [] for none."
    )
    credits_line: int | None = Field(
        None,
        ge=0,
        description="On a credit note: the line of the credited invoice this line credits, by "
        "its position in that invoice's services (0 for the first).",
        json_schema_extra=READONLY,
    )
    share: InvoiceLineShare | None = Field(
        None,
        description="For care shared between payers: the whole line and this payer's part of "
        "it (the line's amount). A line given anew by a clerk bills its whole amount.",
        json_schema_extra=READONLY,
    )


class InvoiceTax(Embedded):
    """A tax on the invoice: its rate and the amount it adds."""

    code: str = Field(description="The tax's code in the account, such as HST.")
    label: str = Field(description="As printed, such as HST (ON) 13%.")
    rate: Decimal = Field(ge=0, le=100, description="Percent of the taxed lines' amounts.")
    amount: Decimal = Field(ge=0, description="The tax, rounded half-up to the cent.")


def _money(description: str) -> Any:
    return Field(ZERO, description=description, json_schema_extra={**READONLY, **BILLING})


class Invoice(CareDocument, SoftDeletable):
    """A bill to a client or patient for care given: service lines, taxes and what is due."""

    number: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="The invoice number, unique in the account (case ignored); the account's "
        "next number when left out. Null only on a dry run's invoice, which takes no number.",
    )
    status: InvoiceStatus = Field(InvoiceStatus.DRAFT, description="Where the invoice stands.")
    invoice_type: InvoiceType = Field(InvoiceType.STANDARD, description="The kind of invoice.")
    invoice_date: dt.date | None = Field(
        None,
        description="The date of the invoice; today (account time) when left out.",
        json_schema_extra=FILLED,
    )
    due_date: dt.date | None = Field(
        None,
        description="When payment is due; the invoice date plus the term's days (or the "
        "account's default term) when left out.",
        json_schema_extra=FILLED,
    )
    billing_period: InvoiceBillingPeriod | None = Field(
        None, description="The days of care billed."
    )
    account_snapshot: InvoiceAccount | None = Field(
        None,
        alias="account",
        validation_alias=AliasChoices("account_snapshot", "account"),
        description="The agency as the invoice shows it (copied from the account).",
        json_schema_extra=READONLY,
    )
    patient: InvoicePatient | None = Field(None, description="The patient cared for.")
    client: InvoiceClient | None = Field(None, description="Who is billed.")
    payer: InvoicePayer | None = Field(
        None,
        description="The patient's payer the invoice bills (set by invoice generation); its "
        "lines carry the payer's share when the care is shared.",
        json_schema_extra=READONLY,
    )
    referred_by: InvoiceReferral | None = Field(None, description="Who referred them.")
    sales_rep: InvoiceSalesRep | None = Field(
        None, description="The sales rep; the account's default rep when left out."
    )
    term: InvoiceTerm | None = Field(None, description="The payment term.")
    currency: str | None = Field(
        None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency code; the account's when left out.",
    )
    hst_number: str | None = Field(
        None, max_length=40, description="The sales-tax number printed; the account's by default."
    )
    from_email: str | None = Field(
        None, max_length=200, pattern=EMAIL, description="The address the invoice is sent from."
    )
    header_message: str | None = Field(None, max_length=2000, description="Printed at the top.")
    footer_message: str | None = Field(None, max_length=2000, description="Printed at the bottom.")
    template: str | None = Field(None, max_length=60, description="The print layout (a code).")
    method: InvoiceDelivery | None = Field(None, description="How the invoice is delivered.")
    payment_method: PaymentMethod | None = Field(None, description="How it is expected to be paid.")
    claim_number: str | None = Field(None, max_length=100, description="The insurance claim.")
    legal_rep: str | None = Field(None, max_length=200, description="The legal representative.")
    loss_date: dt.date | None = Field(None, description="The date of loss (insurance claims).")
    notes: str | None = Field(None, max_length=5000, description="Notes on the invoice.")
    services: list[InvoiceServiceLine] = Field(
        default_factory=list,
        description="The service lines.",
        json_schema_extra=BILLING,
    )
    punchcards: list[InvoicePunchcard] = Field(
        default_factory=list,
        description="The visits billed.",
        json_schema_extra=BILLING,
    )
    cc_invoice: InvoiceCardPayment | None = Field(
        None,
        description="A card payment of the invoice.",
        json_schema_extra=BILLING,
    )
    subtotal: Decimal = _money("The sum of the line amounts (computed).")
    taxes: list[InvoiceTax] = Field(
        default_factory=list,
        description="Each tax on the taxed lines, at the account's rate (computed).",
        json_schema_extra={**READONLY, **BILLING},
    )
    tax_total: Decimal = _money("The sum of the taxes (computed).")
    total: Decimal = _money("Subtotal plus taxes (computed).")
    amount_paid: Decimal = _money("The sum of the payments that are not void (computed).")
    amount_due: Decimal = _money(
        "Total less credit notes and amount paid; 0 when void and on a credit note; below 0 "
        "when credit notes exceed what was left to pay (a refund is owed) (computed)."
    )
    amount_credited: Decimal = _money(
        "The sum of the totals of the credit notes crediting this invoice (computed)."
    )
    credited_invoice: InvoiceCredited | None = Field(
        None,
        description="On a credit note: the invoice it credits.",
        json_schema_extra=READONLY,
    )
    credit_reason: str | None = Field(
        None,
        max_length=500,
        description="On a credit note: why the credit was given.",
        json_schema_extra=READONLY,
    )
    closed: bool = Field(
        False,
        alias="_closed",
        description="Whether the invoice is closed: then it can no longer change.",
        json_schema_extra=READONLY,
    )
    closed_date: dt.datetime | None = Field(
        None, alias="_closed_date", description="When it was closed.", json_schema_extra=READONLY
    )
    closed_user: PydanticObjectId | None = Field(
        None,
        alias="_closed_user",
        description="The user who closed it (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )

    @model_validator(mode="before")
    @classmethod
    def _tenant_is_not_the_snapshot(cls, data: Any) -> Any:
        # `account` is both the tenant's python name and the snapshot's stored name: a number
        # under it is the tenant.
        if isinstance(data, dict) and isinstance(data.get("account"), int):
            data = {**data, "_account": data["account"]}
            del data["account"]
        return data

    @model_validator(mode="after")
    def _due_after_issue(self) -> Invoice:
        if self.due_date and self.invoice_date and self.due_date < self.invoice_date:
            raise ValueError("an invoice is due on or after its invoice date")
        return self

    class Settings:
        name = "invoices"
        indexes = [
            by_account("_search.number", unique=True),
            by_account("_search.number_sort", "_id"),
            by_account("invoice_date", "_id"),
            by_account("due_date", "_id"),
            by_account("_search.total_cents", "_id"),
            by_account("_search.due_cents", "_id"),
            by_account("_created_date", "_id"),
            by_account("status"),
            by_account("patient._id"),
            by_account("client._id"),
            by_account("credited_invoice._id"),
            by_account("_search.words"),
        ]


class Payment(CareDocument):
    """Money received against an invoice. Never deleted: a wrong payment is voided."""

    invoice: PydanticObjectId = Field(
        description="The invoice paid.", json_schema_extra=ref("Invoice", "invoices")
    )
    amount: Decimal = Field(
        gt=0,
        le=MAX_AMOUNT,
        description="The amount received, to the cent.",
        json_schema_extra=BILLING,
    )
    date: dt.date | None = Field(
        None, description="The day it was received; today (account time) when left out."
    )
    method: PaymentMethod = Field(description="How it was paid.")
    reference: str | None = Field(
        None, max_length=100, description="Cheque number, transaction id or other reference."
    )
    notes: str | None = Field(None, max_length=2000, description="Notes on the payment.")
    void: bool = Field(
        False,
        alias="_void",
        description="Whether the payment is void: it no longer counts.",
        json_schema_extra=READONLY,
    )
    void_date: dt.datetime | None = Field(
        None, alias="_void_date", description="When it was voided.", json_schema_extra=READONLY
    )
    void_user: PydanticObjectId | None = Field(
        None,
        alias="_void_user",
        description="The user who voided it (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    void_reason: str | None = Field(
        None, max_length=500, description="Why it was voided.", json_schema_extra=READONLY
    )

    _cents = field_validator("amount")(whole_cents)

    class Settings:
        name = "payments"
        indexes = [
            by_account("invoice", "date"),
            by_account("date", "_id"),
            by_account("_created_date", "_id"),
            by_account("method"),
            by_account("_void"),
        ]
