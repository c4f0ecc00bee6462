"""Clocking in and out of a visit, with visit verification.

A clock-in creates the visit's punchcard for the caregiver (snapshots copied as every
punchcard's are); a clock-out completes it and computes what it bills and pays. Each punch is
checked against the account's visit settings (distance from the visit's address, early or late,
missing position): a punch outside them is stored all the same, with a flag saying why, for the
office to check. The visit's status moves (to IN_PROGRESS, then COMPLETED) in the same
transaction as the punchcard, each change with its audit entry.

Who punches: a caregiver clocks in and out only for themself, on visits they attend (the
visits their role's rows show them), and the server's clock stamps their punch (a time their
device sends is kept beside it, not used). Only an office role that manages the schedule
records a punch on someone's behalf, at the time it says, with a reason code. What a punch
bills and pays is the rules', computed from fields the caller may not read (rates): read
unmasked, written as computed (`Actor.computing`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from app.common.clock import as_utc, now
from app.common.codes import Permission
from app.common.documents import GeoPoint
from app.common.geo import location_point, point_of
from app.common.holidays import local_date
from app.common.services import Actor, RawDoc, decode, snapshot_id
from app.data.policy_checks import is_caregiver
from app.data.rows import also_booked
from app.data.scope import Scope
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.visits.conflicts import conflict_told
from app.visits.documents import ClockMethod, CorrectionReason, Punch, Punchcard
from app.visits.reviews import reviewed
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


@dataclass(frozen=True)
class Stamp:
    """When a punch happened, the time a caregiver's device sent, and why the office recorded
    it."""

    at: dt.datetime
    device_time: dt.datetime | None = None
    reason: CorrectionReason | None = None


def _stamp(
    actor: Actor,
    caregiver: ObjectId | None,
    at: dt.datetime | None,
    reason: CorrectionReason | None,
    notes: str | None,
) -> Stamp:
    """The punch of `caregiver`: their own, stamped by the server's clock; or recorded for
    them by the office (MANAGE_SCHEDULE), at the time given, with a reason."""
    if actor.permissions is None:  # the agency's own scripts (the demo) record what happened
        return Stamp(_punch_time(at), reason=reason)
    if actor.user_id is not None and actor.user_id == caregiver:
        return Stamp(as_utc(now()), device_time=as_utc(at) if at is not None else None)
    if is_caregiver(actor) or not actor.may(Permission.MANAGE_SCHEDULE):
        raise _only_yourself()
    if reason is None:
        raise ServiceError.one(
            "Say why the office records this punch for the caregiver: a reason code.",
            ErrorCode.REQUIRED,
            "reason",
        )
    if reason is CorrectionReason.OTHER and not (notes or "").strip():
        raise ServiceError.one(
            "Say what happened: the reason is OTHER.", ErrorCode.REQUIRED, "notes"
        )
    return Stamp(_punch_time(at), reason=reason)


def _whom(actor: Actor, caregiver: ObjectId | None) -> ObjectId | None:
    """The caregiver a punch is for: a caregiver's own self (naming anyone else is
    FORBIDDEN); an office's, the one it names."""
    if not is_caregiver(actor):
        return caregiver
    if actor.user_id is None:
        raise ServiceError.one(
            "A caregiver clocks in as themself: sign in as the caregiver, not with an API key.",
            ErrorCode.FORBIDDEN,
            "caregiver",
        )
    if caregiver is not None and caregiver != actor.user_id:
        raise _only_yourself()
    return actor.user_id


