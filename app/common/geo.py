"""Distances on Earth: a punch from the visit's address, a caregiver from a patient."""

from __future__ import annotations

import math
from typing import Any

EARTH_RADIUS_METERS = 6_371_008.8
"""The mean radius of the Earth (IUGG): a sphere is exact enough for a few hundred metres."""


def distance_meters(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle (haversine) distance between two (longitude, latitude) points, in
    metres, to the decimetre."""
    (lng1, lat1), (lng2, lat2) = a, b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = math.radians(lat2 - lat1) / 2
    half_dlambda = math.radians(lng2 - lng1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return round(2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(h))), 1)


def point_of(geo: Any) -> tuple[float, float] | None:
    """(longitude, latitude) of a stored GeoJSON point, or None when there is none."""
    coordinates = geo.get("coordinates") if isinstance(geo, dict) else None
    if not isinstance(coordinates, list | tuple) or len(coordinates) != 2:
        return None
    return float(coordinates[0]), float(coordinates[1])


def location_point(location: Any) -> tuple[float, float] | None:
    """The position of a stored address (its `geo`), or None."""
    return point_of(location.get("geo")) if isinstance(location, dict) else None
