"""The rules of invoices, free of GraphQL (payments: `app.billing.payments`).

An invoice's amounts are computed here on every create and update: a client never sends them.
Snapshots (patient, client, referrer, punchcards) are checked against records of the same
account and filled from them; defaults come from the account; a closed invoice no longer
changes.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pymongo import ReturnDocument

from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.billing.amounts import TaxRate, cents, derived_status, due, line_amount, totals
from app.billing.documents import (
    ZERO,
    Invoice,
    InvoiceAccount,
    InvoiceSalesRep,
    InvoiceStatus,
)
from app.common.clock import now
from app.common.codes import ServiceUnit
from app.common.documents import Location, PersonName
from app.common.services import Actor, RawDoc, decode, validated
from app.common.store import MAX_IMPORT, RecordStore
from app.common.text import keywords, normalise
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError, not_found

# Collections of the records an invoice's snapshots point at (checked same-account here, as
# nested references are not checked by the shared plumbing).
PATIENTS, CLIENTS, CONTACTS, PUNCHCARDS = "patients", "clients", "contacts", "punchcards"
NOT_DATA = {"id", "revision", "created_date", "last_updated_date", "search", "revision_id"}

MAX_NUMBER_TRIES = 1000


def account_today(account: RawDoc | None) -> dt.date:
    """Today in the account's time zone."""
    name = ((account or {}).get("settings") or {}).get("timezone") or "America/Toronto"
    try:
        zone: dt.tzinfo = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return dt.datetime.now(zone).date()


def natural_key(number: str) -> str:
    """A sort key putting INV-9 before INV-10: digit runs padded to 12 places."""
    return re.sub(r"\d+", lambda digits: digits.group().zfill(12), normalise(number))


