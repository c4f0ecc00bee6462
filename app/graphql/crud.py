"""The four mutations every record has (create, update, delete, restore), written once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry

from app.audit.queries import audit_page
from app.audit.types import AuditEvent
from app.common.codes import Permission
from app.common.services import Actor, RawDoc
from app.common.text import camel
from app.data.records import RecordStore
from app.db import Database
from app.graphql.connections import Connection, Page
from app.graphql.context import Info
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import UserError, attempt
from app.graphql.records import Record
from app.graphql.relay import type_name_of

Action = Callable[[RecordStore, Actor], Awaitable[RawDoc]]


@strawberry.interface(description="A record that changes: every change bumps its revision.")
class Versioned:
    @strawberry.field(
        description="Bumped by every change; send it back with an update, which "
        "is refused with CONFLICT if the record has moved on."
    )
    def revision(self) -> int:
        record: Record = self  # type: ignore[assignment]
        return int(record.doc.get("_revision", 1))

    @strawberry.field(
        description="The audit entries about this record, newest first. Needs VIEW_AUDIT."
    )
    async def history(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEvent]:
        record: Record = self  # type: ignore[assignment]
        about = {"record_type": type_name_of(type(self)), "record_id": record.doc["_id"]}
        page = Page(first=first, after=after, last=last, before=before)
        return await audit_page(info, about, page)


@dataclass(frozen=True)
class RecordSpec:
    """What the generic mutations need to know of one record type."""

    node: type[Record]
    field: str
    store: Callable[[Database], RecordStore]
    permission: Permission
    create_input: type
    update_input: type
    plural: str

    def key(self, global_id: str) -> Any:
        return decode_global_id(global_id, type_name_of(self.node), "id")


_payloads: dict[tuple[type, str], type] = {}
_import_payloads: dict[tuple[type, str], type] = {}
# Payload types by record type and field: each is made once, and found again by name.


def payload_type(node: type[Record], field: str) -> type:
    """`<Record>Payload`: the record as it now is, or the user errors that kept it unchanged.
    Made once per record type: hand-written mutations answer with the same type."""
    if (node, field) in _payloads:
        return _payloads[(node, field)]
    name = f"{type_name_of(node)}Payload"
    namespace = {
        "__annotations__": {field: node | None, "user_errors": list[UserError]},
        field: strawberry.field(description=f"The {field} as it now is; null if refused."),
        "user_errors": strawberry.field(description="Why it was refused; empty on success."),
    }
    cls = type(name, (), namespace)
    _payloads[(node, field)] = strawberry.type(
        cls, name=name, description=f"The result of a change to the {field.replace('_', ' ')}."
    )
    return _payloads[(node, field)]


def import_payload_type(node: type[Record], plural: str) -> type:
    """`<Record>ImportPayload`: every record created, or the user errors that created none."""
    if (node, plural) in _import_payloads:
        return _import_payloads[(node, plural)]
    name = f"{type_name_of(node)}ImportPayload"
    namespace = {
        "__annotations__": {plural: list[node], "user_errors": list[UserError]},  # type: ignore[valid-type]
        plural: strawberry.field(
            description=f"The {plural} created, in the order given; empty if refused."
        ),
        "user_errors": strawberry.field(description="Why they were refused; empty on success."),
    }
    cls = type(name, (), namespace)
    _import_payloads[(node, plural)] = strawberry.type(
        cls, name=name, description=f"The result of an import of {plural}."
    )
    return _import_payloads[(node, plural)]


def record_mutations(spec: RecordSpec) -> type:
    """A type holding `<record>Create`, `…Update`, `…Delete`, `…Restore` and `…Import`."""
    payload = payload_type(spec.node, spec.field)
    imported = import_payload_type(spec.node, spec.plural)

    async def perform(info: Info, action: Action) -> Any:
        async def act() -> Record:
            actor = actor_of(info, spec.permission)
            store = spec.store(info.context.database)
            return spec.node.from_doc(await action(store, actor))

        record, errors = await attempt(act())
        return payload(**{spec.field: record, "user_errors": errors})

    async def create(info: Info, input: Any) -> Any:
        return await perform(
            info, lambda store, actor: store.create(actor, input_data(input, store.model))
        )

    async def update(info: Info, id: strawberry.ID, revision: int, input: Any) -> Any:
        return await perform(
            info,
            lambda store, actor: store.update(
                actor, spec.key(id), revision, input_data(input, store.model)
            ),
        )

    async def delete(
        info: Info, id: strawberry.ID, reason: str, revision: int | None = None
    ) -> Any:
        return await perform(
            info, lambda store, actor: store.delete(actor, spec.key(id), reason, revision)
        )

    async def restore(info: Info, id: strawberry.ID) -> Any:
        return await perform(info, lambda store, actor: store.restore(actor, spec.key(id)))

    async def import_(info: Info, input: Any) -> Any:
        async def act() -> list[Record]:
            actor = actor_of(info, spec.permission)
            store = spec.store(info.context.database)
            items = [input_data(item, store.model, f"input.{i}") for i, item in enumerate(input)]
            return spec.node.from_docs(await store.create_many(actor, items))

        records, errors = await attempt(act())
        return imported(**{spec.plural: records or [], "user_errors": errors})

    # The input types are derived at run time, so the annotations are set here, as objects.
    create.__annotations__["input"] = spec.create_input
    update.__annotations__["input"] = spec.update_input
    import_.__annotations__["input"] = list[spec.create_input]  # type: ignore[name-defined]
    for resolver in (create, update, delete, restore, import_):
        resolver.__annotations__["return"] = imported if resolver is import_ else payload
        resolver.__annotations__["info"] = Info
    what, needs = spec.field.replace("_", " "), f"Needs {spec.permission.name}."
    plural = spec.plural.replace("_", " ")
    descriptions = {
        create: f"Add a {what}. {needs}",
        update: f"Change a {what}: fields left out stay as they are; lists given replace the "
        f"stored lists whole. Refused with CONFLICT if `revision` is not the current one. {needs}",
        delete: f"Soft-delete a {what}, saying why; it can be restored. {needs}",
        restore: f"Restore a deleted {what}. {needs}",
        import_: f"Create many {plural} at once, all or nothing: one invalid item refuses "
        f"them all (its errors name its index) and nothing is written; at most 5000. For "
        f"migrations from another system. {needs}",
    }
    namespace: dict[str, Any] = {}
    for resolver, verb in (
        (create, "create"),
        (update, "update"),
        (delete, "delete"),
        (restore, "restore"),
        (import_, "import"),
    ):
        namespace[f"{spec.field}_{verb}"] = strawberry.mutation(
            resolver=resolver,
            name=camel(f"{spec.field}_{verb}"),
            description=descriptions[resolver],
        )
    name = f"{type_name_of(spec.node)}Mutations"
    return strawberry.type(type(name, (), namespace), name=name)
