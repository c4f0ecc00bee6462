"""Payrolls: a pay period, and one line per caregiver paid in it (a payroll user)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from beanie import PydanticObjectId
from pydantic import Field, ValidationInfo, field_validator

from app.common.codes import Code, PeriodType
from app.common.documents import (
    PAY,
    READONLY,
    CareDocument,
    Embedded,
    PersonName,
    SoftDeletable,
    by_account,
    ref,
)
from app.common.money import MAX_AMOUNT, whole_cents
from app.visits.money_documents import TravelPay, overtime_within_hours


class PayrollAdjustmentKind(Code):
    """What a payroll adjustment is for. Amounts are never negative: a DEDUCTION takes its amount
    off the pay, every other kind adds it."""

    MILEAGE = "mileage", "Distance driven for work; adds."
    BONUS = "bonus", "A bonus; adds."
    DEDUCTION = "deduction", "Taken off the pay; subtracts."
    REIMBURSEMENT = "reimbursement", "Expenses paid back; adds."
    OTHER = "other", "Anything else; adds."


class Payroll(CareDocument, SoftDeletable):
    """A pay period of the agency; closed once paid, and then it cannot change."""

    closed: bool = Field(
        False, alias="_closed", description="Whether the payroll is closed (paid; no more edits).",
        json_schema_extra=READONLY,
    )  # fmt: skip
    closed_date: dt.datetime | None = Field(
        None, alias="_closed_date", description="When the payroll was closed.",
        json_schema_extra=READONLY,
    )  # fmt: skip
    closed_user: PydanticObjectId | None = Field(
        None, alias="_closed_user",
        description="The user who closed the payroll (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )  # fmt: skip
    start: dt.date = Field(description="First day of the pay period.")
    end: dt.date = Field(description="Last day of the pay period (inclusive).")
    period_type: PeriodType = Field(description="How often this pay runs.")
    period_extra: int = Field(
        0, ge=0, le=366, description="Extra days added to the period (such as a pay period "
        "stretched over a holiday); 0 when none.",
    )  # fmt: skip
    currency: str | None = Field(
        None, pattern=r"^[A-Z]{3}$", json_schema_extra=READONLY,
        description="ISO 4217 code of its amounts: the account's currency when it was made.",
    )  # fmt: skip

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError("a payroll ends on or after the day it starts")
        return end

    class Settings:
        name = "payrolls"
        indexes = [
            by_account("start", "_id"),
            by_account("end"),
            by_account("_closed"),
            by_account("_created_date", "_id"),
        ]


class PayrollAdjustment(Embedded):
    """Money added to or taken off a caregiver's pay beside their visits."""

    kind: PayrollAdjustmentKind = Field(description="What it is for; DEDUCTION subtracts.")
    description: str | None = Field(None, max_length=500, description="What it is, in words.")
    amount: Decimal = Field(
        ge=0,
        le=MAX_AMOUNT,
        description="How much, to the cent and never negative: the kind says whether it adds "
        "or subtracts.",
    )
    date: dt.date | None = Field(None, description="The day it concerns.")

    _cents = field_validator("amount")(whole_cents)


def signed(kind: PayrollAdjustmentKind | str | None, amount: Decimal) -> Decimal:
    """An adjustment's amount as it counts in the pay: a DEDUCTION's is negative."""
    deduction = kind in (PayrollAdjustmentKind.DEDUCTION, PayrollAdjustmentKind.DEDUCTION.value)
    return -amount if deduction else amount


