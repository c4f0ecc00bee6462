"""What an invoice copies of the records it names (patient, client, referrer), the rules of the
punchcards it bills, and the snapshot of the invoice those punchcards keep.

That each named record exists in the caller's account is checked by the shared plumbing
(`check_references`: `references_in` walks subdocuments); these loads only fill what the caller
left out, and check what the plumbing cannot know (a punchcard billed twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.billing.documents import Invoice
from app.common.documents import Location, PersonName, primary
from app.common.services import RawDoc
from app.common.text import full_name
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, Problem
from app.visits.reviews import HELD

Reader = Scope | Tx
"""Where an invoice's records are read: the caller's scope, or the transaction storing it."""


def _display_name(name: Any) -> str | None:
    """A name as one string: a person's names, a company's, or a plain string."""
    if isinstance(name, str):
        return name
    if isinstance(name, dict):
        if name.get("display") or name.get("legal"):
            return str(name.get("display") or name.get("legal"))
        return full_name(name) or None
    return None


def party(raw: RawDoc) -> dict[str, Any]:
    """Name, email and phone of a client or contact: a company, or a person to deal with."""
    company, person = raw.get("company") or {}, raw.get("contact") or {}
    kind = raw.get("type", raw.get("_type"))
    names = [company.get("name"), _display_name(person.get("name"))]
    if kind != "company":
        names.reverse()
    phone = primary(person.get("phones"))
    return {
        "type": str(kind) if kind is not None else None,
        "name": next((n for n in names if n), None) or _display_name(raw.get("name")),
        "email": raw.get("email") or person.get("email"),
        "phone": (phone or {}).get("number") or raw.get("phone"),
    }


@dataclass(frozen=True)
class Read:
    """Records an invoice's generation has just read (its patients, and its punchcards in its
    own transaction), which its checks and marks then need not read again."""

    patients: Mapping[Any, RawDoc] | None = None
    punchcards: Mapping[Any, RawDoc] | None = None


async def fill_snapshots(
    reader: Reader, doc: Invoice, wanted: set[str], known: Mapping[Any, RawDoc] | None = None
) -> None:
    """Fill what the caller left out of the patient, client and referrer snapshots named in
    `wanted`, from the live records (a missing one is reported by the reference check);
    `known`: patients the caller has just read (a batch reads them all at once)."""

    async def record(collection: str, key: Any) -> RawDoc | None:
        if collection == "patients" and known is not None and key in known:
            return known[key]
        return (await reader[collection].by_ids([key])).get(key)

    if doc.patient is not None and "patient" in wanted:
        raw = await record("patients", doc.patient.record)
        if raw is not None:
            snapshot = doc.patient
            location, phone = primary(raw.get("locations")), primary(raw.get("phones"))
            if snapshot.name is None and raw.get("name"):
                snapshot.name = PersonName.model_validate(raw["name"])
            snapshot.email = snapshot.email or raw.get("email")
            if snapshot.location is None and location is not None:
                snapshot.location = Location.model_validate(location)
            snapshot.phone = snapshot.phone or (phone or {}).get("number")
    if doc.client is not None and "client" in wanted:
        raw = await record("clients", doc.client.record)
        if raw is not None:
            for name, value in party(raw).items():
                if getattr(doc.client, name) is None:
                    setattr(doc.client, name, value)
    referral = doc.referred_by
    if referral is not None and referral.contact and "referred_by" in wanted:
        raw = await record("contacts", referral.contact)
        if raw is not None and referral.name is None:
            referral.name = party(raw)["name"]


async def check_punchcards(
    reader: Reader,
    doc: Invoice,
    invoice_id: Any,
    claimed: set[Any],
    problems: list[Problem],
    read: Mapping[Any, RawDoc] | None = None,
) -> None:
    """Refuse punchcards this invoice (`invoice_id`, None when new) may not bill: already on
    another invoice, deleted, of another patient than the invoice's, listed twice, or billed by
    another invoice of the same import (`claimed` collects what each invoice bills). `read`:
    the punchcards as the caller has just read them in the same transaction (generation)."""
    ids = [card.record for card in doc.punchcards]
    if read is not None and all(key in read for key in ids):
        stored = {key: read[key] for key in ids}
    else:
        stored = await reader["punchcards"].by_ids(ids)
    patient = doc.patient.record if doc.patient is not None else None
    seen: set[Any] = set()
    for index, card in enumerate(doc.punchcards):
        where = f"punchcards.{index}.record"
        raw = stored.get(card.record)
        refusal: tuple[str, ErrorCode] | None = None
        billed_by = ((raw or {}).get("invoice") or {}).get("_id")
        card_patient = ((raw or {}).get("patient") or {}).get("_id")
        if card.record in seen:
            refusal = "This punchcard is listed twice.", ErrorCode.INVALID
        elif card.record in claimed:
            refusal = "Another invoice of this import bills this punchcard.", ErrorCode.INVALID
        elif raw is None:
            pass  # not in the account: the reference check says so
        elif raw.get("_deleted"):
            refusal = "This punchcard is deleted.", ErrorCode.INVALID_STATE
        elif billed_by is not None and billed_by != invoice_id:
            number = (raw.get("invoice") or {}).get("number")
            on = f"invoice {number}" if number else "another invoice"
            refusal = f"This punchcard is already billed on {on}.", ErrorCode.INVALID_STATE
        elif raw.get("billed_shares") and not card.shared:
            refusal = ("Payers share this visit: invoice generation bills each payer its "
                       "share.", ErrorCode.INVALID_STATE)  # fmt: skip
        elif str((raw.get("review") or {}).get("status")) in HELD:
            refusal = ("This punchcard waits for the office's review or was rejected: it is "
                       "billed once approved (visitReviewApprove).",
                       ErrorCode.INVALID_STATE)  # fmt: skip
        elif patient is not None and card_patient is not None and card_patient != patient:
            refusal = "This punchcard is of another patient than the invoice's.", ErrorCode.INVALID
        if refusal is not None:
            problems.append(Problem(refusal[0], refusal[1], where))
        seen.add(card.record)
    claimed.update(seen)


def invoice_snapshot(invoice: RawDoc) -> dict[str, Any]:
    """What a punchcard keeps of the invoice billing it: id, number, and date (a UTC
    datetime at midnight, as dates are stored)."""
    date = invoice.get("invoice_date")
    if isinstance(date, dt.datetime):
        date = date.date()
    return {
        "_id": invoice["_id"],
        "number": invoice.get("number"),
        "date": dt.datetime.combine(date, dt.time(), dt.UTC) if date is not None else None,
    }


def billed_ids(invoice: RawDoc | None, shared: bool | None = None) -> list[Any]:
    """The punchcards a stored (or about to be stored) invoice lists: all of them, or only
    those of which it bills a payer's share (`shared` True) or the whole (False)."""
    cards = (invoice or {}).get("punchcards") or []
    return list(
        dict.fromkeys(
            card["_id"]
            for card in cards
            if card.get("_id") is not None
            and (shared is None or bool(card.get("shared")) is shared)
        )
    )
