"""What the write benchmarks measure of one piece of work, and where the embedded database runs.

Wall seconds, CPU seconds of this process (the app) and of the embedded database's process,
each from the process's own accounting, and the database commands the app sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from app.db import Database


@dataclass
class Cost:
    """One piece of work: wall seconds, CPU seconds of the app and of the database, and
    database commands."""

    seconds: float
    app_cpu: float
    db_cpu: float
    commands: int

    @property
    def cpu(self) -> float:
        return self.app_cpu + self.db_cpu


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def embedded_process(data_dir: Path) -> psutil.Process:
    """The embedded database serving this data folder (it records its pid there)."""
    return psutil.Process(int(json.loads((data_dir / "embedded.json").read_text())["pid"]))


@asynccontextmanager
async def measured(database: Database, db: psutil.Process, into: list[Cost]) -> AsyncIterator[None]:
    """Appends to `into` what the block cost."""
    me = psutil.Process()
    before = (time.perf_counter(), cpu_seconds(me), cpu_seconds(db), database.counter.total)
    yield
    into.append(
        Cost(
            time.perf_counter() - before[0],
            cpu_seconds(me) - before[1],
            cpu_seconds(db) - before[2],
            database.counter.total - before[3],
        )
    )
