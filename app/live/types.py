"""GraphQL types of the live features: changes, webhooks and their deliveries."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Self

import strawberry

from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.modeled import input_type, record_type
from app.graphql.payloads import UserError
from app.graphql.records import Record
from app.graphql.relay import Node, to_global_id
from app.live.documents import Webhook as WebhookDocument
from app.live.documents import WebhookDelivery as WebhookDeliveryDocument
from app.live.events import ChangeAction, RecordKind
from app.live.feed import change_id


@strawberry.type(
    description="A committed change of a record, from the account's change feed. The record is "
    "as it is now, as your role may read it; a change of a record you may not read is not sent."
)
class Change:
    id: strawberry.ID = strawberry.field(
        description="Stable and unique: pass it as `after` to resume after this change."
    )
    event: str = strawberry.field(description="`<record>.<action>`, such as punchcard.clocked_in.")
    action: ChangeAction = strawberry.field(description="What the change did.")
    record_kind: RecordKind = strawberry.field(description="The kind of record changed.")
    record: Node = strawberry.field(description="The record, as it is now.")
    changed_fields: list[str] = strawberry.field(
        description="The fields the change touched, by their GraphQL names (values: read them "
        "on `record`, where your role may)."
    )
    at: dt.datetime = strawberry.field(description="When the change was made.")

    @classmethod
    def of(cls, account_id: int, change: dict[str, Any], record: Node) -> Self:
        return cls(
            id=strawberry.ID(change_id(account_id, int(change["seq"]))),
            event=str(change["event"]),
            action=ChangeAction(change["action"]),
            record_kind=RecordKind(change["kind"]),
            record=record,
            changed_fields=list(change.get("fields") or []),
            at=change["at"],
        )


@record_type(
    WebhookDocument,
    name="Webhook",
    description="An address sent the account's changes as signed POSTs (see the README: "
    "events, signatures, guarantees). Needs MANAGE_ACCOUNT.",
)
class Webhook(Record, Node, Versioned):
    """Every field comes from the document model; its signing secret is never shown again."""


@record_type(
    WebhookDeliveryDocument,
    name="WebhookDelivery",
    description="One change sent to one webhook; its id is the `Caregraph-Delivery` header of "
    "every attempt.",
    exclude=("seq", "kind", "record"),
)
class WebhookDelivery(Record, Node):
    """Every field comes from the document model, but the change's id and its record's."""

    @strawberry.field(description="The change's id (the body's `id`).")
    def change_id(self, info: Info) -> strawberry.ID:
        return strawberry.ID(change_id(info.context.account_id, int(self.doc["seq"])))

    @strawberry.field(description="The global ID of the record the change is about.")
    def record_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(str(self.doc["kind"]), self.doc["record"]))


if TYPE_CHECKING:
    WebhookUpdateInput = Any
else:
    WebhookUpdateInput = input_type(WebhookDocument, name="WebhookUpdateInput", patch=True)


@strawberry.input(description="A new webhook.")
class WebhookCreateInput:
    url: str = strawberry.field(
        description="Where to POST: https (http and loopback outside production), a public "
        "address unless the account allows private ones."
    )
    events: list[str] = strawberry.field(
        description="The events to send: names (`punchcard.clocked_in`), `<record>.*` "
        "(`invoice.*`), or `*` for all."
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")


@strawberry.type(description="A webhook made, with its signing secret: shown this once.")
class WebhookCreatePayload:
    webhook: Webhook | None = strawberry.field(description="The webhook; null if refused.")
    secret: str | None = strawberry.field(
        description="The key of its `Caregraph-Signature` HMACs. Keep it: no query shows it again."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success."
    )


@strawberry.type(description="The result of a change to a webhook.")
class WebhookPayload:
    webhook: Webhook | None = strawberry.field(description="The webhook as it now is.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success."
    )
