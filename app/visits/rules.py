"""The rules of a punch, free of the database: what gets flagged, and how the time worked
becomes hours billed and paid.

Rounding (`rounded_hours`): the time worked, in seconds, is rounded to the nearest multiple of
the account's increment, a half increment rounding up; the hours are that many increments,
to the hundredth of an hour (half-up). So with 15 minutes, 09:02-10:53 (111 minutes, 7.4
increments) is 7 increments, 1.75 h; 7 min 30 s is one increment, 0.25 h; 7 min 29 s is none.

Billed time (`billed_span`): from the clock-in to the clock-out, within the visit's
schedule: a caregiver who arrives early is paid for the wait, the client is billed from the
scheduled start. Past the scheduled end, a clock-out within the grace
(billing_settings.late_checkout_grace_minutes) bills up to the scheduled end only; a later one
bills up to the scheduled end too, unless the account bills late checkouts
(billing_settings.bill_late_checkout), when it bills to the clock-out. Paid time is always the
clock-in to the clock-out: the caregiver was there.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.accounts.account_settings import VisitSettings
from app.common.codes import PeriodType
from app.common.days import week_of
from app.common.geo import distance_meters
from app.visits.documents import ClockMethod, Punch, PunchFlagKind

HOUR_DECIMALS = Decimal("0.01")

_TIME_FLAGS = {
    (Punch.IN, "early"): PunchFlagKind.EARLY_CLOCK_IN,
    (Punch.IN, "late"): PunchFlagKind.LATE_CLOCK_IN,
    (Punch.OUT, "early"): PunchFlagKind.EARLY_CLOCK_OUT,
    (Punch.OUT, "late"): PunchFlagKind.LATE_CLOCK_OUT,
}
_WHAT = {Punch.IN: ("clock-in", "start"), Punch.OUT: ("clock-out", "end")}


def rounded_hours(start: dt.datetime, end: dt.datetime, increment_minutes: int) -> Decimal:
    """The hours from `start` to `end`, rounded to the nearest increment (halves up)."""
    return rounded_span(end - start, increment_minutes)


def rounded_span(span: dt.timedelta, increment_minutes: int) -> Decimal:
    """A span of time in hours, rounded to the nearest increment (halves up)."""
    seconds = max(0, int(span.total_seconds()))
    increments = (Decimal(seconds) / (increment_minutes * 60)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    hours = increments * increment_minutes / Decimal(60)
    return hours.quantize(HOUR_DECIMALS, rounding=ROUND_HALF_UP)


def billed_span(
    clock_in: dt.datetime,
    clock_out: dt.datetime,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    grace_minutes: int,
    bill_late_checkout: bool,
) -> tuple[dt.datetime, dt.datetime]:
    """The part of the time worked that is billed (see the module's note)."""
    start = max(clock_in, planned_start)
    until = clock_out
    if clock_out > planned_end:
        beyond_grace = clock_out > planned_end + dt.timedelta(minutes=grace_minutes)
        until = clock_out if beyond_grace and bill_late_checkout else planned_end
    return start, max(start, until)


def minutes_off(a: dt.datetime, b: dt.datetime) -> int:
    """Whole minutes between two moments, rounded up: 15 min 30 s is 16 minutes."""
    return math.ceil(abs((a - b).total_seconds()) / 60)


def time_flags(
    punch: Punch, at: dt.datetime, planned: dt.datetime | None, settings: VisitSettings
) -> list[dict[str, Any]]:
    """A flag when the punch is earlier than `planned` minus the early tolerance, or later
    than `planned` plus the late one."""
    if planned is None:
        return []
    what, when = _WHAT[punch]
    if at < planned - dt.timedelta(minutes=settings.early_minutes):
        side, allowed = "early", settings.early_minutes
    elif at > planned + dt.timedelta(minutes=settings.late_minutes):
        side, allowed = "late", settings.late_minutes
    else:
        return []
    minutes = minutes_off(at, planned)
    reason = (
        f"The {what} was {minutes} minutes {side} for the visit's {when}: "
        f"{allowed} minutes are allowed."
    )
    return [{"kind": _TIME_FLAGS[(punch, side)], "punch": punch, "reason": reason,
             "minutes": minutes}]  # fmt: skip


def place_flags(
    punch: Punch,
    position: tuple[float, float] | None,
    visit: tuple[float, float] | None,
    method: ClockMethod,
    settings: VisitSettings,
    telephony_enabled: bool,
) -> tuple[float | None, list[dict[str, Any]]]:
    """The distance of a punch from the visit's address (None when either is unknown), and a
    flag when it is beyond the radius, or when a required position is missing."""
    what = _WHAT[punch][0]
    if position is None:
        by_phone = method is ClockMethod.TELEPHONY and telephony_enabled
        if not settings.gps_required or by_phone:
            return None, []
        reason = f"The {what} carries no position, and the account requires one."
        return None, [{"kind": PunchFlagKind.NO_LOCATION, "punch": punch, "reason": reason}]
    if visit is None:
        return None, []
    distance = distance_meters(position, visit)
    if distance <= settings.radius_meters:
        return distance, []
    reason = (
        f"The {what} was {distance:.0f} m from the visit's address: "
        f"{settings.radius_meters} m are allowed."
    )
    return distance, [{"kind": PunchFlagKind.FAR_FROM_VISIT, "punch": punch, "reason": reason,
                       "distance_meters": distance}]  # fmt: skip


def billing_period(
    day: dt.date, period: PeriodType | str | None, week_start: str = "MO"
) -> tuple[dt.date, dt.date] | None:
    """The billing period a day falls in, for the periods a day alone decides (weekly, twice a
    month, monthly); None for biweekly periods, which need an anchor the account does not
    keep for billing."""
    kind = PeriodType(period) if period is not None else PeriodType.MONTHLY
    if kind is PeriodType.WEEKLY:
        first = week_of(day, week_start)
        return first, first + dt.timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    if kind is PeriodType.SEMI_MONTHLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), day.replace(day=last)
    if kind is PeriodType.MONTHLY:
        return day.replace(day=1), day.replace(day=last)
    return None
