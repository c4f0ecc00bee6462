"""The change feed: the trail's committed entries, numbered per account, in commit order.

Every write's audit entries commit with the write, the first carrying the outbox mark and
naming the others (app/data/unit.py). The publisher, run by one server process at a time
(app/live/leader.py), takes the marked transactions of every account, names each change
(app/live/events.py) and, in one transaction, removes the marks and appends the changes to
their accounts' feeds under the next numbers of each account's sequence (`Outbox.publish`).
So:

- nothing committed is skipped: the publisher looks for marks, not for times or ids, and an
  entry whose transaction commits late still carries its mark when it becomes visible;
- nothing is published twice: the marks leave in the transaction that numbers the changes, and
  a publisher that finds a mark gone writes nothing;
- each account's numbers run 1, 2, 3... with no gap, so a reader that saw number n has seen
  everything before it, and resumes after n;
- a record's changes are numbered in the order of its revisions, since its second change can
  only commit after the first (the revision guard) and carries a higher revision.

Changes are kept for the retention window (`CAREGRAPH_LIVE_RETENTION_HOURS`), then MongoDB
removes them; a reader further behind is told to start again.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from app.common.clock import now
from app.data.indexes import expire_after
from app.data.outbox import Outbox, OutboxMoved
from app.data.scope import Scope
from app.db import Database, RawDoc
from app.errors import PublicError
from app.live.events import changed_fields, is_credential_signal, named

log = logging.getLogger("app.live")

FEED = "changes"
BATCH = 500


class FeedError(PublicError):
    """A resume point that cannot be honoured: not this account's, or older than the window."""


def change_id(account_id: int, seq: int) -> str:
    """A change's id: stable, opaque, unique across accounts; `after` takes it back."""
    return base64.urlsafe_b64encode(f"change:{account_id}:{seq}".encode()).decode().rstrip("=")


def seq_of(change: str, account_id: int) -> int:
    """The number in the account's feed of a change id, or a FeedError."""
    try:
        padded = change + "=" * (-len(change) % 4)
        kind, account, seq = base64.urlsafe_b64decode(padded).decode().split(":")
        if kind == "change" and int(account) == account_id and int(seq) >= 0:
            return int(seq)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise FeedError("Not the id of a change of your account.", code="BAD_USER_INPUT")


def feed_order(entries: Sequence[RawDoc]) -> list[RawDoc]:
    """Entries in commit order, as far as it can be known: each transaction's entries together,
    in the order written; transactions by their last entry (the nearest to their commit); and
    a record's changes always in the order of its revisions, which the revision guard makes
    their commit order whatever the servers' clocks say."""
    groups: dict[Any, list[RawDoc]] = {}
    for entry in entries:
        groups.setdefault(entry.get("transaction") or entry["_id"], []).append(entry)
    for group in groups.values():
        group.sort(key=_written)
    last = {name: _written(group[-1]) for name, group in groups.items()}
    before: dict[Any, set[Any]] = {name: set() for name in groups}
    revisions: dict[tuple[str, Any], list[tuple[int, Any]]] = {}
    for name, group in groups.items():
        for entry in group:
            if entry.get("revision") is not None:
                record = (str(entry.get("record_type")), entry.get("record_id"))
                revisions.setdefault(record, []).append((int(entry["revision"]), name))
    for steps in revisions.values():
        steps.sort(key=lambda step: step[0])
        for (_, earlier), (_, later) in itertools.pairwise(steps):
            if earlier != later:
                before[later].add(earlier)
    ordered: list[RawDoc] = []
    waiting = dict(before)
    while waiting:
        ready = [name for name, needs in waiting.items() if not needs & waiting.keys()]
        name = min(ready or waiting, key=lambda n: last[n])  # no cycle unless clocks lie badly
        ordered.extend(groups[name])
        del waiting[name]
    return ordered


