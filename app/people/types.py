"""GraphQL types of users, candidates, clients and contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from app.accounts.account_settings import Role as RoleModel
from app.billing.inputs import NEWEST_INVOICE_FIRST, InvoiceFilter
from app.common.documents import FieldGroup
from app.common.text import full_name
from app.conversations.inputs import LATEST_FIRST, ConversationFilter, UserNoteFilter
from app.data.policy_checks import role_named
from app.db import RawDoc
from app.files.inputs import uploaded_files_edge
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.guards import guarded_field
from app.graphql.loaders import BatchLoad
from app.graphql.modeled import output_type, record_type
from app.graphql.payloads import UserError
from app.graphql.projection import reads
from app.graphql.records import Record, to_date
from app.graphql.relay import Node
from app.graphql.shared import Person, note_read
from app.patients.inputs import NEWEST_NOTES_FIRST, ProgressNoteFilter, ProgressNoteOrder
from app.payroll.inputs import PayrollUserFilter
from app.people.documents import Candidate as CandidateDocument
from app.people.documents import Client as ClientDocument
from app.people.documents import Contact as ContactDocument
from app.people.documents import User as UserDocument
from app.people.inputs import CandidateFilter, UserFilter
from app.scheduling.inputs import BY_START, EventFilter, EventGroupFilter
from app.tickets.inputs import NEWEST_TICKETS, TicketFilter
from app.visits.inputs import NEWEST_PUNCH_FIRST, PunchcardFilter

Role = output_type(RoleModel)


@record_type(
    UserDocument,
    name="User",
    description="A member of the agency: office staff or a caregiver.",
    exclude=("ssn", "date_of_birth"),
)
class User(Record, Node, Versioned, Person):
    reports = related(
        "User", "manager", "The users this user manages, newest first.", filter_input=UserFilter
    )
    managed_candidates = related(
        "Candidate",
        "manager",
        "The candidates this user follows through hiring, newest first.",
        filter_input=CandidateFilter,
    )
    events = related(
        "Event",
        "attendees.user",
        "The visits the user attends, earliest first.",
        filter_input=EventFilter,
        ordering=BY_START,
    )
    event_groups = related(
        "EventGroup",
        "attendees.user",
        "The series of visits the user attends.",
        filter_input=EventGroupFilter,
        ordering=BY_START,
    )
    punchcards = related(
        "Punchcard",
        "user._id",
        "The caregiver's punchcards, newest clock-in first.",
        filter_input=PunchcardFilter,
        ordering=NEWEST_PUNCH_FIRST,
    )
    payroll_lines = related(
        "PayrollUser",
        "user._id",
        "The caregiver's payroll lines, newest first.",
        filter_input=PayrollUserFilter,
    )
    notes = related(
        "UserNote",
        "user",
        "Notes the office keeps about this user, newest first.",
        filter_input=UserNoteFilter,
    )
    conversations = related(
        "Conversation",
        "participants._id",
        "The conversations this user takes part in, latest message first.",
        filter_input=ConversationFilter,
        ordering=LATEST_FIRST,
    )
    progress_notes = related(
        "ProgressNote",
        "users._id",
        "Progress notes this user is tagged on, newest first unless told.",
        filter_input=ProgressNoteFilter,
        order_input=ProgressNoteOrder,
        ordering=NEWEST_NOTES_FIRST,
    )
    written_progress_notes = related(
        "ProgressNote",
        "_created_user",
        "Progress notes this user wrote, newest first unless told.",
        filter_input=ProgressNoteFilter,
        order_input=ProgressNoteOrder,
        ordering=NEWEST_NOTES_FIRST,
    )
    tickets = related(
        "Ticket",
        "employee_id",
        "Care tickets this employee handles, newest first.",
        filter_input=TicketFilter,
        ordering=NEWEST_TICKETS,
    )
    uploaded_files = uploaded_files_edge()

    @strawberry.field(description="The user's role in the account, with its permissions.")
    @reads("role")
    async def role(self, info: Info) -> Role | None:  # type: ignore[valid-type]
        # the user is of the caller's account: the loader reads no other
        account = await info.context.loaders.load("accounts", info.context.account_id)
        found = role_named(account, self.doc.get("role"))
        return None if found is None else Role.from_doc(found.as_stored())


@record_type(
    CandidateDocument,
    name="Candidate",
    description="A person applying to work for the agency, followed through the hiring "
    "pipeline until candidateHire makes them a user.",
    exclude=("date_of_birth",),
)
class Candidate(Record, Node, Versioned):
    uploaded_files = uploaded_files_edge()

    @strawberry.field(description="The full name: first, middle and last names.")
    @reads("name")
    def full_name(self) -> str:
        return full_name(self.doc.get("name"))

    @guarded_field(FieldGroup.IDENTITY, "Date of birth. Every read is written to the audit trail.")
    @reads("date_of_birth")
    def date_of_birth(self, info: Info) -> dt.date | None:
        value = to_date(self.doc.get("date_of_birth"))
        if value is not None:
            note_read(info, self, "dateOfBirth")
        return value

    @strawberry.field(description="The user this candidate was hired as; null until hired.")
    @reads("_hired")
    async def hired_as(self, info: Info) -> User | None:
        if not self.doc.get("_hired"):
            return None
        loader = info.context.loaders.batch("candidate_hired_as", lambda: users_hired_from(info))
        doc = await loader.load(self.doc["_id"])
        return None if doc is None else User.from_doc(doc)


@record_type(
    ClientDocument,
    name="Client",
    description="Who pays for care: a company (an insurer, a program) or a person.",
)
class Client(Record, Node, Versioned):
    invoices = related(
        "Invoice",
        "client._id",
        "The invoices billed to this client, newest invoice date first.",
        filter_input=InvoiceFilter,
        ordering=NEWEST_INVOICE_FIRST,
    )
    progress_notes = related(
        "ProgressNote",
        "invoice_to.client",
        "Progress notes whose time is billed to this client, newest first.",
        filter_input=ProgressNoteFilter,
        order_input=ProgressNoteOrder,
        ordering=NEWEST_NOTES_FIRST,
    )
    events = related("Event", "billing.client", "The visits billed to this client, newest first.")

    @strawberry.field(description="The company's name, or the contact person's full name.")
    @reads("company", "contact", "_type", "type")
    def display_name(self) -> str:
        return display_name(self)


@record_type(
    ContactDocument,
    name="Contact",
    description="Someone the agency works with about patients: a doctor, family, a referrer, "
    "a case manager; a company or a person.",
)
class Contact(Record, Node, Versioned):
    referrals = related(
        "Patient", "referred_by", "The patients this contact referred, newest first."
    )
    uploaded_files = uploaded_files_edge()

    @strawberry.field(description="The company's name, or the contact person's full name.")
    @reads("company", "contact", "_type", "type")
    def display_name(self) -> str:
        return display_name(self)


def display_name(record: Record) -> str:
    doc = record.doc
    company = (doc.get("company") or {}).get("name")
    person = full_name((doc.get("contact") or {}).get("name"))
    kind = doc.get("_type", doc.get("type"))
    return str(company if company and (kind == "company" or not person) else person)


def users_hired_from(info: Info) -> BatchLoad:
    """A batch loader: for candidate ids, the user each was hired as (the first made from it),
    or None; one query for every candidate of a page."""
    scope, loaders = info.context.scope, info.context.loaders

    async def load(candidates: list[Any]) -> list[RawDoc | None]:
        query = {"_candidate": {"$in": list(set(candidates))}}
        found: dict[Any, RawDoc] = {}
        async for doc in scope["users"].find(query, sort=[("_id", 1)]):
            found.setdefault(doc["_candidate"], doc)
        loaders.prime("users", list(found.values()))
        return [found.get(candidate) for candidate in candidates]

    return load


@strawberry.type(description="The result of hiring a candidate.")
class CandidateHirePayload:
    candidate: Candidate | None = strawberry.field(
        description="The candidate, now hired; null if refused."
    )
    user: User | None = strawberry.field(
        description="The user made from the candidate; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success."
    )
