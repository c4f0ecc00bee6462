"""The office's review of a punchcard, as stored on it (kept apart from documents.py, which
holds the punchcard itself): see `app.visits.reviews` for the rules."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pydantic import Field

from app.common.codes import Code
from app.common.documents import Embedded, ref


class ReviewStatus(Code):
    """Where a punchcard stands in the office's review of its punches."""

    PENDING = (
        "pending",
        "Waits for the office: not billed and not paid until approved (a flagged punch, or "
        "one recorded by hand).",
    )
    APPROVED = "approved", "The office checked the punches and let the visit be billed and paid."
    REJECTED = "rejected", "The office could not verify the visit: it is neither billed nor paid."


class PunchcardReview(Embedded):
    """The office's review of a punchcard whose punches were flagged or recorded by hand: it
    waits (PENDING) until an office user approves or rejects it with one of the account's
    reason codes (visitSettings.reasonCodes). Set by punches, corrections and
    visitReviewApprove / visitReviewReject, never by a punchcard edit."""

    status: ReviewStatus = Field(description="Where the review stands.")
    why: list[str] = Field(
        default_factory=list,
        description="What sent it to review: the flags of its punches (FAR_FROM_VISIT, ...) "
        "and MANUAL for punches recorded by hand.",
    )
    since: dt.datetime | None = Field(None, description="When it began to wait for review.")
    reason: str | None = Field(
        None, max_length=20, description="The account's reason code given with the decision."
    )
    notes: str | None = Field(None, max_length=1000, description="What the reviewer noted.")
    user: PydanticObjectId | None = Field(
        None,
        description="The office user who decided (null when done through an API client).",
        json_schema_extra=ref("User", "users"),
    )
    api_client: str | None = Field(
        None, max_length=200, description="The API client the decision was made through, if any."
    )
    date: dt.datetime | None = Field(None, description="When it was approved or rejected.")
