"""Stored shapes shared by many records: the base document, names, places, phones, people."""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from enum import StrEnum
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo
from pymongo import ASCENDING, IndexModel

from app.common.codes import (
    Education,
    Fluency,
    LivingStatus,
    PetType,
    PhoneType,
    SkillLevel,
    Transportation,
    Weekday,
    WorkStatusType,
)

READONLY: dict[str, Any] = {"readonly": True}
FILLED: dict[str, Any] = {"filled": True}
"""Field metadata: a caller may leave it out, but every write fills it (a time stamp, a value
derived from others, an account default), so every stored record holds one."""


class FieldGroup(StrEnum):
    """The kinds of fields a role needs a permission of its own to read and to write; the
    permission of each is in the policy table (app/data/policy.py)."""

    PAY = "pay"
    BILLING = "billing"
    CLINICAL = "clinical"
    HR = "hr"
    IDENTITY = "identity"


PAY: dict[str, Any] = {"group": FieldGroup.PAY}
"""Field metadata: what a caregiver is paid (pay rates, hours and amounts paid, payrolls)."""
BILLING: dict[str, Any] = {"group": FieldGroup.BILLING}
"""Field metadata: what a patient is billed (bill rates and amounts, payers, invoices)."""
CLINICAL: dict[str, Any] = {"group": FieldGroup.CLINICAL}
"""Field metadata: clinical records (progress notes' text, health problems, medications)."""
HR: dict[str, Any] = {"group": FieldGroup.HR}
"""Field metadata: HR records (screening answers, licences and certifications, staff notes)."""
IDENTITY: dict[str, Any] = {"group": FieldGroup.IDENTITY}
"""Field metadata: identity numbers and dates (SSN, date of birth)."""


def ref(type_name: str, collection: str) -> dict[str, Any]:
    """Field metadata: this stored id points at a record of that GraphQL type and collection."""
    return {"ref": type_name, "collection": collection}


def field_extra(info: FieldInfo | None) -> dict[str, Any]:
    """The metadata a field declares (ref, collection, readonly, writeonly, group)."""
    extra = info.json_schema_extra if info is not None else None
    return extra if isinstance(extra, dict) else {}


def nested_model(info: FieldInfo | None) -> type[BaseModel] | None:
    """The subdocument model a field holds (alone, optional or in a list), if it holds one."""
    pending = [info.annotation] if info is not None else []
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        pending.extend(typing.get_args(annotation))
    return None


def stored_key(model: type[BaseModel], name: str) -> str:
    """The MongoDB key of a model field: its alias (the catalogue's name) or its name."""
    info = model.model_fields.get(name)
    return (info.alias or name) if info is not None else name


def by_account(*keys: str, **options: Any) -> IndexModel:
    """An index for one account's queries: `_account` first, so it serves a sharded cluster."""
    return IndexModel([("_account", ASCENDING), *((key, ASCENDING) for key in keys)], **options)


class Embedded(BaseModel):
    """Base of subdocuments: stored keys by alias; unknown keys of imported records are kept."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")


class CareDocument(Document):
    """Base of every record an account owns."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    account: int = Field(alias="_account", description="The account (agency) owning the record.")
    revision: int = Field(1, alias="_revision", description="Bumped by every change.")
    created_date: dt.datetime | None = Field(
        None, alias="_created_date", description="When the record was created.",
        json_schema_extra={**READONLY, **FILLED},
    )  # fmt: skip
    last_updated_date: dt.datetime | None = Field(
        None, alias="_last_updated_date", description="When the record last changed.",
        json_schema_extra={**READONLY, **FILLED},
    )  # fmt: skip
    search: dict[str, Any] = Field(
        default_factory=dict, alias="_search", description="Normalised words for search."
    )


class DeletedDate(Embedded):
    """One soft deletion of a record: when, why, by whom, and when it was restored."""

    date: dt.datetime = Field(description="When the record was deleted.")
    reason: str = Field(description="Why it was deleted, in the deleting person's words.")
    user: PydanticObjectId | None = Field(
        None, description="The user who deleted it (null when an API client did).",
        json_schema_extra=ref("User", "users"),
    )  # fmt: skip
    api_client: str | None = Field(None, description="The name of the API client that deleted it.")
    restored_date: dt.datetime | None = Field(None, description="When it was restored, if it was.")


class SoftDeletable(BaseModel):
    """Soft deletion: a deleted record stays, hidden from lists unless asked for."""

    deleted: bool = Field(
        False, alias="_deleted", description="Whether the record is deleted.",
        json_schema_extra=READONLY,
    )  # fmt: skip
    deleted_dates: list[DeletedDate] = Field(
        default_factory=list, alias="_deleted_dates",
        description="Every deletion of the record, with its reason; newest last.",
        json_schema_extra=READONLY,
    )  # fmt: skip


