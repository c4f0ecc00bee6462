"""Which rows of a collection a caller may read: the one hook every scoped read passes through.

A `RowPolicy` maps a collection to an extra filter (None: every row of the account), made from
the policy table (app/data/policy.py) for the caller's role:

- an office role sees every row of a record type it may read, none of the others;
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

from app.common.codes import Permission
from app.data.policy import ALL, BY_COLLECTION, NONE, Booked, Files, Own, is_caregiver

if TYPE_CHECKING:
    from app.common.services import Actor

RowPolicy = Callable[[str], Mapping[str, Any] | None]

NO_ROWS: Mapping[str, Any] = {"_id": None}
"""A filter no record passes (no id is null), answered from the `_id` index."""


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
    return _caregiver_rows(actor.user_id, patients)


@lru_cache(maxsize=256)
def _office_rows(permissions: frozenset[Permission]) -> RowPolicy:
    closed = frozenset(
        name
        for name, rule in BY_COLLECTION.items()
        if rule.read is not None and rule.read not in permissions
    )

    def rows(collection: str) -> Mapping[str, Any] | None:
        return NO_ROWS if collection in closed else None

    return rows


def _caregiver_rows(user: ObjectId | None, patients: frozenset[ObjectId]) -> RowPolicy:
    booked = sorted(patients)

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
            theirs = [{"owner.type": "patient", "owner.id": {"$in": booked}}] if booked else []
            own = [{"owner.type": "user", "owner.id": user}] if user is not None else []
            return {"$or": [*theirs, *own]} if theirs or own else NO_ROWS
        return NO_ROWS

    return rows


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
