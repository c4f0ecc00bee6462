"""When a change of a visit is checked for conflicts."""

from __future__ import annotations

from typing import Any

from app.common.services import RawDoc, snapshot_id
from app.scheduling.conflicts import attending, booked
from app.scheduling.documents import as_utc


def rechecked(before: RawDoc, after: RawDoc) -> bool:
    """Whether a change books anyone's time anew: the visit moved in time or to another
    patient, put back on the schedule (from cancelled), or someone (or some role) added to
    it. Confirming it, or an attendee confirming or declining, books nothing new: the visit
    keeps the check (and any override) it was booked with."""
    if not booked(after):
        return False
    if not booked(before):
        return True
    if any(as_utc(before.get(name)) != as_utc(after.get(name)) for name in ("start", "end")):
        return True
    if snapshot_id(before.get("patient")) != snapshot_id(after.get("patient")):
        return True
    return bool(_places(after) - _places(before))


def _places(visit: RawDoc) -> set[tuple[Any, Any]]:
    """Who takes time on the visit, in which role."""
    return {(a["user"], getattr(a.get("role"), "value", a.get("role"))) for a in attending(visit)}
