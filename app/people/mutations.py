"""Adding, changing, deleting and restoring users."""

from __future__ import annotations

from app.common.codes import Permission
from app.graphql.crud import RecordSpec, record_mutations
from app.people.inputs import UserCreateInput, UserUpdateInput
from app.people.services import user_store
from app.people.types import User

UserMutations = record_mutations(
    RecordSpec(
        node=User,
        field="user",
        store=user_store,
        permission=Permission.MANAGE_STAFF,
        create_input=UserCreateInput,
        plural="users",
        update_input=UserUpdateInput,
    )
)
