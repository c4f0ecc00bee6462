"""Reading the caller's own account."""

from __future__ import annotations

import strawberry

from app.accounts.types import Account
from app.graphql.context import Info


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The account (agency) your credentials belong to.")
    async def account(self, info: Info) -> Account:
        found = await Account.load(info, info.context.account_id)
        assert found is not None, "an authenticated caller's account exists"
        return found
