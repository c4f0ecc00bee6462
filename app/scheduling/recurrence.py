"""The occurrences of a series: its stored RFC 5545 rule, read in the series' time zone.

The rule runs on naive local times (python-dateutil's `rrule`, in an `rruleset` with the
series' extra days, RDATE, and skipped days, EXDATE), and each occurrence is placed in the zone
afterwards, so a 09:00 Toronto series stays at 09:00 local time on both sides of a
daylight-saving change. Extra and skipped days are dates: each stands for the occurrence at the
series' time of day on that day, so a series still has at most one occurrence a day (what
rebooking relies on, see series.py), and they move with the series when its time changes.
Stored times are UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule

from app.common.clock import as_utc
from app.errors import ErrorCode, ServiceError
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
RULE = (
    *("freq", "interval", "byweekday", "bymonthday", "bymonth", "byyearday", "byweekno"),
    *("bysetpos", "wkst", "timezone", "count", "until", "rdate", "exdate"),
)
"""A series' rule: with its start, what its occurrences are computed from."""
MAX_OCCURRENCES = 1000
"""The most occurrences one question (a window, a materialisation) may list."""
MAX_WINDOW = dt.timedelta(days=366)
"""The longest window `occurrences` answers for."""
MARGIN = dt.timedelta(days=1)
"""Local and UTC days differ by at most 14 hours: a day's margin finds every occurrence."""
LOOK_AHEAD = 600
"""How many months (periods, for YEARLY and MONTHLY rules) a rule is walked without an
occurrence before it is taken to have none left: 50 years, longer than any gap between two
occurrences of a rule that has any (a 29th of February that is a Monday: 40 years at most)."""


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


class _Walked(Exception):
    """A rule walked `LOOK_AHEAD` months without finding an occurrence."""


class BoundedRule(rrule.rrule):
    """dateutil's rule, which stops looking after `LOOK_AHEAD` months without an occurrence.

    dateutil looks for a next occurrence up to the year 9999: a rule no day matches (a 30th of
    February, a sixth Monday) would hold a request for seconds (ten for a DAILY one). dateutil
    reads `_byeaster` each time its walk enters a new month (a new period, for YEARLY and
    MONTHLY rules), so reading it measures the walk. tests/test_recurrence_rich.py times such a
    rule, in case a later dateutil stops reading it.
    """

    walked = 0

    @property
    def _byeaster(self) -> Any:
        self.walked += 1
        if self.walked > LOOK_AHEAD:
            raise _Walked
        return self._easter_days

    @_byeaster.setter
    def _byeaster(self, days: Any) -> None:
        self._easter_days = days

    def _iter(self) -> Iterator[dt.datetime]:
        self.walked = 0
        try:
            for moment in rrule.rrule._iter(self):  # type: ignore[attr-defined]
                self.walked = 0
                yield moment
        except _Walked:
            return


def code_of(value: Any) -> str:
    """A stored code (such as "WEEKLY"), whether read from the database or from a model."""
    return str(getattr(value, "value", value))


def pattern_of(group: dict[str, Any], ending: bool = True) -> rrule.rrule:
    """The dateutil rule (RRULE) of a stored series, on naive local times of its zone, without
    its extra and skipped days; `ending=False`: without its count and until either."""
    zone = zone_of(group)
    until = group.get("until") if ending else None

    def parts(name: str) -> list[int] | None:
        return list(group.get(name) or []) or None

    return BoundedRule(
        FREQUENCIES[code_of(group["freq"])],  # type: ignore[arg-type]
        dtstart=local(group["start"], zone),
        interval=int(group.get("interval") or 1),
        wkst=DAYS[code_of(group.get("wkst") or "MO")],
        count=group.get("count") if ending else None,
        until=local(until, zone) if until is not None else None,
        byweekday=[weekday(code) for code in group.get("byweekday") or []] or None,
        bymonthday=parts("bymonthday"),
        bymonth=parts("bymonth"),
        byyearday=parts("byyearday"),
        byweekno=parts("byweekno"),
        bysetpos=parts("bysetpos"),
        cache=False,
    )


def rule_of(group: dict[str, Any]) -> rrule.rruleset:
    """The occurrences of a stored series as dateutil reads RFC 5545: its rule (RRULE), with
    its extra days (RDATE) and without its skipped days (EXDATE), on naive local times."""
    zone = zone_of(group)
    time_of_day = local(group["start"], zone).time()
    rules = rrule.rruleset(cache=False)
    rules.rrule(pattern_of(group))
    for day in group.get("rdate") or []:
        rules.rdate(dt.datetime.combine(day_of(day), time_of_day))
    for day in group.get("exdate") or []:
        rules.exdate(dt.datetime.combine(day_of(day), time_of_day))
    return rules


def never_occurs(group: dict[str, Any]) -> bool:
    """Whether no day matches the rule's parts (its count and until aside) in the
    `LOOK_AHEAD` months from its start: a 30th of February, a sixth Monday of a month."""
    return next(iter(pattern_of(group, ending=False)), None) is None


def day_of(value: dt.date) -> dt.date:
    """An extra or skipped day, as given (a date) or stored (midnight UTC of that date)."""
    return value.date() if isinstance(value, dt.datetime) else value


def on_day(group: dict[str, Any], day: dt.date) -> dt.datetime:
    """When the series' occurrence on a day starts (UTC): its time of day, in its zone."""
    zone = zone_of(group)
    return placed(dt.datetime.combine(day_of(day), local(group["start"], zone).time()), zone)


def rule_only(group: dict[str, Any]) -> dict[str, Any]:
    """The series as its rule alone gives it: no extra, skipped or cancelled occurrences (what
    its COUNT counts, RFC 5545 3.8.5.3)."""
    return {**group, "rdate": [], "exdate": [], "excluded": []}


def days_before(group: dict[str, Any], name: str, moment: dt.datetime) -> list[dt.date]:
    """The series' extra (`rdate`) or skipped (`exdate`) days whose occurrence starts before a
    moment; `days_from` gives the others."""
    return [day_of(day) for day in group.get(name) or [] if on_day(group, day) < as_utc(moment)]


def days_from(group: dict[str, Any], name: str, moment: dt.datetime) -> list[dt.date]:
    """The series' extra or skipped days whose occurrence starts at or after a moment."""
    return [day_of(day) for day in group.get(name) or [] if on_day(group, day) >= as_utc(moment)]


def first_start(group: dict[str, Any]) -> dt.datetime:
    """When the series' first occurrence may start: its start, or an extra day before it."""
    return min([as_utc(group["start"]), *(on_day(group, d) for d in group.get("rdate") or [])])


def occurrences(
    group: dict[str, Any],
    after: dt.datetime,
    before: dt.datetime,
    limit: int = MAX_OCCURRENCES,
    field: str | None = None,
) -> list[dt.datetime]:
    """The UTC starts of the series' occurrences from `after` (included) to `before`
    (excluded): its rule's and extra days', without its skipped days and its cancelled
    occurrences (`excluded`, compared as stored, in UTC); refused past `limit` of them."""
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
    """The first occurrence at or after a moment (extra days included, skipped days not,
    cancelled occurrences included), if any."""
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
