"""Invoicing refuses to bill past a payer's service authorization.

For each authorization period a billed visit falls in (`app.patients.authorizations`), the
units already billed to that payer in the period (its punchcards invoiced whole, or its share
billed) and those billed now add up; past the authorization's units the generation is refused
with INVALID_STATE naming the authorization, and nothing is written. Read in the generation's
transaction: one query per patient with authorizations, over the span of its periods.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.billing.snapshots import Reader
from app.common.days import local_midnight, zone_of
from app.common.holidays import local_date
from app.common.money import to_decimal
from app.common.services import RawDoc
from app.errors import ErrorCode, ServiceError
from app.patients.authorizations import (
    Window,
    has_authorizations,
    over_message,
    per_visit_codes,
    unit_word,
    windows,
)

Billed = list[tuple[RawDoc, set[str]]]
"""Punchcards billed now, each with the keys of the payers it is billed to."""
FIELDS = {"patient._id": 1, "_search.date": 1, "service.code": 1, "bill.hours": 1,
          "invoice._id": 1, "billed_shares.payer": 1, "_deleted": 1}  # fmt: skip


def _units(card: RawDoc, per_visit: frozenset[str]) -> Decimal:
    if (card.get("service") or {}).get("code") in per_visit:
        return Decimal(1)
    return to_decimal((card.get("bill") or {}).get("hours")) or Decimal(0)


def _billed_to(card: RawDoc, payer: str) -> bool:
    """Whether a stored punchcard was billed to this payer: its share, or invoiced whole."""
    shares = card.get("billed_shares") or []
    if shares:
        return any(share.get("payer") == payer for share in shares)
    return bool((card.get("invoice") or {}).get("_id"))


async def check_authorized(
    reader: Reader, account: RawDoc, patients: dict[Any, RawDoc], billed: Billed
) -> None:
    """Refuse billing past an authorization (see the module)."""
    week_start = (account.get("settings") or {}).get("week_start")
    per_visit = per_visit_codes(account)
    totals: dict[tuple[Any, Window], Decimal] = {}
    for card, payers in billed:
        key = (card.get("patient") or {}).get("_id")
        patient = patients.get(key)
        if not has_authorizations(patient):
            continue
        day = local_date(card["_search"]["date"], account)
        code = str((card.get("service") or {}).get("code"))
        for window in windows(patient, code, day, week_start, payers):
            totals[key, window] = totals.get((key, window), Decimal(0)) + _units(card, per_visit)
    if not totals:
        return
    now = {card["_id"] for card, _ in billed}
    for key in {key for key, _ in totals}:
        mine = [window for patient, window in totals if patient == key]
        for card in await _earlier(reader, account, key, mine):
            if card["_id"] in now or card.get("_deleted"):
                continue
            day = local_date(card["_search"]["date"], account)
            code = str((card.get("service") or {}).get("code"))
            for window in mine:
                inside = window.service == code and window.first <= day <= window.last
                if inside and _billed_to(card, window.payer):
                    totals[key, window] += _units(card, per_visit)
    for (key, window), total in totals.items():
        if total > window.units:
            unit = unit_word(window.service in per_visit)
            raise ServiceError.one(
                f"Billing this would go past {over_message(window, patients.get(key), total, unit)}"
                " Bill the rest when the payer extends the authorization.",
                ErrorCode.INVALID_STATE,
                "billingPeriod",
            )


async def _earlier(
    reader: Reader, account: RawDoc, patient: Any, spans: list[Window]
) -> list[RawDoc]:
    """The patient's punchcards of the days the periods cover (the index of patient and day)."""
    zone = zone_of(account)
    first = min(window.first for window in spans)
    last = max(window.last for window in spans)
    query = {
        "patient._id": patient,
        "_search.date": {
            "$gte": local_midnight(first, zone),
            "$lt": local_midnight(last + dt.timedelta(days=1), zone),
        },
    }
    return [card async for card in reader["punchcards"].find(query, FIELDS)]
