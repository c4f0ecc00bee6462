"""The audit trail: who did what to which record, appended and never changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import ASCENDING, IndexModel

from app.common.codes import Code
from app.common.documents import Embedded, by_account


class AuditAction(Code):
    """What an audited request did."""

    CREATE = "create", "A record was created."
    UPDATE = "update", "A record was changed."
    DELETE = "delete", "A record was soft-deleted."
    RESTORE = "restore", "A deleted record was restored."
    READ_SENSITIVE = "read_sensitive", "Sensitive fields of a record were read."
    AUTHORIZE = "authorize", "An API client exchanged its key and secret for an access token."
    AUTHORIZE_FAILED = "authorize_failed", "An API client's key exchange was refused (why)."
    ROTATE = "rotate", "An API client was given a new key and secret; the old ones ended."
    REVOKE = "revoke", "An API client was revoked: its key, secret and tokens ended."
    SIGN_IN = "sign_in", "A person signed in (the entry names their new session)."
    SIGN_IN_FAILED = "sign_in_failed", "A sign-in as this user was refused (the reason says why)."
    SIGN_OUT = "sign_out", "A person's session ended: signed out, or a copied cookie was replayed."
    INVITE = "invite", "A user was invited to sign in."
    PASSWORD_CHANGE = "password_change", "A person's password was set or changed."
    PASSWORD_RESET = "password_reset", "A user was given a link to set a new password."
    TWO_FACTOR = "two_factor", "A person turned two-factor sign-in on or replaced their app."
    DEACTIVATE = "deactivate", "A user's sign-in was turned off (every session ended)."
    REACTIVATE = "reactivate", "A user's sign-in was turned back on."


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
    session: Any = Field(None, description="The sign-in session a user acted in.")


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
            # Every index costs every write (a year of a series writes 366 entries), so the
            # trail has no more. None on `action`: a handful of values would narrow a read
            # little. None on `at`: an entry's id holds the second it was made, so a time
            # range is a range of the `_id` index (`app.data.audit.ids_within`) on MongoDB;
            # the embedded server (demos, tests) scans for it, its planner ignoring _id ranges.
            # the outbox: the first entry of each transaction the change feed has not taken
            # yet, across accounts (the feed takes them in one pass); partial, so it holds
            # only those few
            IndexModel(
                [("outbox", ASCENDING), ("at", ASCENDING), ("_id", ASCENDING)],
                name="outbox",
                partialFilterExpression={"outbox": True},
            ),
        ]
