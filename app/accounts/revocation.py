"""Credential changes reach every server process within a second.

Each process caches who a credential is (`Authenticator`). When a client is revoked, rotated
or given another role, an account's roles or state change, or a person's session ends, every
process must drop what it cached. `CredentialWatch` follows a change stream of the collections
that hold credentials (`System.watch_credentials`: api_clients, accounts, sessions, and the
`credential_changes` notes) and forgets what each event names, within milliseconds.

Where the database offers no change streams (a standalone mongod, a user without the
`changeStream` privilege), it polls the `credential_changes` notes every half second instead
(`CAREGRAPH_CREDENTIAL_WATCH=poll` forces it). So that the poll misses nothing, every change of
a credential writes a note in its transaction: `credentials_changed(tx, kind, key)` is the one
call a service makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal

from pymongo.errors import OperationFailure, PyMongoError

from app.accounts.auth import Authenticator
from app.common.clock import now
from app.data.system import System, account_of
from app.data.unit import Tx
from app.db import Database, uncounted

log = logging.getLogger("app.credentials")

ChangeKind = Literal["api_client", "session", "user", "account"]
POLL_SECONDS = 0.5
LOOKBACK = dt.timedelta(seconds=5)
"""A poll reads the notes of the last few seconds (clocks of processes differ a little); a note
seen twice only makes the cache forget twice."""
RETRY_SECONDS = 1.0
STOP_SECONDS = 5.0
NO_CHANGE_STREAMS = frozenset({13, 20, 115, 40573})
"""Unauthorized, IllegalOperation, CommandNotSupported, "only supported on replica sets"."""
USE_ONLY = frozenset({"last_used_at"})
"""A client's update that only notes its use changes no credential."""


async def credentials_changed(tx: Tx, kind: ChangeKind, key: Any = None) -> None:
    """Note, in the transaction that changes it, that a credential changed: every process
    drops what it cached about this client, session or user (or the whole account: key
    None). Call it for every revocation, rotation, sign-out, deactivation and role change."""
    await tx["credential_changes"].insert_one({"kind": kind, "key": key, "at": now()})


class CredentialWatch:
    """Keeps one process's Authenticator in step with credential changes made anywhere."""

    def __init__(self, database: Database, authenticator: Authenticator, mode: str) -> None:
        self.system = System(database)
        self.authenticator = authenticator
        self.mode = mode
        self.following = asyncio.Event()
        """Set while changes are followed (the stream is open, or polling has begun)."""
        self.stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop after the current wait (a quarter second at most). Not by cancelling the task:
        a cancellation that meets the driver's own time limit can be lost, and the stream
        would go on."""
        self.stopping.set()

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless asked to stop meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def run(self) -> None:
        """Follow changes until stopped, reconnecting after errors (forgetting everything
        cached then: changes made meanwhile were not seen)."""
        uncounted.set(True)  # this task's own context: no request's commands
        while not self.stopping.is_set():
            try:
                if self.mode == "stream":
                    await self._follow_stream()
                else:
                    await self._poll()
            except OperationFailure as error:
                if self.mode == "stream" and error.code in NO_CHANGE_STREAMS:
                    log.warning(
                        "no change streams on this database (%s): polling credential_changes "
                        "every %.1f s instead",
                        error,
                        POLL_SECONDS,
                    )
                    self.mode = "poll"
                    continue
                await self._lost(error)
            except PyMongoError as error:
                await self._lost(error)

    async def _lost(self, error: PyMongoError) -> None:
        """The database went away: whatever changes meanwhile is not seen, so nothing cached
        is trusted; try again shortly (and say so once, not every second of an outage)."""
        if self.following.is_set():
            log.warning("credential changes not followed for now: %s", type(error).__name__)
        self.following.clear()
        self.authenticator.forget()
        await self._pause(RETRY_SECONDS)

    async def _follow_stream(self) -> None:
        async with self.system.watch_credentials() as stream:
            self.authenticator.forget()  # anything changed before the stream opened
            if not self.following.is_set():
                log.info("following credential changes through a change stream")
            self.following.set()
            while stream.alive and not self.stopping.is_set():
                event = await stream.try_next()  # a quarter second at most (max_await_time_ms)
                if event is not None:
                    self.apply_event(event)

    async def _poll(self) -> None:
        seen: dict[Any, dt.datetime] = {}
        since = now()
        self.authenticator.forget()
        self.following.set()
        while not self.stopping.is_set():
            await self._pause(POLL_SECONDS)
            started = now()
            for note in await self.system.credential_changes_since(since - LOOKBACK):
                if note["_id"] not in seen:
                    seen[note["_id"]] = started
                    self.apply_note(note)
            since = started
            seen = {key: at for key, at in seen.items() if at > started - 2 * LOOKBACK}

    def apply_event(self, event: Mapping[str, Any]) -> None:
        """Forget what one change-stream event makes stale."""
        operation = event.get("operationType")
        collection = (event.get("ns") or {}).get("coll")
        key = (event.get("documentKey") or {}).get("_id")
        if operation in {"drop", "dropDatabase", "rename", "invalidate"}:
            self.authenticator.forget()
        elif collection == "credential_changes":
            if operation == "insert":
                self.apply_note(event.get("fullDocument") or {})
        elif operation == "insert":
            return  # a new client, account or session: nothing cached about it yet
        elif collection == "api_clients" and not _only_noted_use(event):
            self.authenticator.forget_principal("api_client", key)
        elif collection == "accounts":
            self.authenticator.forget_principal("account", key)
        elif collection == "sessions":
            self.authenticator.forget_principal("session", key)

    def apply_note(self, note: Mapping[str, Any]) -> None:
        kind = str(note.get("kind"))
        if kind == "account" or note.get("key") is None:
            self.authenticator.forget(account_of(dict(note)))
        else:
            self.authenticator.forget_principal(kind, note["key"])


def _only_noted_use(event: Mapping[str, Any]) -> bool:
    description = event.get("updateDescription")
    if event.get("operationType") != "update" or not description:
        return False
    changed = set(description.get("updatedFields") or {})
    return bool(changed) and changed <= USE_ONLY and not description.get("removedFields")


@contextlib.asynccontextmanager
async def watching(
    database: Database, authenticator: Authenticator, mode: str
) -> AsyncIterator[CredentialWatch]:
    """Run a CredentialWatch for as long as the block runs."""
    watch = CredentialWatch(database, authenticator, mode)
    task = asyncio.create_task(watch.run(), name="credential-watch")
    try:
        yield watch
    finally:
        watch.stop()
        done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if not done:
            log.warning("the credential watch did not stop in %s s; cancelled", STOP_SECONDS)
            task.cancel()
        elif task.exception() is not None:
            log.warning("the credential watch had failed: %r", task.exception())
