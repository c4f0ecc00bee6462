"""GraphQL types of the account and its settings."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.accounts.documents import Account as AccountDocument
from app.accounts.documents import Role as RoleModel
from app.data.policy import account_roles
from app.files.inputs import uploaded_files_edge
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
