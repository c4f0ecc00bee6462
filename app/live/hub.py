"""One server process following the feeds of the accounts it has subscribers in.

Every process polls one number (`Outbox.generation`, bumped by each publication) and,
when it moved, reads the new changes of each account it follows once, for all of that
account's subscribers in the process; the process that publishes is told at once. Changes
that are credential signals make the account's open sockets check their credentials again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import web
from pymongo.errors import PyMongoError

from app.common.services import Actor
from app.data.outbox import Outbox
from app.data.scope import Scope
from app.db import Database, RawDoc, uncounted
from app.live.feed import BATCH, changes_after, head

log = logging.getLogger("app.live")

KEPT = 2000
"""Recent changes each followed account keeps in memory for its subscribers."""


@dataclass
class AccountFeed:
    """One account's feed as this process follows it."""

    scope: Scope
    head: int = 0
    recent: list[RawDoc] = field(default_factory=list)
    followers: int = 0
    guards: set[Callable[[], None]] = field(default_factory=set)
    moved: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def catch_up(self) -> None:
        """Read what was published since the last look; wake subscribers, alert guards."""
        while True:
            fresh = await changes_after(self.scope, self.head, BATCH)
            if not fresh:
                return
            self.recent = (self.recent + fresh)[-KEPT:]
            self.head = int(fresh[-1]["seq"])
            if any(change.get("signal") for change in fresh):
                for alert in list(self.guards):
                    alert()
            async with self.moved:
                self.moved.notify_all()
            if len(fresh) < BATCH:
                return

    async def after(self, seq: int, limit: int = BATCH) -> list[RawDoc]:
        """The changes after `seq`: from memory when it still holds them."""
        if self.recent and int(self.recent[0]["seq"]) <= seq + 1:
            start = seq + 1 - int(self.recent[0]["seq"])
            return self.recent[start : start + limit]
        if seq >= self.head:
            return []
        return await changes_after(self.scope, seq, limit)

    async def wait_past(self, seq: int, timeout: float) -> None:
        """Return once a change after `seq` is known, or after `timeout` seconds."""
        async with self.moved:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.moved.wait_for(lambda: self.head > seq), timeout)


class Hub:
    """The feeds this process follows, kept up to date by one task (`run`)."""

    def __init__(self, database: Database, poll_seconds: float) -> None:
        self.database = database
        self.outbox = Outbox(database)
        self.poll_seconds = poll_seconds
        self.feeds: dict[int, AccountFeed] = {}
        self.generation = -1
        self.wake = asyncio.Event()
        self.stopping = False

    def stop(self) -> None:
        """Stop after the current look (see `leader.stopped`)."""
        self.stopping = True
        self.wake.set()

    def published(self, last: dict[int, int]) -> None:
        """This process published: look at once rather than at the next poll."""
        if any(account in self.feeds for account in last):
            self.wake.set()

    @contextlib.asynccontextmanager
    async def follow(self, account_id: int) -> AsyncIterator[AccountFeed]:
        """The account's feed, followed for as long as the block runs."""
        feed = self.feeds.get(account_id)
        if feed is None:
            scope = Scope(self.database, Actor(account_id=account_id, api_client_name="live"))
            feed = AccountFeed(scope, head=await head(scope))
            feed = self.feeds.setdefault(account_id, feed)
        feed.followers += 1
        try:
            yield feed
        finally:
            feed.followers -= 1
            if feed.followers <= 0 and self.feeds.get(account_id) is feed:
                del self.feeds[account_id]

    async def run(self) -> None:
        """Poll the generation; on a move (or a wake-up) catch every followed feed up."""
        uncounted.set(True)  # this task's own context: no request's commands
        while not self.stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.poll_seconds)
            self.wake.clear()
            if not self.feeds or self.stopping:
                continue
            try:
                generation = await self.outbox.generation()
                if generation == self.generation:
                    continue
                self.generation = generation
                for feed in list(self.feeds.values()):
                    await feed.catch_up()
            except PyMongoError as error:
                log.warning("following the change feeds: %s", type(error).__name__)
                self.generation = -1
                await asyncio.sleep(self.poll_seconds)


HUB: web.AppKey[Hub] = web.AppKey("live_hub", Hub)
