"""The arithmetic of an invoice, exact: Decimal only, each amount rounded once to the cent with
the account's rule (`billing_settings.money_rounding`, half-up by default).

Pure functions over the document models, so the rules can be read (and tested) apart from the
database: each line's amount (quantity x rate, rounded once), each line's tax per tax code
(line amount x rate, rounded once), one InvoiceTax per code summing its lines' taxes, the
subtotal (the sum of the lines, exact), the total (subtotal + taxes, exact), and what is still
due once payments and credit notes are counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from app.billing.documents import Invoice, InvoiceServiceLine, InvoiceTax
from app.billing.enums import InvoiceStatus
from app.common.codes import MoneyRounding, ServiceUnit
from app.common.money import ZERO, round_money, to_cent
from app.common.services import RawDoc
from app.errors import ErrorCode, Problem

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class TaxRate:
    """A tax as the invoice applies it."""

    code: str
    label: str
    rate: Decimal


@dataclass(frozen=True)
class Totals:
    """The computed amounts of an invoice."""

    subtotal: Decimal
    taxes: list[InvoiceTax]
    tax_total: Decimal
    total: Decimal


Rule = MoneyRounding | str | None


def money_rule(account: RawDoc | None) -> Rule:
    """The account's rounding rule (its stored value), or None for half-up."""
    return ((account or {}).get("billing_settings") or {}).get("money_rounding")


def line_amount(line: InvoiceServiceLine, rule: Rule = None) -> Decimal:
    return line_total(line.quantity, line.rate, rule)


def line_total(quantity: Decimal, rate: Decimal | None, rule: Rule = None) -> Decimal:
    """A line's amount: quantity x rate, rounded once."""
    return round_money(quantity * (rate or ZERO), rule)


def apportioned(amount: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """`amount` (to the cent) split along exact `shares` that add up to it before rounding
    (the visits of a line): each share rounded down to the cent, then the cents left given
    one each to the largest remainders, ties in the order given (largest remainder method).
    The parts add up to `amount` exactly, and differ from their shares by less than a cent."""
    if not shares:
        return []
    cents = [int((share * 100).to_integral_value(rounding=ROUND_FLOOR)) for share in shares]
    left = int(amount * 100) - sum(cents)
    by_remainder = sorted(range(len(shares)), key=lambda i: (cents[i] - shares[i] * 100, i))
    for turn in range(abs(left)):  # only a rule rounding far from the shares goes past one each
        if left > 0:
            cents[by_remainder[turn % len(shares)]] += 1
        else:
            cents[by_remainder[-1 - turn % len(shares)]] -= 1
    return [Decimal(cent).scaleb(-2) for cent in cents]


def line_tax(amount: Decimal | None, rate: Decimal, rule: Rule = None) -> Decimal:
    """A line's tax at `rate` percent, rounded once."""
    return round_money((amount or ZERO) * rate / HUNDRED, rule)


Fixed = Mapping[tuple[int, str], Decimal]
"""Taxes given, not computed, by (line index, tax code): the last part of a line a credit
note takes carries what is left of the line's tax (see `app.billing.credit`)."""


def totals(
    lines: list[InvoiceServiceLine],
    rates: Mapping[str, TaxRate],
    rule: Rule = None,
    fixed: Fixed | None = None,
) -> Totals:
    """Subtotal, taxes and total of lines whose amounts are set; taxes in the order of `rates`,
    each the sum of its lines' taxes, every line's tax rounded once (or given by `fixed`)."""
    subtotal = sum((line.amount or ZERO for line in lines), ZERO)
    taxes = []
    given = fixed or {}
    for code, tax in rates.items():
        bearing = [(i, line) for i, line in enumerate(lines) if code in (line.taxes or [])]
        if not bearing:
            continue
        amount = sum(
            (
                given[(i, code)] if (i, code) in given else line_tax(line.amount, tax.rate, rule)
                for i, line in bearing
            ),
            ZERO,
        )
        taxes.append(InvoiceTax(code=code, label=tax.label, rate=tax.rate, amount=amount))
    tax_total = sum((tax.amount for tax in taxes), ZERO)
    return Totals(to_cent(subtotal), taxes, to_cent(tax_total), to_cent(subtotal + tax_total))


def paid(amounts: Iterable[Decimal]) -> Decimal:
    return to_cent(sum(amounts, ZERO))


def due(total: Decimal, amount_paid: Decimal, status: InvoiceStatus) -> Decimal:
    """What is still owed: nothing on a void invoice."""
    return ZERO if status == InvoiceStatus.VOID else to_cent(total - amount_paid)


def derived_status(
    status: InvoiceStatus, total: Decimal, amount_paid: Decimal, credited: Decimal = ZERO
) -> InvoiceStatus:
    """The status once payments and credit notes are counted (`total` is what is left once
    credited): VOID stays; paid in full is PAID, in part PARTIALLY_PAID; credited to nothing
    due is PAID too (an invoice owing nothing is paid); else DRAFT or SENT (a once-paid
    invoice goes back to SENT)."""
    if status == InvoiceStatus.VOID:
        return status
    if amount_paid > ZERO:
        return InvoiceStatus.PAID if amount_paid >= total else InvoiceStatus.PARTIALLY_PAID
    if credited > ZERO and total <= ZERO:
        return InvoiceStatus.PAID
    if status in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID):
        return InvoiceStatus.SENT
    return status


