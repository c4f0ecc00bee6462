"""Care tickets: an issue raised about a resident (a patient), checked category by category.

A provider (an account) defines its ticket categories (Clinical Edit, Emergency...). A ticket
is about one resident, may name the employee (a user) handling it, and carries one status per
category (issue, no issue, potential issue) with the comments written on that category. The
stored names are the care-ticket API's (seed 001), misspelt `sentsent_to_primary` included.
Stable integer ids for that API's partners are kept apart, in `rest_ids`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import ConfigDict, Field, field_validator, model_validator
from pymongo import ASCENDING, IndexModel

from app.common.codes import Code
from app.common.documents import (
    READONLY,
    CareDocument,
    Embedded,
    FileSnapshot,
    SoftDeletable,
    by_account,
    ref,
    validate_ordered,
)

MAX_COMMENTS = 500
"""Comments a category of one ticket holds (well inside MongoDB's document limit)."""
MAX_ATTACHMENTS = 100


class TicketStatus(Code):
    """Where a ticket stands. Stored (and shown by the REST API) as the care-ticket API's names:
    New, Open, In Progress, Resolved, Closed, Reopen."""

    NEW = "New", "Raised, nobody has looked at it yet."
    OPEN = "Open", "Acknowledged, to be worked on."
    IN_PROGRESS = "In Progress", "Someone is working on it."
    RESOLVED = "Resolved", "Dealt with; can still reopen."
    CLOSED = "Closed", "Finished."
    REOPENED = "Reopen", "Raised again after a look or a fix."


MOVES: dict[TicketStatus, frozenset[TicketStatus]] = {
    # The old API let a new ticket be marked Reopen (seed 001's own example does): kept.
    TicketStatus.NEW: frozenset(
        {
            TicketStatus.OPEN,
            TicketStatus.IN_PROGRESS,
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
            TicketStatus.REOPENED,
        }
    ),
    TicketStatus.OPEN: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.IN_PROGRESS: frozenset(
        {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.REOPENED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.REOPENED}),
    TicketStatus.REOPENED: frozenset(
        {TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
}
"""The status a ticket may move to from each status (setting the same status changes nothing)."""


class TicketUrgency(Code):
    """How urgent a ticket is; the REST API shows the number as `urgency_status_id` (1 low to 4
    critical)."""

    LOW = 1, "1: when convenient."
    NORMAL = 2, "2: within the usual time."
    HIGH = 3, "3: soon."
    CRITICAL = 4, "4: now."


class CategoryStatus(Code):
    """What a ticket found in one category. Stored (and shown by the REST API) as `issue`, `no
    issue`, `potential issue`."""

    ISSUE = "issue", "There is an issue."
    NO_ISSUE = "no issue", "Checked: no issue."
    POTENTIAL_ISSUE = "potential issue", "Maybe an issue."


class TicketCategory(CareDocument, SoftDeletable):
    """A category a provider checks on its tickets, such as Clinical Edit or Weight Gain."""

    name: str = Field(min_length=1, max_length=100, description="The category's name.")

    class Settings:
        name = "ticket_categories"
        indexes = [by_account("_search.title", unique=True), by_account("_created_date", "_id")]


class TicketComment(Embedded):
    """A comment written on one category of a ticket: who, when, what."""

    id: PydanticObjectId = Field(alias="_id", description="The comment's id in its ticket.")
    commented_by: str = Field(
        min_length=1, max_length=300, description="Who wrote it: their name when they wrote it."
    )
    user: PydanticObjectId | None = Field(
        None,
        description="The user who wrote it; null when an API client did.",
        json_schema_extra=ref("User", "users"),
    )
    commented_on: dt.datetime = Field(description="When it was written.")
    title: str = Field(min_length=1, max_length=5000, description="The comment's text.")


class TicketCategoryStatus(Embedded):
    """What a ticket found in one of the provider's categories, and the comments on it."""

    category: PydanticObjectId = Field(
        description="The provider's category.",
        json_schema_extra=ref("TicketCategory", "ticket_categories"),
    )
    status: CategoryStatus = Field(description="Issue, no issue or potential issue.")
    title: str | None = Field(
        None,
        max_length=300,
        description="A short note on this category (the category's name when none is given).",
    )
    comments: list[TicketComment] = Field(
        default_factory=list,
        description="The comments on this category, oldest first; added by ticketComment.",
        json_schema_extra=READONLY,
    )


class Ticket(CareDocument, SoftDeletable):
    """A care ticket: an issue raised about a resident, checked category by category."""

    title: str = Field(min_length=1, max_length=300, description="What the ticket is about.")
    resident: PydanticObjectId = Field(
        alias="resident_id",
        description="The resident (patient) the ticket is about.",
        json_schema_extra=ref("Patient", "patients"),
    )
    employee: PydanticObjectId | None = Field(
        None,
        alias="employee_id",
        description="The employee (user) handling the ticket.",
        json_schema_extra=ref("User", "users"),
    )
    urgency_status: TicketUrgency = Field(
        TicketUrgency.NORMAL, alias="urgency_status_id", description="How urgent it is."
    )
    ticket_type: str | None = Field(None, max_length=60, description="The kind of ticket (a code).")
    ticket_status: TicketStatus = Field(
        TicketStatus.NEW,
        description="Where it stands; it moves only along the allowed moves (ticketUpdateStatus).",
    )
    state: bool = Field(False, description="The care-ticket API's state flag.")
    sms: bool | None = Field(None, description="Whether to notify by text message.")
    email: bool | None = Field(None, description="Whether to notify by email.")
    start_date: dt.datetime | None = Field(None, description="When the matter starts.")
    end_date: dt.datetime | None = Field(None, description="When the matter ends.")
    sent_to_primary: bool | None = Field(
        None,
        alias="sentsent_to_primary",
        description="Whether it was sent to the primary contact (stored and shown by the REST "
        "API as `sentsent_to_primary`, the old API's spelling).",
    )
    sent_to_healthcare_pro: bool | None = Field(
        None, description="Whether it was sent to the healthcare professional."
    )
    sent_to_family: bool | None = Field(None, description="Whether it was sent to the family.")
    categories: list[TicketCategoryStatus] = Field(
        default_factory=list,
        max_length=200,
        description="What was found in each of the provider's categories (once each).",
    )
    attachments: list[FileSnapshot] = Field(
        default_factory=list,
        alias="ticket_attachments",
        max_length=MAX_ATTACHMENTS,
        description="Files attached to the ticket (by ticketAttachFile); `file` is the File.",
        json_schema_extra=READONLY,
    )

    @field_validator("categories")
    @classmethod
    def _once_each(cls, value: list[TicketCategoryStatus]) -> list[TicketCategoryStatus]:
        ids = [c.category for c in value]
        if len(set(ids)) != len(ids):
            raise ValueError("each category is given once")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Ticket:
        validate_ordered(self.start_date, self.end_date, "a ticket")
        return self

    class Settings:
        name = "tickets"
        indexes = [
            by_account("_created_date", "_id"),
            by_account("_last_updated_date", "_id"),
            by_account("resident_id", "_created_date"),
            by_account("employee_id", "_created_date"),
            by_account("ticket_status", "_created_date"),
            by_account("urgency_status_id", "_id"),
            by_account("categories.category"),
            by_account("_search.title"),
            by_account("_search.sort", "_id"),
        ]


class RestId(Document):
    """The care-ticket REST API's integer id of one of our records, per account and kind.

    Numbers come from a per-account, per-kind counter (app.tickets.rest_ids): a ticket's in
    the transaction that creates it, other records' on first use; the documented examples
    set theirs. `legacy` keeps an imported record's values in the old API's shape, and
    `imported` what our record showed then: a legacy value is answered until the record
    changes that attribute."""

    model_config = ConfigDict(populate_by_name=True)

    account: int = Field(alias="_account")
    kind: str
    record_id: Any
    number: int
    legacy: dict[str, Any] | None = None
    imported: dict[str, Any] | None = None

    class Settings:
        name = "rest_ids"
        indexes = [
            IndexModel(
                [("_account", ASCENDING), ("kind", ASCENDING), ("number", ASCENDING)], unique=True
            ),
            IndexModel(
                [("_account", ASCENDING), ("kind", ASCENDING), ("record_id", ASCENDING)],
                unique=True,
            ),
        ]
