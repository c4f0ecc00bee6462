"""GraphQL shapes of the shared subdocuments that are not stored as they are shown."""

from __future__ import annotations

import strawberry

from app.common.documents import GeoPoint
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
