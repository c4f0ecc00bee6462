"""The four mutations every record has (create, update, delete, restore), written once."""

from __future__ import annotations

from typing import Any, TypeVar

import strawberry

from app.common.codes import Permission
from app.common.services import RecordStore
from app.graphql.context import Info
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import UserError, attempt
from app.graphql.records import Record
from app.graphql.relay import type_name_of

N = TypeVar("N", bound=Record)


@strawberry.interface(description="A record that changes: every change bumps its revision.")
class Versioned:
    @strawberry.field(
        description="Bumped by every change; send it back with an update, which "
        "is refused with CONFLICT if the record has moved on."
    )
    def revision(self) -> int:
        record: Record = self  # type: ignore[assignment]
        return int(record.doc.get("_revision", 1))


async def create_record(
    info: Info, store: RecordStore, node: type[N], input: Any, permission: Permission
) -> tuple[N | None, list[UserError]]:
    async def run() -> N:
        actor = actor_of(info, permission)
        return node.from_doc(await store.create(actor, input_data(input, store.model)))

    return await attempt(run())


async def update_record(
    info: Info,
    store: RecordStore,
    node: type[N],
    id: strawberry.ID,
    revision: int,
    input: Any,
    permission: Permission,
) -> tuple[N | None, list[UserError]]:
    async def run() -> N:
        actor = actor_of(info, permission)
        key = decode_global_id(id, type_name_of(node), "id")
        changes = input_data(input, store.model)
        return node.from_doc(await store.update(actor, key, revision, changes))

    return await attempt(run())


async def delete_record(
    info: Info,
    store: RecordStore,
    node: type[N],
    id: strawberry.ID,
    reason: str,
    revision: int | None,
    permission: Permission,
) -> tuple[N | None, list[UserError]]:
    async def run() -> N:
        actor = actor_of(info, permission)
        key = decode_global_id(id, type_name_of(node), "id")
        return node.from_doc(await store.delete(actor, key, reason, revision))

    return await attempt(run())


async def restore_record(
    info: Info, store: RecordStore, node: type[N], id: strawberry.ID, permission: Permission
) -> tuple[N | None, list[UserError]]:
    async def run() -> N:
        actor = actor_of(info, permission)
        key = decode_global_id(id, type_name_of(node), "id")
        return node.from_doc(await store.restore(actor, key))

    return await attempt(run())
