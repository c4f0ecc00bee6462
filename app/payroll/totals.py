"""What payroll lines add up to: hours by kind, gross pay, mileage, adjustments and net, in
exact money.

Every hour of a punchcard entry is in one bucket, by the multiplier it was paid at (see
`pay.py`): overtime (past the weekly threshold, at the overtime multiplier), daily overtime
(past the daily threshold, at the daily multiplier), else holiday (on a statutory holiday),
else regular; so regular + overtime + daily overtime + holiday = hours, and those hours at
their multipliers make the visits' pay. Travel hours (`travel_pay.py`) are their own kind, at
their own rate. The gross is the wages: the visits' pay, the travel time's and the pay for
holidays not worked (`holiday_pay.py`); mileage is a reimbursement beside it; the net is the
gross plus mileage plus the adjustments. Each amount was rounded once when it was made; totals
only add cents, so the lines of a payroll add up to its total to the cent. Every hours figure
reads with two decimals at least (0.00, 5.00), never rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from app.common.money import ZERO, amount_of, to_cent
from app.common.services import RawDoc
from app.payroll.documents import signed

NO_HOURS = Decimal("0.00")
"""No hours, as hours read: adding it gives a figure two decimals at least (5 -> 5.00)."""


def as_hours(value: Decimal) -> Decimal:
    """Hours as they read: two decimals at least, never rounded (5 -> 5.00, 1.125 stays)."""
    return value + NO_HOURS


@dataclass(frozen=True)
class Totals:
    """What a payroll line (or a whole payroll) adds up to."""

    hours: Decimal = NO_HOURS
    gross: Decimal = ZERO
    adjustments: Decimal = ZERO
    overtime_hours: Decimal = NO_HOURS
    holiday_hours: Decimal = NO_HOURS
    daily_overtime_hours: Decimal = NO_HOURS
    travel_hours: Decimal = NO_HOURS
    travel_pay: Decimal = ZERO
    mileage_distance: Decimal = NO_HOURS
    mileage_amount: Decimal = ZERO
    holiday_not_worked_pay: Decimal = ZERO

    @property
    def regular_hours(self) -> Decimal:
        return self.hours - self.overtime_hours - self.daily_overtime_hours - self.holiday_hours

    @property
    def net(self) -> Decimal:
        return self.gross + self.mileage_amount + self.adjustments

    def __add__(self, other: Totals) -> Totals:
        pairs = zip(_figures(self), _figures(other), strict=True)
        return Totals(*(mine + theirs for mine, theirs in pairs))


def _figures(totals: Totals) -> tuple[Decimal, ...]:
    return tuple(getattr(totals, name) for name in Totals.__dataclass_fields__)


def entry_totals(entry: RawDoc) -> Totals:
    """One punchcard entry of a line: its hours split by kind, its amount, and the travel to
    it."""
    hours = as_hours(amount_of(entry.get("hours")))
    overtime = as_hours(amount_of(entry.get("overtime_hours")))
    daily = as_hours(amount_of(entry.get("daily_overtime_hours")))
    holiday = hours - overtime - daily if entry.get("holiday") else NO_HOURS
    travel = entry.get("travel") or {}
    travel_pay = amount_of(travel.get("amount"))
    return Totals(
        hours=hours,
        gross=amount_of(entry.get("amount")) + travel_pay,
        overtime_hours=overtime,
        holiday_hours=holiday,
        daily_overtime_hours=daily,
        travel_hours=as_hours(amount_of(travel.get("hours"))),
        travel_pay=travel_pay,
        mileage_distance=as_hours(amount_of(travel.get("distance"))),
        mileage_amount=amount_of(travel.get("mileage_amount")),
    )


def line_totals(line: RawDoc) -> Totals:
    """A stored line's hours, gross pay (its punchcards, their travel and its holidays not
    worked), mileage and signed adjustments."""
    total = Totals()
    for entry in line.get("punchcards") or []:
        total += entry_totals(entry)
    holidays = sum((amount_of(h.get("amount")) for h in line.get("holiday_pay") or []), ZERO)
    adjustments = sum(
        (signed(a.get("kind"), amount_of(a.get("amount"))) for a in line.get("adjustments") or []),
        ZERO,
    )
    return replace(
        total,
        gross=to_cent(total.gross + holidays),
        adjustments=to_cent(adjustments),
        travel_pay=to_cent(total.travel_pay),
        mileage_amount=to_cent(total.mileage_amount),
        holiday_not_worked_pay=to_cent(holidays),
    )


def payroll_totals(lines: Iterable[RawDoc]) -> Totals:
    """The sum of a payroll's lines that are not deleted."""
    total = Totals()
    for line in lines:
        if not line.get("_deleted"):
            total += line_totals(line)
    return total
