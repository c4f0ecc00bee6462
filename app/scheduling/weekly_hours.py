"""A caregiver's most hours a week (`availability.max_hours_per_week`): the hours of the visits
they are booked on add up per week, weeks starting on the account's `week_start` in the
account's time zone (as payroll counts them); a visit counts in the week it starts in.

Pure functions over what the conflict check already reads: it widens each limited person's
read of their visits to the whole weeks of the visits checked (see conflicts.booked_around),
so the limit costs no extra DB command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId

from app.common.days import local_midnight, week_of
from app.common.money import amount_of
from app.common.services import RawDoc
from app.common.text import full_name
from app.scheduling.booked_time import Conflict, Rules, attending, booked
from app.scheduling.documents import as_utc
from app.scheduling.overrides import ConflictKind

Span = tuple[dt.datetime, dt.datetime]
HOUR = Decimal(3600)


def limits(users: dict[Any, RawDoc]) -> dict[ObjectId, Decimal]:
    """The most hours a week of each user who states it."""
    found = {}
    for key, user in users.items():
        limit = (user.get("availability") or {}).get("max_hours_per_week")
        if limit is not None:
            found[key] = amount_of(limit)
    return found


def _week(moment: Any, rules: Rules) -> dt.date:
    """The first day of the week a visit starting at `moment` counts in."""
    start = as_utc(moment)
    assert start is not None
    return week_of(start.astimezone(ZoneInfo(rules.zone)).date(), rules.week_start)


def week_spans(
    limited: Collection[ObjectId], visits: Sequence[RawDoc], rules: Rules
) -> dict[ObjectId, Span]:
    """For each limited person, the starts covering every week their visits here count in: the
    stored visits to read to add up those weeks."""
    zone = ZoneInfo(rules.zone)
    spans: dict[ObjectId, Span] = {}
    for visit in visits:
        first = _week(visit["start"], rules)
        low, high = local_midnight(first, zone), local_midnight(first + dt.timedelta(7), zone)
        for attendee in attending(visit):
            person = attendee["user"]
            if person in limited:
                was_low, was_high = spans.get(person, (low, high))
                spans[person] = (min(was_low, low), max(was_high, high))
    return spans


def over_weekly_hours(
    users: dict[Any, RawDoc],
    stored: Sequence[RawDoc],
    visits: Sequence[RawDoc],
    ignore: Collection[ObjectId],
    rules: Rules,
) -> dict[int, list[Conflict]]:
    """By index of `visits`, the limited people each takes over their hours: the week's stored
    visits (but those ignored or rewritten here) count first, then these in order of start;
    a visit is in conflict once the running total passes the person's limit (with one new
    visit: when the week's total does)."""
    most = limits(users)
    if not most:
        return {}
    rewritten = {visit.get("_id") for visit in visits} | set(ignore)
    totals: dict[tuple[ObjectId, dt.date], Decimal] = {}
    for visit in (v for v in stored if v["_id"] not in rewritten):
        for person, week in _limited_weeks(visit, most, rules):
            totals[person, week] = totals.get((person, week), Decimal(0)) + _length(visit)
    found: dict[int, list[Conflict]] = {}
    ordered = sorted((as_utc(v["start"]), n) for n, v in enumerate(visits) if booked(v))
    for _, index in ordered:
        visit = visits[index]
        for person, week in _limited_weeks(visit, most, rules):
            total = totals[person, week] = totals.get((person, week), Decimal(0)) + _length(visit)
            if total > most[person]:
                message = (
                    f"{full_name(users[person].get('name'))} would be booked {_hours(total)} "
                    f"hours in the week of {week:%Y-%m-%d}, over the {_hours(most[person])} "
                    "hours a week they can work."
                )
                conflict = Conflict(ConflictKind.OVER_WEEKLY_HOURS, message, person)
                found.setdefault(index, []).append(conflict)
    return found


def _limited_weeks(
    visit: RawDoc, most: dict[ObjectId, Decimal], rules: Rules
) -> list[tuple[ObjectId, dt.date]]:
    """The limited people a visit takes the time of, each with the week it counts in."""
    people = [a["user"] for a in attending(visit) if a["user"] in most]
    return [(person, _week(visit["start"], rules)) for person in people]


def _length(visit: RawDoc) -> Decimal:
    """A visit's booked hours."""
    start, end = as_utc(visit["start"]), as_utc(visit["end"])
    assert start is not None and end is not None
    return Decimal(round((end - start).total_seconds())) / HOUR


def _hours(value: Decimal) -> str:
    """Hours as a scheduler writes them: 42.5, 40, 7.25."""
    return f"{value.quantize(Decimal('0.01')).normalize():f}"
