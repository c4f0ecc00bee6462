"""Credit notes: how a closed invoice is corrected (it is never edited).

A credit note is an invoice of type CREDIT_NOTE that names the invoice it credits
(`credited_invoice`) and why (`credit_reason`), with its own number from the account's sequence.
Sign convention: its quantities, rates and amounts are POSITIVE, and its type says they are
credited: they are taken off the credited invoice. Its own amount due is 0 (nothing is owed on
a credit note); the credited invoice's `amount_credited` grows by the credit note's total and
its `amount_due` (total - credited - paid) and status follow, in the same transaction.

A credit note takes lines of the credited invoice (same code and rate; its taxes, at the rates
the invoice was taxed at, even if the account changed or retired them since), each at most the
quantity not yet credited, and in all at most what is still due on it: to credit a paid
invoice, void its payment first. Without lines, it credits everything not yet credited.

An invoice line is known by its position in the invoice's lines (0 for the first), stored on
each credit-note line as `credits_line`: two lines may share a code and a rate (a holiday line
whose multiplied rate equals a regular rate), so code and rate name a line only when one line
has them, and an ambiguous code is refused with the advice to name the line.

Credited in parts, an invoice is credited to the cent: each part's amount and taxes are rounded
once, and the part that takes the rest of a line takes what is left of the line's amount and
of each of its taxes (not rounded again), so the credit notes add up to the invoice's total.

A credit note is closed when made: an accounting document, never edited or deleted (a wrong
credit is corrected by the next invoice). Only `credit_invoice` makes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bson import Decimal128

from app.billing.amounts import (
    Fixed,
    Rule,
    TaxRate,
    derived_status,
    due,
    line_tax,
    money_rule,
    totals,
)
from app.billing.enums import InvoiceStatus, InvoiceType
from app.billing.services import invoice_store
from app.billing.snapshot_documents import InvoiceCredited
from app.common.clock import now
from app.common.money import ZERO, amount_of, in_cents, to_cent
from app.common.services import RawDoc, decode
from app.data.audit import changes_between
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, Problem, ServiceError
from app.visits.conflicts import conflict_told

COPIED = ("patient", "client", "referred_by", "sales_rep", "term", "currency", "billing_period")


@dataclass(frozen=True)
class CreditLine:
    """A part of a line to credit: the line by its position (`line`), or by its code (and its
    rate when the code has several lines); given both, they must agree."""

    code: str | None
    quantity: Decimal
    rate: Decimal | None = None
    line: int | None = None


def _check_creditable(original: RawDoc) -> None:
    refusal = None
    if original.get("_deleted"):
        refusal = "This invoice is deleted."
    elif original.get("invoice_type") == InvoiceType.CREDIT_NOTE.value:
        refusal = "A credit note is not credited."
    elif original.get("status") == InvoiceStatus.VOID.value:
        refusal = "This invoice is void: nothing is owed to credit."
    elif not original.get("_closed"):
        refusal = "This invoice is open: edit it instead (only a closed invoice is credited)."
    if refusal is not None:
        raise ServiceError.one(refusal, ErrorCode.INVALID_STATE, "id")


@dataclass
class Credited:
    """How much of a line is credited: quantity, amount and tax per tax code."""

    quantity: Decimal = ZERO
    amount: Decimal = ZERO
    taxes: dict[str, Decimal] = field(default_factory=dict)

    def add(self, quantity: Decimal, amount: Decimal, taxes: dict[str, Decimal]) -> None:
        self.quantity += quantity
        self.amount += amount
        for code, tax in taxes.items():
            self.taxes[code] = self.taxes.get(code, ZERO) + tax


def _position(note_line: Any, invoice_lines: list[Any]) -> int | None:
    """The invoice line a credit-note line credits: its `credits_line`; on a note made before
    lines were stored by position, the one line of its code and rate (no two lines could share
    them then: such an invoice was refused)."""
    if note_line.get("credits_line") is not None:
        return int(note_line["credits_line"])
    pair = (note_line.get("code"), amount_of(note_line.get("rate")))
    return next(
        (i for i, line in enumerate(invoice_lines)
         if (line.get("code"), amount_of(line.get("rate"))) == pair),
        None,
    )  # fmt: skip


def tax_rates(invoice: RawDoc) -> dict[str, TaxRate]:
    """The rates an invoice was taxed at, by code, in its order."""
    return {
        tax["code"]: TaxRate(tax["code"], tax.get("label") or tax["code"], amount_of(tax["rate"]))
        for tax in decode(invoice.get("taxes") or [])
    }


def _line_taxes(line: Any, rates: dict[str, TaxRate], rule: Rule) -> dict[str, Decimal]:
    """A line's tax per code, each rounded once."""
    amount = amount_of(line.get("amount"))
    return {c: line_tax(amount, rates[c].rate, rule) for c in line.get("taxes") or [] if c in rates}


