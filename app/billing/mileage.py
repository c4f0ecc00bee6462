"""Mileage billed where the service says so: an invoice's line of its own.

A visit whose service has `bill_mileage` on bills the drive to it from its caregiver's visit
before it that day (`app.visits.travel`: the first visit of a day bills none, nor a drive
without a position at either end), in the account's distance unit
(`payroll_settings.distance_unit`, to the hundredth) at the service's `mileage_bill_rate`.
Those drives make one line per service and rate, after the service lines: its quantity the
distance, its unit KILOMETRE or MILE, its taxes the service's active ones, its amount rounded
once; the line's amount is apportioned among its visits to the cent (largest remainder), which
each record their distance and part (`distance`, `mileage_amount`). Finding the visits before
them costs one read per caregiver (index keys only), and only when a billed service bills
mileage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.billing.amounts import apportioned, line_total, money_rule
from app.billing.snapshots import Reader
from app.common.codes import DistanceUnit, ServiceUnit
from app.common.days import local_midnight, zone_of
from app.common.routing import RoutingProvider
from app.common.services import RawDoc, decode
from app.visits.travel import TRAVEL_FIELDS, day_span, in_unit, travels

UNITS = {DistanceUnit.KM: ServiceUnit.KILOMETRE, DistanceUnit.MI: ServiceUnit.MILE}


@dataclass
class Mileage:
    """An invoice's mileage lines, and each visit's distance and part of its line."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    visits: dict[Any, tuple[Decimal, Decimal]] = field(default_factory=dict)


def _billing_mileage(account: RawDoc) -> dict[str, RawDoc]:
    return {s["code"]: s for s in account.get("services") or [] if s.get("bill_mileage")}


def _code(card: RawDoc) -> Any:
    return (card.get("service") or {}).get("code")


async def billed_mileage(
    reader: Reader, account: RawDoc, cards: list[RawDoc], routing: RoutingProvider
) -> Mileage:
    """The mileage the billed `cards` bill (see the module); nothing, and no read, when none
    of their services bills it."""
    services = _billing_mileage(account)
    wanted = [card for card in cards if _code(card) in services]
    if not wanted:
        return Mileage()
    zone = zone_of(account)
    caregivers, days = day_span(wanted, zone)
    if not days:
        return Mileage()
    span = {
        "$gte": local_midnight(min(days), zone),
        "$lt": local_midnight(max(days) + dt.timedelta(days=1), zone),
    }
    fields = {**TRAVEL_FIELDS, "user._id": 1, "_deleted": 1}
    day_cards: list[RawDoc] = []
    for caregiver in caregivers:  # equality on the index's keys: no collection scan
        found = reader.whole_account()["punchcards"].find(
            {"user._id": caregiver, "_search.date": span}, fields
        )
        day_cards += [card async for card in found]
    drives = await travels(day_cards, zone, routing)
    return _lines(wanted, drives, services, account)


def _lines(
    cards: list[RawDoc], drives: dict[Any, Any], services: dict[str, RawDoc], account: RawDoc
) -> Mileage:
    payroll = decode(account.get("payroll_settings") or {})
    unit = DistanceUnit(payroll.get("distance_unit") or DistanceUnit.KM.value)
    active = {t["code"] for t in account.get("taxes") or [] if t.get("active", True)}
    lines: dict[tuple[str, Decimal], dict[str, Any]] = {}
    legs: dict[tuple[str, Decimal], list[tuple[Any, Decimal]]] = {}
    for card in cards:
        drive = drives.get(card["_id"])
        if drive is None or drive.meters is None:
            continue
        service = services[_code(card)]
        rate = Decimal(str(decode(service.get("mileage_bill_rate")) or 0))
        distance = in_unit(drive.meters, unit)
        key = (service["code"], rate)
        line = lines.setdefault(
            key,
            {
                "code": service["code"],
                "description": f"Mileage: {service.get('description') or service['code']} "
                f"({unit.value})",
                "quantity": Decimal("0.00"),
                "unit": UNITS[unit],
                "rate": rate,
                "taxes": [t for t in service.get("taxes") or [] if t in active],
            },
        )
        line["quantity"] += distance
        legs.setdefault(key, []).append((card["_id"], distance))
    mileage, rule = Mileage(), money_rule(account)
    for key in sorted(lines):
        line = lines[key]
        total = line_total(line["quantity"], line["rate"], rule)
        parts = apportioned(total, [distance * line["rate"] for _, distance in legs[key]])
        for (card, distance), part in zip(legs[key], parts, strict=True):
            mileage.visits[card] = (distance, part)
        mileage.lines.append(line)
    return mileage
