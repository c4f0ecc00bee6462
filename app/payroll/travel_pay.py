"""What payroll pays for getting from one visit to the next: mileage and travel time.

The drives are `app.visits.travel`'s: between a caregiver's consecutive visits of a day, each
paid with the visit it leads to (on its line, beside the visit's own amount), so it is paid
once, by the payroll that pays that visit. Mileage is the drive's distance in the account's
unit (to the hundredth) times `mileageRate`, rounded once: a reimbursement, paid beside the
gross. Travel time (when `payTravelTime` is on) is the gap between the clock-out before and
this clock-in, at most `maxTravelMinutes`, rounded like visit time (`roundingMinutes`, halves
up), at `travelTimeRate` or else the visit's own pay rate, rounded once: wages, in the gross.
Travel hours are their own pay code: they are not counted toward the overtime thresholds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.common.codes import DistanceUnit
from app.common.money import ZERO, round_money
from app.common.services import RawDoc, decode
from app.payroll.totals import NO_HOURS
from app.visits.rules import rounded_span
from app.visits.travel import Travel, in_unit


@dataclass(frozen=True)
class TravelRules:
    """The account's settings that pay travel."""

    mileage_rate: Decimal | None
    unit: DistanceUnit
    pay_time: bool
    time_rate: Decimal | None
    max_minutes: int
    rounding_minutes: int
    rounding: str | None

    @classmethod
    def of(cls, account: RawDoc) -> TravelRules:
        payroll = decode(account.get("payroll_settings") or {})
        mileage, time_rate = payroll.get("mileage_rate"), payroll.get("travel_time_rate")
        return cls(
            mileage_rate=None if mileage is None else Decimal(str(mileage)),
            unit=DistanceUnit(payroll.get("distance_unit") or DistanceUnit.KM.value),
            pay_time=bool(payroll.get("pay_travel_time")),
            time_rate=None if time_rate is None else Decimal(str(time_rate)),
            max_minutes=int(payroll.get("max_travel_minutes", 60)),
            rounding_minutes=int(payroll.get("rounding_minutes", 15)),
            rounding=(account.get("billing_settings") or {}).get("money_rounding"),
        )

    @property
    def paid(self) -> bool:
        """Whether payroll pays anything for travel."""
        return self.mileage_rate is not None or self.pay_time


def travel_pay(travel: Travel | None, visit_rate: Decimal, rules: TravelRules) -> RawDoc | None:
    """What the drive to a visit pays (None when there is none, or nothing is paid)."""
    if travel is None or not rules.paid:
        return None
    distance = mileage = None
    mileage_amount = ZERO
    if rules.mileage_rate is not None and travel.meters is not None:
        distance, mileage = in_unit(travel.meters, rules.unit), rules.mileage_rate
        mileage_amount = round_money(distance * mileage, rules.rounding)
    hours, rate, amount = NO_HOURS, None, ZERO
    if rules.pay_time and travel.gap is not None:
        paid = min(travel.gap, dt.timedelta(minutes=rules.max_minutes))
        hours = rounded_span(paid, rules.rounding_minutes) + NO_HOURS
        rate = rules.time_rate if rules.time_rate is not None else visit_rate
        amount = round_money(hours * rate, rules.rounding)
    gap = None if travel.gap is None else int(travel.gap.total_seconds() // 60)
    return {
        "origin": travel.origin,
        "distance": distance,
        "distance_unit": rules.unit if distance is not None else None,
        "mileage_rate": mileage,
        "mileage_amount": mileage_amount,
        "gap_minutes": gap,
        "hours": hours,
        "rate": rate,
        "amount": amount,
    }


def with_travel(
    entries: dict[Any, RawDoc], found: dict[Any, Travel], rules: TravelRules
) -> dict[Any, RawDoc]:
    """Each punchcard's entry with the travel it pays, if any."""
    for key, entry in entries.items():
        pay = travel_pay(found.get(key), entry["rate"], rules)
        if pay is not None:
            entry["travel"] = pay
    return entries
