"""The rules of invoices, free of GraphQL (payments: `app.billing.payments`).

An invoice's amounts are computed here on every create and update: a client never sends them.
Snapshots are filled from the live records (`app.billing.snapshots`), defaults from the account
(`app.billing.defaults`), numbers from the account's counter (`app.billing.numbering`). The
punchcards an invoice bills are marked with it (and unmarked when taken off, or when the invoice
is deleted) in the same transaction as the invoice. A closed invoice is no longer edited or
deleted; payments still change what is paid and due on it (money arrives after closing). A credit
note is made closed by `app.billing.credit`, the only maker of credit notes.
"""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId

from app.billing.amounts import compute_amounts, settle_status
from app.billing.defaults import fill_defaults, fill_due_date, fill_sales_rep, fill_term
from app.billing.documents import Invoice
from app.billing.enums import InvoiceType
from app.billing.numbering import natural_key, take_number
from app.billing.snapshots import (
    Read,
    Reader,
    billed_ids,
    check_punchcards,
    fill_snapshots,
    invoice_snapshot,
)
from app.common.clock import now
from app.common.money import in_cents
from app.common.services import Actor, RawDoc, decode, item_path, validated
from app.common.text import keywords, normalise
from app.data.records import MAX_IMPORT, Also, RecordStore
from app.data.references import check_references
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError, not_found
from app.visits.marking import mark_punchcards
from app.visits.shares import unmark_shares

NOT_DATA = {"id", "revision", "created_date", "last_updated_date", "search", "revision_id"}


def invoice_search(invoice: Invoice) -> dict[str, Any]:
    """Keys invoices are found and sorted by: number, words, total and amount due in cents."""
    patient = invoice.patient.name if invoice.patient and invoice.patient.name else None
    client = invoice.client.name if invoice.client else None
    return {
        "number": normalise(invoice.number or ""),
        "number_sort": natural_key(invoice.number or ""),
        "total_cents": in_cents(invoice.total),
        "due_cents": in_cents(invoice.amount_due),
        "words": keywords(
            invoice.number,
            patient.first if patient else None,
            patient.last if patient else None,
            client,
        ),
    }


def _within(where: str, problems: list[Problem]) -> list[Problem]:
    """Problems of `input…` paths moved under `where` (an import's item)."""
    if where == "input":
        return problems
    return [
        Problem(p.message, p.code, (p.field or "input").replace("input", where, 1))
        for p in problems
    ]


def _listed(prepared: dict[str, Any]) -> list[Any]:
    """The punchcards a prepared invoice (python names) lists."""
    return list(dict.fromkeys(card["record"] for card in prepared.get("punchcards") or []))


def _both(first: Also | None, then: Also | None) -> Also | None:
    """The writes of `first`, then those of `then`, in one unit of work."""
    if first is None or then is None:
        return first or then

    async def both(tx: Tx) -> None:
        await first(tx)
        await then(tx)

    return both


