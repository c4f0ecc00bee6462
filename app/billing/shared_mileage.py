"""Mileage of care shared between payers (`app.billing.mileage` bills the drives; this splits
them). Co-pays are for care, not for driving: a shared visit's drive is shared by the payers
without a co-pay, by their percents. As for service lines, each mileage line's whole amount is
apportioned among the payers of its visits (largest remainder, ties in the patients' order of
payers; a visit whose patient is not shared is the invoice's whole), so the payers' parts of a
line billed together add up to it; the invoice's part is apportioned again among its visits.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.billing.amounts import apportioned, line_total, money_rule
from app.billing.mileage import Mileage
from app.billing.payers import HUNDRED, is_shared, sharing
from app.common.services import RawDoc

WHOLE = "\x00whole"
"""The key of what the invoice bills whole (visits of patients whose care is not shared)."""


def _fractions(patient: RawDoc | None, shared: bool) -> dict[str, Decimal]:
    """Who pays what fraction of a visit's drive."""
    if not shared:
        return {WHOLE: Decimal(1)}
    return {p.key: (p.percent or Decimal(0)) / HUNDRED for p in sharing(patient) if p.copay is None}


def shared_mileage(
    mileage: Mileage,
    cards: list[RawDoc],
    patients: Mapping[Any, RawDoc],
    shares: Mapping[Any, str],
    account: RawDoc,
) -> Mileage:
    """The invoice's mileage once shared visits' drives are shared (see the module)."""
    if not shares or not mileage.lines:
        return mileage
    rule, out = money_rule(account), Mileage()
    for line in mileage.lines:
        visits = [c for c in cards if c["_id"] in mileage.visits
                  and (c.get("service") or {}).get("code") == line["code"]]  # fmt: skip
        exact, mine, order, sums = [], [], list[str](), dict[str, Decimal]()
        for card in visits:
            key = (card.get("patient") or {}).get("_id")
            patient = patients.get(key)
            fractions = _fractions(patient, key in shares and is_shared(patient))
            whole = mileage.visits[card["_id"]][0] * line["rate"]
            for payer, fraction in fractions.items():
                if payer not in sums:
                    order.append(payer)
                sums[payer] = sums.get(payer, Decimal(0)) + whole * fraction
            billed = fractions.get(shares.get(key, WHOLE), Decimal(0))
            exact.append(whole * billed)
            mine.append(shares.get(key, WHOLE) if key in shares else WHOLE)
        total = line_total(line["quantity"], line["rate"], rule)
        parts = dict(zip(order, apportioned(total, [sums[k] for k in order]), strict=True))
        part = sum((parts[k] for k in set(mine) if k in parts), Decimal(0))
        if set(mine) == {WHOLE}:
            out.lines.append(line)
        else:
            out.lines.append({**line, "share": {"whole_amount": total, "amount": part}})
        for card, amount in zip(visits, apportioned(part, exact), strict=True):
            out.visits[card["_id"]] = (mileage.visits[card["_id"]][0], amount)
    return out
