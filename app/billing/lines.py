"""An invoice's service lines from the punchcards it bills, and each visit's part of its line.

Lines: one per service code, rate and holiday-or-not, in order of service code; quantity is the
sum of the visits' billed hours (or the number of visits for a service counted per VISIT). The
rate is the punchcard's billed rate (`bill.rate`), else the patient's rate for that service,
else the patient's billing rate, else the account service's `bill_rate`: the precedence of
`app.billing.rates`; a visit with no rate at all is refused. A visit on a statutory holiday
(`stat_holiday`, or its day in the account's holidays) gets its own line at that rate times
the account's `billing_settings.holiday_multiplier`, rounded to the cent with the account's
rule (so the line's rate times its quantity is its amount). Taxes per line are the service's
tax codes that are active in the account.

Each visit bills its quantity at its line's rate: the line's amount apportioned among its
visits by their exact parts (largest remainder, ties in date order), so a line's visits add up
to it to the cent.

Care shared between payers (`app.billing.payers`): billing one payer, a visit of a shared
patient goes on a line of that payer's share (same code, rate and holiday, and the payer's
terms). The line's whole amount (quantity x rate, rounded once) is apportioned among all the
payers of its visits by their exact shares (largest remainder, ties in the patient's order of
payers), so the payers' parts of a line add up to the whole line exactly; the line's amount is
this payer's part, apportioned again among its visits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.billing.amounts import apportioned, line_total, money_rule
from app.billing.mileage import Mileage
from app.billing.payers import Payer, exact_shares, is_shared, sharing
from app.billing.rates import bill_rate
from app.common.codes import ServiceUnit
from app.common.holidays import holiday_dates, local_date
from app.common.money import round_money, to_decimal
from app.common.services import RawDoc, decode
from app.errors import ErrorCode, ServiceError

LineKey = tuple[str, Decimal, bool, Any]
"""(service code, rate, holiday, the billed payer's terms or None when not shared)"""


@dataclass
class Billed:
    """An invoice's lines, and what each punchcard bills on its line."""

    lines: list[dict[str, Any]]
    amounts: dict[Any, Decimal]
    shared: set[Any] = field(default_factory=set)
    """The punchcards of which a payer's share is billed (not the whole)."""


@dataclass
class _Visit:
    card: Any
    quantity: Decimal
    shares: dict[str, Decimal] | None = None


@dataclass
class _Line:
    data: dict[str, Any]
    visits: list[_Visit] = field(default_factory=list)
    payer: Payer | None = None


def _rate(card: RawDoc, patient: RawDoc | None, service: RawDoc | None, code: str) -> Decimal:
    """The punchcard's billed rate, else the patient's, else the account service's."""
    rate = bill_rate((card.get("bill") or {}).get("rate"), patient, service, code)
    if rate is None:
        raise ServiceError.one(
            f"No rate for service {code}: set the punchcard's, the patient's or the account's.",
            ErrorCode.REQUIRED,
            "billingPeriod",
        )
    return rate


def billed_payer(patient: RawDoc | None, payer_key: str | None) -> Payer | None:
    """The payer whose share of this patient's visits is billed, when the care is shared."""
    if payer_key is None or not is_shared(patient):
        return None
    return next((p for p in sharing(patient) if p.key == payer_key), None)


def service_lines(
    cards: list[RawDoc],
    patients: dict[Any, RawDoc],
    account: RawDoc,
    shares: Mapping[Any, str] | None = None,
) -> Billed:
    """The invoice's lines and each punchcard's part (see the module); `shares` names, by
    patient, the payer whose share of their shared care is billed."""
    services = {s.get("code"): s for s in account.get("services") or []}
    active = {t["code"] for t in account.get("taxes") or [] if t.get("active", True)}
    multiplier = Decimal(
        str(decode((account.get("billing_settings") or {}).get("holiday_multiplier")) or "1.5")
    )
    holidays, rule = holiday_dates(account), money_rule(account)
    lines: dict[LineKey, _Line] = {}
    for card in cards:
        code = (card.get("service") or {}).get("code")
        if not code:
            raise ServiceError.one(
                f"Punchcard {card['_id']} has no service: set it before billing.",
                ErrorCode.REQUIRED,
                "billingPeriod",
            )
        service = services.get(code)
        patient_key = (card.get("patient") or {}).get("_id")
        patient = patients.get(patient_key)
        rate = _rate(card, patient, service, code)
        holiday = bool(card.get("stat_holiday")) or (
            local_date(card["_search"]["date"], account) in holidays
        )
        if holiday:  # the rate to the cent, so rate x quantity reads right on the invoice
            rate = round_money(rate * multiplier, rule)
        per_visit = str((service or {}).get("unit")) == ServiceUnit.VISIT.value
        hours = to_decimal((card.get("bill") or {}).get("hours")) or Decimal(0)
        quantity = Decimal(1) if per_visit else hours
        payer = billed_payer(patient, (shares or {}).get(patient_key))
        key = (code, rate, holiday, payer.terms if payer is not None else None)
        line = lines.get(key)
        if line is None:
            line = lines[key] = _Line(
                {
                    "code": code,
                    "description": _describe(card, service, holiday),
                    "quantity": Decimal(0),
                    "unit": ServiceUnit.VISIT if per_visit else ServiceUnit.HOUR,
                    "rate": rate,
                    "taxes": [t for t in (service or {}).get("taxes") or [] if t in active],
                },
                payer=payer,
            )
        line.data["quantity"] += quantity
        parts = exact_shares(quantity * rate, hours, sharing(patient)) if payer else None
        line.visits.append(_Visit(card["_id"], quantity, parts))
    amounts: dict[Any, Decimal] = {}
    for line in lines.values():
        _amounts(line, rule, amounts)
    ordered = sorted(lines.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1], str(kv[0][3])))
    shared = {v.card for line in lines.values() if line.payer is not None for v in line.visits}
    return Billed([line.data for _, line in ordered], amounts, shared)


