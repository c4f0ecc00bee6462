"""Throughput of a patients list page: GraphQL against hand-written PyMongo (the floor).

Not a test: it prints figures. One embedded database in a temporary folder, one account with
2,000 patients and 50 coordinators, 4 concurrent clients paging 100 at a time for a few seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web
from bson import ObjectId
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.accounts.auth import credential_from_header
from app.accounts.services import create_account, create_api_client
from app.common.services import encode
from app.db import Database
from app.graphql.relay import to_global_id
from app.keys import AUTHENTICATOR, DATABASE
from app.main import create_app
from app.patients.documents import Patient
from app.patients.services import patient_search
from app.people.documents import User
from app.people.services import user_search
from app.seed import account_fields, office_data, patient_data, place_of
from app.settings import Settings

PATIENTS, COORDINATORS, CLIENTS, PAGE = 2000, 50, 4, 100
WARMUP_SECONDS, MEASURE_SECONDS = 1.5, 8.0
QUERY = """query($after: String) { patients(first: 100, after: $after,
  orderBy: {field: CREATED_DATE}) { pageInfo { endCursor hasNextPage }
  nodes { id name { first last } locations { city address1 geo { latitude longitude } }
    caseCoordinator { id name { first last } } } } }"""


async def insert_validated(
    database: Database, model: type[BaseModel], rows: list[dict[str, Any]], account: int
) -> list[ObjectId]:
    """Validate like RecordStore.create, then write all rows with one insert_many."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    search = user_search if model is User else patient_search
    docs = []
    for number, data in enumerate(rows):
        stamp = start + dt.timedelta(milliseconds=number)
        document: Any = model.model_validate(
            {**data, "account": account, "created_date": stamp, "last_updated_date": stamp}
        )
        document.search = search(document)
        docs.append({"_id": ObjectId(), **encode(document)})
    await database.db[model.Settings.name].insert_many(docs)  # type: ignore[attr-defined]
    return [doc["_id"] for doc in docs]


async def seed(database: Database) -> tuple[int, str]:
    account = await create_account(database, "Bench Home Care", **account_fields(1))
    key, _ = await create_api_client(database, account["_id"], "bench")
    rng, place = random.Random(7), place_of(1)
    staff = [{**office_data(rng, place, i), "role": "scheduler"} for i in range(COORDINATORS)]
    coordinators = await insert_validated(database, User, staff, account["_id"])
    patients = [patient_data(rng, place, coordinators) for _ in range(PATIENTS)]
    await insert_validated(database, Patient, patients, account["_id"])
    return account["_id"], key