class PersonName(Embedded):
    """A person's name."""

    first: str = Field(min_length=1, max_length=100, description="Given name.")
    last: str = Field(min_length=1, max_length=100, description="Family name.")
    middle: str | None = Field(None, max_length=100, description="Middle names.")
    nickname: str | None = Field(None, max_length=100, description="The name they go by.")
    prefix: str | None = Field(None, max_length=20, description="Such as Mrs or Dr.")
    suffix: str | None = Field(None, max_length=20, description="Such as Jr or RN.")


class CompanyName(Embedded):
    """A company's names."""

    legal: str = Field(min_length=1, max_length=200, description="The registered legal name.")
    display: str | None = Field(None, max_length=200, description="The name shown to people.")


class GeoPoint(Embedded):
    """A point on Earth, stored as GeoJSON so MongoDB can index it for distance."""

    type: str = Field("Point", description="Always Point.")
    coordinates: list[float] = Field(description="Longitude then latitude, in degrees.")

    @model_validator(mode="before")
    @classmethod
    def _from_lat_lng(cls, value: Any) -> Any:
        if isinstance(value, dict) and "latitude" in value:
            return {"type": "Point", "coordinates": [value["longitude"], value["latitude"]]}
        return value

    @model_validator(mode="after")
    def _in_range(self) -> GeoPoint:
        if len(self.coordinates) != 2:
            raise ValueError("a point has a longitude and a latitude")
        longitude, latitude = self.coordinates
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise ValueError("latitude is -90 to 90 and longitude -180 to 180")
        return self


class Location(Embedded):
    """An address, with its position for distance checks."""

    label: str | None = Field(None, max_length=100, description="Such as Home or Office.")
    address1: str | None = Field(None, max_length=200, description="Street address.")
    address2: str | None = Field(None, max_length=200, description="Unit, floor or building.")
    city: str | None = Field(None, max_length=100, description="City or town.")
    region: str | None = Field(None, max_length=100, description="State or province.")
    postal_code: str | None = Field(None, max_length=20, description="ZIP or postal code.")
    country: str | None = Field(None, max_length=2, description="ISO 3166 country code.")
    geo: GeoPoint | None = Field(None, description="Latitude and longitude of the address.")
    primary: bool = Field(False, description="Whether this is the main address.")
    notes: str | None = Field(None, max_length=1000, description="Access notes (door code...).")


class Phone(Embedded):
    """A phone number."""

    number: str = Field(min_length=3, max_length=40, description="The number, as dialled.")
    type: PhoneType = Field(PhoneType.MOBILE, description="What the number is for.")
    label: str | None = Field(None, max_length=100, description="Who or what answers it.")
    primary: bool = Field(False, description="Whether to call this number first.")


class LanguageSkill(Embedded):
    """A language a person speaks."""

    code: str = Field(min_length=2, max_length=8, description="ISO 639-1 code, such as en.")
    name: str | None = Field(None, max_length=60, description="The language's name.")
    fluency: Fluency = Field(Fluency.FLUENT, description="How well it is spoken.")
    primary: bool = Field(False, description="Whether it is the person's main language.")


class WeeklySlot(Embedded):
    """A weekly span of hours, in the account's time zone."""

    weekday: Weekday = Field(description="The day of the week.")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="From, as HH:MM.")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$", description="Until, as HH:MM.")

    @model_validator(mode="after")
    def _ordered(self) -> WeeklySlot:
        if self.end <= self.start:
            raise ValueError("a slot ends after it starts")
        return self


class Unavailability(Embedded):
    """A span of time a person cannot work (holiday, appointment)."""

    start: dt.datetime = Field(description="From.")
    end: dt.datetime = Field(description="Until.")
    reason: str | None = Field(None, max_length=200, description="Why.")


class Availability(Embedded):
    """When a person can work: weekly hours and dated exceptions."""

    weekly: list[WeeklySlot] = Field(default_factory=list, description="Hours by weekday.")
    unavailable: list[Unavailability] = Field(
        default_factory=list, description="Dated spans they cannot work."
    )
    max_hours_per_week: Decimal | None = Field(None, ge=0, description="At most this many hours.")
    notes: str | None = Field(None, max_length=1000, description="Anything else.")


class Certification(Embedded):
    """A certificate or licence, with its validity."""

    name: str = Field(min_length=1, max_length=200, description="Such as CPR or PSW.")
    issuer: str | None = Field(None, max_length=200, description="Who issued it.")
    number: str | None = Field(None, max_length=100, description="Its number.")
    issued_date: dt.date | None = Field(None, description="When it was issued.")
    expiry_date: dt.date | None = Field(None, description="When it stops being valid.")
    verified: bool = Field(False, description="Whether the agency has seen the original.")


class DriversLicence(Embedded):
    """A driver's licence and access to a vehicle."""

    has_licence: bool = Field(False, description="Whether the person holds a licence.")
    number: str | None = Field(None, max_length=60, description="The licence number.")
    licence_class: str | None = Field(None, max_length=20, description="Its class, such as G.")
    region: str | None = Field(None, max_length=100, description="Where it was issued.")
    expiry_date: dt.date | None = Field(None, description="When it expires.")
    has_vehicle: bool = Field(False, description="Whether the person has a car for visits.")


