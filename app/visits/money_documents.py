"""What a punchcard bills and pays, as stored on it: the hours, rates and amounts billed
(`PunchcardBill`) and paid (`PunchcardPay`, with `TravelPay` for the drive from the visit
before), who is billed for which period, and the invoice, payers' shares and payroll that
billed or paid the visit. The punchcard itself, its punches and its copies of the visit,
patient, caregiver and service are in `documents.py`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beanie import PydanticObjectId
from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.common.codes import DistanceUnit
from app.common.documents import BILLING, READONLY, Embedded, ref
from app.common.money import MAX_AMOUNT, ZERO, to_cent, whole_cents


def overtime_within_hours(overtime: Decimal, info: ValidationInfo) -> Decimal:
    """A pydantic check: overtime hours (weekly, and daily beside them) are part of the
    `hours` paid."""
    hours = info.data.get("hours")
    weekly = info.data.get("overtime_hours") if info.field_name != "overtime_hours" else None
    if hours is not None and overtime + (weekly or 0) > hours:
        raise ValueError("overtime hours are part of the hours paid")
    return overtime


class TravelPay(Embedded):
    """What a caregiver is paid for getting to a visit from their previous visit of the same
    day (the local day of the clock-ins; the first visit of a day has none): mileage for the
    distance and travel time for the gap, each its own pay beside the visit's. Set by payroll
    generation, from the account's payrollSettings."""

    origin: PydanticObjectId = Field(
        description="The punchcard of the visit before, where the drive started.",
        json_schema_extra=ref("Punchcard", "punchcards"),
    )
    distance: Decimal | None = Field(
        None, ge=0, le=100_000,
        description="The distance driven, in distanceUnit, to the hundredth: from the "
        "clock-out position before (else that visit's address) to this clock-in position "
        "(else this visit's address), by the account's routing (the great circle unless a "
        "road-routing provider is set); null when mileage is not paid or a position is missing.",
    )  # fmt: skip
    distance_unit: DistanceUnit | None = Field(
        None, description="The unit of the distance and its rate (payrollSettings.distanceUnit)."
    )
    mileage_rate: Decimal | None = Field(
        None, ge=0, le=1000, description="Paid per distance unit (payrollSettings.mileageRate)."
    )
    mileage_amount: Decimal = Field(
        ZERO, ge=0, le=MAX_AMOUNT,
        description="Distance times mileage rate, rounded once with the account's money "
        "rounding; 0.00 without mileage. A reimbursement: it is paid beside the gross.",
    )  # fmt: skip
    gap_minutes: int | None = Field(
        None, ge=0,
        description="Whole minutes from the clock-out before to this clock-in; null when the "
        "visit before has no clock-out.",
    )  # fmt: skip
    hours: Decimal = Field(
        Decimal("0.00"), ge=0, le=24,
        description="Travel hours paid: the gap, at most payrollSettings.maxTravelMinutes, "
        "rounded like visit time (payrollSettings.roundingMinutes, halves up); 0.00 when "
        "travel time is not paid.",
    )  # fmt: skip
    rate: Decimal | None = Field(
        None, ge=0, le=MAX_AMOUNT,
        description="Hourly rate of the travel time: payrollSettings.travelTimeRate, else the "
        "pay rate of this visit.",
    )  # fmt: skip
    amount: Decimal = Field(
        ZERO, ge=0, le=MAX_AMOUNT,
        description="Travel hours times their rate, rounded once; part of the gross pay.",
    )  # fmt: skip

    _cents = field_validator("mileage_amount", "amount")(whole_cents)


