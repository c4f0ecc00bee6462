"""GraphQL shapes of the shared subdocuments that are not stored as they are shown."""

from __future__ import annotations

import strawberry

from app.common.codes import Permission
from app.common.documents import GeoPoint
from app.errors import PublicError
from app.graphql.context import Info
from app.graphql.modeled import register
from app.graphql.records import Record


@strawberry.type(name="GeoPoint", description="A point on Earth in degrees (WGS 84).")
class GeoPointType(Record):
    __model__ = GeoPoint

    @strawberry.field(description="Degrees north of the equator (-90 to 90).")
    def latitude(self) -> float:
        return float(self.doc["coordinates"][1])

    @strawberry.field(description="Degrees east of Greenwich (-180 to 180).")
    def longitude(self) -> float:
        return float(self.doc["coordinates"][0])


@strawberry.input(name="GeoPointInput", description="A point on Earth in degrees (WGS 84).")
class GeoPointInput:
    latitude: float = strawberry.field(description="Degrees north of the equator (-90 to 90).")
    longitude: float = strawberry.field(description="Degrees east of Greenwich (-180 to 180).")


register(GeoPoint, GeoPointType, GeoPointInput)


@strawberry.interface(description="A person the agency knows: staff, caregivers and patients.")
class Person:
    @strawberry.field(description="The full name, first name first.")
    def full_name(self) -> str:
        record: Record = self  # type: ignore[assignment]
        name = record.doc.get("name") or {}
        return " ".join(str(p) for p in (name.get("first"), name.get("last")) if p)

    @strawberry.field(description="Social security (or health card) number; needs VIEW_SENSITIVE.")
    def ssn(self, info: Info) -> str | None:
        record: Record = self  # type: ignore[assignment]
        return sensitive(info, record.doc.get("ssn"))


def sensitive(info: Info, value: str | None) -> str | None:
    """A sensitive value for roles with VIEW_SENSITIVE; anyone else is told no."""
    caller = info.context.caller
    if value is not None and (caller is None or not caller.may(Permission.VIEW_SENSITIVE)):
        raise PublicError(
            "Your role may not read this field (it needs VIEW_SENSITIVE).", code="FORBIDDEN"
        )
    return value