def invoice_search(invoice: Invoice) -> dict[str, Any]:
    """Keys invoices are found and sorted by: number, words, total and amount due in cents."""
    patient = invoice.patient.name if invoice.patient and invoice.patient.name else None
    client = invoice.client.name if invoice.client else None
    return {
        "number": normalise(invoice.number or ""),
        "number_sort": natural_key(invoice.number or ""),
        "total_cents": cents(invoice.total),
        "due_cents": cents(invoice.amount_due),
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


def _first(items: list[Any] | None, key: str = "primary") -> Any:
    items = [item for item in items or [] if isinstance(item, dict)]
    return next((item for item in items if item.get(key)), items[0] if items else None)


def _display_name(name: Any) -> str | None:
    """A name as one string: a person's names, a company's, or a plain string."""
    if isinstance(name, str):
        return name
    if isinstance(name, dict):
        if name.get("display") or name.get("legal"):
            return str(name.get("display") or name.get("legal"))
        parts = [name.get("first"), name.get("middle"), name.get("last")]
        return " ".join(str(part) for part in parts if part) or None
    return None


def _party(raw: RawDoc) -> dict[str, Any]:
    """Name, email and phone of a client or contact: a company, or a person to deal with."""
    company, person = raw.get("company") or {}, raw.get("contact") or {}
    kind = raw.get("type", raw.get("_type"))
    names = [company.get("name"), _display_name(person.get("name"))]
    if kind != "company":
        names.reverse()
    phone = _first(person.get("phones"))
    return {
        "type": str(kind) if kind is not None else None,
        "name": next((n for n in names if n), None) or _display_name(raw.get("name")),
        "email": raw.get("email") or person.get("email"),
        "phone": (phone or {}).get("number") or raw.get("phone"),
    }


class InvoiceStore(RecordStore):
    """Invoices: snapshots and defaults from the account, computed amounts, numbering, and
    the rule that a closed invoice no longer changes."""

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        if len(items) > MAX_IMPORT:
            raise ServiceError.one(f"At most {MAX_IMPORT} records at a time.", field=prefix)
        account = await self.account(actor)
        prepared, problems = [], []
        for index, item in enumerate(items):
            where = "input" if prefix is None else f"{prefix}.{index}"
            try:
                prepared.append(await self._prepare(actor, account, item, None, where))
            except ServiceError as refusal:
                problems.extend(refusal.problems)
        if problems:
            raise ServiceError(*problems)
        for item in prepared:
            if item.get("number") is None:
                item["number"] = await self.next_number(actor, account)
        return await super().create_many(actor, prepared, prefix)

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        current = await self.get(actor, key)
        self._check_revision(current, revision)
        self._check_not_deleted(current)
        self._check_open(current)
        account = await self.account(actor)
        before = self.model.model_validate(decode(current)).model_dump(exclude=NOT_DATA)
        prepared = await self._prepare(actor, account, changes, before, "input")
        everything = {k: v for k, v in prepared.items() if k in changes or before.get(k) != v}
        return await super().update(actor, key, revision, everything)

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        current = await self.get(actor, key)
        self._check_open(current)
        paying = await self.database.db.payments.find_one(
            {"_account": actor.account_id, "invoice": key, "_void": {"$ne": True}}, {"_id": 1}
        )
        if paying is not None:
            raise ServiceError.one(
                "This invoice has payments; void them before deleting it.",
                ErrorCode.INVALID_STATE,
                "id",
            )
        return await super().delete(actor, key, reason, revision)

    async def close(self, actor: Actor, key: Any, revision: int) -> RawDoc:
        """Close an invoice: from now on it cannot be edited or deleted (payments still count)."""
        current = await self.get(actor, key)
        self._check_revision(current, revision)
        self._check_not_deleted(current)
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
        event = audit_event(
            actor,
            AuditAction.UPDATE,
            self.record_type,
            key,
            changes=[{"field": "closed", "before": False, "after": True}],
        )
        return await self._write(current, update, event)

    async def account(self, actor: Actor) -> RawDoc:
        raw = await self.database.db.accounts.find_one({"_id": actor.account_id})
        if raw is None:
            raise not_found("account", None)
        return dict(decode(raw))

    async def next_number(self, actor: Actor, account: RawDoc) -> str:
        """The account's next free invoice number: its prefix and an atomic counter that
        starts at the account's `next_number`; numbers already taken are skipped."""
        settings = account.get("invoice_settings") or {}
        prefix = settings.get("number_prefix") or ""
        counters, key = self.database.db.counters, f"invoice_number:{actor.account_id}"
        start = int(settings.get("next_number") or 1)
        await counters.update_one({"_id": key}, {"$max": {"value": start - 1}}, upsert=True)
        for _ in range(MAX_NUMBER_TRIES):
            counter = await counters.find_one_and_update(
                {"_id": key}, {"$inc": {"value": 1}}, return_document=ReturnDocument.AFTER
            )
            number = f"{prefix}{(counter or {}).get('value')}"
            taken = await self.collection.find_one(
                {"_account": actor.account_id, "_search.number": normalise(number)}, {"_id": 1}
            )
            if taken is None:
                return number
        raise ServiceError.one("No free invoice number; give one.", ErrorCode.REQUIRED, "number")

    def _check_open(self, current: RawDoc) -> None:
        if current.get("_closed"):
            raise ServiceError.one(
                "This invoice is closed; it can no longer change.", ErrorCode.INVALID_STATE, "id"
            )

    async def _prepare(
        self,
        actor: Actor,
        account: RawDoc,
        data: dict[str, Any],
        before: dict[str, Any] | None,
        where: str,
    ) -> dict[str, Any]:
        """The invoice to store: validated, defaults and snapshots filled, amounts computed."""
        try:
            doc = validated(Invoice, {**(before or {}), **data, "account": actor.account_id})
        except ServiceError as refusal:
            raise ServiceError(*_within(where, refusal.problems)) from None
        creating, given = before is None, set(data)
        problems: list[Problem] = []
        if creating:
            self._defaults(doc, account)
        else:
            for name, field in (("number", "number"), ("invoice_date", "invoiceDate")):
                if getattr(doc, name) is None:
                    problems.append(Problem("Field required", ErrorCode.REQUIRED, field))
        if doc.sales_rep is not None and (creating or "sales_rep" in given):
            self._sales_rep(doc, account, "sales_rep" in given, problems)
        if doc.term is not None and (creating or "term" in given):
            self._term(doc, account, problems)
        if doc.due_date is None and doc.invoice_date is not None:
            default_days = (account.get("billing_settings") or {}).get("default_term_days", 30)
            days = doc.term.days if doc.term and doc.term.days is not None else default_days
            doc.due_date = doc.invoice_date + dt.timedelta(days=int(days))
        await self._snapshots(actor, doc, creating, given, problems)
        self._amounts(doc, account, before, creating or "services" in given, problems)
        self._status(doc, before, "status" in given, problems)
        if problems:
            fields = [Problem(p.message, p.code, f"input.{p.field}") for p in problems]
            raise ServiceError(*_within(where, fields))
        return doc.model_dump(exclude=NOT_DATA | {"account"})

    def _defaults(self, doc: Invoice, account: RawDoc) -> None:
        """What a new invoice takes from the account when the caller leaves it out."""
        settings = account.get("invoice_settings") or {}
        doc.account_snapshot = InvoiceAccount.model_validate(
            {k: account.get(k) for k in ("name", "email", "website", "hst_number", "locations")}
        )
        doc.invoice_date = doc.invoice_date or account_today(account)
        doc.currency = doc.currency or (account.get("settings") or {}).get("currency") or "CAD"
        doc.hst_number = doc.hst_number or account.get("hst_number")
        for name in ("from_email", "header_message", "footer_message", "template"):
            if getattr(doc, name) is None:
                setattr(doc, name, settings.get(name))
        if doc.sales_rep is None and settings.get("sales_rep"):
            doc.sales_rep = InvoiceSalesRep(key=settings["sales_rep"])

    def _sales_rep(
        self, doc: Invoice, account: RawDoc, given: bool, problems: list[Problem]
    ) -> None:
        assert doc.sales_rep is not None
        reps = {rep.get("key"): rep for rep in account.get("sales_reps") or []}
        rep = reps.get(doc.sales_rep.key)
        if rep is None:
            if given:
                problems.append(
                    Problem(
                        "The account has no sales rep with this key.",
                        ErrorCode.NOT_FOUND,
                        "salesRep.key",
                    )
                )
            doc.sales_rep = None  # a stale default rep is left out
            return
        for name in ("name", "nickname", "office", "email", "phone"):
            if getattr(doc.sales_rep, name) is None:
                setattr(doc.sales_rep, name, rep.get(name))

    def _term(self, doc: Invoice, account: RawDoc, problems: list[Problem]) -> None:
        assert doc.term is not None
        term = next((t for t in account.get("terms") or [] if t.get("key") == doc.term.key), None)
        if term is None:
            if doc.term.days is None:
                problems.append(
                    Problem(
                        "The account has no term with this key; give its days.",
                        ErrorCode.NOT_FOUND,
                        "term.key",
                    )
                )
            return
        doc.term.name = doc.term.name or term.get("name")
        doc.term.days = doc.term.days if doc.term.days is not None else term.get("days")

    async def _snapshots(
        self, actor: Actor, doc: Invoice, creating: bool, given: set[str], problems: list[Problem]
    ) -> None:
        """Check the records the snapshots point at (same account), and fill what is left out."""

        async def found(collection: str, ids: list[Any]) -> dict[Any, RawDoc]:
            cursor = self.database.db[collection].find(
                {"_id": {"$in": ids}, "_account": actor.account_id}
            )
            return {raw["_id"]: raw async for raw in cursor}

        def wanted(name: str) -> bool:
            return creating or name in given

        if doc.patient is not None and wanted("patient"):
            raw = (await found(PATIENTS, [doc.patient.record])).get(doc.patient.record)
            if raw is None:
                problems.append(
                    Problem("No Patient with this id.", ErrorCode.NOT_FOUND, "patient.record")
                )
            else:
                snapshot = doc.patient
                location, phone = _first(raw.get("locations")), _first(raw.get("phones"))
                if snapshot.name is None and raw.get("name"):
                    snapshot.name = PersonName.model_validate(raw["name"])
                snapshot.email = snapshot.email or raw.get("email")
                if snapshot.location is None and location is not None:
                    snapshot.location = Location.model_validate(location)
                snapshot.phone = snapshot.phone or (phone or {}).get("number")
        if doc.client is not None and wanted("client"):
            raw = (await found(CLIENTS, [doc.client.record])).get(doc.client.record)
            if raw is None:
                problems.append(
                    Problem("No Client with this id.", ErrorCode.NOT_FOUND, "client.record")
                )
            else:
                for name, value in _party(raw).items():
                    if getattr(doc.client, name) is None:
                        setattr(doc.client, name, value)
        if doc.referred_by is not None and doc.referred_by.contact and wanted("referred_by"):
            contact = doc.referred_by.contact
            raw = (await found(CONTACTS, [contact])).get(contact)
            if raw is None:
                problems.append(
                    Problem("No Contact with this id.", ErrorCode.NOT_FOUND, "referredBy.contact")
                )
            elif doc.referred_by.name is None:
                doc.referred_by.name = _party(raw)["name"]
        if doc.punchcards and wanted("punchcards"):
            known = await found(PUNCHCARDS, [card.record for card in doc.punchcards])
            for index, card in enumerate(doc.punchcards):
                if card.record not in known:
                    problems.append(
                        Problem(
                            "No Punchcard with this id.",
                            ErrorCode.NOT_FOUND,
                            f"punchcards.{index}.record",
                        )
                    )

    def _amounts(
        self,
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
            line.amount = line_amount(line)
        computed = totals(doc.services, rates)
        doc.subtotal, doc.taxes = computed.subtotal, computed.taxes
        doc.tax_total, doc.total = computed.tax_total, computed.total

    def _status(
        self,
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


def invoice_store(database: Database) -> InvoiceStore:
    return InvoiceStore(
        database, Invoice, "Invoice", search_keys=invoice_search, unique_field="number"
    )
