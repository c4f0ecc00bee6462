"""How a series' rule parts combine, as RFC 5545 (3.3.10) allows them.

Each value alone is checked where it is declared (`rule_codes.py`); here, the parts together:
- a weekday with a position (1MO, -1FR) only in a MONTHLY or YEARLY series, not in a YEARLY
  one with weeks of the year (BYWEEKNO), and 1 to 5 (or -1 to -5) within a month (MONTHLY, or
  YEARLY with BYMONTH): dateutil would silently read "-1FR" in a WEEKLY series as every Friday;
- days of the month (BYMONTHDAY) not in a WEEKLY series;
- days (BYYEARDAY) and weeks (BYWEEKNO) of the year in a YEARLY series only;
- a position in the period (BYSETPOS) only with another BYxxx part to pick among.
- a rule some day matches (not a 30th of February, nor a sixth Monday of a month);
- extra days (RDATE) no later than the series' end (UNTIL).
Each refusal names the part (and the value) that breaks the rule, so the agency knows what to
change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.common.clock import as_utc
from app.scheduling.recurrence import code_of, never_occurs, on_day
from app.scheduling.rule_codes import BYWEEKDAY

Where = tuple[str | int, ...]
Problem = tuple[Where, str]
"""Where a rule breaks (a field, and an index in it) and why, in the agency's words."""
PARTS = ("byweekday", "bymonthday", "bymonth", "byyearday", "byweekno", "bysetpos")
"""A rule's BYxxx parts, as an event group stores them."""
PICKED_FROM = ("byweekday", "bymonthday", "bymonth", "byyearday", "byweekno")
"""The parts that give the days a position (BYSETPOS) picks among."""
WITHIN_A_MONTH = 5


def rule_problems(freq: str, parts: Mapping[str, Sequence[Any]]) -> list[Problem]:
    """What is wrong with a rule's parts taken together, for a rule of this frequency (its
    FREQ code, such as "MONTHLY"); empty when nothing is."""
    problems = _weekday_problems(freq, parts)
    if parts.get("bymonthday") and freq == "WEEKLY":
        problems.append(
            (("bymonthday",), "Days of the month (bymonthday) are not for a WEEKLY series: "
             "make it MONTHLY, or DAILY to keep only those days.")
        )  # fmt: skip
    for name, what in (("byyearday", "Days of the year"), ("byweekno", "Weeks of the year")):
        if parts.get(name) and freq != "YEARLY":
            problems.append(((name,), f"{what} ({name}) are for a YEARLY series only."))
    if parts.get("bysetpos") and not any(parts.get(name) for name in PICKED_FROM):
        problems.append(
            (("bysetpos",), "A position (bysetpos) picks among the days another part gives: "
             "give byweekday, bymonthday, bymonth, byyearday or byweekno too.")
        )  # fmt: skip
    return problems


def _weekday_problems(freq: str, parts: Mapping[str, Sequence[Any]]) -> list[Problem]:
    """Weekdays with a position (1MO, -1FR) where the rule's frequency allows them."""
    problems: list[Problem] = []
    within_month = freq == "MONTHLY" or (freq == "YEARLY" and bool(parts.get("bymonth")))
    for index, code in enumerate(parts.get("byweekday") or []):
        found = BYWEEKDAY.match(str(code))
        day = found.group(1) if found else ""
        position = str(code)[: -len(day)] if day else ""
        if not position:
            continue
        where: Where = ("byweekday", index)
        if freq not in ("MONTHLY", "YEARLY"):
            why = f"a position is for a MONTHLY or YEARLY series; a {freq} one takes plain days"
            problems.append((where, f"{code}: {why} (such as {day})."))
        elif freq == "YEARLY" and parts.get("byweekno"):
            problems.append((where, f"{code}: with weeks of the year (byweekno), give plain days."))
        elif within_month and abs(int(position)) > WITHIN_A_MONTH:
            problems.append((where, f"{code}: a month has at most 5 of a weekday (1 to 5, or -1 "
                             "to -5 from its end)."))  # fmt: skip
    return problems


def emptiest_part(parts: Mapping[str, Sequence[Any]]) -> str:
    """The part to name when no day matches a rule: the last one to narrow it, else freq."""
    for name in ("bysetpos", "byweekno", "byyearday", "bymonthday", "byweekday", "bymonth"):
        if parts.get(name):
            return name
    return "freq"


def check_rule(group: Any) -> None:
    """Refuse a series (an `EventGroup` being validated) whose rule breaks any of the above:
    a pydantic error per problem, at the part (and the index in it) that breaks the rule."""
    parts = {name: list(getattr(group, name)) for name in PARTS}
    freq = code_of(group.freq)
    rule = {
        "freq": freq,
        "start": group.start,
        "timezone": group.timezone,
        "interval": group.interval,
        "wkst": code_of(group.wkst),
        **parts,
    }
    problems = rule_problems(freq, parts)
    if not problems and never_occurs(rule):
        problems.append(
            ((emptiest_part(parts),), "No day matches this rule's parts together in the 50 years "
             "from its start (such as a 30th of February, or a sixth Monday in a month).")
        )  # fmt: skip
    until = as_utc(group.until)
    for index, day in enumerate(group.rdate if until is not None else []):
        if on_day(rule, day) > until:
            problems.append((("rdate", index), f"{day}: an extra day cannot come after the "
                             "series ends (until)."))  # fmt: skip
    if problems:
        values = {**parts, "freq": freq, "rdate": group.rdate}
        raise ValidationError.from_exception_data(
            "EventGroup", [_detail(where, why, values) for where, why in problems]
        )


def _detail(where: Where, why: str, values: Mapping[str, Any]) -> InitErrorDetails:
    value = values[str(where[0])]
    given = value[where[1]] if len(where) > 1 else value
    return InitErrorDetails(type=PydanticCustomError("value_error", why), loc=where, input=given)
