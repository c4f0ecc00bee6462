"""GraphQL types of the audit trail."""

from __future__ import annotations

import datetime as dt

import strawberry
from bson import json_util

from app.audit.documents import AuditAction
from app.audit.documents import AuditEvent as AuditEventDocument
from app.common.codes import Permission
from app.errors import PublicError
from app.graphql.context import Info
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node, load_node, to_global_id

ACTOR_TYPES = {"api_client": "ApiClient", "user": "User"}


def require_audit_reader(info: Info) -> None:
    if not info.context.may(Permission.VIEW_AUDIT):
        raise PublicError(
            "Your role may not read the audit trail (it needs VIEW_AUDIT).", code="FORBIDDEN"
        )


def as_json(value: object) -> str | None:
    return (
        None
        if value is None
        else json_util.dumps(value, json_options=json_util.RELAXED_JSON_OPTIONS)
    )


@strawberry.type(description="Who acted: an API client (a program) or a user.")
class AuditActor:
    kind: str = strawberry.field(description="api_client or user.")
    id: strawberry.ID | None = strawberry.field(description="Their global ID.")
    name: str | None = strawberry.field(description="Their name at the time.")
    session: strawberry.ID | None = strawberry.field(
        default=None,
        description="The sign-in session a user acted in (an opaque id); null for API clients.",
    )


@strawberry.type(
    description="One field's value before and after a change, as JSON text; "
    'sensitive values show as "***". Values pass the same policy as the record\'s own fields: '
    "a field your role may not read (pay, billing, clinical, HR, identity) is named with both "
    "values null, and the parts of a value it may not read are left out."
)
class FieldChange:
    field: str = strawberry.field(description="The field, by its GraphQL name.")
    before: str | None = strawberry.field(description="The value before, as JSON; null if none.")
    after: str | None = strawberry.field(description="The value after, as JSON; null if none.")


@strawberry.type(
    name="AuditEvent",
    description="An entry of the audit trail: who did what to "
    "which record, when and from where. Entries are never changed or removed.",
)
class AuditEvent(Record, Node):
    __model__ = AuditEventDocument
    # the data path judges an entry's changes by the type of the record it is about
    __reads__ = ("record_type",)

    at: dt.datetime = strawberry.field(description="When it happened.")
    action: AuditAction = strawberry.field(description="What was done.")
    record_type: str = strawberry.field(description="The type of the record concerned.")
    fields_read: list[str] = strawberry.field(description="Sensitive fields read, for reads.")
    reason: str | None = strawberry.field(description="The reason given, for a deletion.")
    request_id: str | None = strawberry.field(description="The request's X-Request-Id.")
    client_address: str | None = strawberry.field(description="The caller's network address.")

    @strawberry.field(description="The global ID of the record concerned.")
    @reads("record_type", "record_id")
    def record_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(self.doc["record_type"], self.doc["record_id"]))

    @strawberry.field(description="The record concerned, as it is now; null if it is gone.")
    @reads("record_type", "record_id")
    async def record(self, info: Info) -> Node | None:
        return await load_node(info, self.record_id())

    @strawberry.field(description="Who did it.")
    @reads("actor")
    def actor(self) -> AuditActor:
        actor = self.doc.get("actor") or {}
        kind = str(actor.get("kind", "api_client"))
        key = actor.get("id")
        global_id = to_global_id(ACTOR_TYPES.get(kind, kind), key) if key is not None else None
        session = actor.get("session")
        return AuditActor(
            kind=kind,
            id=strawberry.ID(global_id) if global_id else None,
            name=actor.get("name"),
            session=strawberry.ID(to_global_id("Session", session)) if session else None,
        )

    @strawberry.field(
        description="The fields it changed, with their values before and after; a field your "
        "role may not read on the record type shows both values null (its name stays), and "
        "parts of a value it may not read are left out."
    )
    @reads("changes")
    def changes(self) -> list[FieldChange]:
        return [
            FieldChange(
                field=c["field"], before=as_json(c.get("before")), after=as_json(c.get("after"))
            )
            for c in self.doc.get("changes", [])
        ]
