"""Demo visits: a week of them for twenty patients, five of those patients on weekly series.

Each chosen patient has one caregiver, one service and one time slot (between 08:00 and 19:00
in the account's time zone, 30 minutes to 4 hours long) on a few weekdays and sometimes a
weekend day of the demo week. The first five patients' visits belong to weekly series starting
that week, on the same days and at the same time. Visits already over are COMPLETED, the rest
SCHEDULED. A visit is billed to the demo client named as the patient's payer (an insurer), when
the people demo made one.

The series book their own visits through the series services, from today up to the account's
horizon (12 weeks); their visits earlier this week, which a new series does not book, are
added as visits of the series (with their `series_start`), as if booked by it when it began.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.common.clock import now
from app.common.codes import Weekday
from app.common.demo import DemoAccount
from app.scheduling.documents import EventStatus, RecurrenceFrequency
from app.scheduling.series import booking_from
from app.scheduling.services import event_group_store, event_store, primary_location

PATIENTS = 20
SERIES = 5
MINUTES = [30, 45, 60, 60, 90, 120, 180, 240]
DAY_CODES = list(Weekday)
CENTS = Decimal("0.01")


def _slot(demo: DemoAccount) -> tuple[list[int], int, int]:
    """Weekdays (0 = Monday) with a visit, the start in minutes after midnight, the length."""
    rng = demo.rng
    days = sorted(rng.sample(range(5), rng.randint(2, 5)))
    if rng.random() < 0.35:
        days.append(rng.choice([5, 6]))
    length = rng.choice(MINUTES)
    latest = 19 * 60 - length  # ends by 19:00
    start = rng.randrange(8 * 60, latest + 1, 15)
    return days, start, length


def _plan(demo: DemoAccount, patient: dict[str, Any]) -> dict[str, Any]:
    """What every visit of one patient this week shares."""
    rng = demo.rng
    services = demo.account.get("services") or []
    wanted = [s.get("code") for s in patient.get("services") or []]
    service = next((s for s in services if s["code"] in wanted), None) or rng.choice(services)
    caregiver = rng.choice(demo.caregivers)
    payer = (patient.get("billing") or [{}])[0]
    settings = demo.account.get("settings") or {}
    billing_settings = demo.account.get("billing_settings") or {}
    days, start, length = _slot(demo)
    payers = {
        (client.get("company") or {}).get("name"): client["_id"]
        for client in demo.made.get("clients") or []
    }
    return {
        "days": days,
        "start": start,
        "length": length,
        "code": service["code"],
        "bill_rate": service["bill_rate"],
        "data": {
            "patient": {"record": patient["_id"]},
            "service": {"code": service["code"]},
            "attendees": [{"user": caregiver["_id"], "status": "confirmed"}],
            "location": primary_location(patient.get("locations")),
            "billing": {
                "billing_period": billing_settings.get("billing_period"),
                "currency": settings.get("currency", "CAD"),
                "payer": payer.get("payer"),
                "payment_method": payer.get("method"),
                "client": payers.get(payer.get("payer")),
            },
        },
    }


def _money(value: Any) -> Decimal:
    return Decimal(str(value.to_decimal() if hasattr(value, "to_decimal") else value))


def _visit(demo: DemoAccount, plan: dict[str, Any], day: int, zone: ZoneInfo) -> dict[str, Any]:
    date = demo.week_start + dt.timedelta(days=day)
    local = dt.datetime.combine(date, dt.time(plan["start"] // 60, plan["start"] % 60), zone)
    start = local.astimezone(dt.UTC)
    end = start + dt.timedelta(minutes=plan["length"])
    hours = Decimal(plan["length"]) / Decimal(60)
    currency = plan["data"]["billing"]["currency"]
    return {
        **plan["data"],
        "start": start,
        "end": end,
        "status": EventStatus.COMPLETED if end <= now() else EventStatus.SCHEDULED,
        "expectation": {
            "amount": (hours * _money(plan["bill_rate"])).quantize(CENTS),
            "currency": currency,
            "hours": hours.quantize(CENTS),
        },
    }


def _series(plan: dict[str, Any], first: dict[str, Any], timezone: str) -> dict[str, Any]:
    return {
        **{k: v for k, v in plan["data"].items() if k != "billing"},
        "freq": RecurrenceFrequency.WEEKLY,
        "interval": 1,
        "byweekday": [DAY_CODES[day].value for day in plan["days"]],
        "wkst": Weekday.MONDAY,
        "timezone": timezone,
        "start": first["start"],
        "end": first["end"],
        "notes": "Weekly visits.",
    }


async def seed(demo: DemoAccount) -> None:
    if not demo.patients or not demo.caregivers or not demo.account.get("services"):
        demo.made["events"], demo.made["eventsgroups"] = [], []
        return
    zone = ZoneInfo(demo.timezone)
    active = [p for p in demo.patients if p.get("status") == "active"] or demo.patients
    chosen = active[:PATIENTS]
    plans = [_plan(demo, patient) for patient in chosen]
    visits = [[_visit(demo, plan, day, zone) for day in plan["days"]] for plan in plans]
    series = [
        _series(plan, week[0], demo.timezone)
        for plan, week in zip(plans[:SERIES], visits[:SERIES], strict=True)
    ]
    groups = await event_group_store(demo.database, check_conflicts=False).create_many(
        demo.actor, series
    )
    earlier = []
    for group, week in zip(groups, visits[:SERIES], strict=True):
        booked_from = booking_from(group, now())
        for visit in week:
            if visit["start"] < booked_from:
                earlier.append({**visit, "group": group["_id"], "series_start": visit["start"]})
    demo.made["eventsgroups"] = groups
    # caregivers are picked at random, so some visits clash: left for scheduleConflicts to show
    made = await event_store(demo.database, check_conflicts=False).create_many(
        demo.actor, earlier + [visit for week in visits[SERIES:] for visit in week]
    )
    query = {"_account": demo.actor.account_id, "_group": {"$in": [g["_id"] for g in groups]}}
    # today's series visits already over happened: the demo stages them done, as it does
    # the other visits (the visits demo punches them)
    await demo.database.db.events.update_many(
        {**query, "end": {"$lte": now()}, "status": EventStatus.SCHEDULED.value},
        {"$set": {"status": EventStatus.COMPLETED.value}},
    )
    booked = [doc async for doc in demo.database.db.events.find(query)]
    known = {visit["_id"] for visit in made}
    demo.made["events"] = made + [doc for doc in booked if doc["_id"] not in known]
