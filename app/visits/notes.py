"""A caregiver's note on their visit, written while it goes on or after it.

The note is the punchcard's `actual.notes`, where a clock-in's and clock-out's notes go too: one
place the office reads what the caregiver noted. A caregiver writes only on their own punchcard
(their rows show no other); an office role that manages the schedule writes on any, as it may
correct a punchcard. A note is no correction of the punches: it changes neither the times nor
the review, and a punchcard invoiced or paid in a closed payroll keeps its note as it is.
"""

from __future__ import annotations

from bson import ObjectId

from app.common.codes import Permission
from app.common.services import RawDoc, decode
from app.data.policy_checks import is_caregiver
from app.data.scope import Scope
from app.errors import ErrorCode, ServiceError
from app.visits.clock import punch_store

MOST = 4000
"""The longest note, in characters: a visit's note, not a document."""


async def write_note(scope: Scope, punchcard: ObjectId, notes: str, revision: int | None) -> RawDoc:
    """Replace the note of the punchcard (an empty note clears it)."""
    actor = scope.actor
    if not is_caregiver(actor) and not actor.may(Permission.MANAGE_SCHEDULE):
        raise ServiceError.one(
            "Only the caregiver of the visit, or the office (MANAGE_SCHEDULE), writes its note.",
            ErrorCode.FORBIDDEN,
            "punchcard",
        )
    text = notes.strip()
    if len(text) > MOST:
        raise ServiceError.one(
            f"A visit's note holds at most {MOST} characters; this one has {len(text)}.",
            ErrorCode.INVALID,
            "notes",
        )
    # through the caller's rows (a caregiver's: their own punchcards), whole
    stored = await scope.unmasked()["punchcards"].find_one({"_id": punchcard})
    if stored is None:
        raise ServiceError.one("No Punchcard with this id.", ErrorCode.NOT_FOUND, "punchcard")
    actual = decode(stored).get("actual") or {}
    changes = {"actual": {**actual, "notes": text or None}}
    current = stored.get("_revision", 1) if revision is None else revision
    # invoiced or paid in a closed payroll: refused by the store, as every change is
    return await punch_store(scope.database).patch(actor, stored, current, changes)
