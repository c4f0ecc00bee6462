"""What an invoice keeps of the payer it bills and of its share of shared care (kept apart
from documents.py, which holds the invoice itself): see `app.billing.payers`."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from app.common.codes import CopayUnit
from app.common.documents import Embedded
from app.common.money import MAX_AMOUNT


class InvoicePayer(Embedded):
    """The payer an invoice bills, among a patient's payers (copied from the patient's billing
    by invoice generation)."""

    key: str = Field(
        max_length=200,
        description="Which payer: its client record's id, else its name in lower case (how "
        "punchcards name the shares billed).",
    )
    name: str = Field(max_length=200, description="The payer's name.")
    member_id: str | None = Field(None, max_length=64, description="The patient's member id.")
    policy_number: str | None = Field(None, max_length=100, description="The policy number.")


class InvoiceLineShare(Embedded):
    """A payer's share of a line of care shared between payers: the line is the whole line
    (quantity x rate), its amount this payer's part. The payers' parts of a line generated
    together add up to the line's whole amount to the cent (largest remainder)."""

    whole_amount: Decimal = Field(
        ge=0, le=MAX_AMOUNT, description="The whole line's amount, before it is shared."
    )
    amount: Decimal = Field(ge=0, le=MAX_AMOUNT, description="This payer's part, to the cent.")
    percent: Decimal | None = Field(
        None, ge=0, le=100, description="The payer's percent of what the co-pays leave."
    )
    copay: Decimal | None = Field(None, ge=0, description="The payer's co-pay, when it has one.")
    copay_per: CopayUnit | None = Field(None, description="What the co-pay is charged per.")
