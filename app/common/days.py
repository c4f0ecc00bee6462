"""An account's days and weeks: its time zone, local days, and weeks that start on its
`week_start`. Stored times are UTC; what a scheduler, a clerk or a caregiver calls "Monday" is
a day of the account's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.common.clock import as_utc
from app.common.services import RawDoc

WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def zone_of(account: RawDoc | None) -> dt.tzinfo:
    """The account's time zone (UTC when it names none, or one this machine does not know)."""
    name = ((account or {}).get("settings") or {}).get("timezone")
    try:
        return ZoneInfo(name) if name else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_day(value: Any, zone: dt.tzinfo) -> dt.date | None:
    """The calendar day of a stored (UTC) moment in a time zone."""
    if not isinstance(value, dt.datetime):
        return None
    return as_utc(value).astimezone(zone).date()


def local_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The moment a local day begins, in UTC (what stored times are compared with)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def week_of(day: dt.date, week_start: str | None) -> dt.date:
    """The first day of the week holding `day`, weeks starting on the account's `week_start`
    (MO, SU or SA; Monday when unset)."""
    first = WEEKDAYS.get(week_start or "MO", 0)
    return day - dt.timedelta(days=(day.weekday() - first) % 7)
