"""Scalars with the wire formats the contract fixes: exact money, dates, offset-aware times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import strawberry
from strawberry.types.scalar import ScalarDefinition

from app.errors import PublicError


def _parse_decimal(value: object) -> Decimal:
    # Floats are refused: 0.1 as a float is not 0.1, and money must be exact.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PublicError('A Decimal is sent as a string, such as "12.50".')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise PublicError(f"{value!r} is not a decimal number.") from exc
    if not number.is_finite():
        raise PublicError("A Decimal must be a finite number.")
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
    return parsed.astimezone(dt.UTC)


def _serialize_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise PublicError('A Date is an ISO 8601 string, such as "2026-01-31".')
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise PublicError(f"{value!r} is not an ISO 8601 date.") from exc


def _serialize_date(value: dt.date) -> str:
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


DecimalScalar: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number, sent as a string ("1234.50") in the numeric-string '
    "syntax of the General Decimal Arithmetic specification. Used for money.",
    specified_by_url="https://speleotrove.com/decimal/daconvs.html#refnumsyn",
    serialize=str,
    parse_value=_parse_decimal,
)
DateTimeScalar: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="A date and time with a UTC offset, an RFC 3339 date-time (a profile of ISO "
    '8601): "2026-03-08T09:00:00-05:00".',
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)
DateScalar: ScalarDefinition = strawberry.scalar(
    name="Date",
    description='A calendar date, an RFC 3339 full-date (ISO 8601): "2026-01-31".',
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    serialize=_serialize_date,
    parse_value=_parse_date,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    dt.datetime: DateTimeScalar,
    dt.date: DateScalar,
}
