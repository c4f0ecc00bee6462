"""How a caregiver's conflict check scales with the visits of the account: 10 thousand, 100
thousand, 1 million. Not a test: it prints figures.

One embedded database in a temporary folder, one account. Visits are raw event documents
(insert_many in chunks) spread over two years and over one caregiver per 500 visits, so each
caregiver keeps about five visits a week however large the account grows: what grows is
everyone else's visits, which an indexed check must not read. At each size it times, median of
N, two checks of a random caregiver's random week:
- `scheduleConflicts` (stored_conflicts: the week's visits, then the batched check), and
- the check of one new visit before it is written (visit_conflicts),
against a raw-PyMongo floor: the same indexed find of the caregiver's week, written by hand.
It prints the explain plan's keys and documents examined, to show the index is used.

    .venv/bin/python scripts/bench_conflicts.py            # 10k, 100k, 1M (stops at --budget)
    .venv/bin/python scripts/bench_conflicts.py --quick    # 10k only
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo.errors import NetworkTimeout

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.accounts.services import create_account
from app.db import Database, open_database
from app.scheduling.conflicts import stored_conflicts, visit_conflicts
from app.scheduling.documents import MAX_VISIT
from app.settings import Settings

PER_CAREGIVER, CHUNK, PATIENTS = 500, 5_000, 500
FIRST_DAY = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)  # a Monday
DAYS = 730


def visit(
    rng: random.Random, account: int, caregiver: ObjectId, patient: ObjectId
) -> dict[str, Any]:
    day = rng.randrange(DAYS)
    start = FIRST_DAY + dt.timedelta(days=day, hours=rng.randrange(7, 19))
    return {
        "_id": ObjectId(),
        "_account": account,
        "_revision": 1,
        "_deleted": False,
        "status": "scheduled",
        "start": start,
        "end": start + dt.timedelta(minutes=rng.choice([30, 60, 90, 120])),
        "patient": {"_id": patient, "name": {"first": "Pat", "last": str(patient)[-4:]}},
        "attendees": [{"user": caregiver, "role": "caregiver", "status": "assigned"}],
        "service": {"code": "PSW"},
    }


async def grow(
    database: Database, account: int, caregivers: list[ObjectId], patients: list[ObjectId],
    have: int, want: int, rng: random.Random, deadline: float,
) -> int:  # fmt: skip
    """Add caregivers (one per 500 visits) and visits until the account holds `want` visits, or
    the deadline passes; how many it holds."""
    while have < want and time.perf_counter() < deadline:
        size = min(CHUNK, want - have)
        await hire(database, account, caregivers, (have + size) // PER_CAREGIVER)
        rows = [
            visit(rng, account, rng.choice(caregivers), rng.choice(patients)) for _ in range(size)
        ]
        try:
            await database.db.events.insert_many(rows, ordered=False)
        except NetworkTimeout:  # the embedded server stalls as it grows: measure what is there
            print(f"an insert timed out at {have:,} visits; measuring those", file=sys.stderr)
            return await database.db.events.count_documents({"_account": account})
        have += size
    return have


async def hire(database: Database, account: int, caregivers: list[ObjectId], total: int) -> None:
    """Caregivers added up to `total`, so each keeps about the same visits a week."""
    users = [
        {"_id": ObjectId(), "_account": account, "role_type": "caregiver", "_deleted": False,
         "name": {"first": "Care", "last": f"Giver {len(caregivers) + n}"}}
        for n in range(total - len(caregivers))
    ]  # fmt: skip
    if users:
        await database.db.users.insert_many(users)
        caregivers += [user["_id"] for user in users]


def week_of(rng: random.Random) -> tuple[dt.datetime, dt.datetime]:
    start = FIRST_DAY + dt.timedelta(weeks=rng.randrange(DAYS // 7 - 1))
    return start, start + dt.timedelta(days=7)


def floor_query(
    account: int, caregiver: ObjectId, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """The indexed find a hand-written check needs: the caregiver's visits that can touch the
    week (a visit lasts at most 24 h, so `start` bounds it); status and end checked after."""
    return {
        "_account": account,
        "attendees.user": caregiver,
        "start": {"$gte": start - MAX_VISIT, "$lt": end},
    }


async def median_ms(work: Callable[[], Awaitable[Any]], runs: int) -> float:
    await work()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def plan(database: Database, query: dict[str, Any]) -> str:
    """Keys and documents the find examined, and the index it used, from explain."""
    try:
        explained = await database.db.command(
            {
                "explain": {"find": "events", "filter": query},
                "verbosity": "executionStats",
            }
        )
    except Exception as error:  # an engine without explain: say so, do not fail the bench
        return f"explain unavailable ({type(error).__name__})"
    stats = explained.get("executionStats") or {}
    winning = str((explained.get("queryPlanner") or {}).get("winningPlan", ""))
    index = "attendees.user" in winning and "IXSCAN" in winning
    return (
        f"keys {stats.get('totalKeysExamined', '?')}, docs {stats.get('totalDocsExamined', '?')}, "
        f"returned {stats.get('nReturned', '?')}, index scan: {'yes' if index else winning[:60]}"
    )


async def measure(
    database: Database, account: int, caregivers: list[ObjectId], runs: int
) -> tuple[float, float, float, str]:
    rng = random.Random(11)
    picks = [(rng.choice(caregivers), week_of(rng)) for _ in range(runs + 1)]
    turn = iter(range(10**9))

    def pick() -> tuple[ObjectId, tuple[dt.datetime, dt.datetime]]:
        return picks[next(turn) % len(picks)]

    async def listed() -> None:
        caregiver, window = pick()
        await stored_conflicts(database, account, window, caregiver=caregiver)

    async def new_visit() -> None:
        caregiver, (start, _) = pick()
        trial = {"start": start + dt.timedelta(hours=10), "end": start + dt.timedelta(hours=11),
                 "attendees": [{"user": caregiver}], "status": "scheduled"}  # fmt: skip
        await visit_conflicts(database, account, [trial])

    async def floor() -> None:
        caregiver, (start, end) = pick()
        query = floor_query(account, caregiver, start, end)
        await database.db.events.find(query).to_list()

    caregiver, (start, end) = picks[0]
    explained = await plan(database, floor_query(account, caregiver, start, end))
    return (
        await median_ms(listed, runs),
        await median_ms(new_visit, runs),
        await median_ms(floor, runs),
        explained,
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k visits only (a smoke run)")
    parser.add_argument("--runs", type=int, default=25, help="checks per size (median)")
    parser.add_argument(
        "--budget", type=float, default=150.0, help="seconds of inserting before skipping sizes"
    )
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="caregraph-bench-conflicts-") as folder:
        # a 5,000-visit insert into a collection of a million can outlast the serving timeout
        settings = Settings(
            environment="test",
            data_dir=Path(folder),
            database_name="bench",
            mongodb_uri=None,
            database_timeout_seconds=60,
        )
        async with open_database(settings) as database:
            account = (await create_account(database, "Bench Home Care"))["_id"]
            patients = [ObjectId() for _ in range(PATIENTS)]
            await database.db.patients.insert_many(
                [{"_id": p, "_account": account, "name": {"first": "Pat", "last": str(p)[-4:]}}
                 for p in patients]
            )  # fmt: skip
            caregivers: list[ObjectId] = []
            have, began, last = 0, time.perf_counter(), None
            print_header(args.runs)
            for size in sizes:
                deadline = began + args.budget
                if time.perf_counter() > deadline:
                    break
                started = time.perf_counter()
                have = await grow(
                    database, account, caregivers, patients, have, size, rng, deadline
                )
                took = time.perf_counter() - started
                if have < size:
                    print(f"stopped inserting at {have:,} visits: {args.budget:.0f}s budget "
                          f"spent ({took:.0f}s for this size)")  # fmt: skip
                else:
                    print(f"inserted up to {have:,} visits ({len(caregivers):,} caregivers) "
                          f"in {took:.1f}s")  # fmt: skip
                last = (have, *await measure(database, account, caregivers, args.runs))
                print_row(*last)
    if last is not None:
        size, listed, new_visit, floor, _ = last
        print(
            f"conflicts: scheduleConflicts {listed:.2f} ms, new visit {new_visit:.2f} ms, "
            f"floor {floor:.2f} ms at {size:,} visits, ratio {listed / floor:.1f}x"
        )
    return 0


def print_header(runs: int) -> None:
    print(f"conflict check of one caregiver's week, median of {runs} (ms)")
    print("floor: the same indexed find, by hand; ratio: scheduleConflicts / floor")
    print(
        f"{'visits':>10}{'listed':>9}{'new visit':>11}{'floor':>8}{'ratio':>7}  explain of the find"
    )


def print_row(size: int, listed: float, new_visit: float, floor: float, explained: str) -> None:
    figures = f"{listed:>9.2f}{new_visit:>11.2f}{floor:>8.2f}{listed / floor:>7.1f}"
    print(f"{size:>10,}{figures}  {explained}", flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