def compute_amounts(
    doc: Invoice,
    account: RawDoc,
    before: dict[str, Any] | None,
    lines_given: bool,
    problems: list[Problem],
) -> None:
    """Lines filled from the account's services, then every amount computed exactly."""
    services = {s.get("code"): s for s in account.get("services") or []}
    rates = {
        t["code"]: TaxRate(t["code"], t.get("label") or t["code"], Decimal(t["rate"]))
        for t in account.get("taxes") or []
        if t.get("active", True)
    }
    for kept in (before or {}).get("taxes") or []:  # an invoice keeps the rates it had
        rates[kept["code"]] = TaxRate(kept["code"], kept["label"], Decimal(kept["rate"]))
    for index, line in enumerate(doc.services):
        service = services.get(line.code) if lines_given else None
        if line.rate is None:
            if service is None:
                problems.append(
                    Problem(
                        f"Give a rate: the account has no service {line.code}.",
                        ErrorCode.REQUIRED,
                        f"services.{index}.rate",
                    )
                )
                continue
            line.rate = Decimal(service["bill_rate"])
        if service is not None:
            line.description = line.description or service.get("description")
            units = {unit.value: unit for unit in ServiceUnit}
            line.unit = line.unit or units.get(str(service.get("unit")))
            if line.taxes is None:  # the service's taxes that apply to new invoices
                line.taxes = [code for code in service.get("taxes") or [] if code in rates]
        line.unit = line.unit or ServiceUnit.HOUR
        line.taxes = line.taxes or []
        unknown = [code for code in line.taxes if code not in rates]
        if unknown:
            problems.append(
                Problem(
                    f"The account has no tax {', '.join(unknown)}.",
                    ErrorCode.INVALID,
                    f"services.{index}.taxes",
                )
            )
        # a payer's share of a line shared between payers bills its part, not the whole
        share = line.share
        line.amount = share.amount if share is not None else line_amount(line, money_rule(account))
    computed = totals(doc.services, rates, money_rule(account))
    doc.subtotal, doc.taxes = computed.subtotal, computed.taxes
    doc.tax_total, doc.total = computed.tax_total, computed.total


def settle_status(
    doc: Invoice,
    before: dict[str, Any] | None,
    status_given: bool,
    problems: list[Problem],
) -> None:
    """Status and amounts due once payments are counted."""
    requested = doc.status
    amount_paid = Decimal((before or {}).get("amount_paid") or ZERO)
    if status_given and requested in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID):
        problems.append(
            Problem(
                "PAID and PARTIALLY_PAID follow from payments: record a payment instead.",
                ErrorCode.INVALID,
                "status",
            )
        )
    if requested == InvoiceStatus.VOID and amount_paid > ZERO:
        problems.append(
            Problem(
                "This invoice has payments; void them before voiding it.",
                ErrorCode.INVALID_STATE,
                "status",
            )
        )
    doc.amount_paid = amount_paid
    doc.status = derived_status(requested, doc.total, amount_paid)
    doc.amount_due = due(doc.total, amount_paid, doc.status)
    if doc.amount_due < ZERO and not problems:
        problems.append(
            Problem(
                f"The total ({doc.total}) would be less than what was already paid "
                f"({amount_paid}).",
                ErrorCode.INVALID,
                "services",
            )
        )
