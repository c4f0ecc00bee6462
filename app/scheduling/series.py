"""Booking the visits of a series: on creation, as the horizon moves, and again after an edit.

A series books its occurrences as visits (events) up to the account's horizon
(`scheduler_settings.horizon_weeks`, 12 weeks by default) and records how far in
`materialised_until`. Each visit carries the series' template (every `Scheduled` field) and
the start its rule gave it (`series_start`, RFC 5545 RECURRENCE-ID); one live visit per
(series, series_start), which a unique index on events enforces.

What a series never rewrites:
- visits already started (the past): creation books from the start of today in the series'
  time zone, extensions from where the series stopped, edits from now on;
- visits clocked (a punchcard with a clock-in) or invoiced (a punchcard with an invoice);
- visits changed on their own (`series_exception`).
The last two are reported as kept, with the reason. A kept visit holds its occurrence's day:
after "this and following" it goes, as it is, to the new series (only its `_group` changes),
so the new series' own edits neither book that day again nor clash with it.

The reads that decide what a series rebooks (its visits, their punchcards) see the whole
account, whoever edits: a series must not book an occurrence twice because a caller's row
policy hid its visit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bson import ObjectId

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.codes import Code
from app.common.documents import stored_key
from app.common.services import Actor, RawDoc, decode, item_path
from app.data.audit import changes_between
from app.data.records import Also
from app.data.unit import Tx
from app.errors import ErrorCode, ServiceError
from app.scheduling.booked_time import Reader
from app.scheduling.bookings import check_within
from app.scheduling.documents import Event, EventGroup, EventStatus, as_utc
from app.scheduling.recurrence import RULE, first_after, first_start, occurrences, placed, zone_of
from app.scheduling.schedule_store import Read
from app.scheduling.scheduled_documents import Scheduled

log = logging.getLogger(__name__)
HORIZON_WEEKS = 12
FURTHEST = dt.timedelta(weeks=105)
"""The furthest ahead a series may be booked on demand (the longest horizon, 104 weeks)."""
REBOOKED = [
    *(stored_key(Event, name) for name in Scheduled.model_fields),
    *("start", "end", "duration", "series_start", "_group", "_last_updated_user"),
]
"""What rebooking a visit rewrites; its status, billing and history stay."""
REBOOKING = {*Scheduled.model_fields, *RULE, "start", "end", "excluded"}
"""Changes to these rebook the series' future visits."""


class VisitMaker(Protocol):
    """What prepares a series' visits: the event store (services.EventStore), which fills and
    validates every new visit, however it is booked. A series' visits are checked for
    conflicts once, in the transaction that writes them (`write_plan`)."""

    async def filled(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        read: Read | None = None,
    ) -> list[RawDoc]: ...


class KeptReason(Code):
    """Why a change to a series left one of its visits as it was."""

    CLOCKED = "clocked", "A caregiver clocked in for it: it happened, or is happening."
    INVOICED = "invoiced", "It is on an invoice."
    EXCEPTION = "exception", "It was changed on its own, apart from its series."


EXCEPTION = KeptReason.EXCEPTION


@dataclass
class SeriesChange:
    """What a series write did to its visits."""

    group: RawDoc
    successor: RawDoc | None = None
    booked: list[RawDoc] = field(default_factory=list)
    removed: list[RawDoc] = field(default_factory=list)
    kept: list[tuple[RawDoc, KeptReason]] = field(default_factory=list)


@dataclass
class Plan:
    """Visits to create, to rewrite (before, after) and to remove, and those kept; kept visits
    that a split hands to the new series are `handed` (before, after) too."""

    create: list[RawDoc] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    """The input paths of the visits to create, for their conflicts ("visits.<n>" if none)."""
    replace: list[tuple[RawDoc, RawDoc]] = field(default_factory=list)
    handed: list[tuple[RawDoc, RawDoc]] = field(default_factory=list)
    remove: list[RawDoc] = field(default_factory=list)
    kept: list[tuple[RawDoc, KeptReason]] = field(default_factory=list)


def horizon(account: RawDoc, moment: dt.datetime) -> dt.datetime:
    """How far the account books series ahead of a moment."""
    weeks = (account.get("scheduler_settings") or {}).get("horizon_weeks") or HORIZON_WEEKS
    return moment + dt.timedelta(weeks=int(weeks))


def booking_from(group: RawDoc, moment: dt.datetime) -> dt.datetime:
    """Where a new series starts booking: its first occurrence (its start, or an extra day
    before it), or today's midnight in its time zone."""
    zone = zone_of(group)
    midnight = placed(dt.datetime.combine(moment.astimezone(zone).date(), dt.time()), zone)
    return max(first_start(group), midnight)


def template(group: RawDoc) -> dict[str, Any]:
    """The series' `Scheduled` fields, as a visit's input (fields added there follow)."""
    data = EventGroup.model_validate(decode(group)).model_dump()
    return {name: data[name] for name in Scheduled.model_fields if name in data}


