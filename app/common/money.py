"""Money, exact: Decimal only, rounded once half-up to the cent, within bounds that keep every
product of an amount and a quantity exact in Decimal's 28 digits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("100000000")
"""The largest amount or rate: a hundred million."""
MAX_QUANTITY = Decimal("100000")
"""The largest quantity (hours, visits)."""


def to_cent(value: Decimal) -> Decimal:
    """An amount rounded half-up to the cent: 25.125 -> 25.13."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def in_cents(value: Decimal) -> int:
    """An amount as a whole number of cents."""
    return int(to_cent(value) * 100)


def whole_cents(value: Decimal | None) -> Decimal | None:
    """A pydantic check: a money amount given to the cent at most (12.5 and 12.50 are fine,
    12.505 is not), kept with two decimals."""
    if value is not None and value != value.quantize(CENT):
        raise ValueError("a money amount has at most two decimals (cents)")
    return None if value is None else value.quantize(CENT)
