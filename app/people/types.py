"""GraphQL types of users."""

from __future__ import annotations

import strawberry

from app.accounts.documents import Role as RoleModel
from app.common.types import Person
from app.graphql.connections import related
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.modeled import output_type, record_type
from app.graphql.records import Record
from app.graphql.relay import Node
from app.people.documents import User as UserDocument
from app.people.inputs import UserFilter

Role = output_type(RoleModel)


@record_type(
    UserDocument,
    name="User",
    description="A member of the agency: office staff or a caregiver.",
    exclude=("ssn", "date_of_birth", "candidate"),
)
class User(Record, Node, Versioned, Person):
    reports = related(
        "User", "manager", "The users this user manages, newest first.", filter_input=UserFilter
    )

    @strawberry.field(description="The user's role in the account, with its permissions.")
    async def role(self, info: Info) -> Role | None:  # type: ignore[valid-type]
        key = self.doc.get("role")
        account = await info.context.loaders.load("accounts", self.doc["_account"])
        found = next((r for r in (account or {}).get("roles", []) if r["key"] == key), None)
        return None if found is None else Role.from_doc(found)
