"""The database: which documents exist, how we connect, and how commands are counted."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from app.embedded import EmbeddedServer
from app.settings import Settings

log = logging.getLogger(__name__)

RawDoc = dict[str, Any]


def document_models() -> list[type[Document]]:
    """Every Beanie document of every domain; init_beanie creates their indexes."""
    from app.accounts.documents import AccessToken, Account, ApiClient, Counter
    from app.patients.documents import Patient
    from app.people.documents import User

    return [Account, ApiClient, AccessToken, Counter, User, Patient]


@dataclass
class CommandTally:
    """How many database commands were sent while this tally was current."""

    commands: int = 0
    names: list[str] = field(default_factory=list)


current_tally: contextvars.ContextVar[CommandTally | None] = contextvars.ContextVar(
    "current_tally", default=None
)


class CommandCounter(monitoring.CommandListener):
    """Counts commands per request (through a context variable) and in total."""

    def __init__(self) -> None:
        self.total = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.total += 1
        tally = current_tally.get()
        if tally is not None:
            tally.commands += 1
            tally.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

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
    client: AsyncMongoClient[RawDoc] = AsyncMongoClient(
        uri,
        tz_aware=True,
        event_listeners=[counter],
        serverSelectionTimeoutMS=int(settings.database_wait_seconds * 1000),
    )
    try:
        await client.admin.command("ping")
        db = client[settings.database_name]
        await init_beanie(database=db, document_models=document_models())
        yield Database(client=client, db=db, counter=counter)
    finally:
        await client.close()
        if embedded is not None:
            embedded.stop()
