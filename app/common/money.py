"""Money, exact: Decimal only, rounded once half-up to the cent, within bounds that keep every
product of an amount and a quantity exact in Decimal's 28 digits."""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
)
from functools import lru_cache
from typing import Any

from bson import Decimal128

from app.common.codes import MoneyRounding

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("100000000")
"""The largest amount or rate: a hundred million."""
MAX_QUANTITY = Decimal("100000")
"""The largest quantity (hours, visits)."""


def to_cent(value: Decimal) -> Decimal:
    """An amount rounded half-up to the cent: 25.125 -> 25.13."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


ROUNDING_MODES = {
    MoneyRounding.HALF_UP: ROUND_HALF_UP,
    MoneyRounding.HALF_EVEN: ROUND_HALF_EVEN,
    MoneyRounding.DOWN: ROUND_DOWN,
    MoneyRounding.UP: ROUND_CEILING,
}


def round_money(value: Decimal, rule: MoneyRounding | str | None = None) -> Decimal:
    """An amount rounded once to the cent with the account's rule (half-up when none is set);
    `rule` is the enum or its stored value, such as "half_even"."""
    mode = ROUNDING_MODES[MoneyRounding(rule)] if rule is not None else ROUND_HALF_UP
    return value.quantize(CENT, rounding=mode)


def in_cents(value: Decimal) -> int:
    """An amount as a whole number of cents."""
    return int(to_cent(value) * 100)


def whole_cents(value: Decimal | None) -> Decimal | None:
    """A pydantic check: a money amount given to the cent at most (12.5 and 12.50 are fine,
    12.505 is not), kept with two decimals."""
    if value is not None and value != value.quantize(CENT):
        raise ValueError("a money amount has at most two decimals (cents)")
    return None if value is None else value.quantize(CENT)


def to_decimal(value: Any) -> Decimal | None:
    """A stored number (Decimal128, Decimal, string or int) as a Decimal; None when missing."""
    if value is None:
        return None
    if isinstance(value, Decimal128):
        return decimal_of(value)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def decimal_of(stored: Decimal128) -> Decimal:
    """`stored.to_decimal()`, remembered: the driver converts in Python, bit by bit, and a
    month's punchcards hold the same few rates and hours thousands of times."""
    return _decimal_of(stored.bid)


def decimal128_of(value: Decimal) -> Decimal128:
    """`Decimal128(value)`, remembered likewise (by how it is written: 34.0 and 34.00 are equal,
    but are stored as written)."""
    return _decimal128_of(str(value))


@lru_cache(maxsize=8192)
def _decimal_of(bid: bytes) -> Decimal:
    return Decimal128.from_bid(bid).to_decimal()


@lru_cache(maxsize=8192)
def _decimal128_of(written: str) -> Decimal128:
    return Decimal128(Decimal(written))


def amount_of(value: Any) -> Decimal:
    """A stored amount or quantity as a Decimal; zero when missing."""
    found = to_decimal(value)
    return ZERO if found is None else found
