"""How a series' rule fields are written: the RFC 5545 rule parts and their values (each alone;
how they combine is `rule_checks.py`), IANA time zones."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, Field

from app.common.codes import Weekday
from app.scheduling.enums import RecurrenceFrequency

BYWEEKDAY = re.compile(r"^(?:[+-]?(?:[1-9]|[1-4]\d|5[0-3]))?(MO|TU|WE|TH|FR|SA|SU)$")


def time_zone(name: str | None) -> str | None:
    """A known IANA time zone name, or none."""
    if name is not None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{name!r} is not an IANA time zone, such as America/Toronto"
            ) from None
    return name


def weekday_rule(code: str) -> str:
    """A BYDAY code, upper-cased: MO..SU with an optional ordinal (1MO, -1FR)."""
    code = code.strip().upper()
    if not BYWEEKDAY.match(code):
        raise ValueError(
            f"{code!r} is not a weekday rule: a day code (MO..SU) with an optional ordinal, "
            "such as MO, 1MO or -1FR"
        )
    return code


def month_day(day: int) -> int:
    """A BYMONTHDAY value: 1 to 31, or -1 to -31 from the month's end."""
    if day == 0 or not -31 <= day <= 31:
        raise ValueError("a month day is 1 to 31, or -1 to -31 counting from the month's end")
    return day


def month(number: int) -> int:
    """A BYMONTH value: 1 (January) to 12 (December)."""
    if not 1 <= number <= 12:
        raise ValueError("a month is 1 (January) to 12 (December)")
    return number


def year_day(day: int) -> int:
    """A BYYEARDAY value: 1 to 366, or -1 to -366 from the year's end."""
    if day == 0 or not -366 <= day <= 366:
        raise ValueError("a day of the year is 1 to 366, or -1 to -366 counting from its end")
    return day


def week_number(week: int) -> int:
    """A BYWEEKNO value: 1 to 53, or -1 to -53 from the year's end."""
    if week == 0 or not -53 <= week <= 53:
        raise ValueError("a week of the year is 1 to 53, or -1 to -53 counting from its end")
    return week


def set_position(position: int) -> int:
    """A BYSETPOS value: 1 to 366, or -1 to -366 from the period's end."""
    if position == 0 or not -366 <= position <= 366:
        raise ValueError(
            "a position in the period is 1 to 366 (1 the first), or -1 to -366 (-1 the last)"
        )
    return position


WeekdayRule = Annotated[str, AfterValidator(weekday_rule)]
MonthDay = Annotated[int, AfterValidator(month_day)]
Month = Annotated[int, AfterValidator(month)]
YearDay = Annotated[int, AfterValidator(year_day)]
WeekNumber = Annotated[int, AfterValidator(week_number)]
SetPosition = Annotated[int, AfterValidator(set_position)]


class SeriesRule(BaseModel):
    """The RFC 5545 rule parts of a series (an event group), each value checked alone; how
    they combine is checked with the whole series (`rule_checks.py`)."""

    freq: RecurrenceFrequency = Field(description="How often it repeats (FREQ).")
    interval: int = Field(
        1, ge=1, le=366, description="Every how many periods it repeats (INTERVAL)."
    )
    byweekday: list[WeekdayRule] = Field(
        default_factory=list,
        description='Weekdays it falls on (BYDAY): MO..SU, with an optional ordinal such as "1MO" '
        '(first Monday) or "-1FR" (last Friday) in a MONTHLY or YEARLY series (1 to 5 within a '
        "month: MONTHLY, or YEARLY with bymonth; not with byweekno).",
    )
    bymonthday: list[MonthDay] = Field(
        default_factory=list,
        description="Days of the month it falls on (BYMONTHDAY): 1 to 31, or -1 to -31 "
        "counting from the month's end; not in a WEEKLY series.",
    )
    bymonth: list[Month] = Field(
        default_factory=list,
        max_length=12,
        description="Months it falls in (BYMONTH): 1 (January) to 12 (December); "
        'YEARLY, bymonth [6, 7], byweekday ["2TU"]: the second Tuesday in June and July.',
    )
    byyearday: list[YearDay] = Field(
        default_factory=list,
        max_length=366,
        description="Days of the year it falls on (BYYEARDAY): 1 to 366, or -1 to -366 "
        "counting from the year's end; in a YEARLY series only.",
    )
    byweekno: list[WeekNumber] = Field(
        default_factory=list,
        max_length=106,
        description="Weeks of the year it falls in (BYWEEKNO, week 1 being the first with 4 "
        "days of the year, weeks starting on wkst): 1 to 53, or -1 to -53 counting from the "
        "year's end; in a YEARLY series only.",
    )
    bysetpos: list[SetPosition] = Field(
        default_factory=list,
        max_length=366,
        description="Which of the days the other parts give in each period it keeps "
        "(BYSETPOS): 1 the first, -1 the last, up to 366 either way; only with another of "
        'byweekday, bymonthday, bymonth, byyearday, byweekno. MONTHLY, byweekday ["MO", "TU", '
        '"WE", "TH", "FR"], bysetpos [-1]: the last weekday of the month.',
    )
    wkst: Weekday = Field(Weekday.MONDAY, description="The day weeks start on (WKST).")
