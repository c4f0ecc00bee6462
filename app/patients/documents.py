"""Patients: the people the agency cares for, with what their care needs, and their progress
notes: what staff write down about a patient's care, visit by visit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beanie import PydanticObjectId
from pydantic import Field, model_validator

from app.common.codes import Code, Gender, MaritalStatus, PatientStatus
from app.common.documents import (
    BILLING,
    CLINICAL,
    IDENTITY,
    READONLY,
    CareDocument,
    CareProfile,
    Embedded,
    FileSnapshot,
    Location,
    PersonName,
    Phone,
    SkillEntry,
    SoftDeletable,
    by_account,
    ref,
    validate_ordered,
)
from app.patients.billing import PatientBilling


class CreditCardAccount(Embedded):
    """The card a patient pays with; only its last digits are kept."""

    holder_name: str | None = Field(None, max_length=200, description="Name on the card.")
    brand: str | None = Field(None, max_length=30, description="Visa, Mastercard...")
    last4: str | None = Field(None, pattern=r"^\d{4}$", description="Last four digits.")
    expiry_month: int | None = Field(None, ge=1, le=12, description="Expiry month.")
    expiry_year: int | None = Field(None, ge=2000, le=2100, description="Expiry year.")


class ChecklistItem(Embedded):
    """A task a caregiver does at every visit."""

    title: str = Field(min_length=1, max_length=200, description="The task.")
    required: bool = Field(True, description="Whether it must be done at every visit.")
    notes: str | None = Field(None, max_length=1000, description="How to do it.")


class Checklist(Embedded):
    """The tasks of a visit."""

    items: list[ChecklistItem] = Field(default_factory=list, description="The tasks, in order.")
    notes: str | None = Field(None, max_length=2000, description="Anything else.")


class PatientContact(Embedded):
    """Someone to call about a patient: family, a doctor, an emergency contact."""

    name: str = Field(min_length=1, max_length=200, description="Their name.")
    relationship: str | None = Field(None, max_length=100, description="Such as daughter.")
    phones: list[Phone] = Field(default_factory=list, description="Their numbers.")
    email: str | None = Field(None, max_length=200, description="Their email.")
    emergency: bool = Field(False, description="Whether to call them in an emergency.")
    legal_rep: bool = Field(False, description="Whether they can decide for the patient.")


class PatientNote(Embedded):
    """A short dated note on a patient."""

    date: dt.datetime = Field(description="When it was written.")
    author: str | None = Field(None, max_length=200, description="Who wrote it.")
    text: str = Field(min_length=1, max_length=5000, description="The note.")
    pinned: bool = Field(False, description="Whether it shows first.")


class Problem(Embedded):
    """A health problem of a patient."""

    title: str = Field(min_length=1, max_length=200, description="Such as Type 2 diabetes.")
    since: dt.date | None = Field(None, description="When it started.")
    severity: str | None = Field(None, max_length=40, description="Mild, moderate, severe.")
    notes: str | None = Field(None, max_length=2000, description="Care instructions.")


class ServiceDate(Embedded):
    """When the agency serves a patient."""

    start: dt.date | None = Field(None, description="First day of service.")
    end: dt.date | None = Field(None, description="Last day of service, if known.")

    @model_validator(mode="after")
    def _ordered(self) -> ServiceDate:
        validate_ordered(
            self.start, self.end + dt.timedelta(days=1) if self.end else None, "service"
        )
        return self


class PatientService(Embedded):
    """A service a patient needs, and how much of it."""

    code: str = Field(min_length=1, max_length=20, description="The account's service code.")
    hours_per_week: Decimal | None = Field(None, ge=0, le=168, description="Hours a week.")
    bill_rate: Decimal | None = Field(
        None, ge=0, description="Their rate, if not the service's.", json_schema_extra=BILLING
    )
    notes: str | None = Field(None, max_length=1000, description="Anything else.")


class Patient(CareDocument, SoftDeletable, CareProfile):
    """A person the agency cares for."""

    name: PersonName = Field(description="The patient's name.")
    status: PatientStatus = Field(PatientStatus.ACTIVE, description="Where they stand.")
    email: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Their email address.",
    )
    accounting_id: str | None = Field(None, max_length=100, description="Id in the books.")
    chart_id: str | None = Field(None, max_length=100, description="Their medical chart id.")
    gender: Gender | None = Field(None, description="Their gender.")
    date_of_birth: dt.date | None = Field(
        None, description="Date of birth (sensitive).", json_schema_extra=IDENTITY
    )
    ssn: str | None = Field(
        None,
        max_length=20,
        description="Social security or health card "
        "number (sensitive: readable with VIEW_SENSITIVE only).",
        json_schema_extra=IDENTITY,
    )
    ssn_expiry_date: dt.date | None = Field(
        None, description="When that number expires.", json_schema_extra=IDENTITY
    )
    marital_status: MaritalStatus | None = Field(None, description="Marital status.")
    ethnicity: str | None = Field(None, max_length=60, description="Ethnicity (a code).")
    religion: str | None = Field(None, max_length=60, description="Religion (a code).")
    education_required: str | None = Field(
        None, max_length=60, description="The education a caregiver needs for them (a code)."
    )
    required_skills: list[SkillEntry] = Field(
        default_factory=list,
        description="Skills a caregiver needs for them, each at least at its level; a visit by "
        "a caregiver without them is a SKILLS schedule conflict.",
    )
    required_certifications: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Names of certificates a caregiver must hold, valid on the visit date "
        "(such as CPR); matched by name, ignoring case.",
    )
    caregiver_gender: Gender | None = Field(
        None,
        description="The caregiver gender they prefer, if any: a caregiver of another recorded "
        "gender is a GENDER schedule conflict.",
    )
    needs_driving: bool | None = Field(
        None,
        description="Whether the caregiver drives them (errands, appointments): a caregiver "
        "then needs a driver's licence valid on the visit date and a vehicle.",
    )
    phones: list[Phone] = Field(default_factory=list, description="Phone numbers.")
    locations: list[Location] = Field(default_factory=list, description="Where care happens.")
    major_intersection: str | None = Field(
        None, max_length=200, description="Nearest major intersection."
    )
    case_coordinator: PydanticObjectId | None = Field(
        None,
        description="The staff member who coordinates their care.",
        json_schema_extra=ref("User", "users"),
    )
    referred_by: PydanticObjectId | None = Field(
        None,
        description="The contact who referred them.",
        json_schema_extra=ref("Contact", "contacts"),
    )
    legal_rep: str | None = Field(None, max_length=200, description="Their legal representative.")
    billing: list[PatientBilling] = Field(
        default_factory=list, description="Who pays, how.", json_schema_extra=BILLING
    )
    ccac: CreditCardAccount | None = Field(
        None, description="The card they pay with.", json_schema_extra=BILLING
    )
    checklist: Checklist | None = Field(None, description="Tasks of every visit.")
    contacts: list[PatientContact] = Field(
        default_factory=list, description="Family, doctors, emergency contacts."
    )
    general_notes: str | None = Field(None, max_length=10_000, description="Notes for everyone.")
    important_notes: str | None = Field(
        None, max_length=10_000, description="Notes every caregiver must read."
    )
    notes: list[PatientNote] = Field(default_factory=list, description="Dated notes.")
    problems: list[Problem] = Field(
        default_factory=list, description="Health problems.", json_schema_extra=CLINICAL
    )
    service_date: ServiceDate | None = Field(None, description="When they are served.")
    services: list[PatientService] = Field(default_factory=list, description="Services needed.")
    files: list[FileSnapshot] = Field(default_factory=list, description="Documents on file.")
    photo: FileSnapshot | None = Field(None, description="Their photo.")

    class Settings:
        name = "patients"
        indexes = [
            by_account("_search.name"),
            by_account("_search.sort", "_id"),
            by_account("_created_date", "_id"),
            by_account("status"),
            by_account("_search.city"),
            by_account("case_coordinator"),
            by_account("referred_by"),
        ]


class ProgressNotePriority(Code):
    """How soon someone should act on a progress note."""

    LOW = "low", "For the record; nothing to do."
    NORMAL = "normal", "Read at the next review."
    HIGH = "high", "Read today."
    URGENT = "urgent", "Act now (a fall, a missed medication)."


PRIORITY_RANK = {priority: rank for rank, priority in enumerate(ProgressNotePriority)}
"""Priorities as numbers, stored under `_search.priority` so a list sorts LOW < ... < URGENT."""


class ProgressNoteApproval(Embedded):
    """Whether a progress note was approved (signed off by a supervisor), when and by whom."""

    approved: bool = Field(False, description="Whether the note is approved.")
    approved_date: dt.datetime | None = Field(None, description="When it was approved.")
    approved_by: PydanticObjectId | None = Field(
        None,
        description="The user who approved it (null when an API client did).",
        json_schema_extra=ref("User", "users"),
    )
    api_client: str | None = Field(
        None, description="The name of the API client that approved it, when no user did."
    )


class ProgressNoteInvoiceTo(Embedded):
    """Who is billed for the time spent on a progress note."""

    payer: str = Field(
        min_length=1,
        max_length=200,
        description="Who pays: self, a family member, an insurer or a program.",
        json_schema_extra=BILLING,
    )
    client: PydanticObjectId | None = Field(
        None,
        description="The client (a paying organisation or person) billed, when it is one.",
        json_schema_extra=ref("Client", "clients"),
    )
    notes: str | None = Field(
        None, max_length=1000, description="Billing instructions.", json_schema_extra=BILLING
    )


class ProgressNoteTag(Embedded):
    """A tag as it was when put on a progress note; `record` is the live tag."""

    record: PydanticObjectId = Field(
        alias="_id", description="The tag itself.", json_schema_extra=ref("Tag", "tags")
    )
    name: str = Field(min_length=1, max_length=60, description="The tag's name then.")
    color: str | None = Field(None, max_length=7, description="The tag's hex colour then.")


class ProgressNoteUser(Embedded):
    """A user tagged on a progress note (to tell them, or because it concerns them), with their
    name as it was then; `record` is the live user."""

    record: PydanticObjectId = Field(
        alias="_id", description="The user themselves.", json_schema_extra=ref("User", "users")
    )
    name: PersonName = Field(description="The user's name then.")


class ProgressNote(CareDocument, SoftDeletable):
    """A progress note: what a caregiver or office staff wrote about a patient's care (a visit
    summary, a fall, appetite, mood), with its priority, tags and approval."""

    created_user: PydanticObjectId | None = Field(
        None,
        alias="_created_user",
        description="The user who wrote the note (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    last_updated_user: PydanticObjectId | None = Field(
        None,
        alias="_last_updated_user",
        description="The user who last changed the note (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    patient: PydanticObjectId = Field(
        description="The patient the note is about.", json_schema_extra=ref("Patient", "patients")
    )
    title: str = Field(min_length=1, max_length=200, description="The title of the note.")
    note: str = Field(
        min_length=1,
        max_length=20_000,
        description="The note itself (sensitive: every read is written to the audit trail).",
        json_schema_extra=CLINICAL,
    )
    priority: ProgressNotePriority = Field(
        ProgressNotePriority.NORMAL, description="How soon someone should act on it."
    )
    private: bool = Field(
        False,
        description="Whether the note is private: only roles with VIEW_SENSITIVE see it.",
    )
    referrer: PydanticObjectId | None = Field(
        None,
        description="The user who referred the matter the note is about.",
        json_schema_extra=ref("User", "users"),
    )
    service: str | None = Field(
        None,
        min_length=1,
        max_length=20,
        description="The code of the account's service the note is about, such as PSW.",
    )
    patient_services: list[str] = Field(
        default_factory=list,
        description="Codes of the account's services the note concerns (the patient's services).",
    )
    tags: list[ProgressNoteTag] = Field(
        default_factory=list,
        description="Tags of the note, as they were when put on it. Written as Tag ids.",
        # written as a list of Tag global IDs (decoded by the input plumbing), stored as
        # snapshots by the store; the GraphQL type declares the output field itself
        json_schema_extra={"ref": "Tag"},
    )
    users: list[ProgressNoteUser] = Field(
        default_factory=list,
        description="Users tagged on the note, with their names then. Written as User ids.",
        json_schema_extra={"ref": "User"},
    )
    invoice_to: ProgressNoteInvoiceTo | None = Field(
        None,
        description="Who is billed for the time on this note.",
    )
    approval: ProgressNoteApproval = Field(
        default_factory=ProgressNoteApproval,
        description="Whether the note was approved, when and by whom (set by progressNoteApprove).",
        json_schema_extra=READONLY,
    )

    class Settings:
        name = "patientsprogressnotes"
        indexes = [
            by_account("patient", "_created_date", "_id"),
            by_account("_created_date", "_id"),
            by_account("_search.priority", "_id"),
            by_account("tags._id"),
            by_account("users._id"),
            by_account("_created_user"),
            by_account("invoice_to.client"),
            by_account("_search.title"),
        ]
