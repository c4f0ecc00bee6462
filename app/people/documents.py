"""Users: the agency's staff and caregivers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from beanie import PydanticObjectId
from pydantic import Field

from app.common.codes import Gender, RoleType, WorkPermit
from app.common.documents import (
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


class UserService(Embedded):
    """A service a caregiver provides, with a pay rate of their own if it differs."""

    code: str = Field(min_length=1, max_length=20, description="The account's service code.")
    pay_rate: Decimal | None = Field(
        None, ge=0, description="Their hourly pay for it, if not the service's."
    )
    notes: str | None = Field(None, max_length=500, description="Anything else.")


class User(CareDocument, SoftDeletable, CareProfile):
    """A member of the agency: office staff or a caregiver."""

    name: PersonName = Field(description="The user's name.")
    email: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
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
        description="The candidate record they were hired from.",
        json_schema_extra=READONLY,  # set by hiring; shown once candidates are in the graph
    )
    gender: Gender | None = Field(None, description="The user's gender.")
    date_of_birth: dt.date | None = Field(None, description="Date of birth (sensitive).")
    ssn: str | None = Field(
        None,
        max_length=20,
        description="Social security number (sensitive: readable with VIEW_SENSITIVE only).",
    )
    ssn_expiry_date: dt.date | None = Field(None, description="When the SSN stops being valid.")
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
    work_permit: WorkPermit | None = Field(None, description="Their right to work.")
    criminal_offender: bool | None = Field(None, description="Whether they have a record.")
    criminal_offender_reason: str | None = Field(
        None, max_length=1000, description="The offence, if any."
    )
    drivers_licence: DriversLicence | None = Field(None, description="Licence and vehicle.")
    availability: Availability | None = Field(None, description="When they can work.")
    certifications: list[Certification] = Field(
        default_factory=list, description="Certificates and licences."
    )
    skills: list[SkillEntry] = Field(default_factory=list, description="Skills and levels.")
    services: list[UserService] = Field(default_factory=list, description="Services they give.")
    employment_history: list[EmploymentRecord] = Field(
        default_factory=list, description="Previous jobs."
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
        ]
