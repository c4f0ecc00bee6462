"""Punchcards: what happened at a visit (clock-in and clock-out, flags, the office's
corrections) and the copies it keeps of the visit, patient, caregiver and service. What it
bills and pays is in `money_documents.py`, its review in `review_documents.py`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beanie import PydanticObjectId
from pydantic import Field, ValidationInfo, field_validator

from app.common.codes import Code, CorrectionReason
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
from app.common.money import MAX_AMOUNT
from app.visits.money_documents import (
    PunchcardBill,
    PunchcardBilling,
    PunchcardInvoice,
    PunchcardPay,
    PunchcardPayroll,
    PunchcardShare,
)
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
