"""GraphQL types of patients and their progress notes."""

from __future__ import annotations

from typing import Any, Self

import strawberry

from app.billing.inputs import NEWEST_INVOICE_FIRST, InvoiceFilter
from app.common.codes import Permission
from app.common.documents import FieldGroup
from app.conversations.inputs import LATEST_FIRST, ConversationFilter
from app.files.inputs import uploaded_files_edge
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.guards import guarded_field
from app.graphql.modeled import output_type, record_type
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node, node_types, record_ref
from app.graphql.shared import Person, note_read
from app.patients.documents import Patient as PatientDocument
from app.patients.documents import ProgressNote as ProgressNoteDocument
from app.patients.documents import ProgressNoteTag, ProgressNoteUser
from app.patients.inputs import NEWEST_NOTES_FIRST, ProgressNoteFilter, ProgressNoteOrder
from app.scheduling.inputs import BY_START, EventFilter, EventGroupFilter
from app.tickets.inputs import NEWEST_TICKETS, TicketFilter
from app.visits.inputs import NEWEST_PUNCH_FIRST, PunchcardFilter

ProgressNoteTagType = output_type(ProgressNoteTag)
ProgressNoteUserType = output_type(ProgressNoteUser)


def may_see_private(info: Info) -> bool:
    return info.context.may(Permission.VIEW_SENSITIVE)


@record_type(
    ProgressNoteDocument,
    name="ProgressNote",
    description="A progress note: what staff wrote about a patient's care (a visit summary, a "
    "fall, appetite, mood). Private notes exist only for roles with VIEW_SENSITIVE.",
)
class ProgressNote(Record, Node, Versioned):
    """Plain fields and references come from the document model."""

    __reads__ = ("private",)  # load() hides a private note from a role without VIEW_SENSITIVE

    tags: list[ProgressNoteTagType] = strawberry.field(  # type: ignore[valid-type]
        description="Tags of the note, as they were when put on it; `record` is the live tag."
    )
    users: list[ProgressNoteUserType] = strawberry.field(  # type: ignore[valid-type]
        description="Users tagged on the note, with their names then; `record` is the live user."
    )

    @guarded_field(
        FieldGroup.CLINICAL, "The note itself. Every read is written to the audit trail."
    )
    @reads("note")
    def note(self, info: Info) -> str | None:
        value: str | None = self.doc.get("note")
        if value is not None:
            note_read(info, self, "note")
        return value

    @classmethod
    async def load(cls, info: Info, key: Any) -> Self | None:
        """The note by id; a private one reads as missing to a role without VIEW_SENSITIVE."""
        record = await super().load(info, key)
        if record is not None and record.doc.get("private") and not may_see_private(info):
            return None
        return record


@record_type(
    PatientDocument,
    name="Patient",
    description="A person the agency cares for (a resident, in the care-ticket API).",
    exclude=("ssn", "date_of_birth"),
)
class Patient(Record, Node, Versioned, Person):
    """Plain fields and references come from the document model; the rest is its graph."""

    progress_notes = related(
        "ProgressNote",
        "patient",
        "The patient's progress notes, newest first unless told.",
        filter_input=ProgressNoteFilter,
        order_input=ProgressNoteOrder,
        ordering=NEWEST_NOTES_FIRST,
    )
    events = related(
        "Event",
        "patient._id",
        "The patient's visits, earliest first.",
        filter_input=EventFilter,
        ordering=BY_START,
    )
    event_groups = related(
        "EventGroup",
        "patient._id",
        "The patient's recurring series of visits.",
        filter_input=EventGroupFilter,
        ordering=BY_START,
    )
    punchcards = related(
        "Punchcard",
        "patient._id",
        "The patient's punchcards, newest clock-in first.",
        filter_input=PunchcardFilter,
        ordering=NEWEST_PUNCH_FIRST,
    )
    invoices = related(
        "Invoice",
        "patient._id",
        "The patient's invoices, newest invoice date first.",
        filter_input=InvoiceFilter,
        ordering=NEWEST_INVOICE_FIRST,
    )
    conversations = related(
        "Conversation",
        "patient",
        "Conversations about this patient, latest message first.",
        filter_input=ConversationFilter,
        ordering=LATEST_FIRST,
    )
    tickets = related(
        "Ticket",
        "resident_id",
        "Care tickets about this resident, newest first.",
        filter_input=TicketFilter,
        ordering=NEWEST_TICKETS,
    )
    uploaded_files = uploaded_files_edge()

    @strawberry.field(description="The account (agency) that cares for the patient.")
    @reads()
    async def account(self, info: Info) -> record_ref("Account") | None:  # type: ignore[valid-type]
        # the patient is of the caller's account: the loader reads no other
        doc = await info.context.loaders.load("accounts", info.context.account_id)
        return None if doc is None else node_types()["Account"].from_doc(doc)  # type: ignore[attr-defined]