def _only_yourself() -> ServiceError:
    return ServiceError.one(
        "You clock in and out only for yourself; the office (MANAGE_SCHEDULE) records a "
        "punch for someone else.",
        ErrorCode.FORBIDDEN,
        "caregiver",
    )


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
    reason: CorrectionReason | None = None,
) -> RawDoc:
    """Clock a caregiver in on a visit: its punchcard, flagged where the punch is off."""
    geo, rules = _geo(location), scope.whole_account()
    # the visit through the caller's rows (a caregiver's: the visits they attend), whole
    event = await visit_of(scope.unmasked(), event_key)
    attendee = booked_caregiver(event, _whom(scope.actor, caregiver))
    user = attendee["user"]
    stamp = _stamp(scope.actor, user, at, reason, notes)
    at = stamp.at
    also_booked(scope.actor, snapshot_id(event.get("patient")))
    account = await _account(rules)
    settings = settings_of(account)
    _refuse_too_early(at, planned(event, "start"), settings.max_early_minutes)
    place = await visit_location(rules, event)
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
            "clock_in_device_time": stamp.device_time,
            "clock_in_reason": stamp.reason,
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
    # the rules' rates, not the caller's; the visit just read is not read again
    raw = await store.prepare(
        scope.actor.computing(), item, known={"events": {event["_id"]: event}}
    )

    async def work(tx: Tx) -> None:
        # one punchcard per caregiver and visit, whoever may see it: checked by the insert
        # itself, in the transaction (and a visit moved meanwhile is a CONFLICT below)
        open_card = {"event": event["_id"], "user._id": user, "_deleted": {"$ne": True}}
        if not await tx.whole_account().insert_unless("Punchcard", "punchcards", raw, open_card):
            raise _clocked_in_already()
        await store.inserted(tx, [raw])
        await _move_visit(tx, event, STARTS, "in_progress")

    await store.unique(scope.transact(work))
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
    reason: CorrectionReason | None = None,
) -> RawDoc:
    """Clock a caregiver out: the punchcard's clock-out, flags, and hours billed and paid."""
    geo, rules = _geo(location), scope.whole_account()
    # the punchcard through the caller's rows (a caregiver's: their own), whole
    whom = _whom(scope.actor, caregiver)
    stored = await _open_punchcard(scope.unmasked(), punchcard, event_key, whom)
    card = decode(stored)
    stamp = _stamp(scope.actor, (card.get("user") or {}).get("_id"), at, reason, notes)
    at = stamp.at
    also_booked(scope.actor, snapshot_id(card.get("patient")))
    actual = card.get("actual") or {}
    clock_in = as_utc(actual["clock_in"])
    within_a_day(clock_in, at, "at")
    event = await live_event(rules, card.get("event"))
    account = await _account(rules)
    settings = settings_of(account)
    place = card.get("location")
    if location_point(place) is None and event is not None:
        place = await visit_location(rules, event)
    method = ClockMethod(actual.get("method") or ClockMethod.GPS.value)
    distance, flags = place_flags(
        Punch.OUT, point_of(geo), location_point(place), method, settings,
        bool(settings.telephony_enabled),
    )  # fmt: skip
    done = await worked(rules, account, card, event, clock_in, at)
    flags += done.flags[Punch.OUT]
    changes = {
        # a clock-out off the visit sends the punchcard to the office's review (again)
        "review": reviewed(card.get("review"), flags, None),
        "actual": {
            **actual,
            "clock_out": at,
            "clock_out_location": geo,
            "clock_out_distance_meters": distance,
            "clock_out_device_time": stamp.device_time,
            "clock_out_reason": stamp.reason,
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
    # what the punch bills and pays is the rules', not the caller's; the punchcard just read
    # (whole, through the caller's rows) is not read again
    return await store.patch(scope.actor.computing(), stored, revision, changes, also=then)


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


def _refuse_too_early(at: dt.datetime, start: dt.datetime | None, most: int) -> None:
    """A clock-in long before the visit is not the visit: refused, not only flagged."""
    if start is None or at >= start - dt.timedelta(minutes=most):
        return
    early = start - at
    hours = early.total_seconds() / 3600
    raise ServiceError.one(
        f"This clock-in is {hours:.1f} hours before the visit starts: a caregiver may clock in "
        f"at most {most} minutes early (visitSettings.maxEarlyMinutes). Clock in at the visit.",
        ErrorCode.INVALID,
        "at",
    )


def _not_clocked_in(field: str) -> ServiceError:
    return ServiceError.one(
        "This caregiver has not clocked in on this visit: clock in first.",
        ErrorCode.INVALID_STATE,
        field,
    )


def _clocked_in_already() -> ServiceError:
    return ServiceError(
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
