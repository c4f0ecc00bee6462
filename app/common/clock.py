"""The one clock every write uses."""

from __future__ import annotations

import datetime as dt
from typing import overload


def now() -> dt.datetime:
    """UTC now to the millisecond, as MongoDB keeps it: what we return is what we store."""
    stamp = dt.datetime.now(dt.UTC)
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an offset-aware UTC time (stored times without an offset are UTC; a
    caller's time with any offset is converted)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def iso_utc(moment: dt.datetime) -> str:
    """A time as the API writes it, in GraphQL answers and webhook deliveries alike: ISO 8601
    in UTC, `2026-12-05T14:02:11.120000+00:00` (stored times without an offset are UTC)."""
    return as_utc(moment).isoformat()
