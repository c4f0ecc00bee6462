"""How far a caregiver drives between two visits: a routing provider measures legs.

The default measures the great circle (`app.common.geo`): no network, the same answer every
time, shorter than any road. A road-distance provider is plugged in by a setting
(`CAREGRAPH_ROUTING`): `osrm` asks an OSRM server (`CAREGRAPH_ROUTING_URL`, its documented
`/route/v1/driving/` service), and `package.module:factory` names any other provider, a
callable that takes the settings and answers an object with the one method of
`RoutingProvider`. A leg a provider cannot route (OSRM's `NoRoute`) is measured on the great
circle; a provider that cannot be reached refuses the generation (nothing is stored) rather
than paying or billing a guess.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence
from typing import Protocol

import aiohttp

from app.common.geo import distance_meters
from app.errors import ErrorCode, ServiceError
from app.settings import Settings

Point = tuple[float, float]
"""(longitude, latitude) in degrees, as GeoJSON orders them."""
Leg = tuple[Point, Point]
"""Where a drive starts and where it ends."""


class RoutingProvider(Protocol):
    """Measures drives. One call carries every leg of a generation, so a provider can batch."""

    async def distances(self, legs: Sequence[Leg]) -> list[float | None]:
        """The distance of each leg in metres, in the order given; None for a leg the
        provider cannot route (it is then measured on the great circle)."""
        ...


class GreatCircle:
    """The shortest distance over the Earth's surface (haversine): no network."""

    async def distances(self, legs: Sequence[Leg]) -> list[float | None]:
        return [distance_meters(start, end) for start, end in legs]


class Osrm:
    """Road distance from an OSRM server's route service (driving profile), a few legs at a
    time."""

    def __init__(self, url: str, timeout_seconds: float = 10.0, at_once: int = 8) -> None:
        self.url = url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.at_once = at_once

    async def distances(self, legs: Sequence[Leg]) -> list[float | None]:
        if not legs:
            return []
        gate = asyncio.Semaphore(self.at_once)
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:

                async def one(leg: Leg) -> float | None:
                    async with gate:
                        return await self._route(session, leg)

                return list(await asyncio.gather(*(one(leg) for leg in legs)))
        except (aiohttp.ClientError, TimeoutError, ValueError) as failure:
            raise ServiceError.one(
                f"The routing server ({self.url}) could not measure the drives between visits "
                f"({type(failure).__name__}): nothing was stored; try again once it answers.",
                ErrorCode.INVALID_STATE,
            ) from None

    async def _route(self, session: aiohttp.ClientSession, leg: Leg) -> float | None:
        (lng1, lat1), (lng2, lat2) = leg
        path = f"{self.url}/route/v1/driving/{lng1:.6f},{lat1:.6f};{lng2:.6f},{lat2:.6f}"
        params = {"overview": "false", "alternatives": "false", "steps": "false"}
        async with session.get(path, params=params) as response:
            body = await response.json(content_type=None)
        if not isinstance(body, dict):
            raise ValueError("not an OSRM answer")
        if body.get("code") in ("NoRoute", "NoSegment"):
            return None
        if body.get("code") != "Ok" or not body.get("routes"):
            raise ValueError(f"OSRM answered {body.get('code')}")
        return round(float(body["routes"][0]["distance"]), 1)


class Remembered:
    """A provider asked once per leg: a generation retried after a transient conflict, or
    two visits at the same places, do not measure again."""

    def __init__(self, provider: RoutingProvider) -> None:
        self.provider = provider
        self.known: dict[Leg, float | None] = {}

    async def distances(self, legs: Sequence[Leg]) -> list[float | None]:
        unknown = list(dict.fromkeys(leg for leg in legs if leg not in self.known))
        if unknown:
            self.known.update(zip(unknown, await self.provider.distances(unknown), strict=True))
        return [self.known[leg] for leg in legs]


def routing_for(settings: Settings | None) -> RoutingProvider:
    """The provider the settings choose (see the module); great circle when none."""
    choice = settings.routing if settings is not None else "great_circle"
    if choice == "great_circle":
        return GreatCircle()
    assert settings is not None
    if choice == "osrm":
        if not settings.routing_url:
            raise ValueError("CAREGRAPH_ROUTING=osrm needs CAREGRAPH_ROUTING_URL")
        return Osrm(settings.routing_url)
    module, _, name = choice.partition(":")
    if not name:
        raise ValueError(
            f"CAREGRAPH_ROUTING is great_circle, osrm or package.module:factory, not {choice!r}"
        )
    factory = getattr(importlib.import_module(module), name)
    provider: RoutingProvider = factory(settings)
    return provider
