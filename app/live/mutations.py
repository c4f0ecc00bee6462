"""Making, changing and deleting webhooks: the account's administrators only."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.common.codes import Permission
from app.graphql.arguments import PATCH, Changes, RecordId, Revision
from app.graphql.context import Info
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import attempt
from app.live import services
from app.live.documents import Webhook as WebhookDocument
from app.live.types import (
    Webhook,
    WebhookCreateInput,
    WebhookCreatePayload,
    WebhookPayload,
    WebhookUpdateInput,
)


@strawberry.type
class LiveMutations:
    @strawberry.mutation(
        description="Make a webhook: the account's changes of the events named are POSTed to "
        "the URL, signed. Answers its signing secret, this once. Needs MANAGE_ACCOUNT."
    )
    async def webhook_create(
        self,
        info: Info,
        input: Annotated[WebhookCreateInput, strawberry.argument(description="The new webhook.")],
    ) -> WebhookCreatePayload:
        async def create() -> tuple[Webhook, str]:
            actor = actor_of(info, Permission.MANAGE_ACCOUNT)
            context = info.context
            data = input_data(input, WebhookDocument)
            raw, secret = await services.create_webhook(
                context.database, context.settings, actor, data
            )
            return Webhook.from_doc(raw), secret

        made, errors = await attempt(create())
        webhook, secret = made if made else (None, None)
        return WebhookCreatePayload(webhook=webhook, secret=secret, user_errors=errors)

    @strawberry.mutation(
        description="Change a webhook's URL, events, description, or turn it off and on "
        f"(`active`; turned back on, it is sent the changes from then on). {PATCH} Refused with "
        "CONFLICT if `revision` is not the current one. Needs MANAGE_ACCOUNT."
    )
    async def webhook_update(
        self,
        info: Info,
        id: RecordId,
        revision: Revision,
        input: Changes[WebhookUpdateInput],
    ) -> WebhookPayload:
        async def update() -> Webhook:
            actor = actor_of(info, Permission.MANAGE_ACCOUNT)
            key = decode_global_id(id, "Webhook", "id")
            context = info.context
            changes = input_data(input, WebhookDocument)
            raw = await services.update_webhook(
                context.database, context.settings, actor, key, revision, changes
            )
            return Webhook.from_doc(raw)

        webhook, errors = await attempt(update())
        return WebhookPayload(webhook=webhook, user_errors=errors)

    @strawberry.mutation(
        description="Delete a webhook: nothing more is sent to it; its deliveries stay "
        "readable. Needs MANAGE_ACCOUNT."
    )
    async def webhook_delete(
        self,
        info: Info,
        id: RecordId,
        reason: Annotated[
            str | None, strawberry.argument(description="Why, for the audit trail.")
        ] = None,
    ) -> WebhookPayload:
        async def delete() -> Webhook:
            actor = actor_of(info, Permission.MANAGE_ACCOUNT)
            key = decode_global_id(id, "Webhook", "id")
            raw = await services.delete_webhook(info.context.database, actor, key, reason)
            return Webhook.from_doc(raw)

        webhook, errors = await attempt(delete())
        return WebhookPayload(webhook=webhook, user_errors=errors)
