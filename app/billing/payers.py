"""Care shared between payers: who a patient's payers are, and what each owes of a visit.

A patient's payers (`billing[]`) share the care when one has a co-pay or a percent under 100.
Then, for each visit, the payers with a co-pay pay it first (per visit, or per hour billed; at
most what is left of the visit), in the order they are listed, and the payers without one
share the rest by their `share_percent` (which add up to 100: the patient record refuses
others). These exact (unrounded) shares are what a line's amount is apportioned by, to the
cent, in `app.billing.lines`.

A payer is named by a key: its client record's id when it has one, else its name in lower case
(so a payer entered twice under one name is one payer). Punchcards record each share billed
under that key, and an invoice its payer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.common.codes import CopayUnit
from app.common.money import to_decimal
from app.common.services import RawDoc
from app.common.text import full_name
from app.errors import ErrorCode, ServiceError

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Payer:
    """One payer of a patient, as invoice generation reads it."""

    key: str
    name: str
    client: Any
    percent: Decimal | None
    """Percent of what the co-pays leave; None for a payer with a co-pay."""
    copay: Decimal | None
    copay_per: CopayUnit
    raw: RawDoc

    @property
    def terms(self) -> tuple[Any, ...]:
        """What makes two lines of this payer's share different lines."""
        return (self.percent, self.copay, self.copay_per.value if self.copay is not None else None)

    def snapshot(self) -> RawDoc:
        """What an invoice keeps of the payer it bills."""
        return {"key": self.key, "name": self.name, "member_id": self.raw.get("member_id"),
                "policy_number": self.raw.get("policy_number")}  # fmt: skip


def payer_key(raw: RawDoc) -> str:
    """A payer's key: its client record's id, else its name in lower case."""
    client = raw.get("client")
    return str(client) if client is not None else str(raw.get("payer") or "").strip().casefold()


def payers_of(patient: RawDoc | None) -> list[Payer]:
    """The patient's payers in their listed order (a payer listed twice counts once)."""
    found: dict[str, Payer] = {}
    for raw in (patient or {}).get("billing") or []:
        copay = to_decimal(raw.get("copay"))
        percent = None if copay is not None else to_decimal(raw.get("share_percent"))
        per = CopayUnit(str(raw.get("copay_per") or CopayUnit.VISIT.value))
        key = payer_key(raw)
        found.setdefault(key, Payer(key, str(raw.get("payer") or ""), raw.get("client"),
                                    HUNDRED if percent is None and copay is None else percent,
                                    copay, per, raw))  # fmt: skip
    return list(found.values())


def is_shared(patient: RawDoc | None) -> bool:
    """Whether payers share the patient's care: a co-pay, or a percent under 100."""
    return any(p.copay is not None or (p.percent or ZERO) < HUNDRED for p in payers_of(patient))


def sharing(patient: RawDoc | None) -> list[Payer]:
    """The payers a shared visit is billed to: those with a co-pay or a percent above 0."""
    return [p for p in payers_of(patient) if (p.copay or ZERO) > ZERO or (p.percent or ZERO) > ZERO]


def check_shares(patient: RawDoc | None, field: str) -> None:
    """Refuse billing shared care whose percents (of the payers without a co-pay) do not make
    100: the rest of every visit would be billed to nobody, or more than billed."""
    if not is_shared(patient):
        return
    percents = sum((p.percent or ZERO for p in payers_of(patient) if p.copay is None), ZERO)
    if percents != HUNDRED:
        who = full_name((patient or {}).get("name")) or "This patient"
        raise ServiceError.one(
            f"{who}'s payers share the care, but those without a co-pay share {percents}% of "
            "what is left, not 100%: correct their sharePercent before billing.",
            ErrorCode.INVALID_STATE,
            field,
        )


def exact_shares(amount: Decimal, hours: Decimal, payers: list[Payer]) -> dict[str, Decimal]:
    """What each payer owes of a visit billed `amount` (exact) for `hours`: co-pays first,
    then the rest by percent (see the module). They add up to `amount` exactly."""
    left, shares = amount, dict[str, Decimal]()
    for payer in payers:
        if payer.copay is not None:
            owed = payer.copay * (hours if payer.copay_per is CopayUnit.HOUR else 1)
            shares[payer.key] = min(owed, left)
            left -= shares[payer.key]
    for payer in payers:
        if payer.copay is None:
            shares[payer.key] = left * (payer.percent or ZERO) / HUNDRED
    return shares
