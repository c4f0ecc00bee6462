"""Signing in and changing the account's settings."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.accounts import services
from app.accounts.client_mutations import ApiClientMutations
from app.accounts.documents import Account as AccountDocument
from app.accounts.inputs import AccountUpdateInput
from app.accounts.revocation import credentials_changed
from app.accounts.throttle import first_attempt
from app.accounts.types import Account, AccountPayload, AuthorizePayload
from app.common.codes import Permission
from app.data.unit import Tx
from app.errors import ErrorCode, Problem
from app.graphql.arguments import Changes, Revision
from app.graphql.context import Info
from app.graphql.inputs import actor_of, input_data
from app.graphql.payloads import UserError, attempt
from app.keys import AUTHENTICATOR

__all__ = ["AccountMutations", "ApiClientMutations"]

ONE_AUTHORIZE = "Send one authorize per request: the others were not tried."


async def note_account_change(tx: Tx) -> None:
    """Roles or the account's state may change: every process looks its callers up anew."""
    await credentials_changed(tx, "account")


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Exchange an API key and secret for an access token that expires "
        "(seed 001's flow; also at POST /api/authorize). Needs no other credentials. After 10 "
        "failures in 15 minutes for a key or from an address: HTTP 429 with Retry-After. One "
        "per request: aliases of it after the first are refused untried."
    )
    async def authorize(
        self,
        info: Info,
        api_key: Annotated[str, strawberry.argument(description="The API client's key.")],
        api_secret: Annotated[str, strawberry.argument(description="The API client's secret.")],
    ) -> AuthorizePayload:
        context = info.context
        if not first_attempt(context.request, "authorize"):
            refused = [UserError.of(Problem(ONE_AUTHORIZE, ErrorCode.INVALID))]
            return AuthorizePayload(access_token=None, expires_at=None, user_errors=refused)
        address = context.request.remote if context.request is not None else None
        result, errors = await attempt(
            services.authorize(
                context.database,
                context.settings,
                api_key,
                api_secret,
                request_id=context.request_id,
                client_address=address,
            )
        )
        token, expires_at = (result[0], result[1]) if result else (None, None)
        return AuthorizePayload(access_token=token, expires_at=expires_at, user_errors=errors)

    @strawberry.mutation(
        description="Change the account's details and settings. Lists given replace the "
        "stored lists whole. Needs MANAGE_ACCOUNT."
    )
    async def account_update(
        self, info: Info, revision: Revision, input: Changes[AccountUpdateInput]
    ) -> AccountPayload:  # type: ignore[valid-type]
        async def update() -> Account:
            actor = actor_of(info, Permission.MANAGE_ACCOUNT)
            store = services.account_store(info.context.database)
            changes = input_data(input, AccountDocument)
            updated = await store.update(
                actor, actor.account_id, revision, changes, also=note_account_change
            )
            return Account.from_doc(updated)

        account, errors = await attempt(update())
        request = info.context.request
        if account is not None and request is not None:
            # roles or the account's state may have changed: signed-in callers are looked up anew
            request.app[AUTHENTICATOR].forget(info.context.account_id)
        return AccountPayload(account=account, user_errors=errors)
