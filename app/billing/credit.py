"""Credit notes: how a closed invoice is corrected (it is never edited).

A credit note is an invoice of type CREDIT_NOTE that names the invoice it credits
(`credited_invoice`) and why (`credit_reason`), with its own number from the account's sequence.
Sign convention: its quantities, rates and amounts are POSITIVE, and its type says they are
credited: they are taken off the credited invoice. Its own amount due is 0 (nothing is owed on
a credit note); the credited invoice's `amount_credited` grows by the credit note's total and
its `amount_due` (total - credited - paid) and status follow, in the same transaction.

A credit note takes lines of the credited invoice (same code and rate; its taxes), each at most
the quantity not yet credited, and in all at most what is still due on it: to credit a paid
invoice, void its payment first. Without lines, it credits everything not yet credited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bson import Decimal128
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from app.audit.documents import AuditAction
from app.audit.services import audit_event, changes_between
from app.billing.amounts import derived_status, due
from app.billing.documents import InvoiceCredited
from app.billing.enums import InvoiceStatus, InvoiceType
from app.billing.services import invoice_store
from app.common.clock import now
from app.common.money import ZERO, in_cents
from app.common.services import Actor, RawDoc, decode
from app.common.store import in_transaction
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError

COPIED = ("patient", "client", "referred_by", "sales_rep", "term", "currency", "billing_period")


@dataclass(frozen=True)
class CreditLine:
    """A part of a line to credit: its code, its rate when the code has several lines."""

    code: str
    quantity: Decimal
    rate: Decimal | None = None


def _money(value: Any) -> Decimal:
    return Decimal(str(decode(value) or ZERO))


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


async def _credited_so_far(database: Database, actor: Actor, key: Any) -> dict[Any, Decimal]:
    """Quantities already credited, per (code, rate), by earlier credit notes."""
    query = {"_account": actor.account_id, "credited_invoice._id": key, "_deleted": {"$ne": True}}
    done: dict[Any, Decimal] = {}
    async for note in database.db.invoices.find(query, {"services": 1}):
        for line in note.get("services") or []:
            pair = (line["code"], _money(line.get("rate")))
            done[pair] = done.get(pair, ZERO) + _money(line.get("quantity"))
    return done


def credit_lines(
    original: RawDoc, wanted: list[CreditLine] | None, done: dict[Any, Decimal]
) -> list[dict[str, Any]]:
    """The credit note's lines, each checked against what is left to credit on its line."""
    lines = [decode(line) for line in original.get("services") or []]
    left = {
        (line["code"], _money(line.get("rate"))): _money(line.get("quantity"))
        - done.get((line["code"], _money(line.get("rate"))), ZERO)
        for line in lines
    }
    if wanted is None:
        wanted = [CreditLine(c, q, r) for (c, r), q in left.items() if q > 0]
    made, problems = [], []
    for index, asked in enumerate(wanted):
        where = f"lines.{index}"
        matches = [
            line
            for line in lines
            if line["code"] == asked.code
            and (asked.rate is None or _money(line.get("rate")) == asked.rate)
        ]
        if len(matches) != 1:
            message = "No line of the invoice has this code" + (
                " and rate." if asked.rate is not None or not matches else "; give its rate."
            )
            problems.append(Problem(message, ErrorCode.INVALID, f"{where}.code"))
            continue
        line = matches[0]
        pair = (line["code"], _money(line.get("rate")))
        if asked.quantity <= 0 or asked.quantity > left[pair]:
            problems.append(
                Problem(
                    f"Credit more than 0 and at most {left[pair]} (what is left of this line).",
                    ErrorCode.INVALID,
                    f"{where}.quantity",
                )
            )
            continue
        left[pair] -= asked.quantity
        made.append({**{k: line.get(k) for k in ("code", "description", "unit", "rate")},
                     "quantity": asked.quantity, "taxes": line.get("taxes") or []})  # fmt: skip
    if problems or not made:
        raise ServiceError(*(problems or [Problem("Nothing is left to credit.",
                                                  ErrorCode.INVALID_STATE, "lines")]))  # fmt: skip
    return made


async def credit_invoice(
    database: Database,
    actor: Actor,
    key: Any,
    wanted: list[CreditLine] | None,
    reason: str,
) -> tuple[RawDoc, RawDoc]:
    """Make a credit note for a closed invoice (see the module): (credit note, invoice)."""
    store = invoice_store(database)
    original = await store.get(actor, key)
    _check_creditable(original)
    if not reason.strip():
        raise ServiceError.one("Say why the credit is given.", ErrorCode.REQUIRED, "reason")
    account = await store.account(actor)
    lines = credit_lines(original, wanted, await _credited_so_far(database, actor, key))
    decoded = decode(original)
    data = {
        **{name: decoded.get(name) for name in COPIED},
        "invoice_type": InvoiceType.CREDIT_NOTE,
        "status": InvoiceStatus.SENT,
        "services": lines,
        "notes": f"Credit on invoice {original.get('number')}: {reason.strip()}",
    }
    prepared = await store._prepare(actor, account, data, None, "input", set())
    note: Any = store._validate_new(actor, prepared)
    note.credited_invoice = InvoiceCredited.model_validate(
        {"_id": key, "number": original.get("number")}
    )
    note.credit_reason = reason.strip()
    note.amount_due = ZERO  # nothing is owed on a credit note: it is taken off the invoice
    note.id = None

    async def write(session: AsyncClientSession) -> tuple[RawDoc, RawDoc]:
        (raw,) = await store.store_in(session, actor, account, [note], [False])
        return raw, await _take_off(database, session, actor, original, note.total)

    return await store._unique(in_transaction(database, write))


async def _take_off(
    database: Database, session: AsyncClientSession, actor: Actor, original: RawDoc, amount: Any
) -> RawDoc:
    """The credited invoice with the credit note's total taken off what it owes."""
    credited = _money(original.get("amount_credited")) + amount
    total, paid = _money(original.get("total")), _money(original.get("amount_paid"))
    status = derived_status(InvoiceStatus(original.get("status")), total - credited, paid)
    amount_due = due(total - credited, paid, status)
    if amount_due < ZERO:
        raise ServiceError.one(
            f"The credit ({amount}) is more than is still due ({total - paid - credited + amount}"
            "): void a payment first.",
            ErrorCode.INVALID,
            "lines",
        )
    update = {
        "$set": {
            "amount_credited": Decimal128(credited),
            "amount_due": Decimal128(amount_due),
            "status": status.value,
            "_search.due_cents": in_cents(amount_due),
            "_last_updated_date": now(),
            "_revision": int(original.get("_revision") or 1) + 1,
        }
    }
    guard = {
        "_id": original["_id"],
        "_account": actor.account_id,
        "_revision": original.get("_revision"),
    }
    after = await database.db.invoices.find_one_and_update(
        guard, update, return_document=ReturnDocument.AFTER, session=session
    )
    if after is None:
        raise ServiceError.one(
            "The invoice changed while you were crediting it; reload it.",
            ErrorCode.CONFLICT,
            "id",
        )
    fields = {"amount_credited", "amount_due", "status"}
    changes = changes_between(original, after, fields)
    event = audit_event(actor, AuditAction.UPDATE, "Invoice", original["_id"], changes=changes)
    await database.db.audit_events.insert_one(event, session=session)
    return dict(after)
