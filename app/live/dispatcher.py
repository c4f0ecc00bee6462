"""Sending deliveries: at least once, in order per record, with backoff, resumable.

Each round visits the accounts that have webhooks (`Outbox.accounts_with_webhooks`) and, for
each active webhook, makes its new deliveries (app/live/deliveries.py) and sends what is due:

- **In order per record.** A webhook's pending deliveries are read in feed order and grouped
  by record; a record's next delivery is sent only once the one before it was accepted (or
  given up), while different records go in parallel (`CAREGRAPH_WEBHOOK_CONCURRENCY`).
- **At least once.** A delivery is pending until the receiver answers 2xx; a process that dies
  mid-POST leaves it pending, and the next holder of the lease sends it again with the same
  `Caregraph-Delivery` id, for the receiver to recognise.
- **Backoff.** A failed delivery is tried again after 10 s, 20 s, 40 s... (at most an hour
  apart, with jitter) and given up a day after its first attempt. A round whose every attempt
  failed marks the webhook failing: until one delivery succeeds it is probed with one
  delivery at a time, at the same growing intervals, rather than sent everything; the first
  success sends the rest at once. A webhook failing for a day is turned off, with an audit
  entry saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from app.common.clock import as_utc, now
from app.data.outbox import Outbox
from app.data.scope import Scope
from app.data.system import System
from app.data.unit import Tx
from app.db import Database, RawDoc
from app.live.deliveries import DELIVERIES, fan_out
from app.live.documents import DeliveryStatus
from app.live.feed import BATCH
from app.live.services import reach_of, turn_off
from app.live.signing import signature_header
from app.live.targets import GuardedResolver, Reach, literal_barred
from app.settings import Settings

log = logging.getLogger("app.live")

MAX_INTERVAL = 3600.0
RECHECK = dt.timedelta(seconds=5)
"""A webhook with nothing due is read again this soon (or when it is given new deliveries)."""
USER_AGENT = "Caregraph-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """How one attempt went."""

    delivered: bool
    code: int | None
    error: str | None


class Dispatcher:
    """Makes and sends every account's webhook deliveries (under the leader's lease)."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.system = System(database)
        self.outbox = Outbox(database)
        self.settings = settings
        self.sessions: dict[Reach, aiohttp.ClientSession] = {}
        self.quiet_until: dict[Any, dt.datetime] = {}
        """Webhooks with nothing due before a time: not read again until then."""
        self.sending: dict[Any, asyncio.Task[int]] = {}
        """Each webhook's round of sending, under way: one at a time per webhook, and a slow
        receiver holds up only its own webhook."""

    async def step(self) -> int:
        """One round over every account with webhooks; answers how much it did."""
        done = self.finished()
        for account in await self.outbox.accounts_with_webhooks():
            scope = self.system.scope_for(account, "webhooks")
            cursor = scope["webhooks"].find({"active": True})
            for webhook in [w async for w in cursor if not w.get("_deleted")]:
                made = await fan_out(scope, webhook)
                if made:
                    self.quiet_until.pop(webhook["_id"], None)
                done += made
                if webhook["_id"] not in self.sending:
                    self.sending[webhook["_id"]] = asyncio.create_task(
                        self.send_due(scope, webhook), name="live-webhook-round"
                    )
        return done

    def finished(self) -> int:
        """Collect the rounds of sending that ended: how many attempts they made."""
        attempts = 0
        for key, task in list(self.sending.items()):
            if not task.done():
                continue
            del self.sending[key]
            if task.cancelled():
                continue
            error = task.exception()
            if error is not None:
                log.error("sending webhook %s failed: %r", key, error, exc_info=error)
            else:
                attempts += task.result()
        return attempts

    async def close(self) -> None:
        for task in self.sending.values():
            task.cancel()
        for task in self.sending.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.sending.clear()
        for session in self.sessions.values():
            await session.close()
        self.sessions.clear()

    # sending ---------------------------------------------------------------------------------

    async def send_due(self, scope: Scope, webhook: RawDoc) -> int:
        """Send the webhook's due deliveries, each record's in order; answers how many."""
        at = now()
        if self.quiet_until.get(webhook["_id"], at) > at:
            return 0
        failing = webhook.get("failing_since") is not None
        if failing and as_utc(webhook.get("probe_at") or at) > at:
            return 0
        query = {"webhook": webhook["_id"], "status": DeliveryStatus.PENDING.value}
        pending = [d async for d in scope[DELIVERIES].find(query, sort=[("seq", 1)], limit=BATCH)]
        chains = due_chains(pending, at)
        if not chains:
            later = [as_utc(d["next_attempt_at"]) for d in pending if d.get("next_attempt_at")]
            self.quiet_until[webhook["_id"]] = min([*later, at + RECHECK])
            return 0
        if failing:  # a probe: the first delivery due, alone
            chains = [[min((chain[0] for chain in chains), key=lambda d: int(d["seq"]))]]
        reach = await reach_of(scope, self.settings)
        outcomes: list[Outcome] = []
        gate = asyncio.Semaphore(max(1, self.settings.webhook_concurrency))

        async def run(chain: list[RawDoc]) -> None:
            async with gate:
                for delivery in chain:
                    if outcomes and not any(o.delivered for o in outcomes):
                        return  # everything so far failed: the receiver is likely down
                    outcome = await self.attempt(webhook, delivery, reach)
                    outcomes.append(outcome)
                    await self.record(scope, delivery, outcome)
                    if not outcome.delivered:
                        return

        await asyncio.gather(*(run(chain) for chain in chains))
        await self.settle(scope, webhook, outcomes)
        return len(outcomes)

    async def attempt(self, webhook: RawDoc, delivery: RawDoc, reach: Reach) -> Outcome:
        """POST one delivery, signed now."""
        url = str(webhook["url"])
        if literal_barred(url, reach):
            return Outcome(False, None, "refused: the address is loopback or private")
        body = str(delivery["body"]).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Caregraph-Event": str(delivery["event"]),
            "Caregraph-Delivery": str(delivery["_id"]),
            "Caregraph-Signature": signature_header(str(webhook["signing_secret"]), body),
        }
        timeout = aiohttp.ClientTimeout(total=self.settings.webhook_timeout_seconds)
        try:
            async with self.session(reach).post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                code = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return Outcome(False, None, f"{type(error).__name__}: {error}"[:300])
        if 200 <= code < 300:
            return Outcome(True, code, None)
        return Outcome(False, code, f"HTTP {code}")

    def session(self, reach: Reach) -> aiohttp.ClientSession:
        if reach not in self.sessions:
            connector = aiohttp.TCPConnector(resolver=GuardedResolver(reach), limit=64)
            self.sessions[reach] = aiohttp.ClientSession(connector=connector)
        return self.sessions[reach]

    # what the attempts change ----------------------------------------------------------------

    async def record(self, scope: Scope, delivery: RawDoc, outcome: Outcome) -> None:
        """Write down one attempt: delivered, to be tried again, or given up."""
        at = now()
        first = as_utc(delivery.get("first_attempt_at")) or at
        attempts = int(delivery.get("attempts") or 0) + 1
        change: dict[str, Any] = {
            "attempts": attempts,
            "response_code": outcome.code,
            "last_error": outcome.error,
            "first_attempt_at": first,
            "last_attempt_at": at,
        }
        if outcome.delivered:
            change.update(status=DeliveryStatus.DELIVERED.value, delivered_at=at,
                          next_attempt_at=None)  # fmt: skip
        elif (at - first).total_seconds() >= self.settings.webhook_give_up_seconds:
            change.update(status=DeliveryStatus.FAILED.value, next_attempt_at=None)
        else:
            change["next_attempt_at"] = at + dt.timedelta(seconds=self.backoff(attempts))
        await scope[DELIVERIES].update_one(
            {"_id": delivery["_id"], "status": DeliveryStatus.PENDING.value}, {"$set": change}
        )

    async def settle(self, scope: Scope, webhook: RawDoc, outcomes: list[Outcome]) -> None:
        """After a round: a success ends the webhook's failing (and sends what waits at once);
        a round of failures only makes it fail longer, and a day of it turns it off."""
        at = now()
        if any(o.delivered for o in outcomes):
            if webhook.get("failing_since") is not None:
                await scope["webhooks"].update_one(
                    {"_id": webhook["_id"]},
                    {"$set": {"failing_since": None, "failures": 0, "probe_at": None}},
                )
                waiting = {"webhook": webhook["_id"], "status": DeliveryStatus.PENDING.value}
                await scope[DELIVERIES].update_many(waiting, {"$set": {"next_attempt_at": at}})
            self.quiet_until.pop(webhook["_id"], None)
            return
        since = as_utc(webhook.get("failing_since")) or at
        if (at - since).total_seconds() >= self.settings.webhook_give_up_seconds:
            await self.turn_off(scope, webhook, since)
            return
        failures = int(webhook.get("failures") or 0) + 1
        probe_at = at + dt.timedelta(seconds=self.backoff(failures))
        await scope["webhooks"].update_one(
            {"_id": webhook["_id"]},
            {"$set": {"failing_since": since, "failures": failures, "probe_at": probe_at}},
        )

    async def turn_off(self, scope: Scope, webhook: RawDoc, since: dt.datetime) -> None:
        reason = (
            f"Every delivery failed since {since:%Y-%m-%d %H:%M} UTC; turned off. Fix the "
            "receiver, then turn the webhook back on (active: true)."
        )
        current = await scope["webhooks"].find_one({"_id": webhook["_id"]})
        if current is None or not current.get("active"):
            return

        async def work(tx: Tx) -> None:
            await turn_off(tx, current, reason)

        await scope.transact(work)
        log.warning("webhook %s of account %s turned off", webhook["_id"], scope.account_id)

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try: doubling from the base, at most an hour, jittered."""
        base = self.settings.webhook_retry_seconds * 2 ** min(attempts - 1, 20)
        return min(base, MAX_INTERVAL) * random.uniform(0.8, 1.2)


def due_chains(pending: Iterable[RawDoc], at: dt.datetime) -> list[list[RawDoc]]:
    """Each record's deliveries that may go now, in feed order: from its first pending one,
    while they are due. A record whose first pending delivery waits sends nothing."""
    chains: dict[tuple[str, Any], list[RawDoc]] = {}
    blocked: set[tuple[str, Any]] = set()
    for delivery in pending:
        key = (str(delivery.get("kind")), delivery.get("record"))
        if key in blocked:
            continue
        due = as_utc(delivery.get("next_attempt_at") or at) <= at
        if not due:
            blocked.add(key)
            continue
        chains.setdefault(key, []).append(delivery)
    return list(chains.values())
