"""The drives between a caregiver's consecutive visits of a day, as payroll pays them and
invoices bill them.

A day is the local day (the account's time zone) of each visit's clock-in; its visits are in
clock-in order, and each visit after the first is reached from the one before it: the first
visit of a day has no drive (the way from home is not work). A drive starts where the visit
before ended (its clock-out position, else the address where it ended, else its address,
else its clock-in position) and ends where this one began (its clock-in position, else its
address: the address a punchcard holds is the visit's, copied at clock-in); without both ends
it has no distance. Its distance is measured by the account's routing provider
(`app.common.routing`, the great circle by default), its gap is the time from the clock-out
before to this clock-in (none without that clock-out; never negative).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.common.clock import as_utc
from app.common.codes import DistanceUnit
from app.common.days import local_day
from app.common.geo import distance_meters, location_point, point_of
from app.common.routing import Leg, Point, RoutingProvider
from app.common.services import RawDoc

TRAVEL_FIELDS = {
    "actual.clock_in": 1, "actual.clock_out": 1,
    "actual.clock_in_location": 1, "actual.clock_out_location": 1,
    "location.geo": 1, "location_end.geo": 1,
}  # fmt: skip
"""What a punchcard must carry to place its drives (a projection), beside its `user._id`."""
METERS_PER = {DistanceUnit.KM: Decimal(1000), DistanceUnit.MI: Decimal("1609.344")}
DISTANCE_DECIMALS = Decimal("0.01")


@dataclass(frozen=True)
class Travel:
    """The drive to a visit from the caregiver's previous visit of the same day."""

    origin: Any
    """The punchcard of the visit before."""
    meters: float | None
    """How far, in metres; None when either end has no position."""
    gap: dt.timedelta | None
    """From the clock-out before to this clock-in; None without that clock-out."""


def _actual(card: RawDoc) -> RawDoc:
    return card.get("actual") or {}


def departure(card: RawDoc) -> Point | None:
    """Where the caregiver left a visit from."""
    actual = _actual(card)
    return (
        point_of(actual.get("clock_out_location"))
        or location_point(card.get("location_end"))
        or location_point(card.get("location"))
        or point_of(actual.get("clock_in_location"))
    )


def arrival(card: RawDoc) -> Point | None:
    """Where the caregiver arrived at a visit."""
    return point_of(_actual(card).get("clock_in_location")) or location_point(card.get("location"))


def consecutive(cards: Iterable[RawDoc], zone: dt.tzinfo) -> list[tuple[RawDoc, RawDoc]]:
    """Each visit of a caregiver's day (after the first) with the visit before it: live
    punchcards with a clock-in, by caregiver and local day, in clock-in order."""
    days: dict[tuple[Any, dt.date], list[RawDoc]] = {}
    for card in cards:
        clock_in = _actual(card).get("clock_in")
        caregiver = (card.get("user") or {}).get("_id")
        if card.get("_deleted") or clock_in is None or caregiver is None:
            continue
        day = local_day(clock_in, zone)
        if day is not None:
            days.setdefault((caregiver, day), []).append(card)
    pairs = []
    for visits in days.values():
        visits.sort(key=lambda card: (as_utc(_actual(card)["clock_in"]), str(card["_id"])))
        pairs += list(itertools.pairwise(visits))
    return pairs


async def travels(
    cards: Iterable[RawDoc], zone: dt.tzinfo, routing: RoutingProvider
) -> dict[Any, Travel]:
    """The drive to each visit that has one (see the module), by its punchcard's id: every
    drive measured in one call to the provider."""
    pairs = consecutive(cards, zone)
    ends = [(departure(before), arrival(after)) for before, after in pairs]
    legs: list[Leg] = [(a, b) for a, b in ends if a is not None and b is not None]
    measured = iter(await routing.distances(legs) if legs else [])
    found: dict[Any, Travel] = {}
    for (before, after), (start, end) in zip(pairs, ends, strict=True):
        meters = None
        if start is not None and end is not None:
            meters = next(measured)
            if meters is None:  # the provider cannot route it: the great circle
                meters = distance_meters(start, end)
        found[after["_id"]] = Travel(before["_id"], meters, _gap(before, after))
    return found


def _gap(before: RawDoc, after: RawDoc) -> dt.timedelta | None:
    left, came = _actual(before).get("clock_out"), _actual(after).get("clock_in")
    if left is None or came is None:
        return None
    return max(as_utc(came) - as_utc(left), dt.timedelta(0))


def in_unit(meters: float, unit: DistanceUnit | str | None) -> Decimal:
    """A distance in the account's unit, to the hundredth (half-up)."""
    per = METERS_PER[DistanceUnit(unit) if unit is not None else DistanceUnit.KM]
    return (Decimal(str(meters)) / per).quantize(DISTANCE_DECIMALS, rounding=ROUND_HALF_UP)


def day_span(cards: Iterable[RawDoc], zone: dt.tzinfo) -> tuple[set[Any], set[dt.date]]:
    """The caregivers and local days of these punchcards' clock-ins: what to read to find
    the visits before them."""
    caregivers, days = set(), set()
    for card in cards:
        clock_in = _actual(card).get("clock_in")
        day = local_day(clock_in, zone) if clock_in is not None else None
        caregiver = (card.get("user") or {}).get("_id")
        if day is not None and caregiver is not None:
            caregivers.add(caregiver)
            days.add(day)
    return caregivers, days
