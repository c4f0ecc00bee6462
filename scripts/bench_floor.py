"""The floor of `scripts/bench patients`: the README's example page written by hand.

A separate aiohttp server process, like `python -m app serve`, so the bench measures both the
same way (the CPU of one server process per request). It answers GET /floor/patients with what
`patients(first: 100, filter: {city: "Toronto"}) { totalCount nodes { fullName caseCoordinator
{ fullName } locations { city geo { latitude longitude } } } }` answers, with PyMongo and orjson
only: one count, one find, one `$in` for the coordinators, each asking only for the keys the
page shows (`?whole=1`: whole documents, as the app reads them today). It authenticates like
the app (the same cached Authenticator) and says in `X-Db-Commands` how many commands it sent.

    MONGODB_URI=... CAREGRAPH_DB=bench PORT=8001 python scripts/bench_floor.py
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.accounts.auth import Authenticator, credential_from_header
from app.common.text import normalise
from app.db import CommandCounter, CommandTally, Database, current_tally

PAGE = 100
PATIENT_KEYS = ["name", "case_coordinator", "locations.city", "locations.geo"]
DATABASE = web.AppKey("database", Database)
AUTHENTICATOR = web.AppKey("authenticator", Authenticator)


def _name(name: dict[str, Any] | None) -> str:
    name = name or {}
    return " ".join(str(name[part]) for part in ("first", "middle", "last") if name.get(part))


def _location(loc: dict[str, Any]) -> dict[str, Any]:
    geo = loc.get("geo")
    point = geo and {
        "latitude": float(geo["coordinates"][1]),
        "longitude": float(geo["coordinates"][0]),
    }
    return {"city": loc.get("city"), "geo": point}


async def floor_page(
    database: Database, account_id: int, city: str, whole: bool = False
) -> dict[str, Any]:
    """The page as the GraphQL endpoint answers it, read and shaped by hand: only the keys it
    shows are fetched, unless `whole` (what the app fetches today: whole documents)."""
    db = database.db
    # The filter exactly as the app sends it: the embedded server plans `$and` differently
    # (~5 ms of its CPU a page less), and its load must not differ between the two.
    clauses = [{"_search.city": normalise(city)}, {"_deleted": {"$ne": True}}]
    query = {"_account": account_id, "$and": [{"_account": account_id}, *clauses]}
    total = await db.patients.count_documents(query)
    cursor = db.patients.find(
        query,
        None if whole else PATIENT_KEYS,
        sort=[("_search.sort", 1), ("_id", 1)],
        limit=PAGE,
    )
    docs = await cursor.to_list()
    ids = list({doc["case_coordinator"] for doc in docs if doc.get("case_coordinator")})
    users = (
        db.users.find({"_id": {"$in": ids}, "_account": account_id}, None if whole else ["name"])
        if ids
        else None
    )
    names = {user["_id"]: _name(user.get("name")) async for user in users} if users else {}
    nodes = [
        {
            "fullName": _name(doc.get("name")),
            "caseCoordinator": (
                {"fullName": names[doc["case_coordinator"]]}
                if doc.get("case_coordinator") in names
                else None
            ),
            "locations": [_location(loc) for loc in doc.get("locations") or []],
        }
        for doc in docs
    ]
    return {"data": {"patients": {"totalCount": total, "nodes": nodes}}}


async def patients(request: web.Request) -> web.Response:
    caller = await request.app[AUTHENTICATOR].caller_for(
        credential_from_header(request.headers.get("Authorization")) or ""
    )
    if caller is None:
        raise web.HTTPUnauthorized()
    tally = CommandTally()
    current_tally.set(tally)
    page = await floor_page(
        request.app[DATABASE],
        caller.account_id,
        request.query["city"],
        whole=request.query.get("whole") == "1",
    )
    return web.Response(
        body=orjson.dumps(page),
        content_type="application/json",
        headers={"X-Db-Commands": str(tally.commands)},
    )


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def floor_app(database: Database) -> web.Application:
    """The floor's routes over an open database (the bench's process, or a test's)."""
    app = web.Application()
    app[DATABASE] = database
    app[AUTHENTICATOR] = Authenticator(database)
    app.router.add_get("/floor/patients", patients)
    app.router.add_get("/healthz", healthz)
    return app


async def _served() -> web.Application:
    counter = CommandCounter()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        os.environ["MONGODB_URI"], tz_aware=True, event_listeners=[counter]
    )
    database = Database(client=client, db=client[os.environ["CAREGRAPH_DB"]], counter=counter)
    app = floor_app(database)

    async def close(_: web.Application) -> AsyncIterator[None]:
        yield
        await client.close()

    app.cleanup_ctx.append(close)
    return app


if __name__ == "__main__":
    # The same logging as `python -m app serve`: its access log is part of what a request costs.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    web.run_app(_served(), host="127.0.0.1", port=int(os.environ["PORT"]), print=None)
