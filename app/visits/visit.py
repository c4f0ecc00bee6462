"""What a punch reads of its visit: the caregiver booked on it, its address, its rates, its
holiday, and what the hours worked bill and pay under the account's rules.

Rates: billed at the visit's own billing rate (event billing.bill_rate), else the patient's rate
for the service, else the service's rate (as booked, else the account's): the one precedence
of `app.billing.rates`, which invoice generation bills by too; no rate at all is stored as none
(not 0), so generation refuses it. Paid at the caregiver's rate on the visit
(attendee pay_rate), else the service's, else the account's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bson import ObjectId

from app.accounts.account_settings import BillingSettings, PayrollSettings
from app.billing.rates import bill_rate
from app.common.clock import as_utc
from app.common.documents import primary
from app.common.geo import location_point
from app.common.holidays import holiday_dates, local_date
from app.common.services import RawDoc, decode
from app.data.scope import Scope
from app.errors import ErrorCode, ServiceError
from app.visits.rules import billed_span, rounded_hours

CANCELLED = "cancelled"
OFF_THE_VISIT = {"declined", "cancelled"}
"""Attendee statuses of people no longer booked on a visit."""


async def visit_of(scope: Scope, key: Any, field: str = "event") -> RawDoc:
    """The account's visit (event) a caregiver punches: NOT_FOUND when it is not the
    account's, INVALID_STATE when it is deleted or cancelled."""
    event = await scope["events"].find_one({"_id": key})
    if event is None:
        raise ServiceError.one("No Event with this id.", ErrorCode.NOT_FOUND, field)
    if event.get("_deleted"):
        raise ServiceError.one(
            "This visit is deleted: nobody punches on it.", ErrorCode.INVALID_STATE, field
        )
    if event.get("status") == CANCELLED:
        raise ServiceError.one(
            "This visit is cancelled: nobody punches on it.", ErrorCode.INVALID_STATE, field
        )
    return decode(event)


def booked_caregiver(event: RawDoc, caregiver: ObjectId | None) -> RawDoc:
    """The attendee who punches: the one named, who must be booked on the visit; else the
    visit's only booked caregiver."""
    booked = [a for a in event.get("attendees") or [] if a.get("status") not in OFF_THE_VISIT]
    if caregiver is not None:
        for attendee in booked:
            if attendee.get("user") == caregiver:
                return attendee
        raise ServiceError.one(
            "This caregiver is not booked on this visit.", ErrorCode.INVALID, "caregiver"
        )
    carers = [a for a in booked if a.get("role", "caregiver") == "caregiver"]
    if len(carers) == 1:
        return carers[0]
    if not carers:
        raise ServiceError.one(
            "Nobody is booked on this visit as its caregiver: book them first, or name the "
            "attendee who punches.",
            ErrorCode.INVALID_STATE,
            "caregiver",
        )
    raise ServiceError.one(
        "This visit has several caregivers: say which one punches.",
        ErrorCode.REQUIRED,
        "caregiver",
    )


async def visit_location(scope: Scope, event: RawDoc) -> RawDoc | None:
    """Where the visit is: its own location when it has a position, else the patient's address
    copied on the visit, else the patient's primary address as it is now."""
    own = event.get("location")
    if location_point(own) is not None:
        return own
    patient = event.get("patient") or {}
    if location_point(patient.get("location")) is not None:
        return patient["location"]
    if isinstance(patient.get("_id"), ObjectId):
        record = await scope["patients"].find_one({"_id": patient["_id"]}, {"locations": 1})
        found = primary((record or {}).get("locations"))
        if location_point(found) is not None:
            return found
    return own or patient.get("location")


def account_service(account: RawDoc, event: RawDoc) -> RawDoc:
    """The visit's service as booked, completed by the account's service of that code."""
    booked = event.get("service") or {}
    services = {s.get("code"): decode(s) for s in account.get("services") or []}
    given = {k: v for k, v in booked.items() if v is not None}
    return {**services.get(booked.get("code"), {}), **given}


def rates(
    account: RawDoc, event: RawDoc, attendee: RawDoc, patient: RawDoc | None
) -> tuple[Decimal | None, Decimal]:
    """The visit's (bill rate, pay rate) for this caregiver (see the module's note): no bill
    rate when none is set anywhere."""
    service = account_service(account, event)
    own = (event.get("billing") or {}).get("bill_rate")
    bill = bill_rate(own, patient, service, str(service.get("code")))
    pay = _first_set(attendee.get("pay_rate"), service.get("pay_rate"))
    return bill, Decimal(str(pay))


async def patient_rates(scope: Scope, key: Any) -> RawDoc | None:
    """What of the patient their rates are read from (services, billing), or None."""
    if not isinstance(key, ObjectId):
        return None
    projection = {"services": 1, "billing": 1}
    found = await scope["patients"].find_one({"_id": key}, projection)
    return decode(found) if found is not None else None


def _first_set(*rates: Any) -> Any:
    """The first rate given (a rate of 0, a visit given free, counts), else 0."""
    return next((rate for rate in rates if rate is not None), 0)


def is_holiday(account: RawDoc, event: RawDoc) -> bool:
    """Whether the visit is on a statutory holiday: marked so, or its day (in the account's
    time zone) is one of the account's holidays."""
    if event.get("stat_holiday"):
        return True
    start = event.get("start")
    return start is not None and local_date(start, account) in holiday_dates(account)


def bill_and_pay(
    account: RawDoc,
    clock_in: dt.datetime,
    clock_out: dt.datetime,
    planned_start: dt.datetime | None,
    planned_end: dt.datetime | None,
) -> tuple[Decimal, Decimal]:
    """Hours billed and hours paid for the time worked, under the account's rounding rules."""
    bill_rules = BillingSettings.model_validate(decode(account.get("billing_settings") or {}))
    pay_rules = PayrollSettings.model_validate(decode(account.get("payroll_settings") or {}))
    start, end = clock_in, clock_out
    if planned_start is not None and planned_end is not None:
        start, end = billed_span(
            clock_in,
            clock_out,
            as_utc(planned_start),
            as_utc(planned_end),
            bill_rules.late_checkout_grace_minutes,
            bill_rules.bill_late_checkout,
        )
    billed = rounded_hours(start, end, bill_rules.rounding_minutes)
    paid = rounded_hours(clock_in, clock_out, pay_rules.rounding_minutes)
    return billed, paid
