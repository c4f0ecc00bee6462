"""Finding users."""

from __future__ import annotations

import strawberry

from app.common.inputs import BY_NAME
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.people.inputs import UserFilter, UserOrder
from app.people.types import User


@strawberry.type
class UserQueries:
    @strawberry.field(description="A user by global ID; null if not in your account.")
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        return await User.load(info, decode_id(id, User))

    @strawberry.field(description="A user by their id in another system.")
    async def user_by_ext_id(self, info: Info, ext_id: str) -> User | None:
        doc = await info.context.database.db.users.find_one(info.context.scoped({"ext_id": ext_id}))
        return None if doc is None else User.from_doc(doc)

    @strawberry.field(description="The account's users: staff and caregivers.")
    async def users(
        self,
        info: Info,
        filter: UserFilter | None = None,
        order_by: UserOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[User]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or UserFilter()).query(info)
        return await list_records(info, User, query, order_by, BY_NAME, page)
