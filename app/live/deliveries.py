"""From the feed to deliveries: each change a webhook wants becomes one delivery, once.

A webhook remembers the last change of the feed it has looked at (`position`). Its deliveries
for the changes after it, and its new position, are written in one transaction guarded by the
position it read: so a change becomes exactly one delivery (one id) for the webhook, even if a
process dies in between or two processes try at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from bson import Decimal128, ObjectId

from app.common.clock import iso_utc, now
from app.common.codes import Permission, RoleType
from app.common.services import Actor
from app.data.fields import in_trail, masks_for
from app.data.policy_checks import may_read_type
from app.data.scope import Scope
from app.data.unit import Tx
from app.db import RawDoc
from app.graphql.relay import to_global_id
from app.live.documents import DeliveryStatus
from app.live.events import matches
from app.live.feed import BATCH, change_id, changes_after, head

DELIVERIES = "webhook_deliveries"


class PositionMoved(Exception):
    """Another process moved the webhook on first: nothing was written."""


def plain(value: Any) -> Any:
    """A stored value as JSON: ids and money as strings, times in ISO 8601 (UTC)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):  # as GraphQL writes it
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def body_of(account_id: int, change: RawDoc, masks: Callable[[str], tuple[str, ...]]) -> str:
    """What a delivery POSTs: the change, its record's global id, who made it, and each
    field's value before and after as the trail holds them (sensitive ones masked), those the
    receiver's role may not read named without their values (`masks`)."""
    actor = change.get("actor") or {}
    shown = in_trail({"record_type": change["kind"], "changes": change.get("values")}, masks)
    payload = {
        "id": change_id(account_id, int(change["seq"])),
        "event": change["event"],
        "createdAt": plain(change["at"]),
        "account": to_global_id("Account", account_id),
        "record": {"type": change["kind"], "id": to_global_id(change["kind"], change["record"])},
        "actor": {"kind": actor.get("kind"), "name": actor.get("name")},
        "changes": plain(
            [
                {"field": c.get("field"), "before": c.get("before"), "after": c.get("after")}
                for c in shown.get("changes") or []
            ]
        ),
    }
    return orjson.dumps(payload).decode()


def receiver(account_id: int, webhook: RawDoc) -> Actor:
    """Who a webhook's receiver reads as: the role that made or last changed it."""
    view = webhook.get("reads_as")
    if not view:
        return Actor(account_id=account_id)
    known = {p.value for p in Permission}
    kind = view.get("role_type")
    return Actor(
        account_id=account_id,
        permissions=frozenset(Permission(p) for p in view.get("permissions") or [] if p in known),
        role_type=RoleType(kind) if kind else RoleType.OFFICE,
    )


def sent_to(webhook: RawDoc, reader: Actor, change: RawDoc) -> bool:
    """Whether a change goes to the webhook: an event it asked for, about a record type its
    role may read (and a private one only with VIEW_SENSITIVE)."""
    if not change.get("event") or not matches(webhook["events"], change["event"]):
        return False
    if change.get("private") and not reader.may(Permission.VIEW_SENSITIVE):
        return False
    return may_read_type(reader, str(change["kind"]))


async def fan_out(scope: Scope, webhook: RawDoc) -> int:
    """Make the webhook's deliveries for the changes published since its position; answers
    how many changes it looked at (0: it was up to date)."""
    position = int(webhook.get("position") or 0)
    if await head(scope) <= position:
        return 0
    changes = await changes_after(scope, position, BATCH)
    if not changes:
        return 0
    reader = receiver(scope.account_id, webhook)
    wanted = [c for c in changes if sent_to(webhook, reader, c)]
    masks = masks_for(reader)
    made = now()
    deliveries = [
        {
            "webhook": webhook["_id"],
            "seq": change["seq"],
            "event": change["event"],
            "kind": change["kind"],
            "record": change["record"],
            "body": body_of(scope.account_id, change, masks),
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": made,
            "_created_date": made,
        }
        for change in wanted
    ]
    reached = int(changes[-1]["seq"])

    async def work(tx: Tx) -> None:
        moved = await tx["webhooks"].update_one(
            {"_id": webhook["_id"], "position": position}, {"$set": {"position": reached}}
        )
        if moved.modified_count != 1:
            raise PositionMoved()
        await tx[DELIVERIES].insert_many(deliveries)

    try:
        await scope.transact(work)
    except PositionMoved:
        return 0
    webhook["position"] = reached
    return len(changes)
