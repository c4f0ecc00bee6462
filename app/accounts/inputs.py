"""Inputs of account mutations, derived from the stored model, and of API clients."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.accounts.documents import Account
from app.graphql.connections import Ordering, order_input
from app.graphql.filters import DateTimeRange, flag_clause, merge
from app.graphql.modeled import input_type

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    AccountUpdateInput = Any
else:
    AccountUpdateInput = input_type(Account, name="AccountUpdateInput", patch=True)

BY_NAME = Ordering("name")


@strawberry.input(description="Which API clients a list shows.")
class ApiClientFilter:
    search: str | None = strawberry.field(
        default=None, description="The start of the name; case ignored."
    )
    role: list[str] | None = strawberry.field(
        default=None, description="Only clients acting with one of these roles (keys)."
    )
    revoked: bool | None = strawberry.field(
        default=False,
        description="false (the default): the clients that are not revoked; true: only the "
        "revoked ones; null: both.",
    )
    key_only: bool | None = strawberry.field(
        default=None, description="Only the clients whose key alone works (true) or not."
    )
    last_used_at: DateTimeRange | None = strawberry.field(
        default=None, description="Only the clients last used in this span."
    )

    def query(self, info: Any) -> dict[str, Any]:
        search = (self.search or "").strip()
        return merge(
            {"name": {"$regex": "^" + re.escape(search), "$options": "i"}} if search else {},
            {"role": {"$in": self.role}} if self.role else {},
            flag_clause("revoked", self.revoked),
            _key_only(self.key_only),
            self.last_used_at.clause("last_used_at") if self.last_used_at else {},
        )


def _key_only(value: bool | None) -> dict[str, Any]:
    """Clients made before the setting existed are key-only (the key is missing)."""
    if value is None:
        return {}
    return {"key_only": {"$ne": False}} if value else {"key_only": False}


@strawberry.enum(description="What a list of API clients is sorted by.")
class ApiClientOrderField(Enum):
    NAME = strawberry.enum_value("name", description="The name, A to Z.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was made.")
    LAST_USED_AT = strawberry.enum_value("last_used_at", description="When it was last used.")
    EXPIRES_AT = strawberry.enum_value("expires_at", description="When it expires.")


if TYPE_CHECKING:
    ApiClientOrder = Any
else:
    ApiClientOrder = order_input("ApiClientOrder", ApiClientOrderField, "API clients")


@strawberry.input(description="Changes to an API client; what is left out stays as it is.")
class ApiClientUpdateInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="What the program is, for people."
    )
    role: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The key of the role it acts with from its next request on.",
    )
    expires_at: dt.datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When it stops working; null: never."
    )
    key_only: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether its key alone is a credential; false: it must exchange key and "
        "secret for a token (`authorize`).",
    )
