"""Inputs of ticket and ticket-category queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import (
    DateTimeRange,
    DeletedState,
    NamedFilter,
    deleted_clause,
    id_clause,
    merge,
    search_field,
    words_clause,
)
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type
from app.tickets.documents import (
    CategoryStatus,
    Ticket,
    TicketCategory,
    TicketStatus,
    TicketUrgency,
)

NEWEST_TICKETS = Ordering("_created_date", descending=True)
"""Tickets by creation, newest first: the default order of every list of tickets."""
CATEGORIES_IN_ORDER = Ordering("_created_date")
"""Categories in the order the provider added them, as the REST API lists them."""

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    TicketCreateInput = Any
    TicketUpdateInput = Any
    TicketCategoryCreateInput = Any
    TicketCategoryUpdateInput = Any
else:
    TicketCreateInput = input_type(Ticket, name="TicketCreateInput")
    TicketUpdateInput = input_type(Ticket, name="TicketUpdateInput", patch=True)
    TicketCategoryCreateInput = input_type(TicketCategory, name="TicketCategoryCreateInput")
    TicketCategoryUpdateInput = input_type(
        TicketCategory, name="TicketCategoryUpdateInput", patch=True
    )


@strawberry.input(description="Which tickets a list shows. All given conditions must hold.")
class TicketFilter:
    status: list[TicketStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    urgency: list[TicketUrgency] | None = strawberry.field(
        default=None, description="Any of these urgencies."
    )
    resident: strawberry.ID | None = strawberry.field(
        default=None, description="The resident (patient) they are about."
    )
    employee: strawberry.ID | None = strawberry.field(
        default=None, description="The employee (user) handling them."
    )
    category: strawberry.ID | None = strawberry.field(
        default=None, description="Tickets with a status for this category."
    )
    category_status: list[CategoryStatus] | None = strawberry.field(
        default=None,
        description="Tickets with any of these statuses in some category (in `category` when "
        "given).",
    )
    created_date: DateTimeRange | None = strawberry.field(
        default=None, description="Raised in this span."
    )
    search: str | None = search_field(
        "Words that start words of the title; case and accents ignored."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted ones too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        category = (
            decode_global_id(self.category, "TicketCategory", "filter.category")
            if self.category is not None
            else None
        )
        statuses = [s.value for s in self.category_status or []]
        in_category: dict[str, Any] = {}
        if category is not None or statuses:
            wanted: dict[str, Any] = {}
            if category is not None:
                wanted["category"] = category
            if statuses:
                wanted["status"] = {"$in": statuses}
            in_category = {"categories": {"$elemMatch": wanted}}
        return merge(
            {"ticket_status": {"$in": [s.value for s in self.status]}} if self.status else {},
            {"urgency_status_id": {"$in": [u.value for u in self.urgency]}} if self.urgency else {},
            id_clause("resident_id", self.resident, "Patient", "filter.resident"),
            id_clause("employee_id", self.employee, "User", "filter.employee"),
            in_category,
            self.created_date.clause("_created_date") if self.created_date else {},
            words_clause("_search.title", self.search),
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of tickets is sorted by.")
class TicketOrderField(Enum):
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was raised.")
    UPDATED_DATE = strawberry.enum_value("_last_updated_date", description="When it last changed.")
    URGENCY = strawberry.enum_value("urgency_status_id", description="How urgent: LOW to CRITICAL.")
    TITLE = strawberry.enum_value("_search.sort", description="The title, A to Z.")


@strawberry.input(description="Which ticket categories a list shows.")
class TicketCategoryFilter(NamedFilter):
    """Words of the name, and deletion."""


@strawberry.enum(description="What a list of ticket categories is sorted by.")
class TicketCategoryOrderField(Enum):
    NAME = strawberry.enum_value("_search.title", description="The name, A to Z.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was added.")


if TYPE_CHECKING:
    TicketOrder = Any
    TicketCategoryOrder = Any
else:
    TicketOrder = order_input("TicketOrder", TicketOrderField, "tickets")
    TicketCategoryOrder = order_input(
        "TicketCategoryOrder", TicketCategoryOrderField, "ticket categories"
    )
