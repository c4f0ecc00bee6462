"""GraphQL types of the account and its settings."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.accounts.documents import Account as AccountDocument
from app.files.inputs import uploaded_files_edge
from app.graphql.crud import Versioned, payload_type
from app.graphql.modeled import record_type
from app.graphql.payloads import UserError
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node


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


@strawberry.type(description="The result of exchanging an API key and secret for a token.")
class AuthorizePayload:
    access_token: str | None = strawberry.field(
        description="Send as `Authorization: Bearer <token>` until it expires."
    )
    expires_at: dt.datetime | None = strawberry.field(description="When the token stops working.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")


AccountPayload = payload_type(Account, "account")
