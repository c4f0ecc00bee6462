"""Invoice generation for a month of an agency with 1,000 patients (~8 visits each), through the
batch service, against the same work written by hand with PyMongo (the floor).

Not a test: it prints figures. One embedded database in a temporary folder; three accounts
with the same patients and punchcards (inserted raw): one billed by `generate_batch`, one by
hand (the floor: read the punchcards, then per patient one transaction: counter, insert
invoice, mark its punchcards), one by hand with the service's groups (GROUP patients a
transaction: the numbers as a block, one insert, one bulk write of the marks). Neither floor
writes audit entries or checks anything. `--quick`: 50 patients; `--patients=N`: N patients.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
import tempfile
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import psutil
from bson import Decimal128, ObjectId
from pymongo import ReturnDocument, UpdateMany

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.accounts.services import create_account
from app.billing.batch import generate_batch
from app.billing.generation import GenerateOptions, Period
from app.billing.groups import GROUP
from app.common.money import to_cent
from app.common.services import Actor
from app.data.scope import Scope
from app.db import Database, open_database
from app.server import freeze_startup_objects
from app.settings import Settings
from scripts.bench_cost import Cost, embedded_process, measured

VISITS = 8
MAY = Period(dt.date(2025, 5, 1), dt.date(2025, 5, 31))
SERVICES = [("PSW", "34.00", ["HST"]), ("COMP", "30.15", [])]


async def seed(database: Database, patients: int, rng: random.Random) -> int:
    """An account with services and HST, `patients` patients with VISITS May visits each."""
    account = await create_account(database, f"Bench {rng.random():.6f}")
    account_id = int(account["_id"])
    services = [
        {"code": code, "description": code, "unit": "hour", "bill_rate": Decimal128(rate),
         "pay_rate": Decimal128("20"), "taxes": taxes, "active": True}
        for code, rate, taxes in SERVICES
    ]  # fmt: skip
    tax = {"code": "HST", "label": "HST 13%", "rate": Decimal128("13"), "active": True}
    await database.db.accounts.update_one(
        {"_id": account_id},
        {"$set": {"services": services, "taxes": [tax], "settings.timezone": "UTC"}},
    )
    people = [
        {"_id": ObjectId(), "_account": account_id, "_revision": 1,
         "name": {"first": "Pat", "last": str(i)}, "status": "active"}
        for i in range(patients)
    ]  # fmt: skip
    await database.db.patients.insert_many(people)
    cards = []
    for person in people:
        for visit in range(VISITS):
            code, rate, _ = SERVICES[visit % 2]
            hours = Decimal(rng.choice(["1", "1.5", "2", "2.25", "3"]))
            start = dt.datetime(2025, 5, 1 + visit * 3, 14, tzinfo=dt.UTC)
            cards.append(
                {"_id": ObjectId(), "_account": account_id, "_revision": 1, "_deleted": False,
                 "actual": {"clock_in": start, "clock_out": start + dt.timedelta(hours=2)},
                 "bill": {"hours": Decimal128(hours), "rate": Decimal128(rate),
                          "amount": Decimal128(to_cent(hours * Decimal(rate))),
                          "billable": True},
                 "patient": {"_id": person["_id"], "name": person["name"]},
                 "user": {"_id": ObjectId(), "name": {"first": "Ada", "last": "Osei"}},
                 "service": {"code": code}, "stat_holiday": False, "_search": {"date": start}}
            )  # fmt: skip
    await database.db.punchcards.insert_many(cards)
    return account_id


async def by_hand(database: Database, account_id: int, group: int = 1) -> int:
    """The floor: the same invoices written with the driver, one transaction each (or one per
    `group` patients: the numbers as a block, one insert, one bulk write of the marks)."""
    db = database.db
    start = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    query = {
        "_account": account_id,
        "_search.date": {"$gte": start, "$lt": start + dt.timedelta(days=31)},
        "_deleted": {"$ne": True},
        "bill.billable": True,
        "invoice._id": {"$exists": False},
    }
    per_patient: dict[Any, list[dict[str, Any]]] = {}
    async for card in db.punchcards.find(query):
        per_patient.setdefault(card["patient"]["_id"], []).append(card)
    rates = {code: Decimal(rate) for code, rate, _ in SERVICES}
    bills = []
    for patient, cards in per_patient.items():
        hours: dict[str, Decimal] = {}
        for card in cards:
            code = card["service"]["code"]
            hours[code] = hours.get(code, Decimal(0)) + card["bill"]["hours"].to_decimal()
        lines = [(c, q, to_cent(q * rates[c])) for c, q in sorted(hours.items())]
        subtotal = sum((amount for _, _, amount in lines), Decimal(0))
        tax = sum((to_cent(a * Decimal("0.13")) for c, _, a in lines if c == "PSW"), Decimal(0))
        bills.append((patient, cards, lines, subtotal, tax))

    for at in range(0, len(bills), group):
        mine = bills[at : at + group]

        async def write(session: Any, mine: Any = mine) -> None:
            counter = await db.counters.find_one_and_update(
                {"_id": f"raw:{account_id}"}, {"$inc": {"value": len(mine)}}, upsert=True,
                return_document=ReturnDocument.AFTER, session=session,
            )  # fmt: skip
            first = counter["value"] - len(mine) + 1
            invoices = [
                {"_id": ObjectId(), "_account": account_id, "number": f"R-{first + i}",
                 "_search": {"number": f"r-{first + i}"},
                 "patient": {"_id": patient},
                 "services": [{"code": c, "quantity": Decimal128(q), "amount": Decimal128(a)}
                              for c, q, a in lines],
                 "punchcards": [{"_id": c["_id"]} for c in cards],
                 "subtotal": Decimal128(subtotal), "tax_total": Decimal128(tax),
                 "total": Decimal128(subtotal + tax)}
                for i, (patient, cards, lines, subtotal, tax) in enumerate(mine)
            ]  # fmt: skip
            await db.invoices.insert_many(invoices, session=session)
            marks = [
                UpdateMany(
                    {"_id": {"$in": [c["_id"] for c in cards]}},
                    {"$set": {"invoice": {"_id": invoice["_id"], "number": invoice["number"]}}},
                )
                for invoice, (_, cards, _, _, _) in zip(invoices, mine, strict=True)
            ]
            await db.punchcards.bulk_write(marks, session=session)

        async with database.client.start_session() as session:  # the floor: raw PyMongo
            await session.with_transaction(write)
    return len(per_patient)


@dataclass
class Phase:
    """One way of billing the month: what it cost, and how many invoices it made."""

    cost: Cost
    made: int

    def line(self, name: str) -> str:
        each, cost = 1000 / self.made, self.cost
        return (
            f"  {name:<14}{cost.seconds:7.2f} s {self.made / cost.seconds:7.1f} invoices/s  "
            f"app CPU {cost.app_cpu * each:5.1f} ms, db CPU {cost.db_cpu * each:5.1f} ms and "
            f"{cost.commands / self.made:.1f} commands an invoice"
        )


async def timed(database: Database, db: psutil.Process, bill: Awaitable[int]) -> Phase:
    costs: list[Cost] = []
    async with measured(database, db, costs):
        made = await bill
    return Phase(costs[0], made)


async def batch(database: Database, account_id: int) -> int:
    """The service: `invoiceGenerateBatch`'s."""
    report = await generate_batch(Scope(database, Actor(account_id=account_id)), MAY,
                                  GenerateOptions())  # fmt: skip
    assert not report.failed, report.failed[:3]
    return len(report.invoices)


