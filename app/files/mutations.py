"""Changing, deleting and restoring files. Files are created only by an upload (POST /files).

The permission needed depends on what the file belongs to (MANAGE_PATIENTS for patients' and
contacts' files, MANAGE_STAFF for users' and candidates', MANAGE_ACCOUNT for the account's), so
these are written out here rather than by `record_mutations`, in the same shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import strawberry

from app.common.services import Actor, RawDoc
from app.data.records import RecordStore
from app.errors import ErrorCode, ServiceError
from app.files.documents import owner_kind
from app.files.inputs import FileUpdateInput
from app.files.services import file_store, require_permission
from app.files.types import File
from app.graphql.arguments import PATCH, Changes, OptionalRevision, Reason, RecordId, Revision
from app.graphql.context import Info
from app.graphql.crud import payload_type
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import attempt

if TYPE_CHECKING:
    FilePayload = Any
else:
    FilePayload = payload_type(File, "file")

Change = Callable[[RecordStore, Actor, Any], Awaitable[RawDoc]]
NEEDS = "Needs MANAGE_PATIENTS for a patient's or contact's file, MANAGE_STAFF for a user's or "
NEEDS += "candidate's, MANAGE_ACCOUNT for the account's."


async def _change(info: Info, id: str, change: Change) -> Any:
    """Find the file, check the caller may change files of its owner, then apply the change."""

    async def act() -> File:
        actor = actor_of(info)
        key = decode_global_id(id, "File", "id")
        store = file_store(info.context.database)
        current = await store.get(actor, key)
        caller = info.context.caller
        assert caller is not None  # actor_of refused an anonymous caller
        kind = owner_kind(current.get("owner"))
        if kind is None:
            raise ServiceError.one("This file belongs to nothing known.", ErrorCode.INVALID_STATE)
        require_permission(caller.may, caller.role, kind)
        return File.from_doc(await change(store, actor, key))

    record, errors = await attempt(act())
    return FilePayload(file=record, user_errors=errors)


@strawberry.type
class FileMutations:
    @strawberry.mutation(
        description="Change a file's name, type or notes (its content never changes: upload "
        f"a new file instead). {PATCH} Refused with CONFLICT if `revision` is not the current "
        "one. " + NEEDS
    )
    async def file_update(
        self, info: Info, id: RecordId, revision: Revision, input: Changes[FileUpdateInput]
    ) -> FilePayload:
        def change(store: RecordStore, actor: Actor, key: Any) -> Awaitable[RawDoc]:
            return store.update(actor, key, revision, input_data(input, store.model))

        return await _change(info, id, change)

    @strawberry.mutation(
        description="Soft-delete a file, saying why: it leaves lists and can no longer be "
        "downloaded, and can be restored. " + NEEDS
    )
    async def file_delete(
        self, info: Info, id: RecordId, reason: Reason, revision: OptionalRevision = None
    ) -> FilePayload:
        def change(store: RecordStore, actor: Actor, key: Any) -> Awaitable[RawDoc]:
            return store.delete(actor, key, reason, revision)

        return await _change(info, id, change)

    @strawberry.mutation(description="Restore a deleted file. " + NEEDS)
    async def file_restore(self, info: Info, id: RecordId) -> FilePayload:
        def change(store: RecordStore, actor: Actor, key: Any) -> Awaitable[RawDoc]:
            return store.restore(actor, key)

        return await _change(info, id, change)
