"""Who pays for a patient's care: their payers, how they share it, and the services each
authorized (kept apart from documents.py, which holds the patient record itself)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beanie import PydanticObjectId
from pydantic import Field, field_validator, model_validator

from app.common.codes import Code, CopayUnit, PeriodType
from app.common.documents import Embedded, ref
from app.common.money import MAX_AMOUNT, whole_cents


class AuthorizationPeriod(Code):
    """Over what time a service authorization's units may be used."""

    WEEK = "week", "Each week (weeks start on the account's weekStart, in its time zone)."
    MONTH = "month", "Each calendar month."
    WHOLE = "whole", "Once over the authorization's whole date range."


class ServiceAuthorization(Embedded):
    """Units of a service a payer approved for a patient over a date range (a prior
    authorization): booking past them is an AUTHORIZATION_EXCEEDED schedule conflict (which a
    scheduler may override), and invoicing refuses to bill past them."""

    number: str | None = Field(
        None, max_length=60, description="The payer's authorization number, quoted when refused."
    )
    service: str = Field(
        min_length=1, max_length=20, description="The account's service code it authorizes."
    )
    units: Decimal = Field(
        ge=0,
        le=100_000,
        description="How many units it allows per period: hours, or visits for a service "
        "counted per VISIT.",
    )
    period: AuthorizationPeriod = Field(
        AuthorizationPeriod.WHOLE, description="Over what time the units may be used."
    )
    start: dt.date = Field(description="The first day it covers (the account's days).")
    end: dt.date = Field(description="The last day it covers (not before the first).")

    @model_validator(mode="after")
    def _ordered(self) -> ServiceAuthorization:
        if self.end < self.start:
            raise ValueError("an authorization ends on or after the day it starts")
        return self


class PatientBilling(Embedded):
    """Who pays for a patient's care, and how. Several payers share the care: a payer with a
    co-pay pays that fixed amount per visit or hour of each line (at most the line), and the
    others share what is left by their `sharePercent`, which must then add up to 100 (invoice
    generation refuses the patient's care otherwise); each payer is billed its share on its
    own invoice."""

    payer: str = Field(
        min_length=1,
        max_length=200,
        description="Who pays: self, a family member, an insurer or a program.",
    )
    client: PydanticObjectId | None = Field(
        None,
        description="The client record of the payer, when it is one: invoices generated for "
        "that client bill this patient (without it, a client whose name is the payer does).",
        json_schema_extra=ref("Client", "clients"),
    )
    billing_period: PeriodType = Field(PeriodType.MONTHLY, description="How often they are billed.")
    rate: Decimal | None = Field(None, ge=0, description="Hourly rate, if not the service's.")
    share_percent: Decimal = Field(
        Decimal("100"),
        ge=0,
        le=100,
        description="Percent of each bill this payer covers (of what is left after co-pays); "
        "ignored for a payer with a co-pay.",
    )
    copay: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="A fixed co-pay this payer pays per visit or per hour (copayPer), to the "
        "cent, instead of a percent: the other payers share the rest.",
    )
    copay_per: CopayUnit = Field(CopayUnit.VISIT, description="What the co-pay is charged per.")
    policy_number: str | None = Field(None, max_length=100, description="Insurance policy number.")
    member_id: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9-]+$",
        description="The patient's member id with this payer (a Medicaid number): sent to an "
        "electronic visit verification aggregator as ClientID.",
    )
    payer_code: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The payer's id at the EVV aggregator (PayerID, such as a state Medicaid "
        "agency's code): visits are exported for the first payer that has one.",
    )
    program: str | None = Field(
        None,
        max_length=9,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The payer's program the care is given under (PayerProgram of an EVV "
        "export, such as a waiver program's code).",
    )
    method: str | None = Field(None, max_length=60, description="How they pay (cheque, card...).")
    email: str | None = Field(None, max_length=200, description="Where bills are sent.")
    authorizations: list[ServiceAuthorization] = Field(
        default_factory=list,
        max_length=50,
        description="Services this payer authorized, in units per period over a date range.",
    )

    _cents = field_validator("copay")(whole_cents)
