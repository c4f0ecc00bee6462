"""Days and weeks of payrolls, in the account's time zone (its day and week rules are in
`app/common/days.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.common.days import zone_of
from app.common.services import RawDoc
from app.data.scope import Scope
from app.data.unit import Tx


async def account_zone(reader: Scope | Tx) -> dt.tzinfo:
    """The account's time zone: a punchcard belongs to the payroll of its local day."""
    accounts = reader["accounts"]
    account = await accounts.find_one({"_id": reader.account_id}, {"settings.timezone": 1})
    return zone_of(account)


def day_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def period_of(payroll: RawDoc | None) -> tuple[dt.date, dt.date] | None:
    """A payroll's days, both included: start to end, plus its extra days."""
    start, end = day_of((payroll or {}).get("start")), day_of((payroll or {}).get("end"))
    if start is None or end is None:
        return None
    return start, end + dt.timedelta(days=int((payroll or {}).get("period_extra") or 0))