class PunchcardBill(Embedded):
    """What the visit bills: hours at a rate, and the amount they make, to the cent."""

    hours: Decimal = Field(ge=0, le=24, description="Hours billed.")
    rate: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="Hourly rate billed; none when neither the visit, the patient nor the "
        "account sets one (invoice generation then refuses the visit until one is set).",
    )
    amount: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="Hours times rate, rounded half-up to the cent: computed when left out, "
        "refused when it differs.",
        json_schema_extra={"derived_from": ["hours", "rate"]},
    )
    billable: bool = Field(True, description="Whether the visit is billed at all.")

    _cents = field_validator("amount")(whole_cents)

    @field_validator("amount")
    @classmethod
    def _is_hours_times_rate(cls, amount: Decimal | None, info: ValidationInfo) -> Decimal | None:
        hours, rate = info.data.get("hours"), info.data.get("rate")
        if amount is not None and hours is not None and rate is not None:
            expected = to_cent(hours * rate)
            if amount != expected:
                raise ValueError(f"the amount is hours times rate: {expected}")
        return amount

    @model_validator(mode="after")
    def _amount(self) -> PunchcardBill:
        self.amount = None if self.rate is None else to_cent(self.hours * self.rate)
        return self


class PunchcardPay(Embedded):
    """What the visit pays the caregiver."""

    hours: Decimal = Field(ge=0, le=24, description="Hours paid, overtime included.")
    rate: Decimal = Field(ge=0, le=MAX_AMOUNT, description="Hourly pay rate.")
    amount: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="Amount paid: hours times rate, half-up to the cent, when left out; it may "
        "differ when overtime or holiday premiums apply.",
        json_schema_extra={"derived_from": ["hours", "rate"]},
    )
    overtime_hours: Decimal = Field(
        Decimal("0"), ge=0, le=24, description="The part of the hours paid as overtime."
    )
    daily_overtime_hours: Decimal = Field(
        Decimal("0"), ge=0, le=24,
        description="The part of the hours paid as daily overtime (past "
        "payrollSettings.overtimeDailyHours in the visit's day).",
    )  # fmt: skip
    holiday: bool = Field(False, description="Whether holiday pay applies.")
    travel: TravelPay | None = Field(
        None,
        description="The mileage and travel time paid for getting to the visit from the one "
        "before; set by payroll generation.",
        json_schema_extra=READONLY,
    )

    _cents = field_validator("amount")(whole_cents)

    _overtime = field_validator("overtime_hours", "daily_overtime_hours")(overtime_within_hours)

    @model_validator(mode="after")
    def _amount(self) -> PunchcardPay:
        if self.amount is None:
            self.amount = to_cent(self.hours * self.rate)
        return self


class PunchcardBilling(Embedded):
    """Who is billed for the visit, and in which billing period."""

    period_start: dt.date | None = Field(None, description="First day of the billing period.")
    period_end: dt.date | None = Field(None, description="Last day of the billing period.")
    payer: str | None = Field(
        None,
        max_length=200,
        description="Who pays: self, a family member, an insurer.",
        json_schema_extra=BILLING,
    )

    @field_validator("period_end")
    @classmethod
    def _ordered(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("period_start")
        if end is not None and start is not None and end < start:
            raise ValueError("the period ends on or after the day it starts")
        return end


class PunchcardInvoice(Embedded):
    """The invoice that billed the visit: set by the invoice (never by a clerk's punchcard
    edit); once set, the punchcard no longer changes."""

    record: PydanticObjectId = Field(
        alias="_id", description="The invoice.", json_schema_extra=ref("Invoice", "invoices")
    )
    number: str | None = Field(None, max_length=40, description="The invoice's number.")
    date: dt.date | None = Field(None, description="The invoice's date.")


class PunchcardShare(Embedded):
    """A payer's share of a visit shared between payers, as its invoice billed it."""

    payer: str = Field(
        description="The payer: its client record's id, else its name (case ignored)."
    )
    invoice: PunchcardInvoice = Field(description="The invoice that billed this share.")
    amount: Decimal = Field(description="The share billed, to the cent.", json_schema_extra=BILLING)


class PunchcardPayroll(Embedded):
    """The payroll that pays the visit, set by the payroll line that pays it: in a closed
    payroll, the punchcard no longer changes."""

    record: PydanticObjectId = Field(
        alias="_id", description="The payroll.", json_schema_extra=ref("Payroll", "payrolls")
    )
    start: dt.date | None = Field(None, description="The payroll's first day; copied.")
    end: dt.date | None = Field(None, description="The payroll's last day; copied.")
