"""`serve` with several worker processes on one port (`CAREGRAPH_WORKERS`).

One Python process answers on one core; a machine with more serves more with more processes.
The parent starts the embedded database (once, recorded in its folder), loads the demo data
when the database is empty and prints the banner, then starts the workers. Each worker is a
whole aiohttp application binding the same port with SO_REUSEPORT, so the kernel spreads
connections across them; each finds the database through the folder's record and leaves it
running when it stops. Nothing is shared between workers but the database: credentials are
checked against it (each process keeps its own short cache), idempotency keys and throttles
live in it, and the series horizon job runs in one worker at a time, by a lease in it.

Ctrl-C or SIGTERM reaches the parent, which asks every worker to stop (in-flight requests
finish), waits for them, then stops the embedded database. Workers sit in sessions of their
own, so a terminal's Ctrl-C does not reach them twice, and stop by themselves if the parent
dies.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from multiprocessing.process import BaseProcess
from types import FrameType

from aiohttp import web

from app.db import Database, open_database
from app.embedded import EmbeddedServer
from app.settings import Settings

Factory = Callable[[Settings, bool], web.Application]
"""The served application of one worker (`app.server.application`)."""
Announce = Callable[[Database, Settings], Awaitable[None]]
"""What happens once before the workers start (`app.server.announce`: demo data, banner)."""

log = logging.getLogger("app.workers")
LOG_FORMAT = "%(asctime)s %(levelname)s [worker %(process)d] %(name)s %(message)s"
RESTART_PAUSE_SECONDS = 1.0


def serve_workers(settings: Settings, count: int, factory: Factory, announce: Announce) -> int:
    """Serve with `count` worker processes until SIGINT or SIGTERM."""
    embedded = None
    if not settings.mongodb_uri:
        embedded = EmbeddedServer(
            settings.data_dir,
            cache_size=settings.embedded_cache_size,
            sync_on_commit=settings.embedded_sync_on_commit,
            wait_seconds=settings.database_wait_seconds,
        )
        embedded.start()
    try:
        asyncio.run(_before_workers(settings, announce))
        return Supervisor(settings, count, factory).run()
    finally:
        if embedded is not None:
            embedded.stop()


async def _before_workers(settings: Settings, announce: Announce) -> None:
    """What happens once, not once per worker: the demo data and the banner."""
    async with open_database(settings) as database:
        await announce(database, settings)


class Supervisor:
    """Starts the workers, replaces one that dies, and stops them all on a signal."""

    def __init__(self, settings: Settings, count: int, factory: Factory) -> None:
        self.settings = settings
        self.count = count
        self.factory = factory
        self.context = multiprocessing.get_context("spawn")  # no event loop or client copied
        self.workers: list[BaseProcess] = []
        self.stopping = threading.Event()

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        self.workers = [self._start(index) for index in range(self.count)]
        log.info("serving with %d workers on port %d", self.count, self.settings.port)
        while not self.stopping.is_set():
            for index, worker in enumerate(self.workers):
                if not worker.is_alive() and not self.stopping.is_set():
                    log.error("worker %s exited (code %s); starting another", worker.pid,
                              worker.exitcode)  # fmt: skip
                    time.sleep(RESTART_PAUSE_SECONDS)
                    self.workers[index] = self._start(index)
            self.stopping.wait(0.5)
        for worker in self.workers:
            worker.join()
        return 0

    def _start(self, index: int) -> BaseProcess:
        worker = self.context.Process(
            target=run_worker,
            args=(self.settings, os.getpid(), self.factory),
            name=f"caregraph-{index}",
        )
        worker.start()
        return worker

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info("stopping %d workers", len(self.workers))
        for worker in self.workers:
            if worker.pid is not None and worker.is_alive():
                os.kill(worker.pid, signal.SIGTERM)


def run_worker(settings: Settings, parent: int, factory: Factory) -> None:
    """One worker: the whole application, on the shared port."""
    os.setsid()  # the parent forwards stop signals: a terminal's Ctrl-C is not sent twice
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("pymongo").setLevel(logging.WARNING)
    threading.Thread(target=_stop_with, args=(parent,), daemon=True).start()
    web.run_app(
        factory(settings, True),
        host=settings.host,
        port=settings.port,
        reuse_port=True,
        print=None,
        shutdown_timeout=15,
    )


def _stop_with(parent: int) -> None:
    """Stop (gracefully) when the parent is gone: a killed supervisor leaves no worker bound
    to the port."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
