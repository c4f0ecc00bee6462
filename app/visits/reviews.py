"""The office's review of punches (visit verification review).

A punchcard whose punches were flagged (far from the visit, early, late, no position) or
recorded by hand (method MANUAL) waits for review: `review.status` PENDING, with what sent it
there (`why`) and since when. Until an office user approves it, with one of the account's
reason codes (`visit_settings.reason_codes`), it is neither billed nor paid: invoice and
payroll generation leave it out and say so (`held`). A rejected punchcard is never billed or
paid; a later correction that still needs review sends it back to PENDING.

When a punchcard's punches change (a clock-in, a clock-out, the office's correction), its
review is decided again by `reviewed`: still flagged or manual, it waits again (a decision was
about the punches as they were); otherwise it keeps the review it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.accounts.account_settings import VisitReasonCode, VisitSettings
from app.common.clock import now
from app.common.services import RawDoc, decode
from app.errors import ErrorCode, ServiceError
from app.visits.documents import ClockMethod
from app.visits.review_documents import ReviewStatus

HELD = frozenset({ReviewStatus.PENDING.value, ReviewStatus.REJECTED.value})
MANUAL = "MANUAL"
"""What `why` says of punches recorded by hand."""


@dataclass(frozen=True)
class Held:
    """A punchcard a generation left out because of its review, and why."""

    punchcard: Any
    status: ReviewStatus
    reason: str


def is_held(card: RawDoc) -> bool:
    """Whether a punchcard waits for review or was rejected: then it is not billed or paid."""
    return str((card.get("review") or {}).get("status")) in HELD


def held_entry(card: RawDoc) -> Held:
    review = card.get("review") or {}
    status = ReviewStatus(review["status"])
    if status is ReviewStatus.REJECTED:
        code = f" ({review['reason']})" if review.get("reason") else ""
        return Held(card["_id"], status, f"The office rejected its punches{code}.")
    why = ", ".join(review.get("why") or []) or "its punches"
    return Held(card["_id"], status, f"It waits for the office's review ({why}).")


def partition(cards: list[RawDoc]) -> tuple[list[RawDoc], list[Held]]:
    """The punchcards that may be billed or paid, and those held back by their review (by
    day, then id)."""
    kept = [card for card in cards if not is_held(card)]
    held = sorted((card for card in cards if is_held(card)), key=_by_day)
    return kept, [held_entry(card) for card in held]


def _by_day(card: RawDoc) -> tuple[str, str]:
    day = (card.get("_search") or {}).get("date")
    return (day.isoformat() if day is not None else "", str(card["_id"]))


def needs_review(flags: list[Any] | None, method: Any) -> list[str]:
    """What about a punchcard asks for review: its flags' kinds and MANUAL; empty if none."""
    kinds = [str(getattr(flag.get("kind"), "name", flag.get("kind"))).upper() for flag in
             flags or []]  # fmt: skip
    why = list(dict.fromkeys(kinds))
    if str(getattr(method, "value", method)) == ClockMethod.MANUAL.value:
        why.append(MANUAL)
    return why


def reviewed(current: RawDoc | None, flags: list[Any] | None, method: Any) -> RawDoc | None:
    """A punchcard's review once its punches changed (see the module): PENDING when they need
    review (a pending review keeps when it began), else the review it had."""
    why = needs_review(flags, method)
    if not why:
        return current
    if current is not None and current.get("status") == ReviewStatus.PENDING.value:
        return {**current, "why": list(dict.fromkeys([*(current.get("why") or []), *why]))}
    return {"status": ReviewStatus.PENDING.value, "why": why, "since": now()}


def reason_codes(account: RawDoc) -> list[VisitReasonCode]:
    """The account's reason codes (its own list, else the default one)."""
    return VisitSettings.model_validate(decode(account.get("visit_settings") or {})).reason_codes


def checked_code(account: RawDoc, given: str, field: str) -> str:
    """The account's code that `given` names (case ignored), or INVALID naming the codes."""
    codes = reason_codes(account)
    for code in codes:
        if code.code.casefold() == given.strip().casefold():
            return code.code
    known = ", ".join(code.code for code in codes)
    raise ServiceError.one(
        f"{given!r} is not one of the account's reason codes ({known}).", ErrorCode.INVALID, field
    )


def code_for_correction(account: RawDoc, reason: Any) -> str | None:
    """The account's code reporting a correction reason, if one does."""
    value = str(getattr(reason, "value", reason))
    for code in reason_codes(account):
        if code.correction_reason is not None and code.correction_reason.value == value:
            return code.code
    return None


def held_note(held: list[Held]) -> str:
    """What a refusal for nothing to bill or pay adds when punchcards were held back."""
    if not held:
        return ""
    waiting = sum(1 for h in held if h.status is ReviewStatus.PENDING)
    return (
        f" {len(held)} of the period's punchcards are held back by review ({waiting} waiting, "
        f"{len(held) - waiting} rejected): approve them in visitReviews first."
    )