class PayrollUserPunchcard(Embedded):
    """A punchcard paid on a payroll line, with what it pays."""

    record: PydanticObjectId = Field(
        alias="_id", description="The punchcard.", json_schema_extra=ref("Punchcard", "punchcards")
    )
    hours: Decimal | None = Field(
        None, ge=0, le=24, description="Hours paid; copied from the punchcard's pay when left out."
    )
    rate: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="Hourly rate; copied from the punchcard's pay when left out.",
    )
    amount: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT,
        description="Amount paid, to the cent. Hours and rate left out (or the punchcard's): "
        "the punchcard's pay, copied whole. Hours or rate given otherwise: hours times rate, "
        "rounded half-up to the cent, and refused when it differs.",
    )
    overtime_hours: Decimal = Field(
        Decimal("0.00"), ge=0, le=24, json_schema_extra=READONLY,
        description="The part of the hours paid at the overtime multiplier (past the "
        "account's weekly threshold; on a holiday whose multiplier is the higher, those hours "
        "are paid, and counted, as holiday hours): set by payroll generation, or copied from "
        "the punchcard's pay.",
    )  # fmt: skip
    daily_overtime_hours: Decimal = Field(
        Decimal("0.00"), ge=0, le=24, json_schema_extra=READONLY,
        description="The part of the hours paid at the daily overtime multiplier (past the "
        "account's daily threshold in the visit's day; such hours do not count toward the "
        "weekly threshold, and on a holiday whose multiplier is the higher they are holiday "
        "hours): set by payroll generation, or copied from the punchcard's pay.",
    )  # fmt: skip
    holiday: bool = Field(
        False, json_schema_extra=READONLY,
        description="Whether the hours not paid as overtime are paid at the holiday "
        "multiplier (a statutory holiday): set by payroll generation, or copied from the "
        "punchcard's pay.",
    )  # fmt: skip
    travel: TravelPay | None = Field(
        None, json_schema_extra=READONLY,
        description="The mileage and travel time paid for getting to this visit from the "
        "caregiver's visit before it that day, beside the visit's own amount: set by payroll "
        "generation, or copied from the punchcard's pay; null when none is paid.",
    )  # fmt: skip
    service_code: str | None = Field(
        None, max_length=20, json_schema_extra=READONLY,
        description="The code of the service given (its rate is the punchcard's pay rate); "
        "copied from the punchcard.",
    )  # fmt: skip

    _cents = field_validator("amount")(whole_cents)

    _overtime = field_validator("overtime_hours", "daily_overtime_hours")(overtime_within_hours)


class PayrollUserCaregiver(Embedded):
    """The caregiver a payroll line pays, as they were when the line was made."""

    record: PydanticObjectId = Field(
        alias="_id", description="The caregiver.", json_schema_extra=ref("User", "users")
    )
    name: PersonName | None = Field(
        None, description="Their name; copied from the caregiver when left out."
    )
    nickname: str | None = Field(
        None, max_length=100, description="The name they go by; copied when left out."
    )


class PayrollHolidayPay(Embedded):
    """Pay for a statutory holiday of the period the caregiver did not work, by the account's
    formula (payrollSettings.holidayPayNotWorked). Set by payroll generation, once per
    caregiver and holiday."""

    date: dt.date = Field(description="The holiday.")
    name: str | None = Field(None, max_length=100, description="The holiday's name.")
    wages: Decimal = Field(
        ge=0, le=MAX_AMOUNT,
        description="Their straight-time pay (hours x rate, premiums left out) of the 28 days "
        "before the holiday.",
    )  # fmt: skip
    days_worked: int = Field(ge=1, le=28, description="The days of those 28 they worked.")
    amount: Decimal = Field(
        ge=0, le=MAX_AMOUNT,
        description="Wages divided by days worked, rounded once with the account's money "
        "rounding; part of the gross pay.",
    )  # fmt: skip

    _cents = field_validator("wages", "amount")(whole_cents)


class PayrollUser(CareDocument, SoftDeletable):
    """One caregiver's line in a payroll: the punchcards paid and the adjustments."""

    created_user: PydanticObjectId | None = Field(
        None, alias="_created_user",
        description="The user who created the line (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )  # fmt: skip
    payroll: PydanticObjectId = Field(
        description="The payroll this line belongs to.",
        json_schema_extra=ref("Payroll", "payrolls"),
    )
    user: PayrollUserCaregiver = Field(description="The caregiver paid.")
    punchcards: list[PayrollUserPunchcard] = Field(
        default_factory=list,
        description="The punchcards paid, with hours and amounts.",
        json_schema_extra=PAY,
    )
    adjustments: list[PayrollAdjustment] = Field(
        default_factory=list,
        description="Mileage, bonuses, deductions and reimbursements.",
        json_schema_extra=PAY,
    )
    holiday_pay: list[PayrollHolidayPay] = Field(
        default_factory=list, json_schema_extra={**READONLY, **PAY},
        description="Pay for the period's statutory holidays the caregiver did not work "
        "(payrollSettings.holidayPayNotWorked): set by payroll generation.",
    )  # fmt: skip

    @field_validator("punchcards")
    @classmethod
    def _each_punchcard_once(cls, punchcards: list[PayrollUserPunchcard]) -> list[Any]:
        ids = [p.record for p in punchcards]
        if len(ids) != len(set(ids)):
            raise ValueError("a punchcard is paid once on a line")
        return punchcards

    class Settings:
        name = "payrollsusers"
        indexes = [
            by_account("payroll", "_search.sort"),
            by_account("user._id", "_id"),
            by_account("punchcards._id"),
            by_account("holiday_pay.date"),  # a holiday not worked is paid once
        ]
