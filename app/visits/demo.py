"""Demo punchcards: every COMPLETED demo visit (all of last week's, this week's so far) clocked
in and out through the clock services, so its bill and pay come from the account's rules
(rounding, grace, rates, holidays).

Each caregiver clocks in from the mobile app between 8 minutes early and 6 minutes late, a
few metres from the patient's door, and clocks out within minutes of the planned end. Two
visits (last week's second and third) are off, for the office's list of flagged punches: one
punched from a parking lot down the street (FAR_FROM_VISIT), one started half an hour late
(LATE_CLOCK_IN).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from app.common.demo import DemoAccount
from app.common.services import RawDoc, decode
from app.visits.clock import clock_in, clock_out
from app.visits.documents import ClockMethod
from app.visits.geo import location_point

AT_ONCE = 8
"""Visits punched at the same time: with two weeks to clock, the seed keeps the database busy
instead of waiting on each round trip (measured: about a third faster than one by one)."""
FAR_AWAY = 0.006
"""Degrees of latitude north of the door of the visit punched far away: about 670 m."""


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _near(demo: DemoAccount, event: RawDoc, north: float = 0.0) -> dict[str, float] | None:
    """A position a few metres from the visit's door (a phone's GPS is never exact)."""
    location = event.get("location") or (event.get("patient") or {}).get("location")
    point = location_point(location)
    if point is None:
        return None
    longitude, latitude = point
    jitter = demo.rng.uniform
    return {
        "latitude": latitude + north + jitter(-1e-4, 1e-4),
        "longitude": longitude + jitter(-1.5e-4, 1.5e-4),
    }


def _caregiver(event: RawDoc) -> Any:
    attendees = event.get("attendees") or []
    carers = [a for a in attendees if a.get("role", "caregiver") == "caregiver"]
    return (carers or attendees or [{}])[0].get("user")


@dataclass(frozen=True)
class Punches:
    """How one visit is clocked: drawn in order from the demo's rng, then punched."""

    event: RawDoc
    caregiver: Any
    clock_in: dt.datetime
    clock_out: dt.datetime
    came_from: dict[str, float] | None
    left_from: dict[str, float] | None
    notes: str | None
    late: bool


def _draw(demo: DemoAccount, event: RawDoc, far: bool, late: bool) -> Punches | None:
    """How a completed visit is clocked; None when nobody is booked on it."""
    caregiver = _caregiver(event)
    if caregiver is None:
        return None
    start, end = _utc(event["start"]), _utc(event["end"])
    arrive = 31 if late else demo.rng.randint(-8, 6)
    # visits last 30 minutes or more, so the clock-out stays after the clock-in
    leave = demo.rng.randint(-5, 9)
    return Punches(
        event,
        caregiver,
        clock_in=start + dt.timedelta(minutes=arrive),
        clock_out=max(end + dt.timedelta(minutes=leave), start + dt.timedelta(minutes=arrive + 15)),
        came_from=_near(demo, event, FAR_AWAY if far else 0.0),
        left_from=_near(demo, event),
        notes=demo.rng.choice([None, None, "All tasks done.", "Client in good spirits."]),
        late=late,
    )


async def _punch(demo: DemoAccount, punches: Punches, slots: asyncio.Semaphore) -> RawDoc:
    """Clock a visit in and out through the clock services."""
    async with slots:
        card = await clock_in(
            demo.database,
            demo.actor,
            punches.event["_id"],
            caregiver=punches.caregiver,
            at=punches.clock_in,
            location=punches.came_from,
            method=ClockMethod.GPS,
            notes="Running late: the bus broke down." if punches.late else None,
        )
        return await clock_out(
            demo.database,
            demo.actor,
            punchcard=card["_id"],
            at=punches.clock_out,
            location=punches.left_from,
            notes=punches.notes,
        )


async def seed(demo: DemoAccount) -> None:
    completed = [decode(e) for e in demo.made.get("events") or [] if e.get("status") == "completed"]
    completed.sort(key=lambda e: (_utc(e["start"]), e["_id"]))
    drawn = [
        _draw(demo, event, far=index == 1, late=index == 2) for index, event in enumerate(completed)
    ]
    # caregivers clock in at once across the agency: punches of different visits run together
    slots = asyncio.Semaphore(AT_ONCE)
    demo.made["punchcards"] = list(
        await asyncio.gather(*(_punch(demo, p, slots) for p in drawn if p is not None))
    )