class ExperienceWithAges(Embedded):
    """Age groups a person has cared for, or a patient's needs concern."""

    infants: bool = Field(False, description="Under 2.")
    children: bool = Field(False, description="2 to 12.")
    teens: bool = Field(False, description="13 to 17.")
    adults: bool = Field(False, description="18 to 64.")
    seniors: bool = Field(False, description="65 and over.")


class EmploymentRecord(Embedded):
    """A previous job."""

    employer: str = Field(min_length=1, max_length=200, description="Who they worked for.")
    position: str | None = Field(None, max_length=200, description="Their role.")
    start_date: dt.date | None = Field(None, description="From.")
    end_date: dt.date | None = Field(None, description="Until.")
    duties: str | None = Field(None, max_length=2000, description="What they did.")
    reason_for_leaving: str | None = Field(None, max_length=500, description="Why they left.")
    reference_name: str | None = Field(None, max_length=200, description="Who can vouch.")
    reference_phone: str | None = Field(None, max_length=40, description="The reference's phone.")


class SalaryExpectations(Embedded):
    """An hourly pay range."""

    hourly_min: Decimal | None = Field(None, ge=0, description="Lowest hourly rate.")
    hourly_max: Decimal | None = Field(None, ge=0, description="Highest hourly rate.")
    notes: str | None = Field(None, max_length=500, description="Anything else about pay.")


class WorkStatus(Embedded):
    """Full time, part time, temporary or on call, and how many hours."""

    type: WorkStatusType = Field(description="The kind of engagement.")
    hours_per_week: Decimal | None = Field(None, ge=0, le=168, description="Hours a week.")
    notes: str | None = Field(None, max_length=500, description="Anything else.")


class SkillEntry(Embedded):
    """A skill a person has (or a patient needs), with its level."""

    title: str = Field(
        min_length=1, max_length=100, description="The skill, such as Dementia care."
    )
    level: SkillLevel = Field(SkillLevel.GOOD, description="How well.")


class FileSnapshot(Embedded):
    """A stored file as a record carries it: its id and what it is."""

    file: PydanticObjectId | None = Field(
        None, alias="file_id", description="The stored file: its File record, whose `url` "
        "downloads the content.", json_schema_extra=ref("File", "files"),
    )  # fmt: skip
    name: str = Field(min_length=1, max_length=255, description="The file's name.")
    content_type: str | None = Field(None, max_length=100, description="Its MIME type.")
    size: int | None = Field(None, ge=0, description="Its size in bytes.")
    checksum: str | None = Field(None, max_length=64, description="Its SHA-256, hex.")
    uploaded_date: dt.datetime | None = Field(None, description="When it was uploaded.")


class CareProfile(BaseModel):
    """What matches caregivers to patients: what a caregiver offers, what a patient needs."""

    cleaning: SkillLevel | None = Field(None, description="Cleaning: skill, or need.")
    cooking: SkillLevel | None = Field(None, description="Cooking: skill, or need.")
    swimming: SkillLevel | None = Field(None, description="Swimming: skill, or need.")
    education: Education | None = Field(None, description="Education level.")
    experience: int | None = Field(None, ge=0, le=80, description="Years of care experience.")
    experience_with_ages: ExperienceWithAges | None = Field(
        None, description="Age groups cared for, or concerned."
    )
    has_pets: bool | None = Field(None, description="Caregiver: fine with pets; patient: has pets.")
    type_of_pets: list[PetType] = Field(default_factory=list, description="Which pets.")
    is_smoker: bool | None = Field(
        None, description="Caregiver: fine with smokers; patient: smokes."
    )
    languages: list[LanguageSkill] = Field(default_factory=list, description="Languages spoken.")
    transportation: Transportation | None = Field(None, description="How they travel.")
    living_status: LivingStatus | None = Field(None, description="Who they live with.")
    travel_passport: bool | None = Field(None, description="Holds, or needs, a valid passport.")
    us_visa: bool | None = Field(None, description="Holds, or needs, a US visa.")
    will_travel: bool | None = Field(None, description="Willing to travel, or will travel.")
    work_status: WorkStatus | None = Field(None, description="Engagement offered, or wanted.")
    salary_expectations: SalaryExpectations | None = Field(
        None, description="Hourly pay range.", json_schema_extra=HR
    )


def validate_ordered(start: Any, end: Any, what: str) -> None:
    """Refuse a span whose end is not after its start."""
    if start is not None and end is not None and end <= start:
        raise ValueError(f"{what} ends after it starts")


def primary(items: list[Any] | None, key: str = "primary") -> Any:
    """The subdocument marked primary (or `key`) among stored ones, else the first, else None."""
    found = [item for item in items or [] if isinstance(item, dict)]
    return next((item for item in found if item.get(key)), found[0] if found else None)
