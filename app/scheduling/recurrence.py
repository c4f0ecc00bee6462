"""The occurrences of a series: its stored RFC 5545 rule, read in the series' time zone.

The rule runs on naive local times (python-dateutil's `rrule`), and each occurrence is placed
in the zone afterwards, so a 09:00 Toronto series stays at 09:00 local time on both sides of a
daylight-saving change. Stored times are UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule

from app.errors import ErrorCode, ServiceError
from app.scheduling.documents import as_utc
from app.scheduling.rule_codes import BYWEEKDAY

FREQUENCIES = {
    "YEARLY": rrule.YEARLY,
    "MONTHLY": rrule.MONTHLY,
    "WEEKLY": rrule.WEEKLY,
    "DAILY": rrule.DAILY,
}
DAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}
MAX_OCCURRENCES = 1000
"""The most occurrences one question (a window, a materialisation) may list."""
MAX_WINDOW = dt.timedelta(days=366)
"""The longest window `occurrences` answers for."""
MARGIN = dt.timedelta(days=1)
"""Local and UTC days differ by at most 14 hours: a day's margin finds every occurrence."""


def zone_of(group: dict[str, Any]) -> ZoneInfo:
    """The series' time zone (stores fill in the account's on create)."""
    return ZoneInfo(group.get("timezone") or "UTC")


def local(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A stored (UTC) time as the naive wall-clock time of the zone."""
    return as_utc(moment).astimezone(zone).replace(tzinfo=None)


def placed(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time of the zone as a UTC time, as RFC 5545 (3.3.5) reads local times.

    - A time that occurs twice (clocks go back) is its first occurrence: 01:30 on the night
      daylight-saving time ends is 01:30 daylight time.
    - A time that does not occur (clocks go forward) takes the UTC offset from before the
      gap: a 02:30 visit on the night daylight-saving time starts begins at 03:30 new time.

    zoneinfo's `fold=0` does both; the occurrence keeps its place in the rule either way, so
    a series never loses or doubles a visit over a change.
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def weekday(code: str) -> rrule.weekday:
    """ "MO" -> every Monday; "1MO" -> the first Monday; "-1FR" -> the last Friday."""
    found = BYWEEKDAY.match(code)
    if found is None:
        raise ValueError(f"{code!r} is not a weekday rule")
    day = DAYS[found.group(1)]
    ordinal = code[: -len(found.group(1))]
    return day(int(ordinal)) if ordinal else day


def rule_of(group: dict[str, Any]) -> rrule.rrule:
    """The dateutil rule of a stored series, on naive local times of its zone."""
    zone = zone_of(group)
    until = group.get("until")
    return rrule.rrule(
        FREQUENCIES[str(group["freq"])],  # type: ignore[arg-type]
        dtstart=local(group["start"], zone),
        interval=int(group.get("interval") or 1),
        wkst=DAYS[str(group.get("wkst") or "MO")],
        count=group.get("count"),
        until=local(until, zone) if until is not None else None,
        byweekday=[weekday(code) for code in group.get("byweekday") or []] or None,
        bymonthday=list(group.get("bymonthday") or []) or None,
        cache=False,
    )


def occurrences(
    group: dict[str, Any],
    after: dt.datetime,
    before: dt.datetime,
    limit: int = MAX_OCCURRENCES,
    field: str | None = None,
) -> list[dt.datetime]:
    """The UTC starts of the series' occurrences from `after` (included) to `before`
    (excluded), without its excluded dates (EXDATE); refused past `limit` of them."""
    after, before = as_utc(after), as_utc(before)
    zone = zone_of(group)
    excluded = {as_utc(moment) for moment in group.get("excluded") or []}
    found = []
    walls = rule_of(group).xafter(local(after - MARGIN, zone), inc=True)
    for wall in walls:
        if wall > local(before + MARGIN, zone):
            break
        moment = placed(wall, zone)
        if after <= moment < before and moment not in excluded:
            found.append(moment)
            if len(found) > limit:
                raise ServiceError.one(
                    f"More than {limit} occurrences: ask for a shorter span.",
                    ErrorCode.INVALID,
                    field,
                )
    return found


def first_after(group: dict[str, Any], moment: dt.datetime) -> dt.datetime | None:
    """The first occurrence at or after a moment (excluded dates included), if any."""
    zone = zone_of(group)
    for wall in rule_of(group).xafter(local(moment - MARGIN, zone), inc=True):
        if placed(wall, zone) >= as_utc(moment):
            return placed(wall, zone)
    return None


def window(after: dt.datetime, before: dt.datetime) -> None:
    """Refuse a window that is reversed or longer than `MAX_WINDOW`."""
    if before <= after:
        raise ServiceError.one("`to` comes after `from`.", ErrorCode.INVALID, "to")
    if before - after > MAX_WINDOW:
        raise ServiceError.one(
            "Ask for at most 366 days of occurrences at a time.", ErrorCode.INVALID, "to"
        )
