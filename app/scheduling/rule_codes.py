"""How a series' rule fields are written: RFC 5545 weekday rules, month days, IANA time zones."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

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


WeekdayRule = Annotated[str, AfterValidator(weekday_rule)]
MonthDay = Annotated[int, AfterValidator(month_day)]
