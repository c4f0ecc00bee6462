"""What the times of a punchcard make of it: hours billed and paid, at which rates, and the
time flags of its punches. One rule, used by the clock-out and by the office's correction of
the punches (`corrections.py`), so a corrected punchcard reads as if it had been punched so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from app.accounts.account_settings import VisitSettings
from app.billing.rates import bill_rate
from app.common.clock import as_utc, now
from app.common.documents import stored_key
from app.common.services import RawDoc, decode
from app.data.scope import Scope
from app.errors import ErrorCode, ServiceError
from app.visits.documents import Punch, Punchcard, PunchFlagKind
from app.visits.rules import time_flags
from app.visits.visit import bill_and_pay, patient_rates, rates

MAX_VISIT = dt.timedelta(hours=24)
CLOCK_DRIFT = dt.timedelta(minutes=5)
"""How far ahead of the server's clock a device's punch may be: a punch later than that has
not happened yet, and would pay time not worked."""
TIME_FLAGS = {
    PunchFlagKind.EARLY_CLOCK_IN,
    PunchFlagKind.LATE_CLOCK_IN,
    PunchFlagKind.EARLY_CLOCK_OUT,
    PunchFlagKind.LATE_CLOCK_OUT,
}
"""The flags a punch's time raises (the others are about its place)."""


@dataclass
class Worked:
    """What a punchcard's times bill and pay, and the time flags of each punch."""

    bill: RawDoc | None = None
    pay: RawDoc | None = None
    flags: dict[Punch, list[RawDoc]] = field(default_factory=dict)


def settings_of(account: RawDoc) -> VisitSettings:
    return VisitSettings.model_validate(decode(account.get("visit_settings") or {}))


def not_in_future(at: dt.datetime, where: str) -> dt.datetime:
    """A punch time, refused when it has not happened yet."""
    if as_utc(at) > as_utc(now()) + CLOCK_DRIFT:
        raise ServiceError.one("A punch cannot be in the future.", ErrorCode.INVALID, where)
    return as_utc(at)


def within_a_day(clock_in: dt.datetime, clock_out: dt.datetime, where: str) -> None:
    if clock_out <= clock_in:
        raise ServiceError.one("The clock-out is after the clock-in.", ErrorCode.INVALID, where)
    if clock_out - clock_in > MAX_VISIT:
        raise ServiceError.one(
            "A visit lasts at most 24 hours: correct the punchcard instead.",
            ErrorCode.INVALID,
            where,
        )


async def live_event(scope: Scope, key: Any) -> RawDoc | None:
    """The visit as it is now (deleted or cancelled too), or None when it is not there."""
    if not isinstance(key, ObjectId):
        return None
    found = await scope["events"].find_one({"_id": key})
    return decode(found) if found is not None else None


def planned(event: RawDoc, name: str) -> dt.datetime | None:
    value = event.get(name)
    return as_utc(value) if isinstance(value, dt.datetime) else None


async def worked(
    scope: Scope,
    account: RawDoc,
    card: RawDoc,
    event: RawDoc | None,
    clock_in: dt.datetime,
    clock_out: dt.datetime | None,
) -> Worked:
    """What a punchcard (as stored, decoded) clocked in and out at these times bills and
    pays, against its live visit (else the visit as the punchcard copied it): hours under the
    account's rounding rules, at the visit's rates, billable as the visit is; and each punch's
    time flags. Still clocked in (no clock-out): the clock-in's flags only."""
    scheduled = event or card.get(stored_key(Punchcard, "event_snapshot")) or {}
    settings = settings_of(account)
    result = Worked(flags={Punch.IN: time_flags(Punch.IN, clock_in, planned(scheduled, "start"),
                                                 settings)})  # fmt: skip
    if clock_out is None:
        return result
    result.flags[Punch.OUT] = time_flags(Punch.OUT, clock_out, planned(scheduled, "end"), settings)
    billed, paid = bill_and_pay(
        account, clock_in, clock_out, scheduled.get("start"), scheduled.get("end")
    )
    patient = await patient_rates(
        scope, (scheduled.get("patient") or card.get("patient") or {}).get("_id")
    )
    billed_rate, pay_rate = _rates(account, event, card, patient)
    billable = ((event or {}).get("billing") or {}).get("billable", True)
    result.bill = {"hours": billed, "rate": billed_rate, "billable": billable}
    result.pay = {"hours": paid, "rate": pay_rate, "holiday": bool(card.get("stat_holiday"))}
    return result


def _rates(
    account: RawDoc, event: RawDoc | None, card: RawDoc, patient: RawDoc | None
) -> tuple[Any, Any]:
    """Rates from the live visit; from the punchcard's service when the visit is gone."""
    user = (card.get("user") or {}).get("_id")
    if event is not None:
        booked = [a for a in event.get("attendees") or [] if a.get("user") == user]
        attendee: RawDoc = booked[0] if booked else {}
        return rates(account, event, attendee, patient)
    service = card.get("service") or {}
    code = str(service.get("code"))
    return bill_rate(None, patient, service, code), service.get("pay_rate") or 0
