"""Clocking in and out of a visit, with visit verification.

A clock-in creates the visit's punchcard for the caregiver (snapshots copied as every
punchcard's are); a clock-out completes it and computes what it bills and pays. Each punch is
checked against the account's visit settings (distance from the visit's address, early or late,
missing position): a punch outside them is stored all the same, with a flag saying why, for the
office to check. The visit's status moves (to IN_PROGRESS, then COMPLETED) in the same
transaction as the punchcard, each change with its audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson import ObjectId

from app.common.clock import as_utc, now
from app.common.documents import GeoPoint
from app.common.geo import location_point, point_of
from app.common.holidays import local_date
from app.common.services import Actor, RawDoc, decode, snapshot_id
from app.data.scope import Scope
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.visits.conflicts import conflict_told
from app.visits.documents import ClockMethod, Punch, Punchcard
from app.visits.rules import billing_period, place_flags, time_flags
from app.visits.services import PunchcardStore, punchcard_search, punchcard_store
from app.visits.visit import (
    account_service,
    booked_caregiver,
    is_holiday,
    visit_location,
    visit_of,
)
from app.visits.worked import (
    live_event,
    not_in_future,
    planned,
    settings_of,
    within_a_day,
    worked,
)

STARTS = {"scheduled", "confirmed", "missed"}
"""Statuses a clock-in moves to IN_PROGRESS."""
ENDS = STARTS | {"in_progress"}
"""Statuses the last clock-out of a visit moves to COMPLETED."""


class PunchStore(PunchcardStore):
    """The punchcard store for punches: a punch records the time; it corrects nothing."""

    async def _corrected(
        self, actor: Actor, current: RawDoc, changes: dict[str, Any]
    ) -> dict[str, Any]:
        return changes


def punch_store(database: Database) -> PunchStore:
    return PunchStore(database, Punchcard, "Punchcard", search_keys=punchcard_search)


def _geo(location: RawDoc | None) -> RawDoc | None:
    """A caller's position (`latitude`, `longitude`) as stored GeoJSON, or a user error."""
    if location is None:
        return None
    try:
        return {"type": "Point", "coordinates": GeoPoint.model_validate(location).coordinates}
    except ValueError:
        raise ServiceError.one(
            "Latitude is -90 to 90 and longitude -180 to 180.", ErrorCode.INVALID, "location"
        ) from None


def _punch_time(at: dt.datetime | None) -> dt.datetime:
    """When the punch happened: now when not given, never in the future."""
    return as_utc(now()) if at is None else not_in_future(at, "at")


async def _account(scope: Scope) -> RawDoc:
    return await scope["accounts"].find_one({"_id": scope.account_id}) or {}


async def clock_in(
    scope: Scope,
    event_key: ObjectId,
    *,
    caregiver: ObjectId | None = None,
    at: dt.datetime | None = None,
    location: RawDoc | None = None,
    method: ClockMethod = ClockMethod.GPS,
    notes: str | None = None,
) -> RawDoc:
    """Clock a caregiver in on a visit: its punchcard, flagged where the punch is off."""
    at, geo = _punch_time(at), _geo(location)
    event = await visit_of(scope, event_key)
    attendee = booked_caregiver(event, caregiver)
    user = attendee["user"]
    await _refuse_second_clock_in(scope.whole_account(), event["_id"], user)
    account = await _account(scope)
    settings = settings_of(account)
    place = await visit_location(scope, event)
    distance, flags = place_flags(
        Punch.IN, point_of(geo), location_point(place), method, settings,
        bool(settings.telephony_enabled),
    )  # fmt: skip
    flags += time_flags(Punch.IN, at, planned(event, "start"), settings)
    service = account_service(account, event)
    billing = event.get("billing") or {}
    period = billing_period(
        local_date(event.get("start") or at, account),
        billing.get("billing_period")
        or (account.get("billing_settings") or {}).get("billing_period"),
        (account.get("settings") or {}).get("week_start") or "MO",
    )
    patient = snapshot_id(event.get("patient"))
    item = {
        "event": event["_id"],
        "user": {"record": user},
        **({"patient": {"record": patient}} if patient is not None else {}),
        "actual": {
            "clock_in": at,
            "clock_in_location": geo,
            "clock_in_distance_meters": distance,
            "method": method,
            "notes": notes,
        },
        "billing": {
            "period_start": period[0] if period else None,
            "period_end": period[1] if period else None,
            "payer": billing.get("payer"),
        },
        "service": {
            "code": service.get("code") or "VISIT",
            "description": service.get("description"),
            "bill_rate": service.get("bill_rate"),
            "pay_rate": service.get("pay_rate"),
        },
        "location": place,
        "stat_holiday": is_holiday(account, event),
        "flags": flags,
    }

    store = punchcard_store(scope.database)
    raw = await store.prepare(scope.actor, item)

    async def then(tx: Tx) -> None:
        await _refuse_second_clock_in(tx.whole_account(), event["_id"], user, raw["_id"])
        await _move_visit(tx, event, STARTS, "in_progress")

    await store.insert_new(scope.actor, [raw], also=then)
    return raw


