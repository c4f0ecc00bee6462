"""Scalars with the wire formats the contract fixes: exact money, dates, offset-aware times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, DecimalException, InvalidOperation

import strawberry
from bson import Decimal128
from strawberry.types.scalar import ScalarDefinition

from app.common.clock import iso_utc
from app.errors import PublicError

MAX_DIGITS = 34
"""A Decimal is one Decimal128 holds exactly: at most 34 significant digits, of a magnitude it
can store. Bounds of meaning (an amount below 100,000,000, to the cent; 15 digits before the
point for anything a record keeps) are the fields' own, and name the field when they refuse."""

EARLIEST = dt.datetime(1800, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
"""Dates and times from 1800 to 2999: far from the ends of the calendar, so no day or zone
arithmetic on them can run off it, and placeholders such as 0001-01-01 or 9999-12-31 are
refused rather than stored as if they were dates."""


def _parse_decimal(value: object) -> Decimal:
    # Floats are refused: 0.1 as a float is not 0.1, and money must be exact.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PublicError('A Decimal is sent as a string, such as "12.50".')
    text = str(value).strip()
    if "_" in text:  # Python reads 1_000 as 1000; nobody else does
        raise PublicError(f"{value!r} is not a decimal number.")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise PublicError(f"{value!r} is not a decimal number.") from exc
    if not number.is_finite():
        raise PublicError("A Decimal must be a finite number.")
    return _in_range(number, value)


def _in_range(number: Decimal, value: object) -> Decimal:
    try:
        Decimal128(number)  # refuses what it would have to round or cannot reach
    except DecimalException:
        raise PublicError(
            f"{value!r} cannot be held exactly: a Decimal has at most {MAX_DIGITS} significant "
            "digits, and an exponent from -6176 to 6111."
        ) from None
    return number


def _parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise PublicError("A DateTime is an ISO 8601 string with a UTC offset.")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PublicError(f"{value!r} is not an ISO 8601 date-time.") from exc
    if parsed.tzinfo is None:
        raise PublicError(f"{value!r} has no UTC offset; add one, such as Z or -05:00.")
    # compared before converting: 0001-01-01T00:00+14:00 is before the calendar starts in UTC
    if not EARLIEST <= parsed < LATEST:
        raise PublicError(f"{value!r} is out of range: {_RANGE}.")
    return parsed.astimezone(dt.UTC)


def _serialize_decimal(value: object) -> str:
    # written out plainly: str(Decimal) gives 1E-12 and 1E+3, which a client's parser may not take
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    return format(value, "f") if isinstance(value, Decimal) else str(value)


_RANGE = f"dates run from {EARLIEST.year} to {LATEST.year - 1}"


def _serialize_datetime(value: dt.datetime) -> str:
    return iso_utc(value)


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise PublicError('A Date is an ISO 8601 string, such as "2026-01-31".')
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise PublicError(f"{value!r} is not an ISO 8601 date.") from exc
    if not EARLIEST.date() <= parsed < LATEST.date():
        raise PublicError(f"{value!r} is out of range: {_RANGE}.")
    return parsed


def _serialize_date(value: dt.date) -> str:
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


DecimalScalar: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number, sent as a string ("1234.50") in the numeric-string '
    "syntax of the General Decimal Arithmetic specification. Used for money. At most 34 "
    "significant digits (Decimal128); written out plainly (1000, not 1E+3).",
    specified_by_url="https://speleotrove.com/decimal/daconvs.html#refnumsyn",
    serialize=_serialize_decimal,
    parse_value=_parse_decimal,
)
DateTimeScalar: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="A date and time with a UTC offset, an RFC 3339 date-time (a profile of ISO "
    '8601): "2026-03-08T09:00:00-05:00"; from the year 1800 to 2999.',
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)
DateScalar: ScalarDefinition = strawberry.scalar(
    name="Date",
    description='A calendar date, an RFC 3339 full-date (ISO 8601): "2026-01-31"; from the year '
    "1800 to 2999.",
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    serialize=_serialize_date,
    parse_value=_parse_date,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    dt.datetime: DateTimeScalar,
    dt.date: DateScalar,
}
