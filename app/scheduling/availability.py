"""When a caregiver can work: weekly hours read in their time zone (else the account's), and
dated spans they cannot work. Pure functions over a stored user and a visit's times."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.common.codes import Weekday
from app.common.services import RawDoc
from app.scheduling.documents import as_utc

DAY_CODES = [day.value for day in Weekday]
"""Weekday codes in Python's order (Monday = 0)."""
DAY = 24 * 60 * 60
"""Seconds in a day."""
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def zone_of(user: RawDoc, account_zone: str) -> ZoneInfo:
    """The time zone a user's weekly hours are read in: theirs, else the account's."""
    for name in (user.get("timezone"), account_zone, "UTC"):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def visit_day(start: dt.datetime, account_zone: str) -> dt.date:
    """The day of a visit starting then, in the account's time zone: the day a certificate or
    licence must be valid on. The conflict check and matching both read it here."""
    return start.astimezone(zone_of({}, account_zone)).date()


def clock(moment: dt.datetime, zone: ZoneInfo) -> str:
    """A moment as a scheduler reads it: local date and time."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def span(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str:
    """A visit's times, local: "2030-03-04 09:30-10:30" (the end's date when it differs)."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    until = "%H:%M" if local_end.date() == local_start.date() else "%Y-%m-%d %H:%M"
    return f"{local_start:%Y-%m-%d %H:%M}-{local_end.strftime(until)}"


def _seconds(text: str) -> int:
    hours, minutes = text.split(":")
    return (int(hours) * 60 + int(minutes)) * 60


def _of_day(moment: dt.datetime) -> int:
    """The second of its day: to the second, so a visit ending 17:00:30 does not fit 17:00."""
    return (moment.hour * 60 + moment.minute) * 60 + moment.second


def _pieces(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> list[tuple[int, int, int]]:
    """A visit cut at local midnights: (weekday, from second, to second) for each day it
    touches (a night visit needs hours on both days)."""
    local, last = start.astimezone(zone), end.astimezone(zone)
    pieces = []
    while local < last:
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), zone)
        upto = min(last, midnight)
        until = DAY if upto == midnight else _of_day(upto)
        pieces.append((local.weekday(), _of_day(local), until))
        local = upto
    return pieces


def _clock(second: int) -> str:
    return f"{second // 3600:02}:{second // 60 % 60:02}"


def _covered(slots: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the slots (merged, touching ones joined) cover start..end."""
    reached = start
    for slot_start, slot_end in sorted(slots):
        if slot_start > reached:
            break
        reached = max(reached, slot_end)
    return reached >= end


def outside_hours(user: RawDoc, start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str | None:
    """Why a visit falls outside the user's weekly hours, or None when it fits (or they stated
    none: no weekly hours means no limit)."""
    weekly: list[dict[str, Any]] = (user.get("availability") or {}).get("weekly") or []
    if not weekly:
        return None
    by_day: dict[int, list[tuple[int, int]]] = {}
    for slot in weekly:
        day = DAY_CODES.index(slot["weekday"]) if slot.get("weekday") in DAY_CODES else None
        if day is not None:
            by_day.setdefault(day, []).append((_seconds(slot["start"]), _seconds(slot["end"])))
    for day, begin, finish in _pieces(start, end, zone):
        if not _covered(by_day.get(day, []), begin, finish):
            hours = ", ".join(f"{_clock(s)}-{_clock(e)}" for s, e in sorted(by_day.get(day, [])))
            return f"works {DAY_NAMES[day]}s {hours}" if hours else f"works no {DAY_NAMES[day]}s"
    return None


def unavailable_spans(
    user: RawDoc, start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> list[str]:
    """The user's stated unavailable spans the visit overlaps, in words."""
    found = []
    for off in (user.get("availability") or {}).get("unavailable") or []:
        off_start, off_end = as_utc(off.get("start")), as_utc(off.get("end"))
        if off_start is None or off_end is None or not (off_start < end and start < off_end):
            continue
        reason = f" ({off['reason']})" if off.get("reason") else ""
        found.append(f"{span(off_start, off_end, zone)}{reason}")
    return found
