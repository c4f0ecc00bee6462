"""The work one server process at a time does for all: publishing the feed, sending webhooks.

Every process runs a `Leader`; the one holding the `live` lease (a document in MongoDB, renewed
every third of its term) publishes and dispatches, the others wait to take over. A process that
dies stops renewing, and another takes over once the lease expires; one that stops cleanly
gives the lease up at once. Everything either step does is kept in MongoDB, so the next holder
carries on where the last one stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from pymongo.errors import PyMongoError

from app.data.system import System
from app.db import Database, uncounted

log = logging.getLogger("app.live")

LEASE = "live"
IDLE_SECONDS = {"feed": 0.1, "webhooks": 0.25}
"""How long a step waits after a round with nothing to do (the feed's latency matters most)."""

STOP_SECONDS = 5.0
"""How long a clean stop waits for a round under way (a publication's transaction) to end
before cancelling it."""

Step = Callable[[], Awaitable[int]]
"""One round of work; answers how much it did (0: nothing to do, wait a little)."""


class Leader:
    """Holds the lease when it can, and runs the steps while it holds it."""

    def __init__(self, database: Database, lease_seconds: float, steps: dict[str, Step]) -> None:
        self.system = System(database)
        self.lease_seconds = lease_seconds
        self.steps = steps
        self.holder = f"{uuid.uuid4().hex[:12]}"
        self.leading = asyncio.Event()
        self.stopping = asyncio.Event()

    async def pause(self, seconds: float) -> None:
        """Sleep, unless asked to stop meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def hold(self) -> None:
        """Take and renew the lease for as long as this runs."""
        uncounted.set(True)  # this task's own context: no request's commands
        while not self.stopping.is_set():
            try:
                if await self.system.lease(LEASE, self.holder, self.lease_seconds):
                    if not self.leading.is_set():
                        log.info("this process now publishes changes and sends webhooks")
                    self.leading.set()
                else:
                    self.leading.clear()
            except PyMongoError as error:
                log.warning("could not renew the live lease: %s", type(error).__name__)
                self.leading.clear()
            await self.pause(self.lease_seconds / 3)

    async def run_step(self, name: str, step: Step) -> None:
        """Run one step over and over while leading; errors are logged and the step goes on."""
        uncounted.set(True)  # and the tasks it starts (webhook rounds) inherit it
        idle = IDLE_SECONDS.get(name, 0.25)
        while not self.stopping.is_set():
            if not self.leading.is_set():
                await self.pause(idle)
                continue
            try:
                done = await step()
            except PyMongoError as error:
                log.warning("live %s: database error %s", name, type(error).__name__)
                done = 0
                await self.pause(1)
            except Exception:
                log.exception("live %s failed; trying again", name)
                done = 0
                await self.pause(1)
            if not done:
                await self.pause(idle)

    async def release(self) -> None:
        with contextlib.suppress(PyMongoError):
            await self.system.release(LEASE, self.holder)


@contextlib.asynccontextmanager
async def leading(leader: Leader) -> AsyncIterator[Leader]:
    """Run the leader for as long as the block runs; give the lease up on leaving. Its tasks
    are asked to stop and given time to end the round under way, not cancelled at once: a
    cancellation that meets the driver's own time limit can be lost (app/accounts/revocation.py),
    and a stop must not hang on it."""
    tasks = [asyncio.create_task(leader.hold(), name="live-lease")]
    tasks += [
        asyncio.create_task(leader.run_step(name, step), name=f"live-{name}")
        for name, step in leader.steps.items()
    ]
    try:
        yield leader
    finally:
        leader.stopping.set()
        await stopped(tasks, STOP_SECONDS)
        await leader.release()


async def stopped(tasks: list[asyncio.Task[None]], seconds: float) -> None:
    """Wait for tasks asked to stop; cancel those still running after `seconds`."""
    _, late = await asyncio.wait(tasks, timeout=seconds)
    for task in late:
        log.warning("live task %s did not stop in %s s; cancelled", task.get_name(), seconds)
        task.cancel()
    if late:
        await asyncio.wait(late, timeout=seconds)
