"""People the agency deals with: users (staff and caregivers), candidates for hire, clients
(who pay) and contacts (doctors, family, referrers, case managers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from beanie import PydanticObjectId
from pydantic import Field, ValidationInfo, field_validator

from app.common.clock import now
from app.common.codes import Code, Gender, RoleType, WorkPermit
from app.common.documents import (
    HR,
    IDENTITY,
    PAY,
    READONLY,
    Availability,
    CareDocument,
    CareProfile,
    Certification,
    DriversLicence,
    Embedded,
    EmploymentRecord,
    FileSnapshot,
    Location,
    PersonName,
    Phone,
    SkillEntry,
    SoftDeletable,
    by_account,
    ref,
)

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
COLOR = r"^#[0-9a-fA-F]{6}$"


class UserService(Embedded):
    """A service a caregiver provides, with a pay rate of their own if it differs."""

    code: str = Field(min_length=1, max_length=20, description="The account's service code.")
    pay_rate: Decimal | None = Field(
        None,
        ge=0,
        description="Their hourly pay for it, if not the service's.",
        json_schema_extra=PAY,
    )
    notes: str | None = Field(None, max_length=500, description="Anything else.")


class User(CareDocument, SoftDeletable, CareProfile):
    """A member of the agency: office staff or a caregiver."""

    name: PersonName = Field(description="The user's name.")
    email: str | None = Field(
        None,
        max_length=200,
        pattern=EMAIL,
        description="The user's email address.",
    )
    ext_id: str | None = Field(None, max_length=100, description="Id in another system.")
    accounting_id: str | None = Field(None, max_length=100, description="Id in the books.")
    role: str | None = Field(None, max_length=40, description="Key of the user's account role.")
    role_type: RoleType = Field(RoleType.CAREGIVER, description="What kind of member they are.")
    manager: PydanticObjectId | None = Field(
        None, description="The user's manager.", json_schema_extra=ref("User", "users")
    )
    candidate: PydanticObjectId | None = Field(
        None,
        alias="_candidate",
        description="The candidate record they were hired from (set by candidateHire).",
        json_schema_extra={**ref("Candidate", "candidates"), **READONLY},
    )
    gender: Gender | None = Field(None, description="The user's gender.")
    date_of_birth: dt.date | None = Field(
        None, description="Date of birth (sensitive).", json_schema_extra=IDENTITY
    )
    ssn: str | None = Field(
        None,
        max_length=20,
        description="Social security number (sensitive: readable with VIEW_SENSITIVE only).",
        json_schema_extra=IDENTITY,
    )
    ssn_expiry_date: dt.date | None = Field(
        None, description="When the SSN stops being valid.", json_schema_extra=IDENTITY
    )
    phones: list[Phone] = Field(default_factory=list, description="Phone numbers.")
    locations: list[Location] = Field(default_factory=list, description="Addresses.")
    nearest_intersection: str | None = Field(
        None, max_length=200, description="Nearest intersection to home."
    )
    timezone: str | None = Field(
        None, max_length=60, description="IANA time zone, if not the account's."
    )
    start_date: dt.date | None = Field(None, description="First day of work.")
    invited_date: dt.datetime | None = Field(None, description="When they were invited to sign in.")
    last_login_date: dt.datetime | None = Field(None, description="When they last signed in.")
    is_setup: bool = Field(False, description="Whether their profile is complete.")
    setup_date: dt.datetime | None = Field(
        None, alias="_setup_date", description="When their profile was completed."
    )
    suspended: bool = Field(
        False,
        alias="_suspended",
        description="Whether they are suspended.",
        json_schema_extra=READONLY,
    )
    suspended_date: dt.datetime | None = Field(
        None,
        alias="_suspended_date",
        description="When they were suspended.",
        json_schema_extra=READONLY,
    )
    suspended_user: PydanticObjectId | None = Field(
        None,
        alias="_suspended_user",
        description="Who suspended them.",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    source: str | None = Field(
        None, max_length=60, description="How they found the agency (a code, such as referral)."
    )
    work_permit: WorkPermit | None = Field(
        None, description="Their right to work.", json_schema_extra=HR
    )
    criminal_offender: bool | None = Field(
        None, description="Whether they have a record.", json_schema_extra=HR
    )
    criminal_offender_reason: str | None = Field(
        None,
        max_length=1000,
        description="The offence, if any.",
        json_schema_extra=HR,
    )
    drivers_licence: DriversLicence | None = Field(
        None, description="Licence and vehicle.", json_schema_extra=HR
    )
    availability: Availability | None = Field(None, description="When they can work.")
    certifications: list[Certification] = Field(
        default_factory=list,
        description="Certificates and licences.",
        json_schema_extra=HR,
    )
    skills: list[SkillEntry] = Field(default_factory=list, description="Skills and levels.")
    services: list[UserService] = Field(default_factory=list, description="Services they give.")
    employment_history: list[EmploymentRecord] = Field(
        default_factory=list,
        description="Previous jobs.",
        json_schema_extra=HR,
    )
    files: list[FileSnapshot] = Field(default_factory=list, description="Documents on file.")
    photo: FileSnapshot | None = Field(None, description="Their photo.")

    class Settings:
        name = "users"
        indexes = [
            by_account("_search.name"),
            by_account("_search.sort", "_id"),
            by_account("_created_date", "_id"),
            by_account("role_type"),
            by_account("_search.skills"),
            by_account("_search.city"),
            by_account("manager"),
            by_account("ext_id", sparse=True),
            by_account("_candidate"),
        ]


# Candidates: people applying to work for the agency, until they are hired as users.


class CandidateStatus(Code):
    """Where a candidate is in the hiring pipeline."""

    APPLIED = "applied", "Applied; nobody has called yet."
    PHONE_SCREENED = "phone_screened", "Screened by phone."
    INTERVIEW_SELECTED = "interview_selected", "Selected for an interview."
    INTERVIEWED = "interviewed", "Interviewed."
    HIRED = "hired", "Hired (only candidateHire sets it)."
    REJECTED = "rejected", "Not taken on."


class CandidateNote(Embedded):
    """A dated note on a candidate, such as how an interview went."""

    date: dt.datetime = Field(default_factory=now, description="When it was written.")
    author: str | None = Field(None, max_length=200, description="Who wrote it.")
    text: str = Field(min_length=1, max_length=5000, description="The note.")


class Candidate(CareDocument, SoftDeletable, CareProfile):
    """A person applying to work for the agency, followed through the hiring pipeline."""

    name: PersonName = Field(description="The candidate's name.")
    status: CandidateStatus = Field(
        CandidateStatus.APPLIED, description="Their stage in the hiring pipeline."
    )
    email: str | None = Field(
        None, max_length=200, pattern=EMAIL, description="The candidate's email address."
    )
    ext_id: str | None = Field(None, max_length=100, description="Id in another system.")
    manager: PydanticObjectId | None = Field(
        None,
        description="The user following the candidate.",
        json_schema_extra=ref("User", "users"),
    )
    rating: int | None = Field(None, ge=1, le=5, description="The recruiter's rating, 1 to 5.")
    source: str | None = Field(
        None, max_length=60, description="How they found the agency (a code, such as job_board)."
    )
    resume: str | None = Field(None, max_length=20000, description="Their resume, as text.")
    cover_letter: str | None = Field(None, max_length=10000, description="Their cover letter.")
    candidate_notes: list[CandidateNote] = Field(
        default_factory=list,
        description="Notes of the hiring team, oldest first.",
        json_schema_extra=HR,
    )
    gender: Gender | None = Field(None, description="The candidate's gender.")
    date_of_birth: dt.date | None = Field(
        None, description="Date of birth (sensitive).", json_schema_extra=IDENTITY
    )
    phones: list[Phone] = Field(default_factory=list, description="Phone numbers.")
    locations: list[Location] = Field(default_factory=list, description="Addresses.")
    nearest_intersection: str | None = Field(
        None, max_length=200, description="Nearest intersection to home."
    )
    work_permit: WorkPermit | None = Field(
        None, description="Their right to work.", json_schema_extra=HR
    )
    criminal_offender: bool | None = Field(
        None, description="Whether they have a record.", json_schema_extra=HR
    )
    criminal_offender_reason: str | None = Field(
        None,
        max_length=1000,
        description="The offence, if any.",
        json_schema_extra=HR,
    )
    drivers_licence: DriversLicence | None = Field(
        None, description="Licence and vehicle.", json_schema_extra=HR
    )
    availability: Availability | None = Field(None, description="When they can work.")
    certifications: list[Certification] = Field(
        default_factory=list,
        description="Certificates and licences.",
        json_schema_extra=HR,
    )
    skills: list[SkillEntry] = Field(default_factory=list, description="Skills and levels.")
    employment_history: list[EmploymentRecord] = Field(
        default_factory=list,
        description="Previous jobs.",
        json_schema_extra=HR,
    )
    hired: bool = Field(
        False, alias="_hired", description="Whether they were hired (by candidateHire).",
        json_schema_extra=READONLY,
    )  # fmt: skip
    hired_date: dt.datetime | None = Field(
        None, alias="_hired_date", description="When they were hired.", json_schema_extra=READONLY
    )
    hired_user: PydanticObjectId | None = Field(
        None, alias="_hired_user",
        description="The user who hired them (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )  # fmt: skip

    class Settings:
        name = "candidates"
        indexes = [
            by_account("_search.name"),
            by_account("_search.sort", "_id"),
            by_account("_created_date", "_id"),
            by_account("_search.rating", "_id"),
            by_account("status"),
            by_account("_search.skills"),
            by_account("_search.city"),
            by_account("manager"),
            by_account("ext_id", sparse=True),
        ]


# Clients (who pay for care) and contacts (doctors, family, referrers, case managers): each is
# a company or a person, with the same company and contact-person subdocuments.


class PartyType(Code):
    """Whether a client or contact is a company or a person."""

    COMPANY = "company", "A company or an organisation."
    PERSON = "person", "A private person."


class CompanyDetails(Embedded):
    """A company's name and website."""

    name: str = Field(min_length=1, max_length=200, description="The company's name.")
    website: str | None = Field(
        None, max_length=300, pattern=r"^https?://\S+$", description="Its website (http/https)."
    )


