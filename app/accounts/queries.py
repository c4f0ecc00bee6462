"""Reading the caller's own account, and its API clients (administrators only)."""

from __future__ import annotations

import strawberry

from app.accounts.inputs import BY_NAME, ApiClientFilter, ApiClientOrder
from app.accounts.types import Account, ApiClient
from app.common.codes import Permission
from app.errors import PublicError
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id


def require_admin(info: Info) -> None:
    if not info.context.may(Permission.MANAGE_ACCOUNT):
        raise PublicError(
            "Only an administrator (MANAGE_ACCOUNT) sees API clients.", code="FORBIDDEN"
        )


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The account (agency) your credentials belong to.")
    async def account(self, info: Info) -> Account:
        found = await Account.load(info, info.context.account_id)
        assert found is not None, "an authenticated caller's account exists"
        return found

    @strawberry.field(
        description="An API client by global ID; null if not in your account. Needs MANAGE_ACCOUNT."
    )
    async def api_client(self, info: Info, id: RecordId) -> ApiClient | None:
        require_admin(info)
        return await ApiClient.load(info, decode_id(id, ApiClient))

    @strawberry.field(
        description="The account's API clients, A to Z unless told; revoked ones only when "
        "the filter asks. Needs MANAGE_ACCOUNT."
    )
    async def api_clients(
        self,
        info: Info,
        filter: Filter[ApiClientFilter] = None,
        order_by: OrderBy[ApiClientOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ApiClient]:
        require_admin(info)
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or ApiClientFilter()).query(info)
        return await list_records(info, ApiClient, query, order_by, BY_NAME, page)
