"""Statutory holidays: which days of an account are paid and billed at a premium."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from app.common.services import RawDoc


def holiday_dates(account: RawDoc) -> set[dt.date]:
    """The account's statutory holidays, from its stored document."""
    return {_as_date(holiday["date"]) for holiday in account.get("holidays") or []}


def local_date(moment: dt.datetime, account: RawDoc) -> dt.date:
    """The calendar day of a moment in the account's time zone (stored times are UTC)."""
    zone = ZoneInfo((account.get("settings") or {}).get("timezone") or "UTC")
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone).date()


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
