"""The live features in a server process: its hub, and the leader that may publish and send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from app.keys import DATABASE, SETTINGS
from app.live.dispatcher import Dispatcher
from app.live.feed import Publisher, create_feed_indexes
from app.live.hub import HUB, Hub
from app.live.leader import STOP_SECONDS, Leader, Step, leading, stopped
from app.live.sockets import OPEN_SOCKETS, close_sockets


async def _live(app: web.Application) -> AsyncIterator[None]:
    settings, database = app[SETTINGS], app[DATABASE]
    await create_feed_indexes(database, settings.live_retention_hours)
    hub = Hub(database, settings.live_poll_seconds)
    app[HUB] = hub
    following = asyncio.create_task(hub.run(), name="live-hub")
    dispatcher = Dispatcher(database, settings)
    steps: dict[str, Step] = {
        "feed": Publisher(database, hub.published).step,
        "webhooks": dispatcher.step,
    }
    leader = Leader(database, settings.live_lease_seconds, steps if settings.live_lead else {})
    try:
        async with leading(leader):
            yield
    finally:
        hub.stop()
        await stopped([following], STOP_SECONDS)
        await dispatcher.close()


def add_live(app: web.Application) -> None:
    """Follow the feed for this process's subscribers, and take the lead when free (after the
    database opens: add it after the database's cleanup context)."""
    app[OPEN_SOCKETS] = set()
    app.cleanup_ctx.append(_live)
    app.on_shutdown.append(close_sockets)
