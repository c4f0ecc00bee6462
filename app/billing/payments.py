"""The rules of payments, free of GraphQL.

A payment and the invoice it pays change together (a closed invoice too: money arrives after
closing, and only payments change a closed invoice), in one transaction, each with its audit
entry: the invoice's amount paid is always the sum of its payments that are not void. A payment
is never deleted: a wrong one is voided, and only its date, method, reference and notes can be
corrected.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bson import Decimal128

from app.billing.amounts import derived_status, due, paid
from app.billing.defaults import account_today
from app.billing.documents import Payment
from app.billing.enums import InvoiceStatus, InvoiceType
from app.common.clock import now
from app.common.money import ZERO, amount_of, in_cents
from app.common.services import Actor, RawDoc, item_path, problems_from_many
from app.data.audit import changes_between
from app.data.records import MAX_IMPORT, Also, RecordStore
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError, not_found
from app.visits.conflicts import conflict_told

PAYMENT_EDITABLE = {"date", "method", "reference", "notes"}


async def settle_invoice(tx: Tx, invoice: RawDoc) -> RawDoc:
    """Recompute an invoice's amount paid (its payments that are not void, whoever may see
    them), amount due and status inside the caller's transaction, with its audit entry.
    Refused with CONFLICT if the invoice changed since it was read, and as an overpayment if
    payments exceed its total."""
    payments = tx.whole_account()["payments"].find(
        {"invoice": invoice["_id"], "_void": {"$ne": True}}, {"amount": 1}
    )
    amount_paid = paid([amount_of(p["amount"]) async for p in payments])
    # credit notes take their totals off what is owed (see `app.billing.credit`)
    credited = amount_of(invoice.get("amount_credited"))
    total = amount_of(invoice.get("total")) - credited
    try:
        status = InvoiceStatus(invoice.get("status") or InvoiceStatus.DRAFT.value)
    except ValueError:
        status = InvoiceStatus.SENT
    status = derived_status(status, total, amount_paid, credited)
    amount_due = due(total, amount_paid, status)
    if amount_due < ZERO:
        raise ServiceError.one(
            f"This is an overpayment: the payments ({amount_paid}) would exceed the invoice's "
            f"total ({total}).",
            ErrorCode.INVALID,
            "input.amount",
        )
    owed = {
        "amount_paid": Decimal128(amount_paid),
        "amount_due": Decimal128(amount_due),
        "status": status.value,
    }
    update = {
        "$set": {**owed, "_search.due_cents": in_cents(amount_due), "_last_updated_date": now()}
    }
    changes = changes_between(invoice, owed, owed)  # what `after` will hold: as stored
    conflict = "The invoice changed while the payment was saved; reload it and try again."
    with conflict_told(conflict, "input.invoice"):
        after = await tx.update("Invoice", "invoices", invoice, update, changes=changes)
    return dict(after)


class PaymentStore(RecordStore):
    """Payments: each one recomputes its invoice in the same transaction; never deleted,
    voided instead; only the date, method, reference and notes can be corrected."""

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        if len(items) > MAX_IMPORT:
            raise ServiceError.one(f"At most {MAX_IMPORT} records at a time.", field=prefix)
        payments: list[Payment] = problems_from_many(self.validate_new, actor, items, prefix)  # type: ignore[arg-type]
        scope = self.scope(actor)
        account = await scope["accounts"].find_one({"_id": actor.account_id})
        today = account_today(account)
        cursor = scope["invoices"].find({"_id": {"$in": list({p.invoice for p in payments})}})
        invoices = {raw["_id"]: raw async for raw in cursor}
        problems: list[Problem] = []
        wanted: dict[Any, Decimal] = {}
        for index, payment in enumerate(payments):
            where = item_path(prefix, index)
            payment.date = payment.date or today
            invoice = invoices.get(payment.invoice)
            refusal = self._refusal(invoice, payment, wanted)
            if refusal is not None:
                message, code, field = refusal
                problems.append(Problem(message, code, f"{where}.{field}"))
        if problems:
            raise ServiceError(*problems)
        raws = [self.new_raw(payment) for payment in payments]

        async def settle(tx: Tx) -> None:
            for key in wanted:
                await settle_invoice(tx, invoices[key])
            if also is not None:
                await also(tx)

        return await self.insert_new(actor, raws, also=settle)

    @staticmethod
    def _refusal(
        invoice: RawDoc | None, payment: Payment, wanted: dict[Any, Decimal]
    ) -> tuple[str, ErrorCode, str] | None:
        """Why a payment cannot go on this invoice, if it cannot; else counts it as wanted."""
        if invoice is None:
            return "No Invoice with this id.", ErrorCode.NOT_FOUND, "invoice"
        if invoice.get("_deleted"):
            return "This invoice is deleted.", ErrorCode.INVALID_STATE, "invoice"
        if invoice.get("status") == InvoiceStatus.VOID.value:
            return "This invoice is void: it takes no payments.", ErrorCode.INVALID_STATE, "invoice"
        if invoice.get("invoice_type") == InvoiceType.CREDIT_NOTE.value:
            return "A credit note takes no payments.", ErrorCode.INVALID_STATE, "invoice"
        amount_due = amount_of(invoice.get("amount_due"))
        asked = wanted.get(invoice["_id"], ZERO) + payment.amount
        if asked > amount_due:
            return (
                f"This is an overpayment: {amount_due} is due on invoice {invoice.get('number')}.",
                ErrorCode.INVALID,
                "amount",
            )
        wanted[invoice["_id"]] = asked
        return None

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        current = await self.get(actor, key)
        if current.get("_void"):
            raise ServiceError.one("This payment is void.", ErrorCode.INVALID_STATE, "id")
        fixed = sorted(set(changes) - PAYMENT_EDITABLE)
        if fixed:
            raise ServiceError.one(
                "A payment's invoice and amount do not change: void it and record a new one.",
                ErrorCode.INVALID,
                f"input.{fixed[0]}",
            )
        if "date" in changes and changes["date"] is None:
            raise ServiceError.one("Field required", ErrorCode.REQUIRED, "input.date")
        return await super().update(actor, key, revision, changes, also)

    async def delete(
        self,
        actor: Actor,
        key: Any,
        reason: str,
        revision: int | None,
        also: Also | None = None,
    ) -> RawDoc:
        raise ServiceError.one("A payment is not deleted: void it.", ErrorCode.INVALID_STATE, "id")

    async def void(self, actor: Actor, key: Any, revision: int, reason: str) -> RawDoc:
        """Void a payment, saying why; its invoice is recomputed in the same transaction."""
        current = await self.get(actor, key)
        self.check_revision(current, revision)
        if current.get("_void"):
            raise ServiceError.one("This payment is already void.", ErrorCode.INVALID_STATE, "id")
        if not reason.strip():
            raise ServiceError.one("Say why it is voided.", ErrorCode.REQUIRED, "reason")
        invoice = await self.scope(actor)["invoices"].find_one({"_id": current["invoice"]})
        if invoice is None:
            raise not_found("invoice", "id")
        stamp = now()
        update = {
            "$set": {
                "_void": True,
                "_void_date": stamp,
                "_void_user": actor.user_id,
                "void_reason": reason.strip(),
                "_last_updated_date": stamp,
            }
        }

        async def settle(tx: Tx) -> None:
            await settle_invoice(tx, invoice)

        after = await self.write(
            actor,
            current,
            update,
            changes=[{"field": "void", "before": False, "after": True}],
            reason=reason.strip(),
            also=settle,
        )
        return dict(after)


def payment_store(database: Database) -> PaymentStore:
    return PaymentStore(database, Payment, "Payment")