async def main() -> int:
    quick = "--quick" in sys.argv
    sizes = [int(arg.split("=")[1]) for arg in sys.argv if arg.startswith("--patients=")]
    patients = 50 if quick else (sizes or [1000])[0]
    with tempfile.TemporaryDirectory(prefix="caregraph-bench-invoices-") as folder:
        settings = Settings(
            environment="test", data_dir=Path(folder), database_name="bench", mongodb_uri=None
        )
        async with open_database(settings) as database:
            rng = random.Random(7)
            service_account = await seed(database, patients, rng)
            raw_account = await seed(database, patients, rng)
            grouped_account = await seed(database, patients, rng)
            print(f"seeded 3 x {patients} patients x {VISITS} punchcards", file=sys.stderr)
            freeze_startup_objects()  # as `serve` does after start-up

            db = embedded_process(Path(folder))
            service = await timed(database, db, batch(database, service_account))
            floor = await timed(database, db, by_hand(database, raw_account))
            grouped = await timed(database, db, by_hand(database, grouped_account, GROUP))

    assert service.made == floor.made == grouped.made == patients
    print(f"invoice batch, {patients} patients x {VISITS} punchcards (one month)")
    print(service.line("service"))
    print(floor.line("floor"))
    print(grouped.line("grouped floor"))
    service_cost, floor_cost, grouped_cost = service.cost, floor.cost, grouped.cost
    print(
        f"(the grouped floor: {GROUP} patients a transaction by hand, as the service: "
        f"{floor_cost.seconds / grouped_cost.seconds:.2f}x the floor's throughput; CPU per "
        "invoice is what a loaded machine changes least)"
    )
    throughput = floor_cost.seconds / service_cost.seconds
    print(
        f"invoices: service {service_cost.seconds:.2f} s, floor {floor_cost.seconds:.2f} s "
        f"({throughput:.2f}x the floor's throughput, "
        f"{floor_cost.cpu / service_cost.cpu:.2f}x by CPU), "
        f"ratio {service_cost.seconds / floor_cost.seconds:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
