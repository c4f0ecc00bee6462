"""Demo visits: last week's and this week's for twenty patients, five of them on weekly series.

Each chosen patient has one caregiver, one service and one time slot (between 08:00 and 19:00
in the account's time zone, 30 minutes to 4 hours long) on a few weekdays and sometimes a
weekend day, the same both weeks. The caregiver is picked as a scheduler would: meeting the
patient's needs, within their weekly hours and their most hours a week, and free then (not
booked with another patient, with the account's least rest between visits), so every visit
passes the stores' conflict check.
The first five patients' visits belong to weekly series that began last week, on the same days
and at the same time; the others are visits booked one by one. Visits already over are
COMPLETED, the rest SCHEDULED. A visit is billed to the demo client named as the patient's payer
(an insurer), when the people demo made one.

The series book their own visits through the series services, from today up to the account's
horizon (12 weeks); their visits before today, which a new series does not book, are added as
visits of the series (with their `series_start`), as if booked by it when it began.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.common.clock import now
from app.common.codes import Weekday
from app.common.demo import DemoAccount
from app.common.documents import primary
from app.common.money import amount_of
from app.scheduling.availability import DAY_CODES as DAY_VALUES
from app.scheduling.availability import outside_hours, unavailable_spans, zone_of
from app.scheduling.documents import EventStatus, RecurrenceFrequency
from app.scheduling.requirements import needs
from app.scheduling.series import booking_from
from app.scheduling.services import event_group_store, event_store
from app.scheduling.weekly_hours import limits

PATIENTS = 20
SERIES = 5
WEEKS = (-1, 0)
"""The weeks booked, from the demo week: last week (all over) and this week (under way)."""
MINUTES = [30, 45, 60, 60, 90, 120, 180, 240]
OPEN, CLOSE = 8 * 60, 19 * 60
"""The demo's visiting hours, in minutes after midnight."""
TRIES = 3
"""Slots drawn for each caregiver before the patient is left without visits."""
DAY_CODES = list(Weekday)
CENTS = Decimal("0.01")

Slot = tuple[list[int], int, int]
Busy = dict[Any, list[tuple[dt.datetime, dt.datetime]]]


def _hours(caregiver: dict[str, Any]) -> dict[int, tuple[int, int]]:
    """A caregiver's weekly hours within the visiting hours, by weekday (0 = Monday), in
    minutes; every day when they state none."""
    weekly = (caregiver.get("availability") or {}).get("weekly") or []
    if not weekly:
        return dict.fromkeys(range(7), (OPEN, CLOSE))
    hours: dict[int, tuple[int, int]] = {}
    for slot in weekly:
        if slot.get("weekday") in DAY_VALUES and slot.get("start") and slot.get("end"):
            begin, end = (int(t[:2]) * 60 + int(t[3:5]) for t in (slot["start"], slot["end"]))
            hours.setdefault(DAY_VALUES.index(slot["weekday"]), (max(begin, OPEN), min(end, CLOSE)))
    return hours


def _slot(demo: DemoAccount, caregiver: dict[str, Any]) -> Slot | None:
    """Weekdays (0 = Monday) with a visit, the start in minutes after midnight and the length,
    drawn within the caregiver's hours; None when they have no room for a visit."""
    rng, hours = demo.rng, _hours(caregiver)
    weekdays = [day for day in sorted(hours) if day < 5] or sorted(hours)
    if not weekdays:
        return None
    days = sorted(rng.sample(weekdays, rng.randint(min(2, len(weekdays)), min(5, len(weekdays)))))
    weekend = [day for day in sorted(hours) if day >= 5 and day not in days]
    if weekend and rng.random() < 0.35:
        days.append(rng.choice(weekend))
    begin = max(hours[day][0] for day in days)
    end = min(hours[day][1] for day in days)
    begin += -begin % 15
    lengths = [minutes for minutes in MINUTES if minutes <= end - begin]
    if not lengths:
        return None
    length = rng.choice(lengths)
    return days, rng.randrange(begin, end - length + 1, 15), length


