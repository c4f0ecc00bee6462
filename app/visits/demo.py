"""Demo punchcards: one for every COMPLETED demo visit, punched a few minutes off its times.

Each caregiver clocks in between 8 minutes early and 6 minutes late, a few metres from the
patient's door (by the mobile app, or now and then by phone, which gives no position), and
clocks out within minutes of the planned end. The visit bills and pays its planned hours at the
service's rates (the caregiver's own pay rate on the visit, when it has one). The snapshots
(caregiver, patient, visit) are copied by the store from the live records.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from app.common.demo import DemoAccount
from app.common.services import decode
from app.visits.documents import ClockMethod
from app.visits.services import punchcard_store

HOURS = Decimal("0.01")


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _near(demo: DemoAccount, location: dict[str, Any] | None) -> dict[str, Any] | None:
    """A position a few metres from an address (a phone's GPS is never exact)."""
    coordinates = ((location or {}).get("geo") or {}).get("coordinates")
    if not coordinates:
        return None
    longitude, latitude = coordinates
    jitter = demo.rng.uniform
    return {
        "latitude": latitude + jitter(-3e-4, 3e-4),
        "longitude": longitude + jitter(-4e-4, 4e-4),
    }


def _billing_month(day: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _caregiver(event: dict[str, Any]) -> dict[str, Any] | None:
    attendees = event.get("attendees") or []
    carers = [a for a in attendees if a.get("role", "caregiver") == "caregiver"]
    return (carers or attendees or [None])[0]


def punchcard_of(demo: DemoAccount, event: dict[str, Any]) -> dict[str, Any] | None:
    """The punchcard of a completed demo visit; None when the visit has nobody booked."""
    event = decode(event)
    attendee = _caregiver(event)
    if attendee is None:
        return None
    services = {s["code"]: decode(s) for s in demo.account.get("services") or []}
    booked = event.get("service") or {}
    service = {**services.get(booked.get("code"), {}), **{k: v for k, v in booked.items() if v}}
    start, end = _utc(event["start"]), _utc(event["end"])
    clock_in = start + dt.timedelta(minutes=demo.rng.randint(-8, 6))
    # visits last 30 minutes or more, so this stays after the clock-in
    clock_out = end + dt.timedelta(minutes=demo.rng.randint(-5, 9))
    by_phone = demo.rng.random() < 0.1
    hours = (Decimal(int((end - start).total_seconds())) / 3600).quantize(HOURS)
    bill_rate = Decimal(str(service.get("bill_rate") or 0))
    pay_rate = Decimal(str(attendee.get("pay_rate") or service.get("pay_rate") or 0))
    period_start, period_end = _billing_month(start.date())
    return {
        "event": event["_id"],
        "user": {"record": attendee["user"]},
        "patient": {"record": (event.get("patient") or {}).get("_id")}
        if event.get("patient")
        else None,
        "actual": {
            "clock_in": clock_in,
            "clock_out": clock_out,
            "clock_in_location": None if by_phone else _near(demo, event.get("location")),
            "clock_out_location": None if by_phone else _near(demo, event.get("location")),
            "method": ClockMethod.TELEPHONY if by_phone else ClockMethod.GPS,
            "notes": demo.rng.choice([None, None, "All tasks done.", "Client in good spirits."]),
        },
        "bill": {
            "hours": hours,
            "rate": bill_rate,
            "billable": (event.get("billing") or {}).get("billable", True),
        },
        "pay": {"hours": hours, "rate": pay_rate, "holiday": bool(event.get("stat_holiday"))},
        "billing": {
            "period_start": period_start,
            "period_end": period_end,
            "payer": (event.get("billing") or {}).get("payer"),
        },
        "service": {
            "code": service.get("code") or "VISIT",
            "description": service.get("description"),
            "bill_rate": bill_rate,
            "pay_rate": pay_rate,
        },
        "location": event.get("location"),
        "stat_holiday": bool(event.get("stat_holiday")),
    }


async def seed(demo: DemoAccount) -> None:
    completed = [e for e in demo.made.get("events") or [] if e.get("status") == "completed"]
    completed.sort(key=lambda e: (_utc(e["start"]), e["_id"]))
    items = [p for p in (punchcard_of(demo, event) for event in completed) if p is not None]
    demo.made["punchcards"] = (
        await punchcard_store(demo.database).create_many(demo.actor, items) if items else []
    )
