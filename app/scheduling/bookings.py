"""When a change of a visit is checked for conflicts, and how bookings of one caregiver are
serialised so two of them at once cannot both pass the check.

The conflict check before a write reads outside its transaction: two bookings of the same
caregiver at the same time would each see the other missing and both commit. So every write
that books someone's time (a new visit, a move, a person added) also writes that person's
schedule counter (`counters`, `_id` "schedule:<account>:<user id>") in its transaction and runs
the check again through that transaction. Two such transactions write the same counter: MongoDB
refuses the later one with a write conflict, `with_transaction` retries it, and the retry's
check sees the visit that committed first. The counter row is what makes this hold on MongoDB,
which detects write conflicts per document: two inserts of different visits never clash there.
The embedded test server (SecantusDB) detects conflicts more coarsely (two concurrent inserts
into events clash even without the counter; two moves of different visits do not), so its tests
alone would not show the counter is needed for new visits. The counter goes through the scope
like any record, so it carries the account.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from bson import ObjectId

from app.common.services import RawDoc, snapshot_id
from app.data.unit import Tx
from app.scheduling.conflicts import (
    attending,
    booked,
    conflict_error,
    guard_visits,
    visit_conflicts,
)
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


async def hold_schedules(tx: Tx, visits: Sequence[RawDoc]) -> None:
    """Write the schedule counter of every person the visits book, in the booking's
    transaction (one command): concurrent bookings of one person then clash."""
    people = sorted({a["user"] for visit in visits if booked(visit) for a in attending(visit)})
    if people:
        await tx["counters"].update_each(
            [
                ({"_id": f"schedule:{tx.account_id}:{person}"}, {"$inc": {"value": 1}})
                for person in people
            ],
            upsert=True,
            ordered=False,
        )


async def check_within(
    tx: Tx,
    visits: Sequence[RawDoc],
    paths: Sequence[str],
    ignore: Collection[ObjectId] = (),
    *,
    only: bool = False,
) -> None:
    """Hold the visits' people and check the visits again inside the transaction that writes
    them (before or after their write: a visit is never compared with itself, and the visits
    they replace are in `ignore`). A visit with an override stands on the override recorded by
    the check before the transaction. `only`: there was no check before (a series' visits,
    checked in their transaction alone, before their write), so this one records on each
    override what it overrode."""
    await hold_schedules(tx, visits)
    if only:
        await guard_visits(tx, visits, paths, ignore=ignore)
        return
    found = await visit_conflicts(tx, visits, ignore=ignore)
    refused = [
        [] if visit.get("conflict_override") else conflicts
        for visit, conflicts in zip(visits, found, strict=True)
    ]
    if any(refused):
        raise conflict_error(refused, paths)


def checking_within(
    visits: Sequence[RawDoc], paths: Sequence[str]
) -> Callable[[Tx], Awaitable[None]]:
    """`check_within` for new visits, to run in their insert's transaction (after the insert)."""
    return lambda tx: check_within(tx, visits, paths)
