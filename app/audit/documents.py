"""The audit trail: who did what to which record, appended and never changed."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from beanie import Document
from pydantic import ConfigDict, Field

from app.common.documents import Embedded, by_account


@strawberry.enum(description="What an audited request did.")
class AuditAction(Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"
    READ_SENSITIVE = "read_sensitive"
    AUTHORIZE = "authorize"
    AUTHORIZE_FAILED = "authorize_failed"
    ROTATE = "rotate"
    REVOKE = "revoke"


class FieldChange(Embedded):
    """One field's value before and after a change; sensitive values are masked."""

    field: str = Field(description="The field, by its GraphQL name.")
    before: Any = Field(None, description="The value before (null when created).")
    after: Any = Field(None, description="The value after (null when removed).")


class AuditActor(Embedded):
    """Who acted: an API client (a program) or a user, by id and name."""

    kind: str = Field(description="api_client or user.")
    id: Any = Field(None, description="Its stored id.")
    name: str | None = Field(None, description="Its name at the time.")


class AuditEvent(Document):
    """An entry of the audit trail. There is no API to change or remove one."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account", description="The account it happened in.")
    at: dt.datetime = Field(description="When it happened.")
    actor: AuditActor = Field(description="Who did it.")
    action: AuditAction = Field(description="What was done.")
    record_type: str = Field(description="The GraphQL type of the record concerned.")
    record_id: Any = Field(description="The stored id of the record concerned.")
    changes: list[FieldChange] = Field(default_factory=list, description="Fields changed.")
    fields_read: list[str] = Field(default_factory=list, description="Sensitive fields read.")
    reason: str | None = Field(None, description="The reason given, for a deletion.")
    request_id: str | None = Field(None, description="The request's X-Request-Id.")
    client_address: str | None = Field(None, description="The caller's network address.")
    private: bool = Field(
        False,
        description="About a private record (a private progress note): shown only to roles "
        "with VIEW_SENSITIVE.",
    )

    class Settings:
        name = "audit_events"
        indexes = [
            by_account("record_type", "record_id", "_id"),
            by_account("actor.id", "_id"),
            by_account("action", "_id"),
            by_account("at"),
        ]
