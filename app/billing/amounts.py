"""The arithmetic of an invoice, exact: Decimal only, each amount rounded half-up to the cent.

Pure functions over the document models, so the rules can be read (and tested) apart from the
database: line amounts, subtotal, one tax amount per tax code on the sum of the lines bearing
it, total, and what is still due once payments are counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.billing.documents import CENT, ZERO, InvoiceServiceLine, InvoiceStatus, InvoiceTax

HUNDRED = Decimal("100")


def money(value: Decimal) -> Decimal:
    """An amount rounded half-up to the cent: 25.125 -> 25.13."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cents(value: Decimal) -> int:
    """An amount in whole cents (exact: amounts are kept to the cent)."""
    return int(money(value) * 100)


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


def line_amount(line: InvoiceServiceLine) -> Decimal:
    return money(line.quantity * (line.rate or ZERO))


def totals(lines: list[InvoiceServiceLine], rates: Mapping[str, TaxRate]) -> Totals:
    """Subtotal, taxes and total of lines whose amounts are set; taxes in the order of `rates`,
    each on the sum of the amounts of the lines bearing it."""
    subtotal = sum((line.amount or ZERO for line in lines), ZERO)
    taxes = []
    for code, tax in rates.items():
        bearing = [line for line in lines if code in (line.taxes or [])]
        if not bearing:
            continue
        base = sum((line.amount or ZERO for line in bearing), ZERO)
        amount = money(base * tax.rate / HUNDRED)
        taxes.append(InvoiceTax(code=code, label=tax.label, rate=tax.rate, amount=amount))
    tax_total = sum((tax.amount for tax in taxes), ZERO)
    return Totals(money(subtotal), taxes, money(tax_total), money(subtotal + tax_total))


def paid(amounts: Iterable[Decimal]) -> Decimal:
    return money(sum(amounts, ZERO))


def due(total: Decimal, amount_paid: Decimal, status: InvoiceStatus) -> Decimal:
    """What is still owed: nothing on a void invoice."""
    return ZERO if status == InvoiceStatus.VOID else money(total - amount_paid)


def derived_status(status: InvoiceStatus, total: Decimal, amount_paid: Decimal) -> InvoiceStatus:
    """The status once payments are counted: VOID stays; paid in full is PAID, in part
    PARTIALLY_PAID; with nothing paid, DRAFT or SENT (a once-paid invoice goes back to SENT)."""
    if status == InvoiceStatus.VOID:
        return status
    if amount_paid > ZERO:
        return InvoiceStatus.PAID if amount_paid >= total else InvoiceStatus.PARTIALLY_PAID
    if status in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID):
        return InvoiceStatus.SENT
    return status
