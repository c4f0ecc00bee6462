"""Punchcards: what happened at a visit (clock-in and clock-out), and what it bills and pays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beanie import PydanticObjectId
from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.common.codes import Code, CorrectionReason, DistanceUnit
from app.common.documents import (
    BILLING,
    PAY,
    READONLY,
    CareDocument,
    Embedded,
    GeoPoint,
    Location,
    PersonName,
    SoftDeletable,
    by_account,
    ref,
)
from app.common.money import MAX_AMOUNT, ZERO, to_cent, whole_cents
from app.visits.review_documents import PunchcardReview


class ClockMethod(Code):
    """How a caregiver clocked in and out."""

    GPS = "gps", "From the mobile app, with its position."
    TELEPHONY = "telephony", "By calling the agency's line."
    MANUAL = "manual", "Entered by the office."


class Punch(Code):
    """Which punch of a visit: the clock-in or the clock-out."""

    IN = "in", "The clock-in."
    OUT = "out", "The clock-out."


class PunchFlagKind(Code):
    """Why a punch is flagged for the office to check. A flagged punch is stored and counts like any
    other: the flag only says what to look at."""

    FAR_FROM_VISIT = (
        "far_from_visit",
        "Punched farther from the visit's address than the account's radius "
        "(visitSettings.radiusMeters).",
    )
    EARLY_CLOCK_IN = (
        "early_clock_in",
        "Clocked in earlier than the visit's start minus visitSettings.earlyMinutes.",
    )
    LATE_CLOCK_IN = (
        "late_clock_in",
        "Clocked in later than the visit's start plus visitSettings.lateMinutes.",
    )
    EARLY_CLOCK_OUT = (
        "early_clock_out",
        "Clocked out earlier than the visit's end minus visitSettings.earlyMinutes.",
    )
    LATE_CLOCK_OUT = (
        "late_clock_out",
        "Clocked out later than the visit's end plus visitSettings.lateMinutes.",
    )
    NO_LOCATION = (
        "no_location",
        "Punched without a position while visitSettings.gpsRequired is on (a "
        "telephony punch is not flagged when the account accepts them).",
    )


class PunchFlag(Embedded):
    """A reason the office should check a punch, recorded when the caregiver punched."""

    kind: PunchFlagKind = Field(description="What is off.")
    punch: Punch = Field(description="The punch it is about: clock-in or clock-out.")
    reason: str = Field(max_length=300, description="What is off, for a person to read.")
    distance_meters: float | None = Field(
        None, ge=0, description="How far the punch was from the visit, in metres (FAR_FROM_VISIT)."
    )
    minutes: int | None = Field(
        None,
        ge=0,
        description="How many minutes early or late, rounded up (the time flags).",
    )


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


def _after(value: dt.datetime | None, info: ValidationInfo, start: str, what: str) -> None:
    began = info.data.get(start)
    if value is not None and began is not None and value <= began:
        raise ValueError(f"{what} is after {start.replace('_', ' ')}")


class PunchcardEvent(Embedded):
    """The scheduled visit as it was when the punchcard was recorded."""

    start: dt.datetime | None = Field(None, description="When the visit was to start.")
    end: dt.datetime | None = Field(None, description="When the visit was to end.")
    service_code: str | None = Field(
        None, max_length=20, description="The code of the visit's service."
    )
    status: str | None = Field(
        None, max_length=40, description="The visit's status code (such as completed)."
    )

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        _after(end, info, "start", "the end")
        return end


class PunchcardActual(Embedded):
    """What really happened: when and where the caregiver clocked in and out."""

    clock_in: dt.datetime = Field(description="When the caregiver clocked in.")
    clock_out: dt.datetime | None = Field(
        None, description="When the caregiver clocked out; null while the visit goes on."
    )
    clock_in_location: GeoPoint | None = Field(None, description="Where they clocked in.")
    clock_out_location: GeoPoint | None = Field(None, description="Where they clocked out.")
    method: ClockMethod = Field(ClockMethod.GPS, description="How they clocked in and out.")
    notes: str | None = Field(None, max_length=2000, description="What the caregiver noted.")
    clock_in_distance_meters: float | None = Field(
        None,
        ge=0,
        description="How far the clock-in was from the visit's address, in metres; null when "
        "either position is unknown. Set by punchcardClockIn.",
        json_schema_extra=READONLY,
    )
    clock_out_distance_meters: float | None = Field(
        None,
        ge=0,
        description="How far the clock-out was from the visit's address, in metres; null when "
        "either position is unknown. Set by punchcardClockOut.",
        json_schema_extra=READONLY,
    )
    original_clock_in: dt.datetime | None = Field(
        None,
        description="The clock-in as first recorded, kept when the office corrects the punches "
        "(see the punchcard's correction); null while never corrected.",
        json_schema_extra=READONLY,
    )
    original_clock_out: dt.datetime | None = Field(
        None,
        description="The clock-out as first recorded, kept when the office corrects the "
        "punches; null while never corrected, or when none was recorded before the correction.",
        json_schema_extra=READONLY,
    )
    clock_in_device_time: dt.datetime | None = Field(
        None,
        description="The time the caregiver's device sent with their own clock-in: kept beside "
        "the clock-in, not used (the server's clock stamps a caregiver's own punch).",
        json_schema_extra=READONLY,
    )
    clock_out_device_time: dt.datetime | None = Field(
        None,
        description="The time the caregiver's device sent with their own clock-out: kept, not "
        "used.",
        json_schema_extra=READONLY,
    )
    clock_in_reason: CorrectionReason | None = Field(
        None,
        description="Why the office recorded the clock-in on the caregiver's behalf; null when "
        "the caregiver clocked in themself.",
        json_schema_extra=READONLY,
    )
    clock_out_reason: CorrectionReason | None = Field(
        None,
        description="Why the office recorded the clock-out on the caregiver's behalf; null "
        "when the caregiver clocked out themself.",
        json_schema_extra=READONLY,
    )

    @field_validator("clock_out")
    @classmethod
    def _ordered(cls, clock_out: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        _after(clock_out, info, "clock_in", "clock-out")
        return clock_out


class PunchcardCorrection(Embedded):
    """The office's latest correction of the punches: why, by whom and when. The punches as
    first recorded stay in `actual` (originalClockIn, originalClockOut), every correction is in
    the audit trail, and what the punchcard bills, pays and flags is computed again from the
    corrected times, as at clock-out."""

    reason: CorrectionReason = Field(description="Why the punches were corrected.")
    notes: str | None = Field(
        None, max_length=1000, description="What happened; required when the reason is OTHER."
    )
    user: PydanticObjectId | None = Field(
        None,
        description="The staff member who corrected them; null when done through an API client.",
        json_schema_extra={**READONLY, **ref("User", "users")},
    )
    api_client: str | None = Field(
        None,
        max_length=200,
        description="The API client the correction was made through, if any.",
        json_schema_extra=READONLY,
    )
    date: dt.datetime | None = Field(
        None, description="When the punches were corrected.", json_schema_extra=READONLY
    )
    reason_code: str | None = Field(
        None,
        max_length=20,
        description="The account's reason code for this edit (visitSettings.reasonCodes), sent "
        "by an EVV export as the change's ReasonCode; left out, the code the account gives "
        "this correction reason.",
    )


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


class PunchcardPatient(Embedded):
    """The patient visited, as they were when the punchcard was recorded."""

    record: PydanticObjectId = Field(
        alias="_id", description="The patient.", json_schema_extra=ref("Patient", "patients")
    )
    name: PersonName | None = Field(
        None, description="The patient's name; copied from the patient when left out."
    )


class PunchcardCaregiver(Embedded):
    """The caregiver who made the visit, as they were when the punchcard was recorded."""

    record: PydanticObjectId = Field(
        alias="_id", description="The caregiver.", json_schema_extra=ref("User", "users")
    )
    name: PersonName | None = Field(
        None, description="The caregiver's name; copied from the caregiver when left out."
    )


class PunchcardPayroll(Embedded):
    """The payroll that pays the visit, set by the payroll line that pays it: in a closed
    payroll, the punchcard no longer changes."""

    record: PydanticObjectId = Field(
        alias="_id", description="The payroll.", json_schema_extra=ref("Payroll", "payrolls")
    )
    start: dt.date | None = Field(None, description="The payroll's first day; copied.")
    end: dt.date | None = Field(None, description="The payroll's last day; copied.")


class PunchcardService(Embedded):
    """The service given at the visit, with its rates."""

    code: str = Field(min_length=1, max_length=20, description="The account's service code.")
    description: str | None = Field(None, max_length=200, description="What is done.")
    bill_rate: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="Hourly rate billed for it.",
        json_schema_extra=BILLING,
    )
    pay_rate: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="Hourly rate paid for it.",
        json_schema_extra=PAY,
    )


class Punchcard(CareDocument, SoftDeletable):
    """A caregiver's record of a visit: clock-in and clock-out, and what it bills and pays."""

    event_snapshot: PunchcardEvent | None = Field(
        None,
        alias="_event",
        description="The scheduled visit as it was when punched (its start, end, service and "
        "status); copied from the event when left out.",
    )
    event: PydanticObjectId | None = Field(
        None, description="The scheduled visit (event).", json_schema_extra=ref("Event", "events")
    )
    actual: PunchcardActual | None = Field(
        None, description="When and where the caregiver really clocked in and out."
    )
    bill: PunchcardBill | None = Field(
        None, description="What the visit bills.", json_schema_extra=BILLING
    )
    billing: PunchcardBilling | None = Field(None, description="Who is billed, for which period.")
    invoice: PunchcardInvoice | None = Field(
        None,
        description="The invoice that billed it: set by the invoice, not by punchcard edits.",
        json_schema_extra=READONLY,
    )
    location: Location | None = Field(None, description="Where the visit was (clock-in).")
    location_end: Location | None = Field(
        None, description="Where the visit ended, if elsewhere (clock-out)."
    )
    patient: PunchcardPatient | None = Field(None, description="The patient visited.")
    pay: PunchcardPay | None = Field(
        None, description="What the visit pays the caregiver.", json_schema_extra=PAY
    )
    payroll: PunchcardPayroll | None = Field(
        None,
        description="The payroll that pays it: set by the payroll line paying it, not by "
        "punchcard edits.",
        json_schema_extra=READONLY,
    )
    service: PunchcardService | None = Field(None, description="The service given, with rates.")
    flags: list[PunchFlag] = Field(
        default_factory=list,
        description="Why the office should check its punches (far from the visit, early, late, "
        "no position): set by punchcardClockIn and punchcardClockOut; empty when all is in order.",
        json_schema_extra=READONLY,
    )
    correction: PunchcardCorrection | None = Field(
        None,
        description="Why, by whom and when the office last corrected the clock-in or clock-out: "
        "required (its reason) with every change of the actual times of a punchcard; a "
        "punchcard the office records itself may say why too.",
    )
    billed_shares: list[PunchcardShare] = Field(
        default_factory=list,
        description="For care shared between payers: each payer's share billed so far, with "
        "its invoice; `invoice` is set once every payer's share is billed (to the invoice of "
        "the last). Set by invoice generation, not by punchcard edits.",
        json_schema_extra=READONLY,
    )
    review: PunchcardReview | None = Field(
        None,
        description="The office's review of its punches: a flagged or hand-recorded punch "
        "waits (PENDING) and is neither billed nor paid until approved; null when nothing was "
        "to review.",
        json_schema_extra=READONLY,
    )
    stat_holiday: bool = Field(False, description="Whether the visit fell on a statutory holiday.")
    user: PunchcardCaregiver = Field(description="The caregiver who made the visit.")

    class Settings:
        name = "punchcards"
        indexes = [
            by_account("_search.date", "_id"),
            by_account("user._id", "_search.date"),
            by_account("patient._id", "_search.date"),
            by_account("event"),
            by_account("invoice._id"),
            by_account("payroll._id"),
            by_account("_created_date", "_id"),
            by_account("flags.kind", "_search.date"),  # the office's list of flagged punches
            by_account("review.status", "_search.date"),  # the review queue
        ]