def _node(doc: dict[str, Any], people: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    coordinator = people.get(doc.get("case_coordinator"))
    return {
        "id": to_global_id("Patient", doc["_id"]),
        "name": {"first": doc["name"]["first"], "last": doc["name"]["last"]},
        "locations": [
            {
                "city": loc.get("city"),
                "address1": loc.get("address1"),
                "geo": loc.get("geo")
                and {
                    "latitude": loc["geo"]["coordinates"][1],
                    "longitude": loc["geo"]["coordinates"][0],
                },
            }
            for loc in doc.get("locations", [])
        ],
        "caseCoordinator": coordinator
        and {
            "id": to_global_id("User", coordinator["_id"]),
            "name": {"first": coordinator["name"]["first"], "last": coordinator["name"]["last"]},
        },
    }


async def raw_patients(request: web.Request) -> web.Response:
    """The floor: the same page with PyMongo only (one find, one $in), auth from the cache."""
    caller = await request.app[AUTHENTICATOR].caller_for(
        credential_from_header(request.headers.get("Authorization")) or ""
    )
    if caller is None:
        raise web.HTTPUnauthorized()
    db = request.app[DATABASE].db
    query: dict[str, Any] = {"_account": caller.account_id, "_deleted": {"$ne": True}}
    if after := request.query.get("after"):
        query["_id"] = {"$gt": ObjectId(after)}
    docs = await db.patients.find(query, sort=[("_id", 1)], limit=PAGE + 1).to_list()
    more, docs = len(docs) > PAGE, docs[:PAGE]
    ids = list({d["case_coordinator"] for d in docs if d.get("case_coordinator")})
    people = {
        p["_id"]: p
        async for p in db.users.find({"_id": {"$in": ids}, "_account": caller.account_id})
    }
    page = {
        "pageInfo": {"endCursor": str(docs[-1]["_id"]) if docs else None, "hasNextPage": more},
        "nodes": [_node(doc, people) for doc in docs],
    }
    return web.Response(
        body=orjson.dumps({"data": {"patients": page}}), content_type="application/json"
    )


@dataclass
class Tally:
    requests: int = 0
    db_commands: int = 0


async def graphql_page(
    session: aiohttp.ClientSession, base: str, after: str | None
) -> tuple[str | None, int]:
    async with session.post(
        f"{base}/graphql", json={"query": QUERY, "variables": {"after": after}}
    ) as response:
        body = await response.json()
        if response.status != 200 or body.get("errors"):
            raise RuntimeError(f"GraphQL failed: {response.status} {body}")
        info = body["data"]["patients"]["pageInfo"]
        return (info["endCursor"] if info["hasNextPage"] else None), int(
            response.headers["X-Db-Commands"]
        )


async def raw_page(
    session: aiohttp.ClientSession, base: str, after: str | None
) -> tuple[str | None, int]:
    async with session.get(
        f"{base}/bench/raw-patients", params={"after": after} if after else {}
    ) as response:
        body = orjson.loads(await response.read())
        if response.status != 200:
            raise RuntimeError(f"raw failed: {response.status} {body}")
        info = body["data"]["patients"]["pageInfo"]
        return (info["endCursor"] if info["hasNextPage"] else None), 0


async def load(fetch: Any, session: aiohttp.ClientSession, base: str, seconds: float) -> Tally:
    """CLIENTS clients paging through the whole list, again and again, for `seconds`."""
    tally, deadline = Tally(), time.perf_counter() + seconds

    async def client() -> None:
        after = None
        while time.perf_counter() < deadline:
            after, commands = await fetch(session, base, after)
            tally.requests += 1
            tally.db_commands += commands

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return tally


async def measure(
    name: str, fetch: Any, session: aiohttp.ClientSession, base: str, database: Database
) -> tuple[str, float, float]:
    await load(fetch, session, base, WARMUP_SECONDS)
    before, started = database.counter.total, time.perf_counter()
    tally = await load(fetch, session, base, MEASURE_SECONDS)
    elapsed, counted = time.perf_counter() - started, database.counter.total - before
    per_request = (tally.db_commands or counted) / tally.requests
    print(f"  {name}: {tally.requests} requests in {elapsed:.1f}s", file=sys.stderr)
    return name, tally.requests / elapsed, per_request


async def main() -> int:
    with tempfile.TemporaryDirectory(prefix="caregraph-bench-") as folder:
        settings = Settings(
            environment="test", data_dir=Path(folder), database_name="bench", mongodb_uri=None
        )
        app = create_app(settings)
        app.router.add_get("/bench/raw-patients", raw_patients)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            database = app[DATABASE]
            started = time.perf_counter()
            _, key = await seed(database)
            print(
                f"seeded {PATIENTS} patients, {COORDINATORS} coordinators "
                f"in {time.perf_counter() - started:.1f}s",
                file=sys.stderr,
            )
            headers = {"Authorization": f"Bearer {key}"}
            async with aiohttp.ClientSession(headers=headers) as session:
                rows = [
                    await measure(
                        "GraphQL", graphql_page, session, f"http://{host}:{port}", database
                    ),
                    await measure(
                        "raw PyMongo", raw_page, session, f"http://{host}:{port}", database
                    ),
                ]
        finally:
            await runner.cleanup()
    report(rows)
    return 0


def report(rows: list[tuple[str, float, float]]) -> None:
    print(f"patients list, {PAGE} per page, {CLIENTS} clients, {MEASURE_SECONDS:.0f}s each")
    print(f"{'endpoint':<14}{'req/s':>10}{'patients/s':>12}{'db cmds/req':>13}")
    for name, rate, commands in rows:
        print(f"{name:<14}{rate:>10.1f}{rate * PAGE:>12.0f}{commands:>13.2f}")
    print(f"GraphQL / raw: {rows[0][1] / rows[1][1]:.2f}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
