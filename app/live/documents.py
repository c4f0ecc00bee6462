"""What the live features store: each account's change feed, its webhooks and their deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import ConfigDict, Field, field_validator
from pymongo import ASCENDING, IndexModel

from app.common.codes import Code
from app.common.documents import READONLY, CareDocument, SoftDeletable, by_account, ref

HIDDEN: dict[str, Any] = {"readonly": True, "writeonly": True}
"""Field metadata: kept by the server for itself, neither written by nor shown to callers."""
MAX_EVENTS = 50


class Change(Document):
    """One change in an account's feed: the audit entry it comes from, its event name, and its
    number in the account's sequence (1, 2, 3... with no gaps, in commit order)."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account whose feed it is in.")
    seq: int = Field(description="Its number in the account's feed.")
    entry: PydanticObjectId = Field(description="The audit entry it was taken from.")
    event: str | None = Field(None, description="`<record>.<action>`; null for a signal only.")
    kind: str = Field(description="The record's GraphQL type.")
    record: Any = Field(description="The record's stored id.")
    action: str | None = Field(None, description="The second half of the event name.")
    fields: list[str] = Field(default_factory=list, description="The fields it changed.")
    values: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Each changed field's value before and after, as the trail holds them "
        "(what a webhook sends, masked again for its role).",
    )
    actor: dict[str, Any] = Field(
        default_factory=dict, description="Who made it: the trail's actor kind and name."
    )
    at: dt.datetime = Field(description="When the change was made.")
    published_at: dt.datetime = Field(description="When it joined the feed (retention).")
    private: bool = Field(False, description="About a private record (a private note).")
    signal: bool = Field(
        False, description="It may end or narrow a credential: sockets are checked again."
    )

    class Settings:
        name = "changes"
        indexes = [by_account("seq", unique=True), by_account("entry", unique=True)]


class Webhook(CareDocument, SoftDeletable):
    """An address that is sent the account's changes as signed HTTP POSTs."""

    url: str = Field(
        min_length=8, max_length=2000, description="Where deliveries are POSTed (https)."
    )
    events: list[str] = Field(
        min_length=1,
        max_length=MAX_EVENTS,
        description="The events it is sent: names (`punchcard.clocked_in`), `<record>.*`, or "
        "`*` for every event.",
    )
    description: str | None = Field(None, max_length=500, description="What it is for.")
    active: bool = Field(
        True,
        description="Whether it is sent changes. Turned off after a day of failed deliveries "
        "(see `disabledReason`); turning it back on sends the changes made from then on.",
    )
    disabled_reason: str | None = Field(
        None, description="Why the server turned it off, if it did.", json_schema_extra=READONLY
    )
    disabled_date: dt.datetime | None = Field(
        None, description="When the server turned it off.", json_schema_extra=READONLY
    )
    failing_since: dt.datetime | None = Field(
        None,
        description="Since when its deliveries fail without one succeeding; null while they "
        "succeed.",
        json_schema_extra=READONLY,
    )
    signing_secret: str = Field(
        "", description="The HMAC key of its signatures.", json_schema_extra=HIDDEN
    )
    reads_as: dict[str, Any] | None = Field(
        None,
        description="The role it reads the changes as: the permissions and role type of whoever "
        "made or last changed it (null: everything, the agency itself).",
        json_schema_extra=HIDDEN,
    )
    position: int = Field(
        0,
        description="The last change of the feed turned into deliveries.",
        json_schema_extra=HIDDEN,
    )
    failures: int = Field(
        0, description="Rounds in a row whose every attempt failed.", json_schema_extra=HIDDEN
    )
    probe_at: dt.datetime | None = Field(
        None, description="While failing: when to try one delivery again.", json_schema_extra=HIDDEN
    )

    @field_validator("events")
    @classmethod
    def _distinct(cls, events: list[str]) -> list[str]:
        return list(dict.fromkeys(e.strip() for e in events))

    class Settings:
        name = "webhooks"
        # the dispatcher looks for active webhooks across accounts
        indexes = [by_account("_created_date"), IndexModel([("active", ASCENDING)])]


class DeliveryStatus(Code):
    """Where a webhook delivery stands."""

    PENDING = "pending", "Not yet accepted by the receiver: being sent, or waiting to retry."
    DELIVERED = "delivered", "The receiver answered 2xx."
    FAILED = "failed", "Given up after a day of failed attempts."


class WebhookDelivery(Document):
    """One change sent to one webhook: the same delivery id on every attempt."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account it belongs to.")
    webhook: PydanticObjectId = Field(
        description="The webhook it is sent to.", json_schema_extra=ref("Webhook", "webhooks")
    )
    seq: int = Field(description="The change's number in the account's feed.")
    event: str = Field(description="The event name, as the `Caregraph-Event` header says.")
    kind: str = Field(description="The record's GraphQL type.")
    record: Any = Field(description="The record's stored id.")
    body: str = Field(description="The JSON body sent, the same on every attempt.")
    status: DeliveryStatus = Field(DeliveryStatus.PENDING, description="Where it stands.")
    attempts: int = Field(0, description="How many times it was sent.")
    response_code: int | None = Field(
        None, description="The HTTP status of the last attempt; null if none was received."
    )
    last_error: str | None = Field(
        None, description="Why the last attempt failed (a status, a timeout, a refusal)."
    )
    next_attempt_at: dt.datetime | None = Field(
        None, description="When it is sent next; null once delivered or given up."
    )
    first_attempt_at: dt.datetime | None = Field(None, description="When it was first sent.")
    last_attempt_at: dt.datetime | None = Field(None, description="When it was last sent.")
    delivered_at: dt.datetime | None = Field(None, description="When the receiver accepted it.")
    created_date: dt.datetime = Field(alias="_created_date", description="When it was made.")

    class Settings:
        name = "webhook_deliveries"
        indexes = [
            by_account("webhook", "seq", unique=True),
            by_account("webhook", "status", "seq"),
            by_account("webhook", "_id"),
        ]
