"""What the schedule checks share: a conflict, the account's rules for every check, and which
visits and attendees take someone's time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from app.common.services import RawDoc
from app.data.scope import Scope
from app.data.unit import Tx
from app.patients.authorizations import per_visit_codes
from app.scheduling.documents import EventStatus
from app.scheduling.enums import AttendeeStatus
from app.scheduling.overrides import ConflictKind

Reader = Scope | Tx
"""Where a check reads: a scope, or a transaction to read what it is about to commit."""
OFF_THE_VISIT = {AttendeeStatus.DECLINED.value, AttendeeStatus.CANCELLED.value}
"""Attendees whose time a visit no longer takes."""


@dataclass(frozen=True)
class Conflict:
    """One conflict of one visit, for one of its attendees (none for a conflict of the visit
    itself, such as an authorization exceeded on a visit nobody is booked on yet)."""

    kind: ConflictKind
    message: str
    caregiver: ObjectId | None
    other: ObjectId | None = None
    """The other visit, for DOUBLE_BOOKED."""


@dataclass(frozen=True)
class Rules:
    """What the account sets for every check: its time zone, the least rest, and the day its
    weeks start on (for weekly hours)."""

    zone: str
    rest: dt.timedelta
    week_start: str = "MO"
    per_visit: frozenset[str] = frozenset()
    """The account's services counted per visit (an authorization counts visits of them)."""


def booked(visit: RawDoc) -> bool:
    """Whether a visit takes anyone's time: cancelled and deleted visits never conflict."""
    status = visit.get("status")
    status = status.value if isinstance(status, EventStatus) else status
    return status != EventStatus.CANCELLED.value and not visit.get("_deleted")


def attending(visit: RawDoc) -> list[RawDoc]:
    """The attendees a visit takes the time of (not those who declined or were taken off)."""
    return [
        attendee
        for attendee in visit.get("attendees") or []
        if code_value(attendee.get("status")) not in OFF_THE_VISIT and attendee.get("user")
    ]


def code_value(code: Any) -> Any:
    """An enum's stored value, or a value already stored."""
    return getattr(code, "value", code)


async def account_rules(reader: Reader) -> Rules:
    fields = ("settings.timezone", "settings.week_start", "scheduler_settings.min_rest_minutes",
              "services.code", "services.unit")  # fmt: skip
    found = await reader["accounts"].find_one({"_id": reader.account_id}, dict.fromkeys(fields, 1))
    found = found or {}
    minutes = (found.get("scheduler_settings") or {}).get("min_rest_minutes") or 0
    settings = found.get("settings") or {}
    week_start = settings.get("week_start") or "MO"
    zone = settings.get("timezone") or "UTC"
    return Rules(zone, dt.timedelta(minutes=minutes), week_start, per_visit_codes(found))
