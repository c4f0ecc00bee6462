"""Booking a year of a daily series: the series service against a raw insert_many floor.

Not a test: it prints figures. One embedded database in a temporary folder, one account (its
horizon set to 53 weeks) with a caregiver and a patient. Each round creates a daily series of
365 visits through `event_group_store(...).create` (validation, snapshots, the series and its
visits and their audit entries in one transaction), then writes the same 365 visit documents
with one hand-written `insert_many` (the floor). Prints, as medians over eleven rounds, the
seconds, the CPU seconds of this process (the app) and of the embedded database's, and the DB
commands of each, then the ratios by CPU (what a loaded machine changes least) and by time:
the median of each round's service over its floor, measured side by side (the embedded
server's own pauses make single rounds range from 1.2x to 2.2x). The order alternates.
`--quick`: one round.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil
from bson import ObjectId

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.accounts.services import create_account
from app.common.services import Actor
from app.db import Database, RawDoc, open_database
from app.patients.services import patient_store
from app.people.services import user_store
from app.scheduling.services import event_group_store
from app.seed_data import account_fields, caregiver_data, office_data, patient_data, place_of
from app.server import freeze_startup_objects
from app.settings import Settings
from scripts.bench_cost import Cost, measured

VISITS = 365


async def setup(database: Database) -> tuple[Actor, ObjectId, random.Random, Any]:
    fields = {k: v for k, v in account_fields(1).items() if k != "ext_id"}
    fields["scheduler_settings"] = {"horizon_weeks": 53}
    account = await create_account(database, "Bench series agency", **fields)
    actor = Actor(account_id=account["_id"])
    rng, place = random.Random(3), place_of(1)
    office = await user_store(database).create(actor, office_data(rng, place, 0))
    return actor, office["_id"], rng, place


async def people(
    database: Database, actor: Actor, office: ObjectId, rng: random.Random, place: Any
) -> tuple[ObjectId, ObjectId]:
    """A caregiver free every day (no stated hours) and a patient, new for each round: every
    visit is checked for conflicts, and the earlier rounds' visits must not clash."""
    carer_data = {**caregiver_data(rng, place, [office]), "availability": None}
    carer = await user_store(database).create(actor, carer_data)
    patient = await patient_store(database).create(actor, patient_data(rng, place, [office]))
    return carer["_id"], patient["_id"]


async def round_(
    database: Database,
    db: psutil.Process,
    actor: Actor,
    people: tuple[ObjectId, ObjectId],
    last: list[RawDoc],
) -> tuple[Cost, Cost, list[RawDoc]]:
    """One series booked through the service and one year of visits written raw (copies of
    the last round's visits, when there are some, written first: the order alternates, so
    that what the server does after a large write weighs on both sides alike)."""
    carer, patient = people
    first = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    series = {
        "freq": "DAILY",
        "count": VISITS,
        "start": first,
        "end": first + dt.timedelta(hours=1),
        "patient": {"record": patient},
        "attendees": [{"user": carer}],
        "service": {"code": "PSW"},
        "notes": "Daily visit.",
    }
    service: list[Cost] = []
    floor: list[Cost] = []

    async def raw(visits: list[RawDoc]) -> None:
        copies = [{**doc, "_id": ObjectId(), "_group": ObjectId()} for doc in visits]
        async with measured(database, db, floor):
            await database.db.events.insert_many(copies)

    if last:
        await raw(last)
    async with measured(database, db, service):
        group = await event_group_store(database).create(actor, series)
    visits = [doc async for doc in database.db.events.find({"_group": group["_id"]})]
    assert len(visits) == VISITS, len(visits)
    if not last:
        await raw(visits)
    return service[0], floor[0], visits


async def main(quick: bool) -> int:
    rounds = 1 if quick else 11
    with tempfile.TemporaryDirectory(prefix="caregraph-bench-series-") as folder:
        settings = Settings(
            environment="test", data_dir=Path(folder), database_name="bench", mongodb_uri=None
        )
        async with open_database(settings) as database:
            db = psutil.Process(
                int(json.loads((Path(folder) / "embedded.json").read_text())["pid"])
            )
            actor, office, rng, place = await setup(database)
            freeze_startup_objects()  # as `serve` does after start-up
            results: list[tuple[Cost, Cost]] = []
            last: list[RawDoc] = []
            for index in range(rounds):
                booked = await people(database, actor, office, rng, place)
                service, floor, visits = await round_(database, db, actor, booked, last)
                results.append((service, floor))
                last = visits if index % 2 == 0 else []
    service = median_cost([r[0] for r in results])
    floor = median_cost([r[1] for r in results])
    paired = statistics.median(r[0].seconds / r[1].seconds for r in results)
    print(f"a year of a daily series ({VISITS} visits), median of {rounds} round(s)")
    print(f"{'path':<24}{'seconds':>10}{'app CPU':>10}{'db CPU':>10}{'db commands':>14}")
    for name, cost in (("series service", service), ("raw insert_many floor", floor)):
        print(
            f"{name:<24}{cost.seconds:>10.3f}{cost.app_cpu:>10.3f}{cost.db_cpu:>10.3f}"
            f"{cost.commands:>14}"
        )
    print(
        f"each round's service over its floor, median: {paired:.2f}x "
        f"(the ratio of the medians above: {service.seconds / floor.seconds:.2f}x)"
    )
    print(
        f"series: service {service.seconds:.3f} s, floor {floor.seconds:.3f} s "
        f"({service.cpu / floor.cpu:.1f}x by CPU), ratio {paired:.1f}x"
    )
    return 0


def median_cost(costs: list[Cost]) -> Cost:
    """Each figure's median over the rounds."""
    return Cost(
        statistics.median(c.seconds for c in costs),
        statistics.median(c.app_cpu for c in costs),
        statistics.median(c.db_cpu for c in costs),
        int(statistics.median(c.commands for c in costs)),
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main("--quick" in sys.argv[1:])))
