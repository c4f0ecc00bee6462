"""Payroll generation for 200 caregivers x one week, through the service, against the same
reads and writes by hand with PyMongo (the floor).

Not a test: it prints figures. One embedded database in a temporary folder; two accounts with
the same caregivers and punchcards (inserted raw: 5 days x 3 visits each, with positions),
paying daily overtime past 8 h, mileage at 0.68 a km and travel time. One is paid by
`generate_payroll` (one transaction: overlap check, payable and earlier punchcards, names,
pay with the rules, the payroll, its lines, each punchcard marked at its revision, every audit
entry); the other by hand in one transaction (the same reads, the same rules in plain Python,
the payroll, the lines, one update per punchcard, the audit entries), skipping validation and
the revision guards. `--quick`: 20 caregivers; `--caregivers=N`: N caregivers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bson import Decimal128, ObjectId
from pymongo import UpdateOne

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.accounts.services import create_account
from app.common.services import Actor
from app.data.scope import Scope
from app.db import Database, open_database
from app.payroll.generation import generate_payroll
from app.settings import Settings

MONDAY = dt.date(2025, 3, 3)
WEEK = (MONDAY, MONDAY + dt.timedelta(days=6))
DAYS, VISITS = 5, 3
PAYROLL = {
    "overtime_weekly_hours": Decimal128("40"), "overtime_daily_hours": Decimal128("8"),
    "mileage_rate": Decimal128("0.68"), "pay_travel_time": True, "max_travel_minutes": 60,
}  # fmt: skip
MILEAGE, RATE, CENT = Decimal("0.68"), Decimal("21.50"), Decimal("0.01")


def point(latitude: float, longitude: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [longitude, latitude]}


async def seed(database: Database, caregivers: int) -> int:
    """An account in UTC paying daily overtime, mileage and travel; `caregivers` caregivers
    with DAYS x VISITS punchcards each (3 h, 3 h then 4 h: 10 h a day, 2 h of it daily
    overtime), each visit a few km from the one before."""
    account = await create_account(database, f"Bench payroll {ObjectId()}")
    account_id = int(account["_id"])
    await database.db.accounts.update_one(  # the bench's own setup: raw, like the floor
        {"_id": account_id},
        {"$set": {"settings.timezone": "UTC", "payroll_settings": PAYROLL}},
    )
    people = [
        {"_id": ObjectId(), "_account": account_id, "_revision": 1,
         "name": {"first": "Ada", "last": f"Osei {i:04d}"}, "status": "active"}
        for i in range(caregivers)
    ]  # fmt: skip
    await database.db.users.insert_many(people)
    cards = []
    for number, person in enumerate(people):
        for day in range(DAYS):
            start = dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(8), dt.UTC)
            for visit, hours in enumerate((3, 3, 4)):
                here = point(43.60 + 0.03 * visit + 0.0001 * number, -79.40)
                clock_in = start + dt.timedelta(hours=3.5 * visit)
                cards.append(
                    {"_id": ObjectId(), "_account": account_id, "_revision": 1,
                     "_deleted": False, "_search": {"date": clock_in},
                     "actual": {"clock_in": clock_in,
                                "clock_out": clock_in + dt.timedelta(hours=hours),
                                "method": "gps", "clock_in_location": here,
                                "clock_out_location": here},
                     "location": {"geo": here},
                     "pay": {"hours": Decimal128(str(hours)), "rate": Decimal128(RATE),
                             "amount": Decimal128(RATE * hours)},
                     "user": {"_id": person["_id"], "name": person["name"]},
                     "service": {"code": "PSW"}, "stat_holiday": False}
                )  # fmt: skip
    await database.db.punchcards.insert_many(cards)
    return account_id


def _distance_km(a: list[float], b: list[float]) -> Decimal:
    (lng1, lat1), (lng2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    meters = round(2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h))), 1)
    return (Decimal(str(meters)) / 1000).quantize(CENT)


def _pay(cards: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """One caregiver's week: daily overtime past 8 h, weekly past 40 h of the rest, and the
    drive to each visit from the one before it that day."""
    entries, week, days = {}, Decimal(0), dict[dt.date, Decimal]()
    before: dict[dt.date, dict[str, Any]] = {}
    for card in sorted(cards, key=lambda c: c["actual"]["clock_in"]):
        day = card["actual"]["clock_in"].date()
        hours, rate = card["pay"]["hours"].to_decimal(), card["pay"]["rate"].to_decimal()
        daily = hours - min(hours, max(Decimal(8) - days.get(day, Decimal(0)), Decimal(0)))
        weekly = (hours - daily) - min(hours - daily, max(Decimal(40) - week, Decimal(0)))
        days[day], week = days.get(day, Decimal(0)) + hours, week + hours - daily
        premium = (daily + weekly) * Decimal("1.5")
        amount = (rate * (hours - daily - weekly + premium)).quantize(CENT)
        entry = {"_id": card["_id"], "hours": Decimal128(hours), "rate": Decimal128(rate),
                 "amount": Decimal128(amount), "overtime_hours": Decimal128(weekly),
                 "daily_overtime_hours": Decimal128(daily), "holiday": False}  # fmt: skip
        previous = before.get(day)
        if previous is not None:
            km = _distance_km(
                previous["actual"]["clock_out_location"]["coordinates"],
                card["actual"]["clock_in_location"]["coordinates"],
            )
            gap = card["actual"]["clock_in"] - previous["actual"]["clock_out"]
            quarters = round(min(gap, dt.timedelta(minutes=60)).total_seconds() / 900)
            travel = Decimal(quarters) / 4
            entry["travel"] = {
                "origin": previous["_id"], "distance": Decimal128(km),
                "mileage_amount": Decimal128((km * MILEAGE).quantize(CENT)),
                "hours": Decimal128(travel), "amount": Decimal128((travel * rate).quantize(CENT)),
            }  # fmt: skip
        before[day] = card
        entries[card["_id"]] = entry
    return entries


async def by_hand(database: Database, account_id: int) -> int:
    """The floor: the same payroll written with the driver in one transaction."""
    db = database.db
    start = dt.datetime.combine(WEEK[0], dt.time(), dt.UTC)
    span = {"$gte": start, "$lt": start + dt.timedelta(days=7)}

    async def write(session: Any) -> int:
        await db.counters.update_one(
            {"_id": f"raw_payroll:{account_id}"}, {"$inc": {"value": 1}}, upsert=True,
            session=session,
        )  # fmt: skip
        open_ = {"_account": account_id, "_closed": {"$ne": True},
                 "start": {"$lte": start + dt.timedelta(days=6)}}  # fmt: skip
        assert await db.payrolls.find_one(open_, session=session) is None
        query = {"_account": account_id, "_search.date": span}
        cards = [c async for c in db.punchcards.find(query, session=session)]
        payable = [c for c in cards if not c.get("_deleted") and c.get("payroll") is None]
        earlier = {**query, "payroll": {"$ne": None}}
        assert [c async for c in db.punchcards.find(earlier, session=session)] == []
        per: dict[Any, list[dict[str, Any]]] = {}
        for card in payable:
            per.setdefault(card["user"]["_id"], []).append(card)
        names = db.users.find({"_account": account_id, "_id": {"$in": list(per)}}, session=session)
        people = {user["_id"]: user["name"] async for user in names}
        payroll = {"_id": ObjectId(), "_account": account_id, "_revision": 1, "start": start,
                   "end": start + dt.timedelta(days=6), "period_type": "weekly"}  # fmt: skip
        lines, marks, marked, audit = [], [], [], []
        for caregiver in sorted(per, key=lambda c: people[c]["last"]):
            entries = _pay(per[caregiver])
            lines.append({"_id": ObjectId(), "_account": account_id, "_revision": 1,
                          "payroll": payroll["_id"], "punchcards": list(entries.values()),
                          "user": {"_id": caregiver, "name": people[caregiver]}})  # fmt: skip
            for key, entry in entries.items():
                pay = {k: v for k, v in entry.items() if k != "_id"}
                snapshot = {"_id": payroll["_id"], "start": payroll["start"]}
                marks.append(UpdateOne({"_id": key}, {"$set": {"payroll": snapshot, "pay": pay}}))
                marked.append(key)
        for kind, records in (("Payroll", [payroll]), ("PayrollUser", lines)):
            audit += [{"_account": account_id, "action": "create", "record_type": kind,
                       "record_id": r["_id"]} for r in records]  # fmt: skip
        audit += [{"_account": account_id, "action": "update", "record_type": "Punchcard",
                   "record_id": key} for key in marked]  # fmt: skip
        await db.payrolls.insert_one(payroll, session=session)
        await db.payrollsusers.insert_many(lines, session=session)
        await db.punchcards.bulk_write(marks, ordered=False, session=session)
        await db.audit_events.insert_many(audit, session=session)
        return len(lines)

    async with database.client.start_session() as session:  # the floor: raw PyMongo
        made: int = await session.with_transaction(write)
    return made


async def main() -> int:
    quick = "--quick" in sys.argv
    sizes = [int(arg.split("=")[1]) for arg in sys.argv if arg.startswith("--caregivers=")]
    caregivers = 20 if quick else (sizes or [200])[0]
    with tempfile.TemporaryDirectory(prefix="caregraph-bench-payroll-") as folder:
        settings = Settings(
            environment="test", data_dir=Path(folder), database_name="bench", mongodb_uri=None
        )
        async with open_database(settings) as database:
            service_account = await seed(database, caregivers)
            raw_account = await seed(database, caregivers)
            cards = caregivers * DAYS * VISITS
            seeded = f"seeded 2 x {caregivers} caregivers x {DAYS * VISITS} punchcards"
            print(seeded, file=sys.stderr)

            before = database.counter.total
            started = time.perf_counter()
            scope = Scope(database, Actor(account_id=service_account))
            made = await generate_payroll(scope, *WEEK)
            service_seconds = time.perf_counter() - started
            service_commands = database.counter.total - before

            before = database.counter.total
            started = time.perf_counter()
            raw_lines = await by_hand(database, raw_account)
            raw_seconds = time.perf_counter() - started
            raw_commands = database.counter.total - before

    lines = len(made.lines)
    assert lines == raw_lines == caregivers, (lines, raw_lines)
    print(f"payroll generation, {caregivers} caregivers x {DAYS * VISITS} punchcards ({cards:,}),"
          " one week, daily overtime, mileage and travel time")  # fmt: skip
    for name, seconds, commands in (
        ("service  ", service_seconds, service_commands),
        ("raw floor", raw_seconds, raw_commands),
    ):
        print(
            f"  {name}: {seconds:6.2f} s  {lines / seconds:7.1f} lines/s  "
            f"{commands} DB commands, {commands / lines:.2f} per line"
        )
    print(
        f"payroll: service {service_seconds:.2f} s, floor {raw_seconds:.2f} s, "
        f"ratio {service_seconds / raw_seconds:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
