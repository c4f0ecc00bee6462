"""Finding users, candidates, clients and contacts."""

from __future__ import annotations

from typing import Any

import strawberry

from app.common.inputs import BY_NAME
from app.graphql.arguments import After, Before, ExtId, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.people.inputs import (
    CandidateFilter,
    CandidateOrder,
    ClientFilter,
    ClientOrder,
    ContactFilter,
    ContactOrder,
    UserFilter,
    UserOrder,
)
from app.people.types import Candidate, Client, Contact, User


async def by_ext_id(info: Info, node: Any, ext_id: ExtId) -> Any:
    """The record of that type with this id in another system, in the caller's account."""
    doc = await info.context.scope[node.collection()].find_one({"ext_id": ext_id})
    return None if doc is None else node.from_doc(doc)


@strawberry.type
class UserQueries:
    @strawberry.field(description="A user by global ID; null if not in your account.")
    async def user(self, info: Info, id: RecordId) -> User | None:
        return await User.load(info, decode_id(id, User))

    @strawberry.field(description="A user by their id in another system.")
    async def user_by_ext_id(self, info: Info, ext_id: ExtId) -> User | None:
        found: User | None = await by_ext_id(info, User, ext_id)
        return found

    @strawberry.field(description="The account's users: staff and caregivers.")
    async def users(
        self,
        info: Info,
        filter: Filter[UserFilter] = None,
        order_by: OrderBy[UserOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or UserFilter()).query(info)
        return await list_records(info, User, query, order_by, BY_NAME, page)


@strawberry.type
class CandidateQueries:
    @strawberry.field(description="A candidate by global ID; null if not in your account.")
    async def candidate(self, info: Info, id: RecordId) -> Candidate | None:
        return await Candidate.load(info, decode_id(id, Candidate))

    @strawberry.field(description="A candidate by their id in another system.")
    async def candidate_by_ext_id(self, info: Info, ext_id: ExtId) -> Candidate | None:
        found: Candidate | None = await by_ext_id(info, Candidate, ext_id)
        return found

    @strawberry.field(description="The account's candidates for hire, by name unless told.")
    async def candidates(
        self,
        info: Info,
        filter: Filter[CandidateFilter] = None,
        order_by: OrderBy[CandidateOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Candidate]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or CandidateFilter()).query(info)
        return await list_records(info, Candidate, query, order_by, BY_NAME, page)


@strawberry.type
class ClientQueries:
    @strawberry.field(description="A client by global ID; null if not in your account.")
    async def client(self, info: Info, id: RecordId) -> Client | None:
        return await Client.load(info, decode_id(id, Client))

    @strawberry.field(description="A client by their id in another system.")
    async def client_by_ext_id(self, info: Info, ext_id: ExtId) -> Client | None:
        found: Client | None = await by_ext_id(info, Client, ext_id)
        return found

    @strawberry.field(description="The account's clients (who pay), by name unless told.")
    async def clients(
        self,
        info: Info,
        filter: Filter[ClientFilter] = None,
        order_by: OrderBy[ClientOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Client]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or ClientFilter()).query(info)
        return await list_records(info, Client, query, order_by, BY_NAME, page)


@strawberry.type
class ContactQueries:
    @strawberry.field(description="A contact by global ID; null if not in your account.")
    async def contact(self, info: Info, id: RecordId) -> Contact | None:
        return await Contact.load(info, decode_id(id, Contact))

    @strawberry.field(description="A contact by their id in another system.")
    async def contact_by_ext_id(self, info: Info, ext_id: ExtId) -> Contact | None:
        found: Contact | None = await by_ext_id(info, Contact, ext_id)
        return found

    @strawberry.field(
        description="The account's contacts (doctors, family, referrers, case managers), by "
        "name unless told."
    )
    async def contacts(
        self,
        info: Info,
        filter: Filter[ContactFilter] = None,
        order_by: OrderBy[ContactOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Contact]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or ContactFilter()).query(info)
        return await list_records(info, Contact, query, order_by, BY_NAME, page)