class ContactPerson(Embedded):
    """The person to deal with: the client or contact themself, or someone at the company."""

    name: PersonName = Field(description="Their name.")
    phones: list[Phone] = Field(default_factory=list, description="Their phone numbers.")
    gender: Gender | None = Field(None, description="Their gender.")
    email: str | None = Field(None, max_length=200, pattern=EMAIL, description="Their email.")


class ClientEmployee(Embedded):
    """Someone at a company client: who approves care, who handles the bills."""

    name: str = Field(min_length=1, max_length=200, description="Their full name.")
    title: str | None = Field(None, max_length=100, description="Their job title.")
    office: str | None = Field(None, max_length=200, description="Their office or department.")
    email: str | None = Field(None, max_length=200, pattern=EMAIL, description="Their email.")
    phone: str | None = Field(None, min_length=3, max_length=40, description="Their phone.")


class FaxNumber(Embedded):
    """A fax number."""

    number: str = Field(min_length=3, max_length=40, description="The number, as dialled.")
    label: str | None = Field(None, max_length=100, description="Whose fax it is.")


def company_or_person(value: Any, info: ValidationInfo, needs: PartyType) -> Any:
    """A company needs its company details, a person their contact details."""
    if value is None and info.data.get("type") == needs:
        raise ValueError(f"a {needs.value} needs its {info.field_name}")
    return value


