"""Inputs of user, candidate, client and contact queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

import strawberry

from app.common.codes import RoleType
from app.common.inputs import PersonFilter
from app.graphql.connections import order_input
from app.graphql.context import Info
from app.graphql.filters import (
    DeletedState,
    deleted_clause,
    equals_normalised,
    flag_clause,
    merge,
    search_field,
    words_clause,
)
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type
from app.people.documents import Candidate, CandidateStatus, Client, Contact, PartyType, User

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    UserCreateInput = UserUpdateInput = CandidateCreateInput = CandidateUpdateInput = Any
    ClientCreateInput = ClientUpdateInput = ContactCreateInput = ContactUpdateInput = Any
else:
    UserCreateInput = input_type(User, name="UserCreateInput")
    UserUpdateInput = input_type(User, name="UserUpdateInput", patch=True)
    CandidateCreateInput = input_type(Candidate, name="CandidateCreateInput")
    CandidateUpdateInput = input_type(Candidate, name="CandidateUpdateInput", patch=True)
    ClientCreateInput = input_type(Client, name="ClientCreateInput")
    ClientUpdateInput = input_type(Client, name="ClientUpdateInput", patch=True)
    ContactCreateInput = input_type(Contact, name="ContactCreateInput")
    ContactUpdateInput = input_type(Contact, name="ContactUpdateInput", patch=True)


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
            *self.person_clauses(),
            {"role_type": self.role_type.value} if self.role_type else {},
            {"role": self.role} if self.role else {},
            equals_normalised("_search.skills", self.skill),
            {"manager": decode_global_id(self.manager, "User", "filter.manager")}
            if self.manager
            else {},
            {"ext_id": self.ext_id} if self.ext_id else {},
            flag_clause("_suspended", self.suspended),
        )


@strawberry.enum(description="What a list of users is sorted by.")
class UserOrderField(Enum):
    NAME = strawberry.enum_value("_search.sort", description="Last name, then first name.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When they were added.")


@strawberry.input(description="Which candidates a list shows. All given conditions must hold.")
class CandidateFilter(PersonFilter):
    status: list[CandidateStatus] | None = strawberry.field(
        default=None, description="Any of these pipeline stages."
    )
    skill: str | None = strawberry.field(default=None, description="A skill title they have.")
    hired: bool | None = strawberry.field(default=None, description="Hired or not.")

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            *self.person_clauses(),
            {"status": {"$in": [s.value for s in self.status]}} if self.status else {},
            equals_normalised("_search.skills", self.skill),
            flag_clause("_hired", self.hired),
        )


@strawberry.enum(description="What a list of candidates is sorted by.")
class CandidateOrderField(Enum):
    NAME = strawberry.enum_value("_search.sort", description="Last name, then first name.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When they applied.")
    RATING = strawberry.enum_value("_search.rating", description="Rating; unrated ones lowest.")


@strawberry.input(description="Conditions on clients and contacts: companies or persons.")
class PartyFilter:
    """The conditions clients and contacts share; each list names its own filter type."""

    type_key: ClassVar[str] = "type"
    search: str | None = search_field(
        "Words that start words of the company's or the contact person's name; "
        "case and accents ignored."
    )
    type: PartyType | None = strawberry.field(default=None, description="Companies or persons.")
    city: str | None = strawberry.field(default=None, description="A city of their addresses.")
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted records too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return party_query(info, self, self.type_key)


@strawberry.input(description="Which clients a list shows. All given conditions must hold.")
class ClientFilter(PartyFilter):
    type_key: ClassVar[str] = "type"


@strawberry.input(description="Which contacts a list shows. All given conditions must hold.")
class ContactFilter(PartyFilter):
    type_key: ClassVar[str] = "_type"


def party_query(info: Info, filter: PartyFilter, type_key: str) -> dict[str, Any]:
    return merge(
        words_clause("_search.name", filter.search),
        {type_key: filter.type.value} if filter.type else {},
        equals_normalised("_search.city", filter.city),
        deleted_clause(filter.deleted),
    )


@strawberry.enum(description="What a list of clients or contacts is sorted by.")
class PartyOrderField(Enum):
    NAME = strawberry.enum_value(
        "_search.sort", description="A company's name, or a person's last then first name."
    )
    CREATED_DATE = strawberry.enum_value("_created_date", description="When they were added.")


if TYPE_CHECKING:
    UserOrder = Any
    CandidateOrder = Any
    ClientOrder = Any
    ContactOrder = Any
else:
    UserOrder = order_input("UserOrder", UserOrderField, "users")
    CandidateOrder = order_input("CandidateOrder", CandidateOrderField, "candidates")
    ClientOrder = order_input("ClientOrder", PartyOrderField, "clients")
    ContactOrder = order_input("ContactOrder", PartyOrderField, "contacts")
