"""Inputs of user queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.common.codes import RoleType
from app.common.inputs import PersonFilter
from app.graphql.connections import order_input
from app.graphql.context import Info
from app.graphql.filters import equals_normalised, merge
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type
from app.people.documents import User

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    UserCreateInput = Any
    UserUpdateInput = Any
else:
    UserCreateInput = input_type(User, name="UserCreateInput")
    UserUpdateInput = input_type(User, name="UserUpdateInput", patch=True)


@strawberry.input(description="Which users a list shows. All given conditions must hold.")
class UserFilter(PersonFilter):
    role_type: RoleType | None = strawberry.field(default=None, description="Office or caregiver.")
    role: str | None = strawberry.field(default=None, description="Key of an account role.")
    skill: str | None = strawberry.field(default=None, description="A skill title they have.")
    manager: strawberry.ID | None = strawberry.field(default=None, description="Their manager.")
    ext_id: str | None = strawberry.field(default=None, description="Their id in another system.")
    suspended: bool | None = strawberry.field(default=None, description="Suspended or not.")

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            info.context.scoped(),
            *self.person_clauses(),
            {"role_type": self.role_type.value} if self.role_type else {},
            {"role": self.role} if self.role else {},
            equals_normalised("_search.skills", self.skill),
            {"manager": decode_global_id(self.manager, "User", "filter.manager")}
            if self.manager
            else {},
            {"ext_id": self.ext_id} if self.ext_id else {},
            {"_suspended": True}
            if self.suspended
            else {"_suspended": {"$ne": True}}
            if self.suspended is False
            else {},
        )


@strawberry.enum(description="What a list of users is sorted by.")
class UserOrderField(Enum):
    NAME = strawberry.enum_value("_search.sort", description="Last name, then first name.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When they were added.")


if TYPE_CHECKING:
    UserOrder = Any
else:
    UserOrder = order_input("UserOrder", UserOrderField, "users")