def _written(entry: RawDoc) -> tuple[Any, ...]:
    return (entry.get("at"), entry["_id"])


def change_of(entry: RawDoc) -> RawDoc | None:
    """The feed's document for an audit entry; None when it is neither a change of a record
    the feed carries nor a credential signal (a sign-in, an authorization)."""
    name, signal = named(entry), is_credential_signal(entry)
    if name is None and not signal:
        return None
    return {
        "entry": entry["_id"],
        "event": name.event if name else None,
        "kind": str(entry.get("record_type")),
        "record": entry.get("record_id"),
        "action": name.action.value if name else None,
        "fields": changed_fields(entry),
        # what a webhook sends, kept here so that deliveries are made from the feed alone
        "values": [
            {"field": c.get("field"), "before": c.get("before"), "after": c.get("after")}
            for c in (entry.get("changes") or [])
            if name is not None
        ],
        "actor": {key: (entry.get("actor") or {}).get(key) for key in ("kind", "name")},
        "at": entry.get("at") or now(),
        "published_at": now(),
        "private": bool(entry.get("private")),
        "signal": signal,
    }


class Publisher:
    """Moves committed changes from the outbox into the accounts' feeds (one process at a
    time: the leader's)."""

    def __init__(self, database: Database, published: Callable[[dict[int, int]], None]) -> None:
        self.outbox = Outbox(database)
        self.published = published
        """Told each account's last number after a publication (this process's subscribers)."""

    async def step(self) -> int:
        """Publish what the outbox holds (a batch); answers how many entries were taken."""
        entries = await self.outbox.waiting(BATCH)
        if not entries:
            return 0
        ordered = feed_order(entries)
        changes = [change for change in map(change_of, ordered) if change is not None]
        try:
            last = await self.outbox.publish(ordered, changes)
        except OutboxMoved:
            log.info("another publisher took part of the outbox; reading it again")
            return 0
        if last:
            self.published(last)
        return len(entries)


DELIVERIES_KEPT_DAYS = 30


async def create_feed_indexes(database: Database, retention_hours: float) -> None:
    """Changes leave the feed after the retention window, and webhook deliveries are kept a
    month (TTL indexes)."""
    seconds = max(int(retention_hours * 3600), 60)
    await expire_after(database, FEED, "published_at", "changes_retention", seconds)
    kept = DELIVERIES_KEPT_DAYS * 86_400
    await expire_after(database, "webhook_deliveries", "_created_date", "deliveries_kept", kept)


def feed_of(scope: Scope) -> Any:
    """The account's feed. Read whole: it says which records changed, and what the reader may
    see of each is decided by loading the record through the reader's own scope."""
    return scope.whole_account()[FEED]


async def head(scope: Scope) -> int:
    """The number of the account's last published change (0 before any)."""
    counter = await scope.whole_account()["counters"].find_one(
        {"_id": f"changes:{scope.account_id}"}
    )
    return int(counter["value"]) if counter else 0


async def changes_after(scope: Scope, seq: int, limit: int = BATCH) -> list[RawDoc]:
    """The account's changes numbered after `seq`, in order, at most `limit`."""
    cursor = feed_of(scope).find({"seq": {"$gt": seq}}, sort=[("seq", 1)], limit=limit)
    return [change async for change in cursor]


async def check_resumable(scope: Scope, after: int) -> None:
    """Refuse a resume point from the future, or one the retention window has passed."""
    last = await head(scope)
    if after > last:
        raise FeedError("Not the id of a change of your account.", code="BAD_USER_INPUT")
    if after == last:
        return
    oldest = await feed_of(scope).find_one({"seq": {"$gt": after}}, {"seq": 1}, sort=[("seq", 1)])
    if oldest is None or int(oldest["seq"]) != after + 1:
        raise FeedError(
            "The changes after this one are older than the retention window: read the records "
            "again, then subscribe without `after`.",
            code="CHANGES_EXPIRED",
        )