def _amounts(line: _Line, rule: Any, amounts: dict[Any, Decimal]) -> None:
    """The line's amount (a payer's part of a shared line) and its visits' parts of it."""
    whole = line_total(line.data["quantity"], line.data["rate"], rule)
    payer = line.payer
    if payer is None:
        parts = [visit.quantity * line.data["rate"] for visit in line.visits]
        amounts.update(zip((v.card for v in line.visits), apportioned(whole, parts), strict=True))
        return
    order = list(dict.fromkeys(key for visit in line.visits for key in visit.shares or {}))
    sums = [sum(((v.shares or {}).get(key, Decimal(0)) for v in line.visits), Decimal(0))
            for key in order]  # fmt: skip
    mine = apportioned(whole, sums)[order.index(payer.key)]
    visits = [(v.shares or {}).get(payer.key, Decimal(0)) for v in line.visits]
    amounts.update(zip((v.card for v in line.visits), apportioned(mine, visits), strict=True))
    line.data["share"] = {
        "whole_amount": whole,
        "amount": mine,
        "percent": payer.percent,
        "copay": payer.copay,
        "copay_per": payer.copay_per if payer.copay is not None else None,
    }


def _describe(card: RawDoc, service: RawDoc | None, holiday: bool) -> str:
    text = (service or {}).get("description") or (card.get("service") or {}).get("description")
    text = str(text or (card.get("service") or {}).get("code"))
    return f"{text} (statutory holiday)" if holiday else text


def billed_card(
    card: RawDoc,
    account: RawDoc,
    amount: Decimal,
    shared: bool = False,
    mileage: Mileage | None = None,
) -> dict[str, Any]:
    """What the invoice keeps of a punchcard it bills: `amount`, its part of its line (of the
    payer's share, when `shared`), and the mileage it bills."""
    caregiver = ((card.get("user") or {}).get("name")) or {}
    names = [caregiver.get("first"), caregiver.get("last")] if isinstance(caregiver, dict) else []
    distance, mileage_amount = (mileage or Mileage()).visits.get(card["_id"], (None, None))
    return {
        "distance": distance,
        "mileage_amount": mileage_amount,
        "record": card["_id"],
        "date": local_date(card["_search"]["date"], account),
        "hours": to_decimal((card.get("bill") or {}).get("hours")) or Decimal(0),
        "service_code": (card.get("service") or {}).get("code"),
        "caregiver": " ".join(n for n in names if n) or None,
        "amount": amount,
        "shared": shared,
    }
