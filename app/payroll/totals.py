"""What payroll lines add up to: hours by kind, gross pay, adjustments and net, in exact money.

Every hour of a punchcard entry is in one bucket, by the multiplier it was paid at (see
`pay.py`): overtime (past the weekly threshold, at the overtime multiplier), else holiday (on
a statutory holiday), else regular; so regular + overtime + holiday = hours, and those hours
at their multipliers make the gross. Each entry's amount was rounded once when it was made;
totals only add cents, so the lines of a payroll add up to its total to the cent. Every hours
figure reads with two decimals at least (0.00, 5.00), never rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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

    @property
    def regular_hours(self) -> Decimal:
        return self.hours - self.overtime_hours - self.holiday_hours

    @property
    def net(self) -> Decimal:
        return self.gross + self.adjustments

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.hours + other.hours,
            self.gross + other.gross,
            self.adjustments + other.adjustments,
            self.overtime_hours + other.overtime_hours,
            self.holiday_hours + other.holiday_hours,
        )


def entry_totals(entry: RawDoc) -> Totals:
    """One punchcard entry of a line: its hours split by kind, and its amount."""
    hours = as_hours(amount_of(entry.get("hours")))
    overtime = as_hours(amount_of(entry.get("overtime_hours")))
    holiday = hours - overtime if entry.get("holiday") else NO_HOURS
    return Totals(hours, amount_of(entry.get("amount")), ZERO, overtime, holiday)


def line_totals(line: RawDoc) -> Totals:
    """A stored line's hours, gross pay (its punchcards) and signed adjustments."""
    total = Totals()
    for entry in line.get("punchcards") or []:
        total += entry_totals(entry)
    adjustments = sum(
        (signed(a.get("kind"), amount_of(a.get("amount"))) for a in line.get("adjustments") or []),
        ZERO,
    )
    return Totals(
        total.hours,
        to_cent(total.gross),
        to_cent(adjustments),
        total.overtime_hours,
        total.holiday_hours,
    )


def payroll_totals(lines: Iterable[RawDoc]) -> Totals:
    """The sum of a payroll's lines that are not deleted."""
    total = Totals()
    for line in lines:
        if not line.get("_deleted"):
            total += line_totals(line)
    return total
