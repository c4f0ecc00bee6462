"""Abuse controls: too many failed sign-ins or key exchanges, and the operation is refused.

Failures are counted in MongoDB (`throttles`, one document per operation and identity or
address, removed by a TTL index once its last failure leaves the window), so every server
process sees the same counts. After `throttle_failures` failures of one identity (an API key,
an email) in `throttle_window_seconds`, or `throttle_address_failures` from one address, the
operation answers 429 with `Retry-After` until the oldest of them leaves the window, whether the
next attempt would be right or not, and without checking it (no scrypt, no argon2).

Use: `await refuse_if_throttled(database, settings, attempt)` before checking a secret, and
`await count_failure(database, settings, attempt)` when it was wrong. Identities are stored
hashed. `first_attempt(request, operation)` lets one request try an operation once, so aliases
in one GraphQL document cannot multiply the attempts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from aiohttp import web

from app.common.clock import as_utc, now
from app.data.system import System
from app.db import Database
from app.errors import PublicError
from app.settings import Settings

THROTTLED = "TOO_MANY_ATTEMPTS"
ATTEMPTED: web.RequestKey[set[str]] = web.RequestKey("attempted", set)
"""Where a request keeps the operations it has tried (`first_attempt`)."""


class Throttled(PublicError):
    """Refused for too many failures: answered 429 with `Retry-After: seconds`."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed attempts; try again in {retry_after} seconds.", code=THROTTLED
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """One try at an operation (`authorize`, `signIn`) by an identity from an address."""

    operation: str
    identity: str | None
    address: str | None

    def counters(self) -> list[tuple[str, str]]:
        """(throttle key, kind) of the identity and of the address, as far as they are known."""
        found = []
        if self.identity:
            found.append((self._key("identity", self.identity), "identity"))
        if self.address:
            found.append((self._key("address", self.address), "address"))
        return found

    def _key(self, kind: str, value: str) -> str:
        digest = hashlib.sha256(value.encode()).hexdigest()[:32]
        return f"{self.operation}:{kind}:{digest}"


def limit_of(settings: Settings, kind: str) -> int:
    return settings.throttle_address_failures if kind == "address" else settings.throttle_failures


async def refuse_if_throttled(database: Database, settings: Settings, attempt: Attempt) -> None:
    """Raise `Throttled` when the identity or the address has failed too often lately."""
    window = dt.timedelta(seconds=settings.throttle_window_seconds)
    kinds = dict(attempt.counters())
    at = now()
    waits = [
        _wait(doc.get("failures", []), limit_of(settings, kinds[doc["_id"]]), window, at)
        for doc in await System(database).failures(list(kinds))
    ]
    if any(waits):
        raise Throttled(max(waits))


async def count_failure(database: Database, settings: Settings, attempt: Attempt) -> None:
    """Count a failed attempt against its identity and its address."""
    window = dt.timedelta(seconds=settings.throttle_window_seconds)
    at = now()
    system = System(database)
    await asyncio.gather(
        *(
            system.count_failure(key, at, limit_of(settings, kind), at + window)
            for key, kind in attempt.counters()
        )
    )


def first_attempt(request: web.Request | None, operation: str) -> bool:
    """Whether this request has not tried `operation` yet (and now has)."""
    if request is None:
        return True
    tried = request.setdefault(ATTEMPTED, set())
    if operation in tried:
        return False
    tried.add(operation)
    return True


def _wait(failures: list[dt.datetime], limit: int, window: dt.timedelta, at: dt.datetime) -> int:
    """Seconds until fewer than `limit` of the failures are inside the window; 0 if already."""
    recent = sorted(as_utc(f) for f in failures if as_utc(f) > at - window)
    if len(recent) < limit:
        return 0
    frees_at = recent[-limit] + window
    return max(1, math.ceil((frees_at - at).total_seconds()))
