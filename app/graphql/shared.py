"""GraphQL shapes shared by several domains: subdocuments not shown as they are stored (a
point on Earth), and the `Person` interface of staff, caregivers and patients."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.common.documents import FieldGroup, GeoPoint
from app.common.text import full_name
from app.graphql.context import Info
from app.graphql.guards import guarded_field
from app.graphql.projection import reads
from app.graphql.records import Record, to_date
from app.graphql.relay import type_name_of


@strawberry.type(name="GeoPoint", description="A point on Earth in degrees (WGS 84).")
class GeoPointType(Record):
    __model__ = GeoPoint

    @strawberry.field(description="Degrees north of the equator (-90 to 90).")
    @reads("coordinates")
    def latitude(self) -> float:
        return float(self.doc["coordinates"][1])

    @strawberry.field(description="Degrees east of Greenwich (-180 to 180).")
    @reads("coordinates")
    def longitude(self) -> float:
        return float(self.doc["coordinates"][0])


@strawberry.input(name="GeoPointInput", description="A point on Earth in degrees (WGS 84).")
class GeoPointInput:
    latitude: float = strawberry.field(description="Degrees north of the equator (-90 to 90).")
    longitude: float = strawberry.field(description="Degrees east of Greenwich (-180 to 180).")


@strawberry.interface(description="A person the agency knows: staff, caregivers and patients.")
class Person:
    @strawberry.field(description="The full name: first, middle and last names.")
    @reads("name")
    def full_name(self) -> str:
        record: Record = self  # type: ignore[assignment]
        return full_name(record.doc.get("name"))

    @guarded_field(
        FieldGroup.IDENTITY,
        "Social security (or health card) number; needs VIEW_SENSITIVE: null with a "
        "FORBIDDEN error without it. Every read is written to the audit trail.",
    )
    @reads("ssn")
    def ssn(self, info: Info) -> str | None:
        record: Record = self  # type: ignore[assignment]
        value: str | None = record.doc.get("ssn")
        if value is not None:
            note_read(info, record, "ssn")
        return value

    @guarded_field(
        FieldGroup.IDENTITY,
        "Date of birth; needs VIEW_SENSITIVE: null with a FORBIDDEN error without it. Every "
        "read is written to the audit trail.",
    )
    @reads("date_of_birth")
    def date_of_birth(self, info: Info) -> dt.date | None:
        record: Record = self  # type: ignore[assignment]
        value = to_date(record.doc.get("date_of_birth"))
        if value is not None:
            note_read(info, record, "dateOfBirth")
        return value


def note_read(info: Info, record: Record, field: str) -> None:
    """A sensitive field was read: the request's audit entries will say so."""
    info.context.note_sensitive_read(type_name_of(type(record)), record.doc["_id"], field)