def company_needed(value: Any, info: ValidationInfo) -> Any:
    """A pydantic check: a company client or contact has its company details."""
    return company_or_person(value, info, PartyType.COMPANY)


def person_needed(value: Any, info: ValidationInfo) -> Any:
    """A pydantic check: a person client or contact has their contact details."""
    return company_or_person(value, info, PartyType.PERSON)


class Client(CareDocument, SoftDeletable):
    """Who pays for care: a company (an insurer, a program) or a person (often family)."""

    type: PartyType = Field(PartyType.PERSON, description="Whether the client is a company.")
    contact_type: PartyType | None = Field(
        None, description="Whether the client's contact (bills go to them) is a company."
    )
    company: CompanyDetails | None = Field(
        None, validate_default=True, description="The company; required for a company client."
    )
    contact: ContactPerson | None = Field(
        None, validate_default=True,
        description="The person to deal with; required for a person client.",
    )  # fmt: skip
    email: str | None = Field(
        None, max_length=200, pattern=EMAIL, description="Where bills and news go."
    )
    employees: list[ClientEmployee] = Field(
        default_factory=list, description="People at a company client."
    )
    locations: list[Location] = Field(default_factory=list, description="Addresses.")
    color: str | None = Field(None, pattern=COLOR, description="Hex colour shown with it.")
    accounting_id: str | None = Field(None, max_length=100, description="Id in the books.")
    ext_id: str | None = Field(None, max_length=100, description="Id in another system.")

    _company = field_validator("company")(company_needed)
    _contact = field_validator("contact")(person_needed)

    class Settings:
        name = "clients"
        indexes = [
            by_account("_search.name"),
            by_account("_search.sort", "_id"),
            by_account("_created_date", "_id"),
            by_account("type"),
            by_account("_search.city"),
            by_account("ext_id", sparse=True),
        ]


class Contact(CareDocument, SoftDeletable):
    """Someone the agency works with about patients: a doctor, family, a referrer, a case
    manager; a company (a clinic, a hospital) or a person."""

    type: PartyType = Field(
        PartyType.PERSON, alias="_type", description="Whether the contact is a company."
    )
    company: CompanyDetails | None = Field(
        None, validate_default=True, description="The company; required for a company contact."
    )
    contact: ContactPerson | None = Field(
        None, validate_default=True,
        description="The person to deal with; required for a person contact.",
    )  # fmt: skip
    email: str | None = Field(None, max_length=200, pattern=EMAIL, description="Their email.")
    fax: FaxNumber | None = Field(None, description="Their fax, for orders and referrals.")
    locations: list[Location] = Field(default_factory=list, description="Addresses.")
    notes: str | None = Field(None, max_length=5000, description="Notes on the contact.")
    photo: FileSnapshot | None = Field(None, description="Their photo or logo.")
    accounting_id: str | None = Field(None, max_length=100, description="Id in the books.")
    ext_id: str | None = Field(None, max_length=100, description="Id in another system.")

    _company = field_validator("company")(company_needed)
    _contact = field_validator("contact")(person_needed)

    class Settings:
        name = "contacts"
        indexes = [
            by_account("_search.name"),
            by_account("_search.sort", "_id"),
            by_account("_created_date", "_id"),
            by_account("_type"),
            by_account("_search.city"),
            by_account("ext_id", sparse=True),
        ]
