"""The shares of a visit billed to each of its payers, marked on its punchcard.

When payers share a patient's care, each payer's invoice bills its share of a visit: the
punchcard records each share billed (`billed_shares`: the payer's key, the invoice, the amount)
in the invoice's transaction, and once every payer's share is billed its `invoice` is set
(to the invoice of the last share), which makes it billed in full as any other punchcard. A
payer's share is billed once: a second invoice of the same payer for it is refused
(DUPLICATE) in the same transaction, as `mark_punchcards` refuses a second invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bson import Decimal128

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.services import RawDoc
from app.data.unit import Tx
from app.errors import ErrorCode, ServiceError

FIELDS = {"billed_shares": 1, "invoice": 1, "_revision": 1}


async def mark_shares(
    tx: Tx,
    snapshot: RawDoc,
    payer: str,
    parts: Mapping[Any, Decimal],
    expected: Mapping[Any, frozenset[str]],
) -> None:
    """Record on each punchcard of `parts` the payer's share the invoice (`snapshot`) bills;
    `expected` names each punchcard's payers, to know when all of them are billed."""
    if not parts:
        return
    punchcards = tx.whole_account()["punchcards"]
    found = [doc async for doc in punchcards.find({"_id": {"$in": list(parts)}}, FIELDS)]
    if len(found) != len(parts):
        raise ServiceError.one("No punchcard with this id.", ErrorCode.NOT_FOUND, "punchcards")
    stamp, updates, entries = now(), [], []
    for doc in found:
        shares = list(doc.get("billed_shares") or [])
        if (doc.get("invoice") or {}).get("_id") or any(s.get("payer") == payer for s in shares):
            raise ServiceError.one(
                "This visit's share is already billed to this payer.",
                ErrorCode.DUPLICATE,
                "punchcards",
            )
        share = {"payer": payer, "invoice": snapshot, "amount": Decimal128(parts[doc["_id"]])}
        after = [*shares, share]
        sets: RawDoc = {"billed_shares": after, "_last_updated_date": stamp,
                        "_revision": (doc.get("_revision") or 1) + 1}  # fmt: skip
        changes: list[RawDoc] = [{"field": "billed_shares", "before": shares, "after": after}]
        if expected[doc["_id"]] <= {s["payer"] for s in after}:
            sets["invoice"] = snapshot
            changes.append({"field": "invoice", "before": None, "after": snapshot})
        updates.append(({"_id": doc["_id"]}, {"$set": sets}))
        entries.append(tx.entry(AuditAction.UPDATE, "Punchcard", doc["_id"], changes=changes))
    await _write(tx, updates, "marking")
    await tx.audit_all(entries)


async def unmark_shares(tx: Tx, invoice: Any, ids: list[Any]) -> None:
    """Take the shares an invoice billed off its punchcards (it is deleted): they are billed in
    full no longer, and that payer's share is left to bill again."""
    if not ids:
        return
    punchcards = tx.whole_account()["punchcards"]
    stamp, updates, entries = now(), [], []
    async for doc in punchcards.find({"_id": {"$in": ids}}, FIELDS):
        shares = list(doc.get("billed_shares") or [])
        kept = [s for s in shares if (s.get("invoice") or {}).get("_id") != invoice]
        if len(kept) == len(shares):
            continue
        update: RawDoc = {"$set": {"billed_shares": kept, "_last_updated_date": stamp,
                                   "_revision": (doc.get("_revision") or 1) + 1}}  # fmt: skip
        changes: list[RawDoc] = [{"field": "billed_shares", "before": shares, "after": kept}]
        if doc.get("invoice") is not None:
            update["$unset"] = {"invoice": ""}
            changes.append({"field": "invoice", "before": doc["invoice"], "after": None})
        updates.append(({"_id": doc["_id"]}, update))
        entries.append(tx.entry(AuditAction.UPDATE, "Punchcard", doc["_id"], changes=changes))
    if updates:
        await _write(tx, updates, "unmarking")
        await tx.audit_all(entries)


async def _write(tx: Tx, updates: list[tuple[RawDoc, RawDoc]], what: str) -> None:
    """The updates by `_id` only (the read pinned them in this transaction: one changed since
    is a write conflict, and the transaction runs again)."""
    result = await tx.whole_account()["punchcards"].update_each(updates, ordered=False)
    if result.modified_count != len(updates):
        raise ServiceError.one(
            f"A punchcard changed while {what} its shares; try again.",
            ErrorCode.CONFLICT,
            "punchcards",
        )
