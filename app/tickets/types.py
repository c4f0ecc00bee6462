"""GraphQL types of care tickets and ticket categories."""

from __future__ import annotations

import strawberry

from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.modeled import record_type
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node
from app.tickets.documents import Ticket as TicketDocument
from app.tickets.documents import TicketCategory as TicketCategoryDocument
from app.tickets.documents import TicketCategoryStatus as CategoryStatusDocument
from app.tickets.documents import TicketComment as TicketCommentDocument
from app.tickets.inputs import NEWEST_TICKETS, TicketFilter


@record_type(
    TicketCommentDocument,
    name="TicketComment",
    description="A comment on one category of a ticket: who wrote what, and when.",
)
class TicketComment(Record):
    @strawberry.field(description="The comment's id, unique in its ticket.")
    @reads("_id")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.doc["_id"]))


@record_type(
    CategoryStatusDocument,
    name="TicketCategoryStatus",
    description="What a ticket found in one of the provider's categories, with its comments.",
)
class TicketCategoryStatus(Record):
    """Plain fields and the category come from the document model."""

    comments: list[TicketComment] = strawberry.field(
        description="The comments on this category, oldest first."
    )


@record_type(
    TicketDocument,
    name="Ticket",
    description="A care ticket: an issue raised about a resident (a patient), checked in each "
    "of the provider's categories. `sentToPrimary` is the care-ticket API's "
    "`sentsent_to_primary`.",
)
class Ticket(Record, Node, Versioned):
    """Plain fields and references come from the document model."""

    categories: list[TicketCategoryStatus] = strawberry.field(
        description="What was found in each of the provider's categories."
    )


@record_type(
    TicketCategoryDocument,
    name="TicketCategory",
    description="A category a provider checks on its tickets, such as Clinical Edit.",
)
class TicketCategory(Record, Node, Versioned):
    """The name comes from the document model; the tickets are its graph."""

    tickets = related(
        "Ticket",
        "categories.category",
        "The tickets with a status for this category, newest first.",
        filter_input=TicketFilter,
        ordering=NEWEST_TICKETS,
    )