async def visits_for(
    events: VisitMaker,
    actor: Actor,
    group: RawDoc,
    starts: list[dt.datetime],
    prefix: str,
    read: Read | None = None,
) -> list[RawDoc]:
    """New visits of the series at these starts, prepared (validated, filled), not written:
    `write_plan` checks them for conflicts in the transaction that writes them. `read`: what
    the series read to fill itself, if the caller has it."""
    if not starts:
        return []
    length = as_utc(group["end"]) - as_utc(group["start"])
    base = template(group)
    items = [{**base, "start": s, "end": s + length, "series_start": s} for s in starts]
    # the series' own template, rates and all: written by the rules, not by the caller
    raws = await events.filled(actor.computing(), items, prefix, read)
    for raw in raws:  # linked after checks: a new series is not stored yet
        raw["_group"] = group["_id"]
    return raws


def inserting(plan: Plan, checked: bool) -> Also:
    """The insert of new visits and their audit entries, for a series' transaction; `checked`:
    checked for conflicts in it."""
    again = () if checked else None
    return lambda tx: write_plan(tx, plan, "", recheck=again)


async def book_new(
    events: VisitMaker,
    actor: Actor,
    read: Read,
    groups: list[RawDoc],
    prefix: str | None,
) -> Plan:
    """The visits of new series up to the horizon; each series records how far it is booked.
    `read`: what the series read to fill themselves."""
    moment = now()
    bound = horizon(read.account, moment)
    plan = Plan()
    for index, group in enumerate(groups):
        at = item_path(prefix, index)
        starts = occurrences(group, booking_from(group, moment), bound, field=at)
        visits = await visits_for(events, actor, group, starts, f"{at}.visits", read)
        plan.create += visits
        plan.paths += [item_path(f"{at}.visits", n) for n in range(len(visits))]
        group["materialised_until"] = bound
        group["ended"] = ended_before(group, bound)
    return plan


async def live_visits(reader: Reader, group_id: Any, since: dt.datetime) -> list[RawDoc]:
    """The series' booked visits (not deleted) from a series start on, in order (in the
    reader's transaction, if it is one)."""
    query = {"_group": group_id, "_deleted": {"$ne": True}, "series_start": {"$gte": since}}
    found = reader.whole_account()["events"].find(query, sort=[("series_start", 1)])
    return [doc async for doc in found]


async def kept_reasons(reader: Reader, visits: Iterable[RawDoc]) -> dict[Any, KeptReason]:
    """Why each visit a series may not rewrite is kept: invoiced, clocked, or an exception."""
    visits = list(visits)
    reasons = {v["_id"]: KeptReason.EXCEPTION for v in visits if v.get("series_exception")}
    punched = {
        "event": {"$in": [v["_id"] for v in visits]},
        "_deleted": {"$ne": True},
        "$or": [{"actual.clock_in": {"$ne": None}}, {"invoice": {"$ne": None}}],
    }
    if visits:
        cards = reader.whole_account()["punchcards"].find(punched, {"event": 1, "invoice": 1})
        async for card in cards:
            invoiced = card.get("invoice") is not None
            reasons[card["event"]] = KeptReason.INVOICED if invoiced else KeptReason.CLOCKED
    return reasons


async def rebook(
    tx: Tx,
    events: VisitMaker,
    target: RawDoc,
    since: dt.datetime,
    bound: dt.datetime,
    current: list[RawDoc],
) -> Plan:
    """How the booked visits `current` become the occurrences of `target` from `since` to
    `bound`. A rule gives at most one occurrence a day (no BYHOUR), so an occurrence is known
    by its local day: the visit of an occurrence's day is rewritten in place (same id, even
    if the time of day changed), missing occurrences are created, visits no longer in the
    rule are removed; kept visits stay, and their day is not booked again. Visits of
    `current` that started before `since` (today's, already under way) are left as they
    are, and their day is not booked again either. What is kept is read in `tx`; the new
    visits are prepared (and checked) as any new visit is, before the transaction's writes."""
    zone = zone_of(target)

    def day(visit: RawDoc) -> dt.date:
        return as_utc(visit["series_start"]).astimezone(zone).date()

    started = {day(v) for v in current if as_utc(v["series_start"]) < since}
    current = [v for v in current if as_utc(v["series_start"]) >= since]
    reasons = await kept_reasons(tx, current)
    excluded = {as_utc(moment) for moment in target.get("excluded") or []}
    for visit in current:  # a cancelled occurrence goes, even if it was changed on its own
        if as_utc(visit["series_start"]) in excluded and reasons.get(visit["_id"]) is EXCEPTION:
            del reasons[visit["_id"]]
    plan = Plan(kept=[(v, reasons[v["_id"]]) for v in current if v["_id"] in reasons])
    plan.handed = [(v, _handed(v, target, tx.actor)) for v, _ in plan.kept if _elsewhere(v, target)]
    plan.kept = [(_moved(v, plan.handed), reason) for v, reason in plan.kept]
    taken = started | {day(v) for v, _ in plan.kept}
    starts = [
        s for s in occurrences(target, since, bound) if s.astimezone(zone).date() not in taken
    ]
    free = {day(v): v for v in current if v["_id"] not in reasons}
    # the new visits replace only these (`write_plan` checks them ignoring those it replaces
    # or removes): kept and started visits stay, and are checked against
    for fresh in await visits_for(events, tx.actor, target, starts, "visits"):
        old = free.pop(day(fresh), None)
        if old is None:
            plan.create.append(fresh)
            continue
        merged = {k: v for k, v in old.items() if k not in REBOOKED}
        merged.update({k: fresh[k] for k in REBOOKED if k in fresh})
        if any(_same(old.get(k)) != _same(merged.get(k)) for k in REBOOKED):
            stamp = {"_revision": old.get("_revision", 1) + 1, "_last_updated_date": now()}
            plan.replace.append((old, {**merged, **stamp}))
    plan.remove = list(free.values())
    return plan


