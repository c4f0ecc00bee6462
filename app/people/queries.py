"""Finding users."""

from __future__ import annotations

import strawberry

from app.graphql.connections import Connection, Ordering, Page, paginate
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
        query = (filter or UserFilter()).query(info)
        ordering = order_by.ordering() if order_by else Ordering("_search.sort")
        page = Page(first=first, after=after, last=last, before=before)
        return await paginate(info, "users", query, ordering, page, User.from_doc)
