"""Signing in and changing the account's settings."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.accounts import services
from app.accounts.documents import Account as AccountDocument
from app.accounts.inputs import AccountUpdateInput
from app.accounts.types import Account, AccountPayload, AuthorizePayload
from app.common.codes import Permission
from app.graphql.arguments import PATCH, Changes, Revision
from app.graphql.context import Info
from app.graphql.inputs import actor_of, input_data
from app.graphql.payloads import attempt
from app.keys import AUTHENTICATOR


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Exchange an API key and secret for an access token that expires "
        "(seed 001's flow; also at POST /api/authorize). Needs no other credentials."
    )
    async def authorize(
        self,
        info: Info,
        api_key: Annotated[str, strawberry.argument(description="The API client's key.")],
        api_secret: Annotated[str, strawberry.argument(description="The API client's secret.")],
    ) -> AuthorizePayload:
        context = info.context
        address = context.request.remote if context.request is not None else None
        result, errors = await attempt(
            services.authorize(
                context.database,
                api_key,
                api_secret,
                context.settings.access_token_ttl_seconds,
                request_id=context.request_id,
                client_address=address,
            )
        )
        token, expires_at = (result[0], result[1]) if result else (None, None)
        return AuthorizePayload(access_token=token, expires_at=expires_at, user_errors=errors)

    @strawberry.mutation(
        description=f"Change the account's details and settings. {PATCH} Refused with "
        "CONFLICT if `revision` is not the current one. Needs MANAGE_ACCOUNT."
    )
    async def account_update(
        self, info: Info, revision: Revision, input: Changes[AccountUpdateInput]
    ) -> AccountPayload:  # type: ignore[valid-type]
        async def update() -> Account:
            actor = actor_of(info, Permission.MANAGE_ACCOUNT)
            store = services.account_store(info.context.database)
            changes = input_data(input, AccountDocument)
            return Account.from_doc(await store.update(actor, actor.account_id, revision, changes))

        account, errors = await attempt(update())
        request = info.context.request
        if account is not None and request is not None:
            # roles or the account's state may have changed: signed-in callers are looked up anew
            request.app[AUTHENTICATOR].forget(info.context.account_id)
        return AccountPayload(account=account, user_errors=errors)
