"""What a punchcard pays in a generated payroll: regular, overtime, daily-overtime and holiday
hours at the account's multipliers, rounded once.

Daily overtime (payrollSettings.overtimeDailyHours, none by default): a caregiver's hours add
up per local day of the clock-ins; the hours past the daily threshold are paid at the daily
multiplier (the overtime multiplier unless overtimeDailyMultiplier is set), so a visit crossing
it is split mid-visit. Those hours do not count toward the weekly threshold (California: no
hour is paid twice as overtime).
Weekly overtime: a caregiver's other hours add up per week (weeks start on the account's
`week_start`, in its time zone): the week's hours already paid by a payroll first, then the
punchcards paid now in the order of their clock-ins; the hours past the weekly threshold are
paid at the overtime multiplier, so a visit that crosses the threshold is split mid-visit.
Holidays: a punchcard flagged `stat_holiday` (or `pay.holiday`), or whose local day is one of
the account's holidays, pays its regular hours at the holiday multiplier, and its overtime
hours at the higher of the two multipliers: the premiums never multiply each other. Its hours
count toward the thresholds unless the account says otherwise
(holidayHoursCountTowardOvertime off, as in Ontario): then they are all holiday hours, and the
thresholds count the other hours only.
The amount is rate x (regular-or-holiday hours x their multiplier + overtime hours x theirs),
rounded once to the cent with the account's money rounding.

Hours are reported as what they were paid as, so a payroll provider reading them pays the same
gross: `overtime_hours` are the hours paid at the overtime multiplier, `daily_overtime_hours`
those paid at the daily one. Holiday hours past a threshold paid at the holiday multiplier (it
is the higher) are holiday hours, not overtime; when the overtime multiplier is the higher (or
equal), they are overtime.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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
    daily_threshold: Decimal | None = None
    daily: Decimal = Decimal("1.5")
    holiday_counts: bool = True

    @classmethod
    def of(cls, account: RawDoc) -> PayRules:
        payroll = decode(account.get("payroll_settings") or {})
        billing = account.get("billing_settings") or {}
        overtime = Decimal(str(payroll.get("overtime_multiplier", "1.5")))
        daily_threshold = payroll.get("overtime_daily_hours")
        daily = payroll.get("overtime_daily_multiplier")
        return cls(
            threshold=Decimal(str(payroll.get("overtime_weekly_hours", 40))),
            overtime=overtime,
            holiday=Decimal(str(payroll.get("holiday_multiplier", "1.5"))),
            rounding=billing.get("money_rounding"),
            week_start=(account.get("settings") or {}).get("week_start") or "MO",
            zone=zone_of(account),
            holidays=frozenset(holiday_dates(account)),
            daily_threshold=None if daily_threshold is None else Decimal(str(daily_threshold)),
            daily=overtime if daily is None else Decimal(str(daily)),
            holiday_counts=payroll.get("holiday_hours_count_toward_overtime", True) is not False,
        )

    def at_holiday(self, multiplier: Decimal, holiday: bool) -> Decimal:
        """The multiplier of hours past a threshold: on a holiday, the higher of it and the
        holiday one."""
        return max(multiplier, self.holiday) if holiday else multiplier

    def kept_as(self, multiplier: Decimal, holiday: bool) -> bool:
        """Whether hours past a threshold are paid, and reported, at that threshold's
        multiplier: always but on a holiday whose multiplier is the higher, where they are
        paid as holiday hours."""
        return not holiday or multiplier >= self.holiday

    def counts(self, holiday: bool) -> bool:
        """Whether the hours count toward the overtime thresholds."""
        return self.holiday_counts or not holiday

    def is_holiday(self, card: RawDoc) -> bool:
        pay = card.get("pay") or {}
        return bool(
            card.get("stat_holiday") or pay.get("holiday") or self.day(card) in self.holidays
        )

    def day(self, card: RawDoc) -> dt.date | None:
        """The card's local day: its clock-in's, else its listed date's."""
        return local_day(worked_at(card), self.zone)

    def week(self, card: RawDoc) -> WeekKey | None:
        day = self.day(card)
        if day is None:
            return None
        return (caregiver_of(card), week_of(day, self.week_start))

    def day_key(self, card: RawDoc) -> WeekKey | None:
        """The caregiver and the card's local day."""
        day = self.day(card)
        return None if day is None else (caregiver_of(card), day)


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


@dataclass
class Worked:
    """The hours of each caregiver's weeks and days counted so far toward the thresholds."""

    weeks: dict[WeekKey, Decimal] = field(default_factory=dict)
    days: dict[WeekKey, Decimal] = field(default_factory=dict)


def already_worked(cards: list[RawDoc], rules: PayRules) -> Worked:
    """Hours per caregiver and week, and per caregiver and day, of punchcards already paid
    (by any payroll), as they count toward the thresholds: a week counts none of the hours
    paid as daily overtime, and neither counts holiday hours the account leaves out."""
    worked = Worked()
    for card in cards:
        if not rules.counts(rules.is_holiday(card)):
            continue
        hours = hours_of(card)
        daily = to_decimal((card.get("pay") or {}).get("daily_overtime_hours")) or NO_HOURS
        week, day = rules.week(card), rules.day_key(card)
        if week is not None and day is not None:
            worked.weeks[week] = worked.weeks.get(week, NO_HOURS) + hours - daily
            worked.days[day] = worked.days.get(day, NO_HOURS) + hours
    return worked


def past(hours: Decimal, before: Decimal, threshold: Decimal | None) -> Decimal:
    """The part of `hours` past `threshold`, after `before` hours already counted."""
    if threshold is None:
        return NO_HOURS
    return hours - min(hours, max(threshold - before, NO_HOURS))


def pay_entry(card: RawDoc, rules: PayRules, worked: Worked) -> RawDoc:
    """What one punchcard pays, given the hours its caregiver worked earlier that day and
    week (`worked` is updated with its hours). Cards must come in clock-in order."""
    pay = decode(card.get("pay") or {})
    hours, rate = hours_of(card), Decimal(str(pay.get("rate") or 0))
    holiday = rules.is_holiday(card)
    week, day = rules.week(card), rules.day_key(card)
    daily = weekly = NO_HOURS
    if rules.counts(holiday) and week is not None and day is not None:
        before_day = worked.days.get(day, NO_HOURS)
        daily = past(hours, before_day, rules.daily_threshold)
        before_week = worked.weeks.get(week, NO_HOURS)
        weekly = past(hours - daily, before_week, rules.threshold)
        worked.days[day] = before_day + hours
        worked.weeks[week] = before_week + hours - daily
    regular = hours - daily - weekly
    base = rules.holiday if holiday else ONE
    overtime, daily_overtime = (rules.at_holiday(m, holiday) for m in (rules.overtime, rules.daily))
    exact = rate * (regular * base + weekly * overtime + daily * daily_overtime)
    return {
        "record": card["_id"],
        "hours": hours,
        "rate": rate,
        "amount": round_money(exact, rules.rounding),
        "overtime_hours": weekly if rules.kept_as(rules.overtime, holiday) else NO_HOURS,
        "daily_overtime_hours": daily if rules.kept_as(rules.daily, holiday) else NO_HOURS,
        "holiday": holiday,
        "service_code": (card.get("service") or {}).get("code"),
    }
