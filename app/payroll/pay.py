"""What a punchcard pays in a generated payroll: regular, overtime and holiday hours at the
account's multipliers, rounded once.

Overtime: a caregiver's hours add up per week (weeks start on the account's `week_start`, in
its time zone): the week's hours already paid by a payroll first, then the punchcards paid
now in the order of their clock-ins; the hours past the weekly threshold are paid at the
overtime multiplier, so a visit that crosses the threshold is split mid-visit. Every hour
worked counts towards the threshold, holiday hours too.
Holidays: a punchcard flagged `stat_holiday` (or `pay.holiday`), or whose local day is one of
the account's holidays, pays its regular hours at the holiday multiplier, and its overtime
hours at the higher of the two multipliers: the premiums never multiply each other.
The amount is rate x (regular-or-holiday hours x their multiplier + overtime hours x theirs),
rounded once to the cent with the account's money rounding.

Hours are reported as what they were paid as, so a payroll provider reading them pays the same
gross: `overtime_hours` are the hours paid at the overtime multiplier. Holiday hours past the
threshold paid at the holiday multiplier (it is the higher) are holiday hours, not overtime;
when the overtime multiplier is the higher (or equal), they are overtime.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.common.days import local_day, week_of, zone_of
from app.common.holidays import holiday_dates
from app.common.money import round_money, to_decimal
from app.common.services import RawDoc, decode
from app.payroll.totals import NO_HOURS, as_hours

ONE = Decimal(1)
WeekKey = tuple[Any, dt.date]
"""A caregiver and the first day of one of their weeks."""


@dataclass(frozen=True)
class PayRules:
    """The account's settings that make pay: threshold, multipliers, weeks, rounding."""

    threshold: Decimal
    overtime: Decimal
    holiday: Decimal
    rounding: str | None
    week_start: str
    zone: dt.tzinfo
    holidays: frozenset[dt.date]

    @classmethod
    def of(cls, account: RawDoc) -> PayRules:
        payroll = decode(account.get("payroll_settings") or {})
        billing = account.get("billing_settings") or {}
        return cls(
            threshold=Decimal(str(payroll.get("overtime_weekly_hours", 40))),
            overtime=Decimal(str(payroll.get("overtime_multiplier", "1.5"))),
            holiday=Decimal(str(payroll.get("holiday_multiplier", "1.5"))),
            rounding=billing.get("money_rounding"),
            week_start=(account.get("settings") or {}).get("week_start") or "MO",
            zone=zone_of(account),
            holidays=frozenset(holiday_dates(account)),
        )

    def multipliers(self, holiday: bool) -> tuple[Decimal, Decimal]:
        """The multipliers of hours within the threshold and past it: on a holiday, the
        holiday one, and the higher of the two."""
        if not holiday:
            return ONE, self.overtime
        return self.holiday, max(self.overtime, self.holiday)

    def paid_as_overtime(self, holiday: bool) -> bool:
        """Whether hours past the threshold are paid at the overtime multiplier: always but on
        a holiday whose multiplier is the higher, where they are paid as holiday hours."""
        return not holiday or self.overtime >= self.holiday

    def day(self, card: RawDoc) -> dt.date | None:
        """The card's local day: its clock-in's, else its listed date's."""
        return local_day(worked_at(card), self.zone)

    def week(self, card: RawDoc) -> WeekKey | None:
        day = self.day(card)
        if day is None:
            return None
        return (caregiver_of(card), week_of(day, self.week_start))


def worked_at(card: RawDoc) -> Any:
    """When the visit began: its clock-in, else the date it is listed by."""
    clock_in = (card.get("actual") or {}).get("clock_in")
    return clock_in if clock_in is not None else (card.get("_search") or {}).get("date")


def caregiver_of(card: RawDoc) -> Any:
    return (card.get("user") or {}).get("_id")


def hours_of(card: RawDoc) -> Decimal:
    hours = to_decimal((card.get("pay") or {}).get("hours"))
    return NO_HOURS if hours is None else as_hours(hours)


def in_clock_in_order(cards: list[RawDoc]) -> list[RawDoc]:
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)

    def moment(card: RawDoc) -> tuple[dt.datetime, str]:
        value = worked_at(card)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return (value if isinstance(value, dt.datetime) else far_past, str(card["_id"]))

    return sorted(cards, key=moment)


def already_worked(cards: list[RawDoc], rules: PayRules) -> dict[WeekKey, Decimal]:
    """Hours per caregiver and week of punchcards already paid (by any payroll)."""
    worked: dict[WeekKey, Decimal] = {}
    for card in cards:
        week = rules.week(card)
        if week is not None:
            worked[week] = worked.get(week, NO_HOURS) + hours_of(card)
    return worked


def pay_entry(card: RawDoc, rules: PayRules, worked: dict[WeekKey, Decimal]) -> RawDoc:
    """What one punchcard pays, given the hours its caregiver worked earlier that week
    (`worked` is updated with its hours). Cards must come in clock-in order."""
    pay = decode(card.get("pay") or {})
    hours, rate = hours_of(card), Decimal(str(pay.get("rate") or 0))
    week = rules.week(card)
    before = worked.get(week, NO_HOURS) if week is not None else NO_HOURS
    regular = min(hours, max(rules.threshold - before, NO_HOURS))
    overtime = hours - regular
    if week is not None:
        worked[week] = before + hours
    holiday = bool(
        card.get("stat_holiday") or pay.get("holiday") or rules.day(card) in rules.holidays
    )
    base, extra = rules.multipliers(holiday)
    amount = round_money(rate * (regular * base + overtime * extra), rules.rounding)
    return {
        "record": card["_id"],
        "hours": hours,
        "rate": rate,
        "amount": amount,
        "overtime_hours": overtime if rules.paid_as_overtime(holiday) else NO_HOURS,
        "holiday": holiday,
        "service_code": (card.get("service") or {}).get("code"),
    }
