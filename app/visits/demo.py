"""Demo punchcards: every COMPLETED demo visit (all of last week's, this week's so far) clocked
in and out through the clock services, so its bill and pay come from the account's rules
(rounding, grace, rates, holidays).

Each caregiver clocks in from the mobile app between 8 minutes early and 6 minutes late, a
few metres from the patient's door, and clocks out within minutes of the planned end. Two
visits (last week's second and third) are off, for the office's list of flagged punches: one
punched from a parking lot down the street (FAR_FROM_VISIT), one started half an hour late
(LATE_CLOCK_IN). Both waited for review, and the office approved them (the client confirmed
the visit; the phone's position drifted), so they are billed and paid like the others.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.common.demo import DemoAccount
from app.common.geo import location_point
from app.common.services import RawDoc, decode
from app.data.scope import Scope
from app.visits.clock import clock_in, clock_out
from app.visits.decisions import decide
from app.visits.documents import ClockMethod
from app.visits.review_documents import ReviewStatus

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


async def _punch(demo: DemoAccount, event: RawDoc, far: bool, late: bool) -> RawDoc | None:
    """Clock a completed visit in and out; None when nobody is booked on it."""
    caregiver = _caregiver(event)
    if caregiver is None:
        return None
    start, end = _utc(event["start"]), _utc(event["end"])
    arrive = 31 if late else demo.rng.randint(-8, 6)
    # visits last 30 minutes or more, so the clock-out stays after the clock-in
    leave = demo.rng.randint(-5, 9)
    scope = Scope(demo.database, demo.actor)
    card = await clock_in(
        scope,
        event["_id"],
        caregiver=caregiver,
        at=start + dt.timedelta(minutes=arrive),
        location=_near(demo, event, FAR_AWAY if far else 0.0),
        method=ClockMethod.GPS,
        notes="Running late: the bus broke down." if late else None,
    )
    return await clock_out(
        scope,
        punchcard=card["_id"],
        at=max(end + dt.timedelta(minutes=leave), start + dt.timedelta(minutes=arrive + 15)),
        location=_near(demo, event),
        notes=demo.rng.choice([None, None, "All tasks done.", "Client in good spirits."]),
    )


async def seed(demo: DemoAccount) -> None:
    completed = [decode(e) for e in demo.made.get("events") or [] if e.get("status") == "completed"]
    completed.sort(key=lambda e: (_utc(e["start"]), e["_id"]))
    made = []
    for index, event in enumerate(completed):
        card = await _punch(demo, event, far=index == 1, late=index == 2)
        if card is not None:
            made.append(await _reviewed(demo, card))
    demo.made["punchcards"] = made


async def _reviewed(demo: DemoAccount, card: RawDoc) -> RawDoc:
    """A flagged punchcard, approved by the office (the demo's punches are all genuine)."""
    if (card.get("review") or {}).get("status") != ReviewStatus.PENDING.value:
        return card
    far = any(flag.get("kind") == "far_from_visit" for flag in card.get("flags") or [])
    reason = "GPS_DRIFT" if far else "CLIENT_CONFIRMED"
    return await decide(Scope(demo.database, demo.actor), card["_id"], ReviewStatus.APPROVED,
                        reason, "Checked with the client by phone.")  # fmt: skip
