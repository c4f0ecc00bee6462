"""Exchanging keys for tokens, changing the account's settings, and managing API clients
(make, change, rotate and revoke: administrators only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import Annotated

import strawberry

from app.accounts import clients, services
from app.accounts.documents import Account as AccountDocument
from app.accounts.inputs import AccountUpdateInput, ApiClientUpdateInput
from app.accounts.revocation import credentials_changed
from app.accounts.throttle import first_attempt
from app.accounts.types import (
    Account,
    AccountPayload,
    ApiClient,
    ApiClientCredentialsPayload,
    ApiClientPayload,
    AuthorizePayload,
)
from app.common.codes import Permission
from app.common.services import RawDoc
from app.data.unit import Tx
from app.errors import ErrorCode, Problem
from app.graphql.arguments import PATCH, Changes, RecordId, Revision
from app.graphql.context import Info
from app.graphql.inputs import actor_of, decode_global_id, input_data
from app.graphql.payloads import UserError, attempt
from app.keys import AUTHENTICATOR

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


def forget_here(info: Info, client: RawDoc | None) -> None:
    """This process forgets the client at once; the others within a second (revocation.py)."""
    request = info.context.request
    if client is not None and request is not None:
        request.app[AUTHENTICATOR].forget_principal("api_client", client["_id"])


async def issued(info: Info, work: Awaitable[clients.Issued]) -> ApiClientCredentialsPayload:
    result, errors = await attempt(work)
    forget_here(info, result.client if result else None)
    return ApiClientCredentialsPayload(
        api_client=ApiClient.from_doc(result.client) if result else None,
        api_key=result.key if result else None,
        api_secret=result.secret if result else None,
        user_errors=errors,
    )


async def changed(info: Info, work: Awaitable[RawDoc]) -> ApiClientPayload:  # type: ignore[valid-type]
    result, errors = await attempt(work)
    forget_here(info, result)
    return ApiClientPayload(
        api_client=ApiClient.from_doc(result) if result else None, user_errors=errors
    )


def client_key(id: strawberry.ID) -> object:
    return decode_global_id(id, "ApiClient", "id")


@strawberry.type
class ApiClientMutations:
    @strawberry.mutation(
        description="Make an API client acting with one of the account's roles. Its key and "
        "secret are in the answer, and never shown again. By default (`keyOnly: false`) it "
        "exchanges them for access tokens (`authorize`); `keyOnly: true` lets its key alone "
        "work, as seed 000's clients send it. Audited. Needs MANAGE_ACCOUNT."
    )
    async def api_client_create(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="What the program is, for people.")],
        role: Annotated[str, strawberry.argument(description="The key of the role it acts with.")],
        expires_at: Annotated[
            dt.datetime | None,
            strawberry.argument(description="When its key and secret stop working; none: never."),
        ] = None,
        key_only: Annotated[
            bool,
            strawberry.argument(
                description="Whether its key alone is a credential (seed 000's form); false: "
                "it exchanges key and secret for access tokens."
            ),
        ] = False,
    ) -> ApiClientCredentialsPayload:
        async def work() -> clients.Issued:
            actor_of(info, Permission.MANAGE_ACCOUNT)
            return await clients.create_client(info.context.scope, name, role, expires_at, key_only)

        return await issued(info, work())

    @strawberry.mutation(
        description="Change an API client's name, role, expiry or whether its key alone "
        f"works. {PATCH} It applies from its next request, in every server process. Audited. "
        "Needs MANAGE_ACCOUNT."
    )
    async def api_client_update(
        self, info: Info, id: RecordId, input: Changes[ApiClientUpdateInput]
    ) -> ApiClientPayload:  # type: ignore[valid-type]
        async def work() -> RawDoc:
            actor_of(info, Permission.MANAGE_ACCOUNT)
            changes = input_data(input)
            return await clients.update_client(info.context.scope, client_key(id), changes)

        return await changed(info, work())

    @strawberry.mutation(
        description="Give an API client a new key and secret, shown this once; the old ones "
        "and its access tokens stop working at once, in every server process. Audited. Needs "
        "MANAGE_ACCOUNT."
    )
    async def api_client_rotate(self, info: Info, id: RecordId) -> ApiClientCredentialsPayload:
        async def work() -> clients.Issued:
            actor_of(info, Permission.MANAGE_ACCOUNT)
            return await clients.rotate_client(info.context.scope, client_key(id))

        return await issued(info, work())

    @strawberry.mutation(
        description="Revoke an API client for good: its key, secret and access tokens stop "
        "working within a second in every server process. Audited. Needs MANAGE_ACCOUNT."
    )
    async def api_client_revoke(
        self,
        info: Info,
        id: RecordId,
        reason: Annotated[
            str | None,
            strawberry.argument(description="Why, in your words; kept in the audit trail."),
        ] = None,
    ) -> ApiClientPayload:  # type: ignore[valid-type]
        async def work() -> RawDoc:
            actor_of(info, Permission.MANAGE_ACCOUNT)
            return await clients.revoke_client(info.context.scope, client_key(id), reason)

        return await changed(info, work())
