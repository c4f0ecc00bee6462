"""Several worker processes on one port (`CAREGRAPH_WORKERS`), and the lease that keeps the
series horizon job in one of them at a time."""

from __future__ import annotations

import asyncio
import json
import re
import select
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from app.data.system import System
from app.db import Database
from tests.test_faults import ServerProcess, data_folder, wait_for_exit

pytestmark = pytest.mark.crash

__all__ = ["data_folder"]  # the fixture of tests/test_faults.py: it stops a server left running

WORKER = re.compile(r"\[worker (\d+)\] aiohttp\.access .* \"GET /healthz")


async def test_a_lease_is_held_by_one_holder_until_it_runs_out(database: Database) -> None:
    system, name = System(database), f"job-{time.monotonic_ns()}"
    # given a lease taken by one worker for a second
    assert await system.lease(name, "worker-a", 1.0)
    # when another asks for it, it is refused; its holder renews it
    assert not await system.lease(name, "worker-b", 1.0)
    assert await system.lease(name, "worker-a", 1.0)
    assert not await system.lease(name, "worker-b", 1.0)
    # when it runs out (its holder stopped renewing), the other takes it
    await asyncio.sleep(1.1)
    assert await system.lease(name, "worker-b", 60.0)
    assert not await system.lease(name, "worker-a", 60.0)
    stored = await database.db.leases.find_one({"_id": name})
    assert stored is not None and stored["holder"] == "worker-b"


def test_two_workers_answer_on_one_port_and_stop_with_the_database(data_folder: Path) -> None:
    # given `serve` with two workers on an empty folder
    server = ServerProcess(data_folder, workers=2)
    server.wait_until_serving()
    database = server.database_pid()
    # when clients connect again and again (each a new connection)
    seen: set[str] = set()
    deadline = time.monotonic() + 30
    assert server.process.stdout is not None
    while len(seen) < 2 and time.monotonic() < deadline:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as answer:
            assert answer.status == 200 and json.loads(answer.read())["database"] == "up"
        # each access line names the worker that answered
        while select.select([server.process.stdout], [], [], 0.1)[0]:
            found = WORKER.search(server.process.stdout.readline())
            if found:
                seen.add(found.group(1))
    # then both workers answer on the one port
    assert len(seen) == 2, seen
    # when the server is asked to stop
    server.process.send_signal(signal.SIGTERM)
    # then it exits cleanly, its workers and the embedded database with it
    assert server.process.wait(timeout=30) == 0
    for pid in [database, *map(int, seen)]:
        wait_for_exit(pid)
    assert not (data_folder / "embedded.json").exists()
