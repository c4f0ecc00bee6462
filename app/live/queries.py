"""Reading webhooks and their deliveries: the account's administrators only (the policy
table, app/data/policy.py, closes both to other roles)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from app.errors import PublicError
from app.graphql.arguments import After, Before, First, Last, RecordId
from app.graphql.connections import NEWEST_FIRST, Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.live.documents import DeliveryStatus
from app.live.types import Webhook, WebhookDelivery


@strawberry.type
class LiveQueries:
    @strawberry.field(description="A webhook by global ID; null if not in your account.")
    async def webhook(self, info: Info, id: RecordId) -> Webhook | None:
        return await Webhook.load(info, decode_id(id, Webhook))

    @strawberry.field(
        description="The account's webhooks, newest first (deleted ones left out). Needs "
        "MANAGE_ACCOUNT."
    )
    async def webhooks(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Webhook]:
        page = Page(first=first, after=after, last=last, before=before)
        return await list_records(info, Webhook, {"_deleted": {"$ne": True}}, None,
                                  NEWEST_FIRST, page)  # fmt: skip

    @strawberry.field(
        description="A webhook's deliveries, newest first: status, attempts, the last response "
        "code and the next attempt. Needs MANAGE_ACCOUNT."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        webhook: Annotated[strawberry.ID, strawberry.argument(description="The webhook.")],
        status: Annotated[
            list[DeliveryStatus] | None,
            strawberry.argument(description="Only deliveries in these states."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookDelivery]:
        key = decode_id(webhook, Webhook)
        if key is None:
            raise PublicError("Not a Webhook id.")
        query: dict[str, Any] = {"webhook": key}
        if status:
            query["status"] = {"$in": [s.value for s in status]}
        page = Page(first=first, after=after, last=last, before=before)
        return await list_records(info, WebhookDelivery, query, None, NEWEST_FIRST, page)
