"""Whom a generation bills: a patient (each of their payers its share, when payers share the
care), or a client (its share of every patient it pays for)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.billing.payers import Payer, is_shared, payer_key, payers_of, sharing
from app.billing.snapshots import party
from app.common.services import RawDoc
from app.data.scope import Scope
from app.errors import ErrorCode, ServiceError, not_found


@dataclass(frozen=True)
class Bill:
    """One invoice to make: the payer it bills (None: the patient's care billed whole), the
    payer whose share it bills of each shared patient, and the client it is addressed to."""

    payer: Payer | None
    shares: dict[Any, str]
    client: Any = None

    def bills(self, card: RawDoc, patients: dict[Any, RawDoc]) -> bool:
        """Whether this invoice bills the punchcard: its share not yet billed to this payer
        (shared care), or the whole (a card whose shares began to be billed is billed in
        shares only)."""
        key = (card.get("patient") or {}).get("_id")
        billed = {share.get("payer") for share in card.get("billed_shares") or []}
        if key in self.shares:
            return self.shares[key] not in billed
        return not billed and not is_shared(patients.get(key))

    def payers(self, card: RawDoc, patients: dict[Any, RawDoc]) -> set[str]:
        """The payers the punchcard is billed to by this invoice (their authorizations)."""
        key = (card.get("patient") or {}).get("_id")
        if key in self.shares:
            return {self.shares[key]}
        return {payer.key for payer in payers_of(patients.get(key))}


@dataclass
class Target:
    """Whom an invoice bills: the patients whose visits it gathers, and the payer."""

    patients: dict[Any, RawDoc]
    patient: Any = None
    client: Any = None
    client_record: RawDoc | None = None

    def bills(self) -> list[Bill]:
        """The invoices to make: by patient, one per payer sharing the care (else one); by
        client, one, billing its share of each shared patient."""
        if self.client is None:
            patient = self.patients.get(self.patient)
            if is_shared(patient):
                return [Bill(p, {self.patient: p.key}, p.client) for p in sharing(patient)]
            return [Bill(None, {})]
        assert self.client_record is not None
        shares = {
            key: payer_key(raw)
            for key, patient in self.patients.items()
            if is_shared(patient)
            for raw in _paying(self.client_record, patient)[:1]
        }
        return [Bill(None, shares, self.client)]


async def target_of(scope: Scope, patient: Any = None, client: Any = None) -> Target:
    """The patient (or every patient a client pays for: a `billing[].payer` naming the
    client), checked to be in the caller's account (else NOT_FOUND). Given both, the client
    must pay for the patient (else INVALID): an invoice bills its client only its own
    patients' care."""
    if patient is None and client is None:
        raise ServiceError.one("Give a patient or a client.", ErrorCode.REQUIRED, "patient")
    if patient is None:
        payer = await _live(scope, "clients", client)
        patients = await paid_for_by(scope, payer)
        return Target(patients, None, client, payer)
    found = await _live(scope, "patients", patient)
    record = None
    if client is not None:
        record = await _live(scope, "clients", client)
        if not pays_for(record, found):
            raise ServiceError.one(
                "This client does not pay for this patient: no payer in the patient's billing "
                "names it.",
                ErrorCode.INVALID,
                "client",
            )
    return Target({patient: found}, patient, client, record)


async def _live(scope: Scope, collection: str, key: Any) -> RawDoc:
    """The record of the caller's account, not deleted (else NOT_FOUND on `patient` or
    `client`)."""
    raw = (await scope[collection].by_ids([key])).get(key)
    if raw is None or raw.get("_deleted"):
        name = collection.removesuffix("s")
        raise not_found(name, name)
    return raw


def _paying(client: RawDoc, patient: RawDoc) -> list[RawDoc]:
    """The payers of the patient's billing that are the client: naming its record, or, naming
    no record, its name (case ignored)."""
    name = str(party(client).get("name") or "").casefold()
    return [
        payer
        for payer in patient.get("billing") or []
        if (
            payer.get("client") == client["_id"]
            if payer.get("client") is not None
            else bool(name) and str(payer.get("payer") or "").casefold() == name
        )
    ]


def pays_for(client: RawDoc, patient: RawDoc) -> bool:
    """Whether the client pays for the patient (see `_paying`)."""
    return bool(_paying(client, patient))


async def paid_for_by(scope: Scope, client: RawDoc) -> dict[Any, RawDoc]:
    """The account's patients the client pays for (`pays_for`). The name is a fallback for
    payers entered without their client record: two clients of one name would both bill them."""
    name = party(client).get("name")
    by_name = {"$regex": f"^{re.escape(str(name))}$", "$options": "i"} if name else None
    query = {
        "_deleted": {"$ne": True},
        "$or": [
            {"billing.client": client["_id"]},
            *([{"billing": {"$elemMatch": {"client": None, "payer": by_name}}}] if by_name else []),
        ],
    }
    found = {raw["_id"]: raw async for raw in scope["patients"].find(query)}
    return {key: raw for key, raw in found.items() if pays_for(client, raw)}
