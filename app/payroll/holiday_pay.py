"""Pay for a statutory holiday a caregiver did not work (payrollSettings.holidayPayNotWorked).

AVERAGE_DAILY_LAST_4_WEEKS: for each of the account's holidays in the period, every caregiver
who worked in the 28 days before it (a live punchcard with pay on one of those local days) and
did not work on it (no live punchcard that day: one who did is paid the holiday multiplier on
those hours instead) gets their average daily pay of those 28 days: the straight-time pay
(hours x rate: overtime and holiday premiums left out) of those visits, divided by the number
of days they worked, rounded once with the account's money rounding. A caregiver with no
visit in the period gets a line for it alone. Each caregiver is paid once per holiday: a live
line of any payroll that already pays it (a payroll generated again for late punchcards)
keeps the next one from paying it again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.common.codes import HolidayPayNotWorked
from app.common.days import local_midnight
from app.common.money import ZERO, round_money, to_decimal
from app.common.services import RawDoc, decode
from app.data.scope import Scope
from app.data.unit import Tx
from app.payroll.pay import PayRules, caregiver_of

WINDOW_DAYS = 28
"""How far back a holiday's average daily pay looks: four weeks."""
FIELDS = {"user._id": 1, "pay.hours": 1, "pay.rate": 1, "actual.clock_in": 1, "_search.date": 1,
          "_deleted": 1}  # fmt: skip


def holidays_between(account: RawDoc, start: dt.date, end: dt.date) -> dict[dt.date, str | None]:
    """The account's holidays from `start` to `end`, with their names."""
    found: dict[dt.date, str | None] = {}
    for holiday in account.get("holidays") or []:
        day = holiday.get("date")
        day = day.date() if isinstance(day, dt.datetime) else day
        if isinstance(day, dt.date) and start <= day <= end:
            found[day] = holiday.get("name")
    return found


async def holiday_pay(
    reader: Scope | Tx, account: RawDoc, rules: PayRules, start: dt.date, end: dt.date
) -> dict[Any, list[RawDoc]]:
    """The pay for holidays not worked of the period, by caregiver (see the module): two reads
    (the punchcards of the holidays and the 28 days before them, and the lines already paying
    those holidays), none when the account pays nothing or the period has no holiday."""
    formula = (decode(account.get("payroll_settings") or {})).get("holiday_pay_not_worked")
    holidays = holidays_between(account, start, end)
    if formula != HolidayPayNotWorked.AVERAGE_DAILY_LAST_4_WEEKS.value or not holidays:
        return {}
    first, last = min(holidays), max(holidays)
    span = {
        "$gte": local_midnight(first - dt.timedelta(days=WINDOW_DAYS), rules.zone),
        "$lt": local_midnight(last + dt.timedelta(days=1), rules.zone),
    }
    days: dict[Any, dict[dt.date, Decimal]] = {}
    async for card in reader.whole_account()["punchcards"].find({"_search.date": span}, FIELDS):
        day, caregiver = rules.day(card), caregiver_of(card)
        pay = card.get("pay") or {}
        hours, rate = to_decimal(pay.get("hours")), to_decimal(pay.get("rate"))
        if card.get("_deleted") or day is None or caregiver is None or hours is None:
            continue
        worked = days.setdefault(caregiver, {})
        worked[day] = worked.get(day, ZERO) + hours * (rate or ZERO)
    paid = await _paid_before(reader, list(holidays))
    found: dict[Any, list[RawDoc]] = {}
    for holiday, name in sorted(holidays.items()):
        window = (holiday - dt.timedelta(days=WINDOW_DAYS), holiday)
        for caregiver, worked in days.items():
            before = [wages for day, wages in worked.items() if window[0] <= day < window[1]]
            if not before or holiday in worked or (caregiver, holiday) in paid:
                continue
            wages = sum(before, ZERO)
            amount = round_money(wages / len(before), rules.rounding)
            found.setdefault(caregiver, []).append(
                {"date": holiday, "name": name, "wages": round_money(wages, rules.rounding),
                 "days_worked": len(before), "amount": amount}
            )  # fmt: skip
    return found


async def _paid_before(reader: Scope | Tx, holidays: list[dt.date]) -> set[tuple[Any, dt.date]]:
    """(caregiver, holiday) of the live lines of any payroll already paying these holidays."""
    stored = [dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) for day in holidays]
    query = {"holiday_pay.date": stored[0] if len(stored) == 1 else {"$in": stored}}
    lines = reader.whole_account()["payrollsusers"].find(
        query, {"user._id": 1, "holiday_pay.date": 1, "_deleted": 1}
    )
    paid = set()
    async for line in lines:
        if line.get("_deleted"):
            continue
        for entry in line.get("holiday_pay") or []:
            day = entry.get("date")
            day = day.date() if isinstance(day, dt.datetime) else day
            paid.add(((line.get("user") or {}).get("_id"), day))
    return paid