async def _credited_so_far(scope: Scope, original: RawDoc, rule: Rule) -> dict[int, Credited]:
    """What earlier credit notes credited, per invoice line (its position): all of them,
    whoever may see them. A part that took the rest of a line is the last of that line, so
    every other part's tax is its amount's, rounded once."""
    key, lines = original["_id"], decode(original.get("services") or [])
    query = {"credited_invoice._id": key, "_deleted": {"$ne": True}}
    done: dict[int, Credited] = {}
    notes = scope.whole_account()["invoices"]
    async for note in notes.find(query, {"services": 1, "taxes": 1}):
        rates = tax_rates(note)
        for line in decode(note.get("services") or []):
            position = _position(line, lines)
            if position is None:
                continue
            done.setdefault(position, Credited()).add(
                amount_of(line.get("quantity")),
                amount_of(line.get("amount")),
                _line_taxes(line, rates, rule),
            )
    return done


def _named(lines: list[Any], asked: CreditLine, where: str) -> int | Problem:
    """The position of the invoice line a part names, or why it names none."""

    def fits(line: Any) -> bool:
        return (asked.code is None or line["code"] == asked.code) and (
            asked.rate is None or amount_of(line.get("rate")) == asked.rate
        )

    if asked.line is not None:
        if not 0 <= asked.line < len(lines):
            message = f"The invoice has no line {asked.line}: it has {len(lines)}, from 0."
            return Problem(message, ErrorCode.INVALID, f"{where}.line")
        if not fits(lines[asked.line]):
            message = f"Line {asked.line} of the invoice has another code or rate."
            return Problem(message, ErrorCode.INVALID, f"{where}.code")
        return asked.line
    if asked.code is None:
        return Problem("Name the line: its position or its code.", ErrorCode.REQUIRED, where)
    matches = [i for i, line in enumerate(lines) if fits(line)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        message = "Several lines of the invoice have this code" + (
            " and rate: name the line by its position." if asked.rate is not None
            else ": give its rate, or name the line by its position."
        )  # fmt: skip
        return Problem(message, ErrorCode.INVALID, f"{where}.line")
    message = "No line of the invoice has this code" + (
        " and rate." if asked.rate is not None else "."
    )
    return Problem(message, ErrorCode.INVALID, f"{where}.code")


def credit_lines(
    original: RawDoc, wanted: list[CreditLine] | None, done: dict[int, Credited]
) -> list[dict[str, Any]]:
    """The credit note's lines, each checked against what is left to credit on its line."""
    lines = [decode(line) for line in original.get("services") or []]
    left = [
        amount_of(line.get("quantity")) - done.get(i, Credited()).quantity
        for i, line in enumerate(lines)
    ]
    if wanted is None:
        wanted = [CreditLine(None, q, line=i) for i, q in enumerate(left) if q > 0]
    made, problems = [], []
    for index, asked in enumerate(wanted):
        where = f"lines.{index}"
        position = _named(lines, asked, where)
        if isinstance(position, Problem):
            problems.append(position)
            continue
        line = lines[position]
        if asked.quantity <= 0 or asked.quantity > left[position]:
            problems.append(
                Problem(
                    f"Credit more than 0 and at most {left[position]} (what is left of this line).",
                    ErrorCode.INVALID,
                    f"{where}.quantity",
                )
            )
            continue
        left[position] -= asked.quantity
        made.append({**{k: line.get(k) for k in ("code", "description", "unit", "rate")},
                     "quantity": asked.quantity, "taxes": line.get("taxes") or [],
                     "credits_line": position,
                     "share": _part_of_share(line, asked.quantity)})  # fmt: skip
    if problems or not made:
        raise ServiceError(*(problems or [Problem("Nothing is left to credit.",
                                                  ErrorCode.INVALID_STATE, "lines")]))  # fmt: skip
    return made


def _part_of_share(line: Any, quantity: Decimal) -> dict[str, Any] | None:
    """A payer's share credited in part: the same part of its amount as of its quantity
    (the part taking the rest of the line takes what is left: `_rest_of_lines`)."""
    share = line.get("share")
    if not share:
        return None
    whole = amount_of(line.get("quantity"))
    fraction = quantity / whole if whole else ZERO
    return {**share, "whole_amount": to_cent(amount_of(share.get("whole_amount")) * fraction),
            "amount": to_cent(amount_of(share.get("amount")) * fraction)}  # fmt: skip


async def credit_invoice(
    scope: Scope,
    key: Any,
    wanted: list[CreditLine] | None,
    reason: str,
) -> tuple[RawDoc, RawDoc]:
    """Make a credit note for a closed invoice (see the module): (credit note, invoice)."""
    store, actor = invoice_store(scope.database), scope.actor
    original = await store.get(actor, key)
    _check_creditable(original)
    if not reason.strip():
        raise ServiceError.one("Say why the credit is given.", ErrorCode.REQUIRED, "reason")
    account = await store.account(actor)
    rule, rates = money_rule(account), tax_rates(original)
    done = await _credited_so_far(scope, original, rule)
    lines = credit_lines(original, wanted, done)
    decoded = decode(original)
    data = {
        **{name: decoded.get(name) for name in COPIED},
        "status": InvoiceStatus.SENT,
        "services": lines,
        "notes": f"Credit on invoice {original.get('number')}: {reason.strip()}",
    }
    # taxed at the invoice's rates, not the account's of today
    taxed = {**account, "taxes": [{**vars(tax), "active": True} for tax in rates.values()]}
    prepared = await store._prepare(scope, taxed, data, None, "input", set())
    note: Any = store.validate_new(actor, prepared)
    fixed = _rest_of_lines(note.services, decoded, done, rates, rule)
    computed = totals(note.services, rates, rule, fixed)
    note.subtotal, note.taxes = computed.subtotal, computed.taxes
    note.tax_total, note.total = computed.tax_total, computed.total
    note.invoice_type = InvoiceType.CREDIT_NOTE
    note.credited_invoice = InvoiceCredited.model_validate(
        {"_id": key, "number": original.get("number")}
    )
    note.credit_reason = reason.strip()
    note.amount_due = ZERO  # nothing is owed on a credit note: it is taken off the invoice
    note.closed, note.closed_date, note.closed_user = True, now(), actor.user_id
    note.id = None

    async def write(tx: Tx) -> tuple[RawDoc, RawDoc]:
        (raw,) = await store.store_in(tx, account, [note], [False])
        return raw, await _take_off(tx, original, note.total)

    return await store.unique(scope.transact(write))


def _rest_of_lines(
    parts: list[Any],
    original: RawDoc,
    done: dict[int, Credited],
    rates: dict[str, TaxRate],
    rule: Rule,
) -> Fixed:
    """The credit note's parts that take the rest of their line get what is left of the line's
    amount (set on the part) and of its taxes (returned, by part index and code)."""
    lines = original.get("services") or []
    taken = {i: Credited(c.quantity, c.amount, dict(c.taxes)) for i, c in done.items()}
    fixed: dict[tuple[int, str], Decimal] = {}
    for index, part in enumerate(parts):
        line, so_far = lines[part.credits_line], taken.setdefault(part.credits_line, Credited())
        part_taxes = _line_taxes(part.model_dump(), rates, rule)
        if so_far.quantity + part.quantity == amount_of(line.get("quantity")):
            part.amount = amount_of(line.get("amount")) - so_far.amount
            whole = _line_taxes(line, rates, rule)
            part_taxes = {c: whole[c] - so_far.taxes.get(c, ZERO) for c in part_taxes}
            fixed.update({(index, c): tax for c, tax in part_taxes.items()})
        so_far.add(part.quantity, part.amount, part_taxes)
    return fixed


async def _take_off(tx: Tx, original: RawDoc, amount: Any) -> RawDoc:
    """The credited invoice with the credit note's total taken off what it owes."""
    credited = amount_of(original.get("amount_credited")) + amount
    total, paid = amount_of(original.get("total")), amount_of(original.get("amount_paid"))
    before = InvoiceStatus(original.get("status"))
    status = derived_status(before, total - credited, paid, credited)
    amount_due = due(total - credited, paid, status)
    if amount_due < ZERO:
        raise ServiceError.one(
            f"The credit ({amount}) is more than is still due ({total - paid - credited + amount}"
            "): void a payment first.",
            ErrorCode.INVALID,
            "lines",
        )
    owed = {
        "amount_credited": Decimal128(credited),
        "amount_due": Decimal128(amount_due),
        "status": status.value,
    }
    update = {
        "$set": {**owed, "_search.due_cents": in_cents(amount_due), "_last_updated_date": now()}
    }
    changes = changes_between(original, owed, owed)  # what `after` will hold: as stored
    with conflict_told("The invoice changed while you were crediting it; reload it.", "id"):
        after = await tx.update("Invoice", "invoices", original, update, changes=changes)
    return dict(after)