def _times(demo: DemoAccount, slot: Slot, zone: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    """The UTC start and end of each visit of a slot, over the booked weeks."""
    days, start, length = slot
    times = []
    for week in WEEKS:
        for day in days:
            date = demo.week_start + dt.timedelta(days=7 * week + day)
            local = dt.datetime.combine(date, dt.time(start // 60, start % 60), zone)
            begin = local.astimezone(dt.UTC)
            times.append((begin, begin + dt.timedelta(minutes=length)))
    return times


def _fits(
    demo: DemoAccount,
    patient: dict[str, Any],
    caregiver: dict[str, Any],
    times: list[tuple[dt.datetime, dt.datetime]],
    busy: Busy,
) -> bool:
    """Whether the caregiver can take these visits: the checks the event store makes."""
    zone = zone_of(caregiver, demo.timezone)
    minutes = (demo.account.get("scheduler_settings") or {}).get("min_rest_minutes") or 0
    rest = dt.timedelta(minutes=minutes)
    taken = busy.get(caregiver["_id"], [])
    most = limits({caregiver["_id"]: caregiver}).get(caregiver["_id"])
    # every booked week holds the same visits: a week's hours are the total over the weeks
    booked = sum((end - start for start, end in [*taken, *times]), dt.timedelta())
    if most is not None and booked / len(WEEKS) > dt.timedelta(hours=float(most)):
        return False
    for start, end in times:
        day = start.astimezone(ZoneInfo(demo.timezone)).date()
        if any(need.missing for need in needs(patient, caregiver, day)):
            return False
        if outside_hours(caregiver, start, end, zone) or unavailable_spans(
            caregiver, start, end, zone
        ):
            return False
        if any(other < end + rest and start < other_end + rest for other, other_end in taken):
            return False
    return True


def _pick(
    demo: DemoAccount, patient: dict[str, Any], busy: Busy, zone: ZoneInfo
) -> tuple[dict[str, Any], Slot] | None:
    """A caregiver free for the patient's visits, and their slot (None when nobody is): the
    caregivers in a random order, each with a few slots drawn within their hours."""
    caregivers = demo.rng.sample(demo.caregivers, len(demo.caregivers))
    for _ in range(TRIES):
        for caregiver in caregivers:
            slot = _slot(demo, caregiver)
            if slot is None:
                continue
            times = _times(demo, slot, zone)
            if _fits(demo, patient, caregiver, times, busy):
                busy.setdefault(caregiver["_id"], []).extend(times)
                return caregiver, slot
    return None


def _plan(
    demo: DemoAccount, patient: dict[str, Any], caregiver: dict[str, Any], slot: Slot
) -> dict[str, Any]:
    """What every visit of one patient shares."""
    rng = demo.rng
    services = demo.account.get("services") or []
    wanted = [s.get("code") for s in patient.get("services") or []]
    service = next((s for s in services if s["code"] in wanted), None) or rng.choice(services)
    payer = (patient.get("billing") or [{}])[0]
    settings = demo.account.get("settings") or {}
    billing_settings = demo.account.get("billing_settings") or {}
    days, start, length = slot
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
            "location": primary(patient.get("locations")),
            "billing": {
                "billing_period": billing_settings.get("billing_period"),
                "currency": settings.get("currency", "CAD"),
                "payer": payer.get("payer"),
                "payment_method": payer.get("method"),
                "client": payers.get(payer.get("payer")),
            },
        },
    }


def _visit(plan: dict[str, Any], start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    hours = Decimal(plan["length"]) / Decimal(60)
    currency = plan["data"]["billing"]["currency"]
    return {
        **plan["data"],
        "start": start,
        "end": end,
        "status": EventStatus.COMPLETED if end <= now() else EventStatus.SCHEDULED,
        "expectation": {
            "amount": (hours * amount_of(plan["bill_rate"])).quantize(CENTS),
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
    busy: Busy = {}
    picked = [(patient, _pick(demo, patient, busy, zone)) for patient in active[:PATIENTS]]
    plans = [(_plan(demo, patient, *pick), pick[1]) for patient, pick in picked if pick]
    visits = [
        [_visit(plan, start, end) for start, end in _times(demo, slot, zone)]
        for plan, slot in plans
    ]
    series = [
        _series(plan, weeks[0], demo.timezone)
        for (plan, _), weeks in zip(plans[:SERIES], visits[:SERIES], strict=True)
    ]
    groups = await event_group_store(demo.database).create_many(demo.actor, series)
    earlier = []
    for group, weeks in zip(groups, visits[:SERIES], strict=True):
        booked_from = booking_from(group, now())
        for visit in weeks:
            if visit["start"] < booked_from:
                earlier.append({**visit, "group": group["_id"], "series_start": visit["start"]})
    demo.made["eventsgroups"] = groups
    made = await event_store(demo.database).create_many(
        demo.actor, earlier + [visit for weeks in visits[SERIES:] for visit in weeks]
    )
    query = {"_group": {"$in": [g["_id"] for g in groups]}}
    # today's series visits already over happened: the demo stages them done, as it does
    # the other visits (the visits demo punches them)
    events = demo.scope["events"]
    await events.update_many(
        {**query, "end": {"$lte": now()}, "status": EventStatus.SCHEDULED.value},
        {"$set": {"status": EventStatus.COMPLETED.value}},
    )
    booked = [doc async for doc in events.find(query)]
    known = {visit["_id"] for visit in made}
    demo.made["events"] = made + [doc for doc in booked if doc["_id"] not in known]
