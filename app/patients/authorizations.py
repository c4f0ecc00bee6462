"""Service authorizations of a patient's payers, read as scheduling and billing count them.

An authorization allows `units` of one service per period (a week starting on the account's
`week_start`, a calendar month, or its whole date range), within its date range, in the
account's days. A visit counts in the period of its day: its hours (its scheduled length when
booked, its billed hours when billed), or 1 for a service counted per VISIT. Scheduling warns
(a conflict) and billing refuses when a period's units would go past the authorization.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.billing.payers import payer_key
from app.common.codes import ServiceUnit
from app.common.days import week_of
from app.common.money import to_decimal
from app.common.services import RawDoc
from app.common.text import full_name
from app.patients.billing import AuthorizationPeriod


@dataclass(frozen=True)
class Window:
    """One period of one authorization: the days its units cover."""

    payer: str
    """The payer's key (see app.billing.payers: its client id, else its name in lower case)."""
    payer_name: str
    number: str | None
    service: str
    units: Decimal
    period: AuthorizationPeriod
    first: dt.date
    last: dt.date

    def says(self, unit: str) -> str:
        """The authorization in words, as a refusal quotes it."""
        number = f" {self.number}" if self.number else ""
        each = {
            AuthorizationPeriod.WEEK: f" a week (week of {self.first:%Y-%m-%d})",
            AuthorizationPeriod.MONTH: f" a month ({self.first:%B %Y})",
            AuthorizationPeriod.WHOLE: f" from {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}",
        }
        return (f"authorization{number} of {self.payer_name} for {self.service}: "
                f"{_units(self.units)} {unit}{each[self.period]}")  # fmt: skip


def _units(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f}"


def unit_word(per_visit: bool) -> str:
    return "visits" if per_visit else "hours"


def per_visit_codes(account: RawDoc) -> frozenset[str]:
    """The account's services counted per visit."""
    return frozenset(
        str(s.get("code")) for s in account.get("services") or []
        if str(s.get("unit")) == ServiceUnit.VISIT.value
    )  # fmt: skip


def window_of(
    authorization: RawDoc, day: dt.date, week_start: str | None
) -> tuple[dt.date, dt.date] | None:
    """The days of the authorization's period holding `day`, within its range; None when the
    authorization does not cover the day."""
    start, end = _day(authorization.get("start")), _day(authorization.get("end"))
    if start is None or end is None or not start <= day <= end:
        return None
    period = AuthorizationPeriod(str(authorization.get("period") or "whole"))
    if period is AuthorizationPeriod.WEEK:
        first = week_of(day, week_start)
        last = first + dt.timedelta(days=6)
    elif period is AuthorizationPeriod.MONTH:
        first = day.replace(day=1)
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    else:
        first, last = start, end
    return max(first, start), min(last, end)


def windows(
    patient: RawDoc | None,
    service: str,
    day: dt.date,
    week_start: str | None,
    payers: set[str] | None = None,
) -> list[Window]:
    """The authorization periods covering a visit of `service` on `day`, of every payer of the
    patient (or of those in `payers`, by key)."""
    found = []
    for payer in (patient or {}).get("billing") or []:
        key = payer_key(payer)
        if payers is not None and key not in payers:
            continue
        for authorization in payer.get("authorizations") or []:
            if authorization.get("service") != service:
                continue
            span = window_of(authorization, day, week_start)
            if span is None:
                continue
            units = to_decimal(authorization.get("units")) or Decimal(0)
            period = AuthorizationPeriod(str(authorization.get("period") or "whole"))
            name, number = str(payer.get("payer") or ""), authorization.get("number")
            found.append(Window(key, name, number, service, units, period, span[0], span[1]))
    return found


def has_authorizations(patient: RawDoc | None) -> bool:
    return any(payer.get("authorizations") for payer in (patient or {}).get("billing") or [])


def over_message(window: Window, patient: RawDoc | None, total: Decimal, unit: str) -> str:
    """A period's units gone past its authorization, in words."""
    who = full_name((patient or {}).get("name")) or "The patient"
    return f"{who}'s {window.says(unit)}: {_units(total)} {unit} would be counted in that period."


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None