def _elsewhere(visit: RawDoc, target: RawDoc) -> bool:
    return visit.get("_group") != target["_id"]


def _handed(visit: RawDoc, target: RawDoc, actor: Actor) -> RawDoc:
    """A kept visit as it goes to a new series (a split): only its link to the series changes,
    so the new series' own edits see the day it holds, neither booking a second visit for it
    nor clashing with it."""
    stamp = {"_revision": visit.get("_revision", 1) + 1, "_last_updated_date": now()}
    return {**visit, "_group": target["_id"], "_last_updated_user": actor.user_id, **stamp}


def _moved(visit: RawDoc, handed: list[tuple[RawDoc, RawDoc]]) -> RawDoc:
    return next((new for old, new in handed if old is visit), visit)


def _same(value: Any) -> Any:
    """A value as compared for a change: times as UTC, whatever their offset."""
    return as_utc(value) if isinstance(value, dt.datetime) else value


def _guard(visit: RawDoc) -> dict[str, Any]:
    stored = visit.get("_revision")
    return {"_id": visit["_id"], "_revision": stored if stored is not None else {"$exists": False}}


async def write_plan(
    tx: Tx, plan: Plan, reason: str, recheck: Collection[ObjectId] | None = None
) -> None:
    """Apply a plan in the caller's transaction: one command per kind of write, each audited.
    A visit changed meanwhile refuses the whole change (CONFLICT). Unless `recheck` is None,
    the visits booked are checked for conflicts in the transaction, ignoring the visits it
    names (those the plan replaces or removes): see bookings.py. It is their only check, so an
    override records there what it overrode. The check runs before the writes, with the
    people's schedules already held: it then reads what others booked, not the year of visits
    this plan is about to write."""
    events, actor = tx["events"], tx.actor
    booked = [*plan.create, *(new for _, new in plan.replace)]
    if recheck is not None and booked:
        paths = list(plan.paths) or [item_path("visits", n) for n in range(len(plan.create))]
        paths += [item_path("visits", len(paths) + n) for n in range(len(plan.replace))]
        await check_within(tx, booked, paths, ignore=recheck, only=True)
    if len(plan.create) >= 100:  # a long series or a far extension: worth a line in the log
        log.info("series: writing %d new visits in one transaction", len(plan.create))
    await tx.insert("Event", "events", plan.create)
    entries: list[RawDoc] = []
    rewritten = [*plan.replace, *plan.handed]
    if rewritten:
        done = await events.replace_each([(_guard(old), new) for old, new in rewritten])
        _all_matched(done.matched_count, len(rewritten))
        entries += [
            tx.entry(
                AuditAction.UPDATE,
                "Event",
                old["_id"],
                changes=changes_between(old, new, REBOOKED),
            )
            for old, new in rewritten
        ]
    if plan.remove:
        moment = now()
        entry = {"date": moment, "reason": reason, "user": actor.user_id,
                 "api_client": actor.api_client_name}  # fmt: skip
        removals = [
            (
                _guard(visit),
                {
                    "$set": {
                        "_deleted": True,
                        "status": EventStatus.CANCELLED.value,
                        "_last_updated_date": moment,
                        "_revision": visit.get("_revision", 1) + 1,
                    },
                    "$push": {"_deleted_dates": entry},
                },
            )
            for visit in plan.remove
        ]
        done = await events.update_each(removals)
        _all_matched(done.matched_count, len(removals))
        for visit in plan.remove:  # as stored now, for the payload
            visit.update(
                _deleted=True,
                status=EventStatus.CANCELLED.value,
                _revision=visit.get("_revision", 1) + 1,
            )
        entries += [
            tx.entry(
                AuditAction.DELETE,
                "Event",
                visit["_id"],
                changes=[{"field": "deleted", "before": False, "after": True}],
                reason=reason,
            )
            for visit in plan.remove
        ]
    await tx.audit_all(entries)


def _all_matched(matched: int, wanted: int) -> None:
    if matched != wanted:
        raise ServiceError.one(
            "A visit of this series changed while it was being saved; reload and try again.",
            ErrorCode.CONFLICT,
            "revision",
        )


def ended_before(group: RawDoc, moment: dt.datetime) -> bool:
    """Whether the series has no occurrence left from a moment on: booked to that moment,
    it has ended (`ended`), and the horizon job leaves it be."""
    return first_after(group, moment) is None