class InvoiceStore(RecordStore):
    """Invoices: snapshots and defaults from the account, computed amounts, numbering, the
    punchcards they bill marked in the same transaction, and the rule that a closed invoice
    is no longer edited or deleted."""

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        if len(items) > MAX_IMPORT:
            raise ServiceError.one(f"At most {MAX_IMPORT} records at a time.", field=prefix)
        scope = self.scope(actor)
        account = await self.account(actor)
        prepared, problems, claimed = [], [], set[Any]()
        for index, item in enumerate(items):
            where = item_path(prefix, index)
            try:
                prepared.append(await self._prepare(scope, account, item, None, where, claimed))
            except ServiceError as refusal:
                problems.extend(refusal.problems)
        try:
            await check_references(scope, Invoice, items, prefix)
        except ServiceError as refusal:
            problems.extend(refusal.problems)
        if problems:
            raise ServiceError(*problems)
        documents = [self.validate_new(actor, item) for item in prepared]
        numbered = [doc.number is not None for doc in documents]  # type: ignore[attr-defined]

        async def write(tx: Tx) -> list[RawDoc]:
            raws = await self.store_in(tx, account, documents, numbered)
            if also is not None:
                await also(tx)
            return raws

        return await self.unique(scope.transact(write))

    async def store_in(
        self,
        tx: Tx,
        account: RawDoc,
        documents: list[Any],
        numbered: list[bool],
        read: Read | None = None,
        check: bool = True,
    ) -> list[RawDoc]:
        """Inside the caller's transaction: number the invoices that have no number (the
        counter moves in this transaction: no gap, see `take_number`), insert them with their
        audit entries, and mark the punchcards they bill (`inserted`). `numbered` says which
        came with a number (a retried transaction numbers the others again). `read`: the
        punchcards as this transaction has just read them (generation), not read again.
        `check`: whether a number is looked up before it is taken (see `take_number`)."""
        raws = []
        for document, given in zip(documents, numbered, strict=True):
            if not given:
                document.number = await take_number(tx, account, check)
            document.id = document.id or PydanticObjectId()  # the same id on a retry
            raws.append(self.new_raw(document))
        await tx.insert(self.record_type, self.collection_name, raws)
        await self.mark_billed(tx, raws, read)
        return raws

    async def inserted(self, tx: Tx, raws: list[RawDoc]) -> None:
        """New invoices mark the punchcards they bill whole, in their transaction (the shares
        a generated invoice bills are marked by the generation: `app.visits.shares`)."""
        await self.mark_billed(tx, raws)

    async def mark_billed(self, tx: Tx, raws: list[RawDoc], read: Read | None = None) -> None:
        for raw in raws:
            ids = billed_ids(raw, shared=False)
            if ids:
                known = read.punchcards if read is not None else None
                await mark_punchcards(tx, "invoice", invoice_snapshot(raw), ids, known)

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        current = await self.get(actor, key)
        self.check_revision(current, revision)
        self.check_not_deleted(current)
        self._check_open(current)
        if billed_ids(current, shared=True) and {"punchcards", "patient", "services"} & set(
            changes
        ):
            raise ServiceError.one(
                "This invoice bills a payer's share of shared care: its visits, lines and "
                "patient do not change; delete it and generate it again.",
                ErrorCode.INVALID_STATE,
                "input.punchcards",
            )
        account = await self.account(actor)
        before = self.model.model_validate(decode(current)).model_dump(exclude=NOT_DATA)
        scope = self.scope(actor)
        prepared = await self._prepare(scope, account, changes, before, "input", set(), key)
        everything = {k: v for k, v in prepared.items() if k in changes or before.get(k) != v}
        listed, was_listed = _listed(prepared), billed_ids(current)
        renamed = any(before.get(k) != prepared.get(k) for k in ("number", "invoice_date"))
        marked = listed if renamed else [i for i in listed if i not in was_listed]
        unmarked = [i for i in was_listed if i not in listed]
        snapshot = invoice_snapshot({**prepared, "_id": key})

        async def remark(tx: Tx) -> None:
            await self._unmark(tx, key, unmarked)
            if marked:
                await mark_punchcards(tx, "invoice", snapshot, marked)

        remarks = remark if marked or unmarked else None
        return await super().update(actor, key, revision, everything, _both(remarks, also))

    async def delete(
        self,
        actor: Actor,
        key: Any,
        reason: str,
        revision: int | None,
        also: Also | None = None,
    ) -> RawDoc:
        current = await self.get(actor, key)
        self._check_open(current)
        # any payment, whoever may see it, keeps the invoice
        payments = self.scope(actor).whole_account()["payments"]
        paying = await payments.find_one({"invoice": key, "_void": {"$ne": True}}, {"_id": 1})
        if paying is not None:
            raise ServiceError.one(
                "This invoice has payments; void them before deleting it.",
                ErrorCode.INVALID_STATE,
                "id",
            )
        listed, shared = billed_ids(current, shared=False), billed_ids(current, shared=True)

        async def unmark(tx: Tx) -> None:
            await self._unmark(tx, key, listed)
            await unmark_shares(tx, key, shared)

        unmarks = unmark if listed or shared else None
        return await super().delete(actor, key, reason, revision, _both(unmarks, also))

    async def restore(self, actor: Actor, key: Any, also: Also | None = None) -> RawDoc:
        """Restore a deleted invoice, marking its punchcards again: refused if one of them
        was billed on another invoice (or deleted) meanwhile."""
        current = await self.get(actor, key)
        if current.get("_deleted") and billed_ids(current, shared=True):
            raise ServiceError.one(
                "This invoice billed a payer's share of shared care: generate that payer's "
                "invoice again instead of restoring it.",
                ErrorCode.INVALID_STATE,
                "id",
            )
        listed = billed_ids(current)
        if listed and current.get("_deleted"):
            problems: list[Problem] = []
            document = Invoice.model_validate(decode(current))
            await check_punchcards(self.scope(actor), document, key, set(), problems)
            if problems:
                raise ServiceError(*problems)
        snapshot = invoice_snapshot(current)

        async def mark(tx: Tx) -> None:
            await mark_punchcards(tx, "invoice", snapshot, listed)

        marks = mark if listed else None
        return await super().restore(actor, key, _both(marks, also))

    async def close(self, actor: Actor, key: Any, revision: int) -> RawDoc:
        """Close an invoice: from now on it is not edited or deleted; payments still change
        what is paid and due on it."""
        current = await self.get(actor, key)
        self.check_revision(current, revision)
        self.check_not_deleted(current)
        self._check_open(current)
        stamp = now()
        update = {
            "$set": {
                "_closed": True,
                "_closed_date": stamp,
                "_closed_user": actor.user_id,
                "_last_updated_date": stamp,
            }
        }
        changes = [{"field": "closed", "before": False, "after": True}]
        return await self.write(actor, current, update, changes=changes)

    async def account(self, actor: Actor) -> RawDoc:
        raw = await self.scope(actor)["accounts"].find_one({"_id": actor.account_id})
        if raw is None:
            raise not_found("account", None)
        return dict(decode(raw))

    async def _unmark(self, tx: Tx, key: Any, ids: list[Any]) -> None:
        """Clear the invoice snapshot of those of these punchcards this invoice bills (all of
        them, whoever may see them)."""
        if not ids:
            return
        punchcards = tx.whole_account()["punchcards"]
        cursor = punchcards.find({"_id": {"$in": ids}}, {"invoice": 1})
        ours = [raw["_id"] async for raw in cursor if (raw.get("invoice") or {}).get("_id") == key]
        if ours:
            await mark_punchcards(tx, "invoice", None, ours)

    def _check_open(self, current: RawDoc) -> None:
        if current.get("invoice_type") == InvoiceType.CREDIT_NOTE.value:
            raise ServiceError.one(
                "A credit note is closed when made: it is not edited or deleted.",
                ErrorCode.INVALID_STATE,
                "id",
            )
        if current.get("_closed"):
            raise ServiceError.one(
                "This invoice is closed; it can no longer change.", ErrorCode.INVALID_STATE, "id"
            )

    async def _prepare(
        self,
        reader: Reader,
        account: RawDoc,
        data: dict[str, Any],
        before: dict[str, Any] | None,
        where: str,
        claimed: set[Any],
        key: Any = None,
        read: Read | None = None,
    ) -> dict[str, Any]:
        """The invoice to store: validated, defaults and snapshots filled, punchcards checked
        (`claimed`: those the import's earlier invoices bill; read in the transaction when
        `reader` is the one storing the invoice), amounts computed. `read`: the patients and
        punchcards the caller has just read (generation), not read again."""
        try:
            doc = validated(Invoice, {**(before or {}), **data, "account": reader.account_id})
        except ServiceError as refusal:
            raise ServiceError(*_within(where, refusal.problems)) from None
        creating, given = before is None, set(data)
        problems: list[Problem] = []
        if creating:
            fill_defaults(doc, account)
        else:
            for name, field in (("number", "number"), ("invoice_date", "invoiceDate")):
                if getattr(doc, name) is None:
                    problems.append(Problem("Field required", ErrorCode.REQUIRED, field))
        if "invoice_type" in given and doc.invoice_type == InvoiceType.CREDIT_NOTE:
            message = "Only invoiceCredit makes a credit note (of a closed invoice)."
            problems.append(Problem(message, ErrorCode.INVALID, "invoiceType"))
        if doc.sales_rep is not None and (creating or "sales_rep" in given):
            fill_sales_rep(doc, account, "sales_rep" in given, problems)
        if doc.term is not None and (creating or "term" in given):
            fill_term(doc, account, problems)
        fill_due_date(doc, account)
        wanted = {"patient", "client", "referred_by"} if creating else given
        read = read or Read()
        await fill_snapshots(reader, doc, wanted, read.patients)
        if doc.punchcards and (creating or {"punchcards", "patient"} & given):
            await check_punchcards(reader, doc, key, claimed, problems, read.punchcards)
        compute_amounts(doc, account, before, creating or "services" in given, problems)
        settle_status(doc, before, "status" in given, problems)
        if problems:
            fields = [Problem(p.message, p.code, f"input.{p.field}") for p in problems]
            raise ServiceError(*_within(where, fields))
        return doc.model_dump(exclude=NOT_DATA | {"account"})


def invoice_store(database: Database) -> InvoiceStore:
    return InvoiceStore(
        database, Invoice, "Invoice", search_keys=invoice_search, unique_field="number"
    )
