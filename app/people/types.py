"""GraphQL types of users."""

from __future__ import annotations

import strawberry

from app.accounts.documents import Role as RoleModel
from app.common.codes import Permission
from app.errors import PublicError
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.modeled import output_type, record_type
from app.graphql.payloads import UserError
from app.graphql.records import Record
from app.graphql.relay import Node
from app.people.documents import User as UserDocument

Role = output_type(RoleModel)


def sensitive(info: Info, value: object) -> object:
    """A sensitive value for roles with VIEW_SENSITIVE; anyone else is told no."""
    caller = info.context.caller
    if value is not None and (caller is None or not caller.may(Permission.VIEW_SENSITIVE)):
        raise PublicError(
            "Your role may not read this field (it needs VIEW_SENSITIVE).", code="FORBIDDEN"
        )
    return value


@record_type(
    UserDocument,
    name="User",
    description="A member of the agency: office staff or a caregiver.",
    exclude=("ssn", "candidate"),
)
class User(Record, Node, Versioned):
    @strawberry.field(description="Social security number; needs VIEW_SENSITIVE.")
    def ssn(self, info: Info) -> str | None:
        return sensitive(info, self.doc.get("ssn"))  # type: ignore[return-value]

    @strawberry.field(description="The user's manager.")
    async def manager(self, info: Info) -> User | None:
        return await User.load(info, self.doc.get("manager"))

    @strawberry.field(description="Who suspended the user, if anyone did.")
    async def suspended_user(self, info: Info) -> User | None:
        return await User.load(info, self.doc.get("_suspended_user"))

    @strawberry.field(description="The user's role in the account, with its permissions.")
    async def role(self, info: Info) -> Role | None:  # type: ignore[valid-type]
        key = self.doc.get("role")
        account = await info.context.loaders.load("accounts", self.doc["_account"])
        found = next((r for r in (account or {}).get("roles", []) if r["key"] == key), None)
        return None if found is None else Role.from_doc(found)

    @strawberry.field(description="The user's full name, first name first.")
    def full_name(self) -> str:
        name = self.doc.get("name") or {}
        return " ".join(str(p) for p in (name.get("first"), name.get("last")) if p)


@strawberry.type(description="The result of a change to a user.")
class UserPayload:
    user: User | None = strawberry.field(description="The user as it now is.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
