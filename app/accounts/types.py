"""GraphQL types of the account and its settings."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

import strawberry

from app.accounts.account_settings import Role as RoleModel
from app.accounts.auth import seconds_left
from app.accounts.documents import Account as AccountDocument
from app.accounts.documents import ApiClient as ApiClientDocument
from app.common.codes import Permission
from app.data.policy_checks import account_roles
from app.files.inputs import uploaded_files_edge
from app.graphql.context import Info
from app.graphql.crud import Versioned, payload_type
from app.graphql.modeled import output_type, record_type
from app.graphql.payloads import UserError
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node

Role = output_type(RoleModel)


@record_type(
    AccountDocument,
    name="Account",
    description="An agency: the tenant that owns every other record, with its settings.",
)
class Account(Record, Node, Versioned):
    uploaded_files = uploaded_files_edge()

    @strawberry.field(description="The account number, as the REST API shows it.")
    @reads()
    def number(self) -> int:
        return int(self.doc["_id"])

    @strawberry.field(
        description="Roles and their permissions: the built-in ones (administrator, "
        "scheduler, billing, payroll, caregiver, auditor: the same in every account), then "
        "the account's own."
    )
    def roles(self) -> list[Role]:  # type: ignore[valid-type]
        return [Role.from_doc(role.as_stored()) for role in account_roles(self.doc)]


@strawberry.type(description="The result of exchanging an API key and secret for a token.")
class AuthorizePayload:
    access_token: str | None = strawberry.field(
        description="Send as `Authorization: Bearer <token>` until it expires."
    )
    expires_at: dt.datetime | None = strawberry.field(description="When the token stops working.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")


AccountPayload = payload_type(Account, "account")


@record_type(
    ApiClientDocument,
    name="ApiClient",
    description="A program that acts for the account with one role (an integration, a script, "
    "a partner). Its key and secret are shown once, when it is made or rotated. Visible to "
    "administrators (MANAGE_ACCOUNT) only.",
)
class ApiClient(Record, Node):
    @classmethod
    async def load(cls, info: Info, key: Any) -> Self | None:
        """Only administrators see API clients, through `node` too."""
        if not info.context.may(Permission.MANAGE_ACCOUNT):
            return None
        return await super().load(info, key)

    @strawberry.field(description="Whether it still works: not revoked and not expired.")
    def active(self) -> bool:
        left = seconds_left(self.doc)
        return not self.doc.get("revoked") and (left is None or left > 0)


@strawberry.type(
    description="An API client with its new key and secret: shown this once, never again."
)
class ApiClientCredentialsPayload:
    api_client: ApiClient | None = strawberry.field(description="The client; null if refused.")
    api_key: str | None = strawberry.field(
        description="Its key: `Authorization: Bearer <key>` when the client is key-only, else "
        "exchange it with the secret for a token (`authorize`). Store it now."
    )
    api_secret: str | None = strawberry.field(description="Its secret. Store it now.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")


ApiClientPayload = payload_type(ApiClient, "api_client")
