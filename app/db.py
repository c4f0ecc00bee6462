"""The database: which documents exist, how we connect, and how commands are counted."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import bson
import pymongo
from beanie import Document, init_beanie
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from app.data.migrations import migrate
from app.embedded import EmbeddedServer
from app.settings import Settings

log = logging.getLogger(__name__)

RawDoc = dict[str, Any]

WAIT_LOG_SECONDS = 5.0  # how often start-up says it is still waiting for the database


def document_models() -> list[type[Document]]:
    """Every Beanie document of every domain; init_beanie creates their indexes."""
    from app.domains import modules

    return [
        cls
        for module in modules("documents")
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, Document) and cls.__module__ == module.__name__
    ]


@dataclass
class CommandTally:
    """How many database commands were sent while this tally was current (and, when the
    counter measures them, how many bytes their replies held)."""

    commands: int = 0
    names: list[str] = field(default_factory=list)
    bytes_received: int = 0


current_tally: contextvars.ContextVar[CommandTally | None] = contextvars.ContextVar(
    "current_tally", default=None
)
uncounted: contextvars.ContextVar[bool] = contextvars.ContextVar("uncounted", default=False)
"""Set in a background task that is no request's work (the credential watch's change stream,
a getMore every quarter second): its commands stay out of the counts."""


class CommandCounter(monitoring.CommandListener):
    """Counts commands per request (through a context variable) and in total.

    With `measure_bytes` on (tests, benchmarks) it also adds up the BSON size of every reply:
    what a projection saves. Off by default, since measuring re-encodes each reply.
    """

    def __init__(self) -> None:
        self.total = 0
        self.measure_bytes = False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if uncounted.get():
            return
        self.total += 1
        tally = current_tally.get()
        if tally is not None:
            tally.commands += 1
            tally.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if self.measure_bytes:
            tally = current_tally.get()
            if tally is not None:
                tally.bytes_received += len(bson.encode(event.reply))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class Database:
    """A connected client, its database, and the command counter behind them."""

    client: AsyncMongoClient[RawDoc]
    db: AsyncDatabase[RawDoc]
    counter: CommandCounter


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """Connect (starting the embedded server when no MONGODB_URI is set) and init Beanie."""
    embedded: EmbeddedServer | None = None
    uri = settings.mongodb_uri
    if not uri:
        embedded = EmbeddedServer(
            settings.data_dir,
            cache_size=settings.embedded_cache_size,
            sync_on_commit=settings.embedded_sync_on_commit,
            wait_seconds=settings.database_wait_seconds,
        )
        uri = embedded.start()
    counter = CommandCounter()
    timeout_ms = int(settings.database_timeout_seconds * 1000)
    client: AsyncMongoClient[RawDoc] = AsyncMongoClient(
        uri,
        tz_aware=True,
        event_listeners=[counter],
        # Per operation: give up quickly when the database is gone (the API answers 503).
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        # A hung database (not a closed one) frees the request after this; slow queries fit.
        socketTimeoutMS=max(timeout_ms * 6, 30_000),
    )
    try:
        await wait_for_database(
            client,
            database_address(uri),
            wait_seconds=settings.database_wait_seconds,
            attempt_seconds=settings.database_timeout_seconds,
        )
        db = client[settings.database_name]
        await init_beanie(database=db, document_models=document_models())
        await migrate(db)
        yield Database(client=client, db=db, counter=counter)
    finally:
        await client.close()
        if embedded is not None:
            embedded.stop()


async def wait_for_database(
    client: AsyncMongoClient[RawDoc], address: str, *, wait_seconds: float, attempt_seconds: float
) -> None:
    """Ping until the database answers; after `wait_seconds`, a RuntimeError naming it.

    Each ping may take `attempt_seconds` (the per-operation timeout), so a slow first
    connection still gets through, and a missing database is retried until the wait is over.
    """
    started = time.monotonic()
    deadline = started + wait_seconds
    next_log = started
    while True:
        remaining = deadline - time.monotonic()
        try:
            with pymongo.timeout(max(min(remaining, attempt_seconds), 0.05)):
                await client.admin.command("ping")
            return
        except PyMongoError as error:
            if not (isinstance(error, ConnectionFailure) or error.timeout):
                raise  # e.g. bad credentials: waiting longer would not help
            now = time.monotonic()
            if now >= deadline:
                raise RuntimeError(
                    f"the database at {address} did not answer within {wait_seconds:g} s "
                    f"(CAREGRAPH_DB_WAIT); is it running? Last error: {_first_line(error)}"
                ) from error
            if now >= next_log:
                log.warning("waiting for the database at %s...", address)
                next_log = now + WAIT_LOG_SECONDS
            await asyncio.sleep(min(0.25, deadline - now))


def database_address(uri: str) -> str:
    """The host(s) of a MongoDB URI, without scheme, credentials, database or options."""
    rest = uri.split("://", 1)[-1]
    hosts = re.split(r"[/?]", rest, maxsplit=1)[0]
    return hosts.rpartition("@")[2] or "localhost"


def _first_line(error: Exception) -> str:
    """pymongo's messages end with a long topology description; the first part is enough."""
    return str(error).split(", Timeout:")[0].splitlines()[0][:300]
