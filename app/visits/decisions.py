"""Approving and rejecting punchcards in review (`visitReviewApprove`, `visitReviewReject`):
see `app.visits.reviews` for the rules."""

from __future__ import annotations

from typing import Any

from app.common.clock import now
from app.common.services import Actor, RawDoc, snapshot_id
from app.data.scope import Scope
from app.errors import ErrorCode, ServiceError
from app.visits.review_documents import ReviewStatus
from app.visits.reviews import checked_code
from app.visits.services import punchcard_store


async def decide(
    scope: Scope,
    key: Any,
    status: ReviewStatus,
    reason: str,
    notes: str | None = None,
    revision: int | None = None,
) -> RawDoc:
    """Approve or reject a punchcard in review, with a reason code of the account; the
    decision, who made it and when are recorded with the punchcard's audit entry."""
    store, actor = punchcard_store(scope.database), scope.actor
    current = await store.get(actor, key)
    if revision is not None:
        store.check_revision(current, revision)
    store.check_not_deleted(current)
    _check_decidable(current, status)
    account = await scope["accounts"].find_one({"_id": scope.account_id}) or {}
    review = {
        **(current.get("review") or {}),
        **_decision(actor, status, checked_code(account, reason, "reason"), notes),
    }
    changes = [{"field": "review", "before": current.get("review"), "after": review}]
    update = {"$set": {"review": review, "_last_updated_date": now()}}
    return await store.write(actor, current, update, changes=changes)


def _decision(actor: Actor, status: ReviewStatus, code: str, notes: str | None) -> RawDoc:
    return {"status": status.value, "reason": code, "notes": (notes or "").strip() or None,
            "user": actor.user_id, "api_client": actor.api_client_name,
            "date": now()}  # fmt: skip


def _check_decidable(current: RawDoc, status: ReviewStatus) -> None:
    review = current.get("review")
    refusal = None
    if review is None:
        refusal = "Nothing about this punchcard waits for review: it was neither flagged nor "
        refusal += "recorded by hand."
    elif review.get("status") == status.value:
        refusal = f"This punchcard is already {status.value}."
    elif (current.get("invoice") or {}).get("_id") or current.get("billed_shares"):
        refusal = "This punchcard is invoiced: credit the invoice instead."
    elif snapshot_id(current.get("payroll")) is not None:
        refusal = "This punchcard is paid on a payroll line: take it off the line first."
    if refusal is not None:
        raise ServiceError.one(refusal, ErrorCode.INVALID_STATE, "punchcard")
