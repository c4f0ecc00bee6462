"""Which rows of a collection a caller may read: the one hook every scoped read passes through.

A `RowPolicy` maps a collection to an extra filter (None: every row of the account), made from
the policy table (app/data/policy.py) for the caller's role:

- an office role sees every row of a record type it may read, none of the others, and the
  files of owners it may read, but the kinds of file that hold a group it may not read
  (`closed_files`: a candidate's files need VIEW_HR, a patient's care plan VIEW_CLINICAL);
- a caregiver sees their own rows (their user record, the visits they attend, their
  punchcards and payroll lines, the conversations they take part in), the patients they are
  booked with 30 days either side of now with those patients' progress notes and files, and
  reference data; no row of anything else.

The patients a caregiver is booked with take one query, made once per request when the
request's scope is built (`app.data.scope.request_scope`) and remembered for that request
(`remember_booked`), so that every scope of that caregiver in it (a store's too) reads by the
same window; without it a caregiver sees no patient.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bson import ObjectId

from app.common.codes import Permission, RoleType
from app.data.policy import ALL, BY_COLLECTION, NONE, RECORDS, Booked, Files, Own
from app.data.policy_checks import closed_files, is_caregiver

if TYPE_CHECKING:
    from app.common.services import Actor

RowPolicy = Callable[[str], Mapping[str, Any] | None]

NO_ROWS: Mapping[str, Any] = {"_id": None}
"""A filter no record passes (no id is null), answered from the `_id` index."""


FILES = RECORDS["File"].collection


def whole_account(collection: str) -> None:
    """Every row of the account: the agency itself, jobs, and rules that see everything."""
    return None


@dataclass(frozen=True)
class Booking:
    """The patients a caregiver is booked with around now, found for one request."""

    account_id: int
    user_id: ObjectId
    patients: frozenset[ObjectId]


_booked: ContextVar[Booking | None] = ContextVar("booked", default=None)


def rows_for(actor: Actor) -> RowPolicy:
    """The rows an actor's role may read, collection by collection."""
    if actor.permissions is None:
        return whole_account
    if not is_caregiver(actor):
        return _office_rows(actor.permissions)
    booking = _booked.get()
    mine = booking is not None and (booking.account_id, booking.user_id) == (
        actor.account_id,
        actor.user_id,
    )
    patients = booking.patients if booking is not None and mine else frozenset()
    return _caregiver_rows(actor, patients)


@lru_cache(maxsize=256)
def _office_rows(permissions: frozenset[Permission]) -> RowPolicy:
    from app.common.services import Actor

    closed = frozenset(
        name
        for name, rule in BY_COLLECTION.items()
        if rule.read is not None and rule.read not in permissions
    )
    office = Actor(account_id=0, permissions=permissions, role_type=RoleType.OFFICE)
    files = _without(closed_files(office))

    def rows(collection: str) -> Mapping[str, Any] | None:
        if collection in closed:
            return NO_ROWS
        return files if collection == FILES else None

    return rows


def _without(closed: list[tuple[str, str | None]]) -> Mapping[str, Any] | None:
    """A files filter leaving out these (owner kind, file type) pairs; None: none to leave."""
    if not closed:
        return None
    return {
        "$nor": [
            {"owner.type": kind, **({"type": file_type} if file_type is not None else {})}
            for kind, file_type in closed
        ]
    }


def _caregiver_rows(actor: Actor, patients: frozenset[ObjectId]) -> RowPolicy:
    user = actor.user_id
    booked = sorted(patients)
    closed = closed_files(actor)

    def rows(collection: str) -> Mapping[str, Any] | None:
        rule = BY_COLLECTION.get(collection)
        if rule is None:
            return None  # a working collection (counters, idempotency keys), never answered
        seen = rule.caregiver
        if seen == ALL:
            return None
        if seen == NONE:
            return NO_ROWS
        if isinstance(seen, Own):
            return {seen.key: user} if user is not None else NO_ROWS
        if isinstance(seen, Booked):
            return {seen.key: {"$in": booked}} if booked else NO_ROWS
        if isinstance(seen, Files):
            theirs = [_files_of("patient", {"$in": booked}, closed)] if booked else []
            own = [_files_of("user", user, closed)] if user is not None else []
            return {"$or": [*theirs, *own]} if theirs or own else NO_ROWS
        return NO_ROWS

    return rows


def _files_of(kind: str, owner: Any, closed: list[tuple[str, str | None]]) -> dict[str, Any]:
    """The files of these owners of a kind, but the types of file closed to the caller."""
    shut = [file_type for shut_kind, file_type in closed if shut_kind == kind]
    if None in shut:  # every file of the kind
        return dict(NO_ROWS)
    clause: dict[str, Any] = {"owner.type": kind, "owner.id": owner}
    return {**clause, "type": {"$nin": shut}} if shut else clause


def remember_booked(actor: Actor, patients: frozenset[ObjectId]) -> None:
    """Remember, for the rest of this request, the patients a caregiver is booked with (found
    by `app.data.scope.request_scope`)."""
    if actor.user_id is not None:
        _booked.set(Booking(actor.account_id, actor.user_id, patients))


def also_booked(actor: Actor, patient: ObjectId | None) -> None:
    """A caregiver punching a visit they attend sees its patient for the rest of the request,
    however far the visit is from now (a punch reads and snapshots the patient)."""
    booking = _booked.get()
    if patient is None or actor.user_id is None or not is_caregiver(actor):
        return
    known = booking.patients if booking is not None and booking.user_id == actor.user_id else ()
    _booked.set(Booking(actor.account_id, actor.user_id, frozenset({*known, patient})))
