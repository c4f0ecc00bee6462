"""Webhooks: made, changed, deleted and turned off, each with its audit entry.

A webhook names a URL (checked by app/live/targets.py) and the events it wants
(app/live/events.py). Its signing secret is drawn when it is made, answered once, and kept for
signing only: no query shows it again. A new webhook is sent the changes published from then
on; one turned back on after being off is sent those from then on too, and its deliveries
still pending (what happened while it was off is in the trail, not in its deliveries).
"""

from __future__ import annotations

from typing import Any

from app.common.clock import now
from app.common.services import Actor, RawDoc
from app.data.records import RecordStore
from app.data.scope import Scope
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.live.documents import Webhook
from app.live.events import unknown_patterns
from app.live.feed import head
from app.live.signing import new_secret
from app.live.targets import Reach, check_url
from app.settings import Settings

DELETED = "Deleted by the account."


def reads_as(actor: Actor) -> dict[str, Any] | None:
    """The view a webhook reads changes in: that of the role making or changing it, so that
    nobody sends out, through a webhook, what their own role may not read."""
    if actor.permissions is None:
        return None
    kind = actor.role_type.value if actor.role_type is not None else None
    return {"permissions": sorted(p.value for p in actor.permissions), "role_type": kind}


def webhook_store(database: Database) -> RecordStore:
    return RecordStore(database, Webhook, "Webhook")


async def reach_of(scope: Scope, settings: Settings) -> Reach:
    """What the account's webhooks may reach in this environment."""
    account = await scope["accounts"].find_one({"_id": scope.account_id}, {"webhook_settings": 1})
    allows = bool(((account or {}).get("webhook_settings") or {}).get("allow_private_addresses"))
    return Reach.of(settings.environment, allows)


def check_events(events: Any) -> list[str]:
    """The event patterns, trimmed and distinct; a user error names each unknown one."""
    if not isinstance(events, list) or not events:
        raise ServiceError.one(
            "Name at least one event, or `*`.", ErrorCode.REQUIRED, "input.events"
        )
    cleaned = list(dict.fromkeys(str(e).strip() for e in events))
    bad = set(unknown_patterns(cleaned))
    if bad:
        raise ServiceError(
            *(
                Problem(
                    f"{pattern!r} names no event: use an event such as punchcard.clocked_in, "
                    "a record's events such as invoice.*, or * (the list is in the schema's "
                    "description of Subscription.changes).",
                    ErrorCode.INVALID,
                    f"input.events.{index}",
                )
                for index, pattern in enumerate(cleaned)
                if pattern in bad
            )
        )
    return cleaned


async def create_webhook(
    database: Database, settings: Settings, actor: Actor, data: dict[str, Any]
) -> tuple[RawDoc, str]:
    """A new webhook and its signing secret (shown this once)."""
    scope = Scope(database, actor)
    events = check_events(data.get("events"))
    url = await check_url(str(data.get("url") or ""), await reach_of(scope, settings))
    secret = new_secret()
    stored = {**data, "url": url, "events": events, "signing_secret": secret,
              "reads_as": reads_as(actor), "position": await head(scope)}  # fmt: skip
    raw = await webhook_store(database).create(actor, stored)
    return raw, secret


async def update_webhook(
    database: Database,
    settings: Settings,
    actor: Actor,
    key: Any,
    revision: int,
    changes: dict[str, Any],
) -> RawDoc:
    """Change a webhook's URL, events, description or state. Turned back on, it starts from
    the changes published from then on, its failures forgotten."""
    store = webhook_store(database)
    scope = Scope(database, actor)
    current = await store.get(actor, key)
    if "events" in changes:
        changes["events"] = check_events(changes["events"])
    if changes.get("url") is not None:
        changes["url"] = await check_url(str(changes["url"]), await reach_of(scope, settings))
        changes["probe_at"] = None  # a receiver fixed: try it at once
    if changes.get("active") is True and not current.get("active"):
        changes.update(position=await head(scope), failing_since=None, disabled_reason=None,
                       disabled_date=None, failures=0, probe_at=None)  # fmt: skip
    changes["reads_as"] = reads_as(actor)
    return await store.update(actor, key, revision, changes)


async def delete_webhook(database: Database, actor: Actor, key: Any, reason: str | None) -> RawDoc:
    """Stop a webhook for good (softly deleted: its deliveries stay readable)."""
    return await webhook_store(database).delete(actor, key, (reason or "").strip() or DELETED, None)


async def turn_off(tx: Tx, webhook: RawDoc, reason: str) -> None:
    """The server turns a failing webhook off, saying why in the webhook and in the trail."""
    change = {"active": False, "disabled_reason": reason, "disabled_date": now(),
              "_last_updated_date": now()}  # fmt: skip
    await tx.update(
        "Webhook",
        "webhooks",
        webhook,
        {"$set": change},
        changes=[{"field": "active", "before": True, "after": False}],
        reason=reason,
    )
