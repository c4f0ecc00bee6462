"""The five mutations every record has (create, update, delete, restore, import), written once.

A domain's `mutations.py` names each one, `patient_update = update_mutation(PATIENT,
"patientUpdate")`, so a search for a mutation's name finds where it is defined.
"""

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
from app.graphql.arguments import (
    PATCH,
    After,
    Before,
    First,
    Last,
    OptionalRevision,
    Reason,
    RecordId,
    Revision,
    described,
)
from app.graphql.connections import Connection, Page
from app.graphql.context import Info
from app.graphql.guards import gated_field
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import UserError, attempt
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import type_name_of

Action = Callable[[RecordStore, Actor], Awaitable[RawDoc]]


@strawberry.interface(description="A record that changes: every change bumps its revision.")
class Versioned:
    @strawberry.field(
        description="Bumped by every change; send it back with an update, which "
        "is refused with CONFLICT if the record has moved on."
    )
    @reads("_revision")
    def revision(self) -> int:
        record: Record = self  # type: ignore[assignment]
        return int(record.doc.get("_revision", 1))

    @gated_field("AuditEvent", "The audit entries about this record, newest first.")
    @reads("_id")
    async def history(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AuditEvent] | None:
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

    @property
    def what(self) -> str:
        """The record in words: `progress note`."""
        return self.field.replace("_", " ")


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


def _perform(spec: RecordSpec) -> Callable[[Info, Action], Awaitable[Any]]:
    """Run one store action as the caller, answering the record's payload."""
    payload = payload_type(spec.node, spec.field)

    async def perform(info: Info, action: Action) -> Any:
        async def act() -> Record:
            actor = actor_of(info, spec.permission)
            store = spec.store(info.context.database)
            return spec.node.from_doc(await action(store, actor))

        record, errors = await attempt(act())
        return payload(**{spec.field: record, "user_errors": errors})

    return perform


def _a(what: str) -> str:
    """The record's name with its article: a patient, an invoice."""
    return f"an {what}" if what[:1] in "aeio" else f"a {what}"


def _mutation(spec: RecordSpec, verb: str, name: str, resolver: Any, description: str) -> Any:
    """The field of a generic mutation, under the name the contract gives it
    (`<record><Verb>`): a name that drifts from the record's is refused at import."""
    expected = camel(f"{spec.field}_{verb}")
    if name != expected:
        raise ValueError(f"The {verb} mutation of {spec.field} is named {expected!r}, not {name!r}")
    returns = import_payload_type(spec.node, spec.plural) if verb == "import" else None
    resolver.__annotations__["return"] = returns or payload_type(spec.node, spec.field)
    resolver.__annotations__["info"] = Info
    needs = f"Needs {spec.permission.name}."
    return strawberry.mutation(resolver=resolver, name=name, description=f"{description} {needs}")


def create_mutation(spec: RecordSpec, name: str) -> Any:
    """`<record>Create`: add a record."""
    perform = _perform(spec)

    async def create(info: Info, input: Any) -> Any:
        return await perform(
            info, lambda store, actor: store.create(actor, input_data(input, store.model))
        )

    # The input types are derived at run time, so the annotations are set here, as objects.
    create.__annotations__["input"] = described(spec.create_input, f"The new {spec.what}.")
    return _mutation(spec, "create", name, create, f"Add {_a(spec.what)}.")


def update_mutation(spec: RecordSpec, name: str) -> Any:
    """`<record>Update`: change a record, checked against the revision it was based on."""
    perform = _perform(spec)

    async def update(info: Info, id: RecordId, revision: Revision, input: Any) -> Any:
        return await perform(
            info,
            lambda store, actor: store.update(
                actor, spec.key(id), revision, input_data(input, store.model)
            ),
        )

    update.__annotations__["input"] = described(spec.update_input, f"What to change. {PATCH}")
    return _mutation(
        spec,
        "update",
        name,
        update,
        f"Change {_a(spec.what)}. {PATCH} Refused with CONFLICT if `revision` is not the "
        "current one.",
    )


def delete_mutation(spec: RecordSpec, name: str) -> Any:
    """`<record>Delete`: a soft deletion, with its reason."""
    perform = _perform(spec)

    async def delete(
        info: Info, id: RecordId, reason: Reason, revision: OptionalRevision = None
    ) -> Any:
        return await perform(
            info, lambda store, actor: store.delete(actor, spec.key(id), reason, revision)
        )

    description = f"Soft-delete {_a(spec.what)}, saying why; it can be restored."
    return _mutation(spec, "delete", name, delete, description)


def restore_mutation(spec: RecordSpec, name: str) -> Any:
    """`<record>Restore`: undo a soft deletion."""
    perform = _perform(spec)

    async def restore(info: Info, id: RecordId) -> Any:
        return await perform(info, lambda store, actor: store.restore(actor, spec.key(id)))

    return _mutation(spec, "restore", name, restore, f"Restore a deleted {spec.what}.")


def import_mutation(spec: RecordSpec, name: str) -> Any:
    """`<record>Import`: many records at once, all or nothing."""
    imported = import_payload_type(spec.node, spec.plural)
    plural = spec.plural.replace("_", " ")

    async def import_(info: Info, input: Any) -> Any:
        async def act() -> list[Record]:
            actor = actor_of(info, spec.permission)
            if not input:  # nothing to import is nothing imported, as for a list of one
                return []
            store = spec.store(info.context.database)
            items = [input_data(item, store.model, f"input.{i}") for i, item in enumerate(input)]
            return spec.node.from_docs(await store.create_many(actor, items))

        records, errors = await attempt(act())
        return imported(**{spec.plural: records or [], "user_errors": errors})

    import_.__annotations__["input"] = described(
        list[spec.create_input],  # type: ignore[name-defined]
        f"The {plural} to create, in this order; at most 5000.",
    )
    return _mutation(
        spec,
        "import",
        name,
        import_,
        f"Create many {plural} at once, all or nothing: one invalid item refuses them all (its "
        "errors name its index) and nothing is written; at most 5000 (an empty list imports "
        "nothing and answers an empty list). For migrations from another system.",
    )
