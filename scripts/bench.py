"""The read path: the README's example page (first: 100), GraphQL against a hand-written floor.

Not a test: it prints figures. Four processes, so that each one's own CPU accounting says what
it cost: the embedded database (started here), `python -m app serve` (the app, its own data
folder and port), `scripts/bench_floor.py` (the same page with PyMongo and orjson in an aiohttp
server of its own), and this one, which seeds the data and is the load generator. For each
endpoint it sends requests one at a time, then from 20 clients at once, and reads the server
process's CPU before and after each phase (user + system time; the database's and this
process's are not in it). Latency is the whole round trip, percentiles by nearest rank.

    scripts/bench patients            about 40 s
    scripts/bench patients --quick    a smoke run
    scripts/bench patients --profile  also samples the app with py-spy (raw stacks to FILE)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

try:
    import psutil
except ImportError:
    sys.exit("scripts/bench needs psutil, of the dev extra: ./scripts/test installs it")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import open_database
from app.settings import Settings
from scripts.bench_cost import cpu_seconds, embedded_process
from scripts.bench_data import seed_patients
from scripts.bench_servers import Server, py_spy, start_app, start_floor, start_profiler

PATIENTS, COORDINATORS, CONCURRENT = 120, 20, 20
QUERY = """{ patients(first: 100, filter: {city: "Toronto"}) { totalCount nodes { fullName
  caseCoordinator { fullName } locations { city geo { latitude longitude } } } } }"""


@dataclass(frozen=True)
class Plan:
    warmup: int
    one_client: int
    per_client: int  # requests of each of the CONCURRENT clients


FULL, QUICK = Plan(warmup=15, one_client=100, per_client=15), Plan(3, 15, 2)


@dataclass
class Endpoint:
    name: str
    server: Server
    method: str
    path: str
    body: bytes | None = None


@dataclass
class Phase:
    requests: int
    seconds: float
    app_cpu_ms: float  # per request
    db_cpu_ms: float  # per request
    latencies: list[float]
    commands: float  # per request

    def percentile(self, q: float) -> float:
        ranked = sorted(self.latencies)
        return ranked[max(math.ceil(q * len(ranked)) - 1, 0)] * 1000


async def fetch(session: aiohttp.ClientSession, endpoint: Endpoint) -> tuple[float, bytes, int]:
    started = time.perf_counter()
    async with session.request(
        endpoint.method, endpoint.server.base + endpoint.path, data=endpoint.body
    ) as response:
        body = await response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{endpoint.name}: HTTP {response.status} {body[:300]!r}")
        return elapsed, body, int(response.headers["X-Db-Commands"])


async def phase(
    session: aiohttp.ClientSession,
    endpoint: Endpoint,
    database: psutil.Process,
    clients: int,
    each: int,
) -> Phase:
    app = psutil.Process(endpoint.server.pid)
    latencies: list[float] = []
    commands = 0

    async def client() -> None:
        nonlocal commands
        for _ in range(each):
            elapsed, _, sent = await fetch(session, endpoint)
            latencies.append(elapsed)
            commands += sent

    app_before, db_before = cpu_seconds(app), cpu_seconds(database)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    count = clients * each
    return Phase(
        requests=count,
        seconds=seconds,
        app_cpu_ms=(cpu_seconds(app) - app_before) / count * 1000,
        db_cpu_ms=(cpu_seconds(database) - db_before) / count * 1000,
        latencies=latencies,
        commands=commands / count,
    )


async def same_page(session: aiohttp.ClientSession, endpoints: list[Endpoint]) -> int:
    """Every endpoint answers the same data (else the comparison means nothing); its size."""
    pages = [(await fetch(session, endpoint))[1] for endpoint in endpoints]
    graphql, *floors = (orjson.loads(page) for page in pages)
    if "errors" in graphql or any(floor["data"] != graphql["data"] for floor in floors):
        raise RuntimeError(f"the floor and GraphQL answer differently: {pages[0][:300]!r}")
    if len(graphql["data"]["patients"]["nodes"]) != 100:
        raise RuntimeError("the page does not hold 100 patients")
    return len(pages[0])


async def measure(
    endpoints: list[Endpoint], key: str, database: psutil.Process, plan: Plan, profile: Path | None
) -> dict[str, tuple[Phase, Phase]]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=CONCURRENT)
    results = {}
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        size = await same_page(session, endpoints)
        print(f"both endpoints answer the same page ({size:,} bytes)", file=sys.stderr)
        for endpoint in endpoints:
            await phase(session, endpoint, database, 1, plan.warmup)
            one = await phase(session, endpoint, database, 1, plan.one_client)
            many = await phase(session, endpoint, database, CONCURRENT, plan.per_client)
            results[endpoint.name] = (one, many)
            print(f"  {endpoint.name}: {one.seconds + many.seconds:.1f}s", file=sys.stderr)
        if profile is not None:  # after the figures: py-spy slows what it samples
            with start_profiler(endpoints[0].server, profile):
                await phase(session, endpoints[0], database, 1, plan.one_client)
            print(f"  profile of the app: {profile}", file=sys.stderr)
    return results


def report(results: dict[str, tuple[Phase, Phase]], plan: Plan) -> None:
    print(
        f"patients page, README example with first: 100 ({PATIENTS} patients); "
        f"{plan.one_client} requests from one client, {plan.per_client * CONCURRENT} from "
        f"{CONCURRENT}; ms per request"
    )
    print(
        f"{'':12}{'app CPU':>9}{'db CPU':>8}{'db cmds':>9}{'p50':>7}{'p99':>7}"
        f"{'app CPU':>11}{'p50':>7}{'p99':>7}{'req/s':>7}"
    )
    print(f"{'':12}{'one client':>40}{f'{CONCURRENT} clients':>32}")
    for name, (one, many) in results.items():
        print(
            f"{name:<12}{one.app_cpu_ms:>9.1f}{one.db_cpu_ms:>8.1f}{one.commands:>9.1f}"
            f"{one.percentile(0.5):>7.0f}{one.percentile(0.99):>7.0f}"
            f"{many.app_cpu_ms:>11.1f}{many.percentile(0.5):>7.0f}{many.percentile(0.99):>7.0f}"
            f"{many.requests / many.seconds:>7.1f}"
        )
    print(
        "floor: the same page by hand, fetching only the keys it shows; floor whole: "
        "fetching whole documents, as the app did before projection"
    )
    (g_one, g_many), (f_one, f_many) = results["GraphQL"], results["floor"]
    print(
        f"read path: app CPU GraphQL {g_one.app_cpu_ms:.1f} ms, floor {f_one.app_cpu_ms:.1f} ms, "
        f"ratio {g_one.app_cpu_ms / f_one.app_cpu_ms:.1f}x; p99 {CONCURRENT} clients "
        f"GraphQL {g_many.percentile(0.99):.0f} ms, floor {f_many.percentile(0.99):.0f} ms"
    )


async def main(plan: Plan, profile: Path | None) -> int:
    with tempfile.TemporaryDirectory(prefix="caregraph-bench-") as folder:
        data = Path(folder)
        settings = Settings(
            environment="test", data_dir=data, database_name="bench", mongodb_uri=None
        )
        async with open_database(settings) as database:
            started = time.perf_counter()
            key = await seed_patients(database, PATIENTS, COORDINATORS, random.Random(7))
            seconds = time.perf_counter() - started
            print(f"seeded {PATIENTS} patients in {seconds:.1f}s", file=sys.stderr)
            record = json.loads((data / "embedded.json").read_text())
            db_process = embedded_process(data)
            with (
                start_app(data, "bench") as app,
                start_floor(data, record["uri"], "bench") as floor,
            ):
                endpoints = [
                    Endpoint("GraphQL", app, "POST", "/graphql", orjson.dumps({"query": QUERY})),
                    Endpoint("floor", floor, "GET", "/floor/patients?city=Toronto"),
                    Endpoint("floor whole", floor, "GET", "/floor/patients?city=Toronto&whole=1"),
                ]
                results = await measure(endpoints, key, db_process, plan, profile)
    report(results, plan)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample the app with py-spy afterwards; its stacks to this file",
    )
    args = parser.parse_args()
    if args.profile and py_spy() is None:
        sys.exit("--profile needs py-spy: .venv/bin/python -m pip install py-spy")
    sys.exit(asyncio.run(main(QUICK if args.quick else FULL, args.profile)))
