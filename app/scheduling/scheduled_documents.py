"""The parts of a scheduled visit, as stored (kept apart from documents.py, which holds the
Event and EventGroup documents): `Scheduled`, what a visit and a series' template share (its
patient, service, attendees, place, notes, conflict override), and a visit's billing and what
it is expected to bill."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel, Field, field_validator

from app.common.codes import PeriodType
from app.common.documents import BILLING, PAY, READONLY, Embedded, Location, PersonName, ref
from app.scheduling.enums import AttendeeRole, AttendeeStatus
from app.scheduling.overrides import ConflictOverride

CURRENCY = r"^[A-Z]{3}$"


class EventPatient(Embedded):
    """The patient of a visit, as copied from their record when the visit was saved."""

    record: PydanticObjectId = Field(
        alias="_id",
        description="The patient's record, as it is now.",
        json_schema_extra=ref("Patient", "patients"),
    )
    name: PersonName | None = Field(
        None, description="Their name when the visit was saved.", json_schema_extra=READONLY
    )
    location: Location | None = Field(
        None,
        description="Their primary address when the visit was saved.",
        json_schema_extra=READONLY,
    )


class EventAttendee(Embedded):
    """A person booked on a visit, with their pay rate and their answer."""

    user: PydanticObjectId = Field(
        description="The caregiver (or other user) booked.", json_schema_extra=ref("User", "users")
    )
    name: PersonName | None = Field(
        None, description="Their name when the visit was saved.", json_schema_extra=READONLY
    )
    role: AttendeeRole = Field(AttendeeRole.CAREGIVER, description="What they do there.")
    pay_rate: Decimal | None = Field(
        None,
        ge=0,
        description="Their hourly pay for this visit; the service's when not given.",
        json_schema_extra=PAY,
    )
    status: AttendeeStatus = Field(AttendeeStatus.ASSIGNED, description="Where they stand.")
    notes: str | None = Field(None, max_length=1000, description="Anything else about them.")


FROM_CODE: dict[str, Any] = {"derived_from": ["code"]}
"""A service's description and rates come with its code: a patch that changes the code and
leaves them out takes the new service's (see app/common/patch.py)."""


class EventService(Embedded):
    """The service given at a visit, with its rates; rates not given are the account's."""

    code: str = Field(min_length=1, max_length=20, description="The account's service code.")
    description: str | None = Field(
        None, max_length=200, description="What is done.", json_schema_extra=FROM_CODE
    )
    bill_rate: Decimal | None = Field(
        None, ge=0, description="Charged per hour.", json_schema_extra={**BILLING, **FROM_CODE}
    )
    pay_rate: Decimal | None = Field(
        None,
        ge=0,
        description="Paid to the caregiver per hour.",
        json_schema_extra={**PAY, **FROM_CODE},
    )


class EventBilling(Embedded):
    """How a visit is billed: period, currency, method, rate and payer."""

    billing_period: PeriodType | None = Field(None, description="The billing cycle it falls in.")
    currency: str | None = Field(None, pattern=CURRENCY, description="ISO 4217 currency code.")
    payment_method: str | None = Field(
        None,
        max_length=60,
        description="How it is paid (cheque, card, insurer...).",
        json_schema_extra=BILLING,
    )
    bill_rate: Decimal | None = Field(
        None, ge=0, description="Hourly rate billed, if special.", json_schema_extra=BILLING
    )
    payer: str | None = Field(
        None,
        max_length=200,
        description="Who pays: self, a family member, an insurer.",
        json_schema_extra=BILLING,
    )
    client: PydanticObjectId | None = Field(
        None,
        description="The client (payer) billed, when it is not the patient.",
        json_schema_extra=ref("Client", "clients"),
    )
    billable: bool = Field(True, description="Whether the visit is billed at all.")


class EventExpectation(Embedded):
    """What a visit is expected to bill."""

    amount: Decimal | None = Field(
        None, ge=0, description="The expected bill amount.", json_schema_extra=BILLING
    )
    currency: str | None = Field(None, pattern=CURRENCY, description="ISO 4217 currency code.")
    hours: Decimal | None = Field(None, ge=0, le=24, description="The hours expected to bill.")


class Scheduled(BaseModel):
    """What a visit and a series template share: patient, service, people, place, notes."""

    patient: EventPatient | None = Field(None, description="The patient visited.")
    service: EventService | None = Field(None, description="The service given.")
    attendees: list[EventAttendee] = Field(
        default_factory=list, description="Who is booked: caregivers, supervisors, trainees."
    )
    location: Location | None = Field(None, description="Where the visit starts.")
    notes: str | None = Field(None, max_length=5000, description="Notes for the caregivers.")
    conflict_override: ConflictOverride | None = Field(
        None,
        description="Book despite schedule conflicts: without it a conflicting create or move "
        "is refused with SCHEDULE_CONFLICT errors. Recorded with the conflicts it overrode; a "
        "later move needs a new one (a move without conflicts clears it).",
    )

    @field_validator("attendees")
    @classmethod
    def _each_once(cls, attendees: list[EventAttendee]) -> list[EventAttendee]:
        users = [attendee.user for attendee in attendees]
        if len(set(users)) != len(users):
            raise ValueError("each user is booked on a visit once")
        return attendees
