"""Adding, changing, deleting and restoring users."""

from __future__ import annotations

import strawberry

from app.common.codes import Permission
from app.graphql.context import Info
from app.graphql.crud import create_record, delete_record, restore_record, update_record
from app.people.inputs import UserCreateInput, UserUpdateInput
from app.people.services import user_store
from app.people.types import User, UserPayload

MANAGE = Permission.MANAGE_STAFF


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Add a user. Needs MANAGE_STAFF.")
    async def user_create(self, info: Info, input: UserCreateInput) -> UserPayload:
        store = user_store(info.context.database)
        user, errors = await create_record(info, store, User, input, MANAGE)
        return UserPayload(user=user, user_errors=errors)

    @strawberry.mutation(
        description="Change a user; fields left out stay as they are, lists "
        "given replace the stored lists. Needs MANAGE_STAFF."
    )
    async def user_update(
        self, info: Info, id: strawberry.ID, revision: int, input: UserUpdateInput
    ) -> UserPayload:
        store = user_store(info.context.database)
        user, errors = await update_record(info, store, User, id, revision, input, MANAGE)
        return UserPayload(user=user, user_errors=errors)

    @strawberry.mutation(description="Soft-delete a user, saying why. Needs MANAGE_STAFF.")
    async def user_delete(
        self, info: Info, id: strawberry.ID, reason: str, revision: int | None = None
    ) -> UserPayload:
        store = user_store(info.context.database)
        user, errors = await delete_record(info, store, User, id, reason, revision, MANAGE)
        return UserPayload(user=user, user_errors=errors)

    @strawberry.mutation(description="Restore a deleted user. Needs MANAGE_STAFF.")
    async def user_restore(self, info: Info, id: strawberry.ID) -> UserPayload:
        store = user_store(info.context.database)
        user, errors = await restore_record(info, store, User, id, MANAGE)
        return UserPayload(user=user, user_errors=errors)
