"""The trail read as an outbox: the cross-account paths of the change feed (app/live).

Every unit of work marks the first of its audit entries (`Tx.flush`); these take the marked
transactions of every account, move their entries into each account's numbered feed in one
transaction, and tell the server
processes that a feed moved. The webhook dispatcher learns here which accounts have webhooks.
One server process at a time does this, under a lease (`System.lease`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from app.data.audit import OUTBOX, TRANSACTION_ENTRIES
from app.data.collections import ACCOUNT
from app.db import Database, RawDoc

GENERATION = "changes"
"""The counter every publication bumps: one number a process polls to learn a feed moved."""


IN_AT_ONCE = 100
"""How many ids one read of a transaction's entries names: the embedded server's `$in` costs
the square of its list (100 ids 15 ms, 1,000 ids 1.7 s, 5,000 past the driver's 30 s), so the
5,000 entries of the largest import are read a hundred at a time."""


class OutboxMoved(Exception):
    """Another publisher took some of the entries first: read the outbox again."""


class Outbox:
    """The audit entries not yet in a feed, and the feeds they go to."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def waiting(self, limit: int) -> list[RawDoc]:
        """The entries of committed transactions of every account that the change feed has not
        taken yet, whole transactions in the order they were written, about `limit` entries
        (at least one transaction, however large). Only committed entries can be read, so a
        transaction that commits late is found late, but found: nothing here depends on time.
        Each transaction's first entry carries the mark and names the others."""
        trail = self.database.db.audit_events
        heads = trail.find({OUTBOX: True}, sort=[("at", 1), ("_id", 1)], limit=limit)
        taken: list[RawDoc] = []
        rest: list[Any] = []
        async for head in heads:
            named = head.get(TRANSACTION_ENTRIES) or [head["_id"]]  # marked before they named
            if taken and len(taken) + len(rest) + len(named) > limit:
                break
            taken.append(head)
            rest += [key for key in named if key != head["_id"]]
        for start in range(0, len(rest), IN_AT_ONCE):
            chunk = rest[start : start + IN_AT_ONCE]
            taken += [entry async for entry in trail.find({"_id": {"$in": chunk}})]
        return taken

    async def publish(self, taken: Sequence[RawDoc], changes: Sequence[RawDoc]) -> dict[int, int]:
        """Move transactions out of the outbox (`taken`: their entries, as `waiting` read them)
        and their changes into their accounts' feeds, in one transaction: each change (naming
        its audit `entry`, in feed order) gets its account's next number. Raises
        `OutboxMoved`, writing nothing, if another publisher took any of them first. Answers
        each account's last number."""
        accounts = {entry["_id"]: int(entry[ACCOUNT]) for entry in taken}

        async def work(session: AsyncClientSession) -> dict[int, int]:
            db = self.database.db
            marks = [
                UpdateOne({"_id": e["_id"], OUTBOX: True}, {"$unset": {OUTBOX: ""}})
                for e in taken
                if e.get(OUTBOX)
            ]
            if marks:
                done = await db.audit_events.bulk_write(marks, ordered=False, session=session)
                if done.modified_count != len(marks):
                    raise OutboxMoved()
            counts: dict[int, int] = {}
            for change in changes:
                change[ACCOUNT] = accounts[change["entry"]]
                counts[change[ACCOUNT]] = counts.get(change[ACCOUNT], 0) + 1
            last: dict[int, int] = {}
            for account, count in counts.items():
                counter = await db.counters.find_one_and_update(
                    {"_id": f"changes:{account}"},
                    {"$inc": {"value": count}, "$set": {ACCOUNT: account}},
                    upsert=True, session=session, return_document=ReturnDocument.AFTER,
                )  # fmt: skip
                last[account] = int(counter["value"])  # type: ignore[index]
            taken_so_far = {account: last[account] - count for account, count in counts.items()}
            for change in changes:
                taken_so_far[change[ACCOUNT]] += 1
                change["seq"] = taken_so_far[change[ACCOUNT]]
            if changes:
                await db.changes.insert_many(list(changes), session=session)
                await db.counters.update_one(
                    {"_id": GENERATION}, {"$inc": {"value": 1}}, upsert=True, session=session
                )
            return last

        async with self.database.client.start_session() as session:
            return await session.with_transaction(work)

    async def generation(self) -> int:
        """How many times any account's feed has grown: one number a server process reads to
        learn whether a feed it follows may have moved."""
        counter = await self.database.db.counters.find_one({"_id": GENERATION})
        return int(counter["value"]) if counter else 0

    async def accounts_with_webhooks(self) -> list[int]:
        """The accounts that have an active webhook: those the dispatcher visits."""
        cursor = self.database.db.webhooks.find({"active": True}, {ACCOUNT: 1, "_deleted": 1})
        return sorted({int(w[ACCOUNT]) async for w in cursor if not w.get("_deleted")})
