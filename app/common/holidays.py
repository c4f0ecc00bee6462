"""Statutory holidays: which days of an account are paid and billed at a premium."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.common.days import local_day, zone_of
from app.common.services import RawDoc


def holiday_dates(account: RawDoc) -> set[dt.date]:
    """The account's statutory holidays, from its stored document."""
    return {_as_date(holiday["date"]) for holiday in account.get("holidays") or []}


def local_date(moment: dt.datetime, account: RawDoc) -> dt.date:
    """The calendar day of a moment in the account's time zone (stored times are UTC)."""
    day = local_day(moment, zone_of(account))
    assert day is not None  # a datetime always has a day
    return day


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