async def clock_out(
    scope: Scope,
    *,
    punchcard: ObjectId | None = None,
    event_key: ObjectId | None = None,
    caregiver: ObjectId | None = None,
    at: dt.datetime | None = None,
    location: RawDoc | None = None,
    notes: str | None = None,
) -> RawDoc:
    """Clock a caregiver out: the punchcard's clock-out, flags, and hours billed and paid."""
    at, geo = _punch_time(at), _geo(location)
    card = decode(await _open_punchcard(scope, punchcard, event_key, caregiver))
    actual = card.get("actual") or {}
    clock_in = as_utc(actual["clock_in"])
    within_a_day(clock_in, at, "at")
    event = await live_event(scope, card.get("event"))
    account = await _account(scope)
    settings = settings_of(account)
    place = card.get("location")
    if location_point(place) is None and event is not None:
        place = await visit_location(scope, event)
    method = ClockMethod(actual.get("method") or ClockMethod.GPS.value)
    distance, flags = place_flags(
        Punch.OUT, point_of(geo), location_point(place), method, settings,
        bool(settings.telephony_enabled),
    )  # fmt: skip
    done = await worked(scope, account, card, event, clock_in, at)
    flags += done.flags[Punch.OUT]
    changes = {
        "actual": {
            **actual,
            "clock_out": at,
            "clock_out_location": geo,
            "clock_out_distance_meters": distance,
            "notes": "\n".join(n for n in (actual.get("notes"), notes) if n) or None,
        },
        "bill": done.bill,
        "pay": done.pay,
        "flags": [*(card.get("flags") or []), *flags],
    }

    async def then(tx: Tx) -> None:
        if event is not None and not await _others_open(tx.whole_account(), card):
            await _move_visit(tx, event, ENDS, "completed")

    store = punch_store(scope.database)
    revision = card.get("_revision", 1)
    return await store.update(scope.actor, card["_id"], revision, changes, also=then)


async def _open_punchcard(
    scope: Scope,
    punchcard: ObjectId | None,
    event_key: ObjectId | None,
    caregiver: ObjectId | None,
) -> RawDoc:
    """The punchcard to clock out: named, or the caregiver's on a visit; clocked in, not out."""
    card: RawDoc | None
    if punchcard is not None:
        where = "punchcard"
        card = await scope["punchcards"].find_one({"_id": punchcard})
        if card is None:
            raise ServiceError.one("No Punchcard with this id.", ErrorCode.NOT_FOUND, where)
    elif event_key is not None:
        where = "event"
        found = await live_event(scope, event_key)
        if found is None:
            raise ServiceError.one("No Event with this id.", ErrorCode.NOT_FOUND, where)
        user = booked_caregiver(found, caregiver)["user"]
        query = {"event": event_key, "user._id": user, "_deleted": {"$ne": True}}
        card = await scope["punchcards"].find_one(query, sort=[("_id", -1)])
        if card is None:
            raise _not_clocked_in(where)
    else:
        raise ServiceError.one("Name the punchcard, or the visit.", ErrorCode.REQUIRED, "punchcard")
    if card.get("_deleted"):
        raise ServiceError.one("This punchcard is deleted.", ErrorCode.INVALID_STATE, where)
    actual = card.get("actual") or {}
    if actual.get("clock_in") is None:
        raise _not_clocked_in(where)
    if actual.get("clock_out") is not None:
        raise ServiceError.one(
            "This caregiver has already clocked out of this visit.", ErrorCode.INVALID_STATE, where
        )
    return card


def _not_clocked_in(field: str) -> ServiceError:
    return ServiceError.one(
        "This caregiver has not clocked in on this visit: clock in first.",
        ErrorCode.INVALID_STATE,
        field,
    )


async def _refuse_second_clock_in(
    account: Scope | Tx,
    event: ObjectId,
    user: ObjectId,
    new: ObjectId | None = None,
) -> None:
    """One punchcard per caregiver and visit, whoever may see it (`account`: the whole
    account): checked before writing, and again in the write's transaction (where the new
    punchcard is already there, so it is left out)."""
    query: RawDoc = {"event": event, "user._id": user, "_deleted": {"$ne": True}}
    if new is not None:
        query["_id"] = {"$ne": new}
    if await account["punchcards"].find_one(query, {"_id": 1}) is not None:
        raise ServiceError(
            Problem(
                "This caregiver has already clocked in on this visit: clock out, or correct "
                "the punchcard.",
                ErrorCode.INVALID_STATE,
                "event",
            )
        )


async def _others_open(account: Tx, card: RawDoc) -> bool:
    """Whether another caregiver is still clocked in on the visit (`account`: the whole
    account, in the punch's transaction)."""
    query = {"event": card.get("event"), "_id": {"$ne": card["_id"]},
             "_deleted": {"$ne": True}, "actual.clock_in": {"$ne": None},
             "actual.clock_out": None}  # fmt: skip
    return await account["punchcards"].find_one(query, {"_id": 1}) is not None


async def _move_visit(tx: Tx, event: RawDoc, moves_from: set[str], to: str) -> None:
    """Set the visit's status, revision-guarded, with its audit entry, in the punch's
    transaction; a visit whose status is not in `moves_from` keeps it."""
    status = event.get("status") or "scheduled"
    if status not in moves_from:
        return
    change = {"status": to, "_last_updated_date": now()}
    with conflict_told("The visit changed while punching; try again.", "event"):
        await tx.update(
            "Event",
            "events",
            event,
            {"$set": change},
            changes=[{"field": "status", "before": status, "after": to}],
        )
