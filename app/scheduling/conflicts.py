"""Schedule conflicts of visits: a caregiver double-booked (or short of the account's least
rest between visits), outside their weekly hours, over their most hours a week
(weekly_hours.py), on a span they cannot work, or not meeting the patient's needs
(see requirements.py).

One batched check serves every caller: a new visit, an import of thousands, a moved visit, a
series' materialised visits, the `scheduleConflicts` query. A batch costs four DB commands
whatever its size: the account, the attendees, the patients, and the attendees' other visits
(one indexed range read); and one more per patient whose payers authorized the visit's service
(authorized.py: AUTHORIZATION_EXCEEDED). Visits of the batch are also checked against each
other.

A check reads the whole account, whoever asks: a caller's row policy may hide other caregivers'
visits from them, but a double-booking with one of those is still a double-booking.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId

from app.common.clock import now
from app.common.services import Actor, RawDoc, snapshot_id
from app.common.text import full_name
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, Problem, ServiceError
from app.graphql.relay import to_global_id
from app.scheduling.authorized import over_authorizations
from app.scheduling.availability import (
    outside_hours,
    span,
    unavailable_spans,
    visit_day,
    zone_of,
)
from app.scheduling.booked_time import (
    Conflict,
    Reader,
    Rules,
    account_rules,
    attending,
    booked,
    code_value,
)
from app.scheduling.documents import MAX_VISIT, as_utc
from app.scheduling.enums import AttendeeRole
from app.scheduling.overrides import ConflictKind
from app.scheduling.requirements import CAREGIVER_FIELDS, PATIENT_FIELDS, needs
from app.scheduling.weekly_hours import limits, over_weekly_hours, week_spans

PARTNER_FIELDS = {"start": 1, "end": 1, "status": 1, "_deleted": 1, "attendees.user": 1,
                  "attendees.status": 1, "patient._id": 1, "patient.name": 1}  # fmt: skip
"""What the check reads of a caregiver's other visits."""
CROWD_SPAN = dt.timedelta(days=3)
FEW_PEOPLE = 8
"""Up to this span, the visits of more than FEW_PEOPLE people (matching) are read in one range
of the account's days; fewer are read one person at a time."""
CARING = (None, AttendeeRole.CAREGIVER.value)
"""Attendee roles held to the patient's needs (supervisors and trainees are not)."""


async def visit_conflicts(
    reader: Reader,
    visits: Sequence[RawDoc],
    *,
    ignore: Collection[ObjectId] = (),
    by_day: bool = False,
) -> list[list[Conflict]]:
    """The conflicts of each visit (one list per visit, in order), against the account's stored
    visits (except those in `ignore`: visits being replaced) and against each other. `by_day`
    reads the account's visits of the batch's days at once (many people at one time: matching)
    instead of each person's visits. Read through a transaction (`Tx`), the visits are read in
    it (see bookings.py)."""
    live = [visit for visit in visits if booked(visit) and visit.get("start") and visit.get("end")]
    if not live:
        return [[] for _ in visits]
    reader = reader.whole_account()
    rules = await account_rules(reader)
    people = {a["user"] for visit in live for a in attending(visit)}
    users = await reader["users"].by_ids(people, CAREGIVER_FIELDS)
    patients = await reader["patients"].by_ids(
        (snapshot_id(v.get("patient")) for v in live), PATIENT_FIELDS
    )
    weeks = week_spans(limits(users), live, rules)
    stored = await booked_around(reader, users, live, rules.rest, by_day, weeks)
    partners = _partners(stored, visits, ignore)
    timelines = {person: Timeline.of(entries) for person, entries in partners.items()}
    over = over_weekly_hours(users, stored, visits, ignore, rules)
    authorized = await over_authorizations(reader, patients, visits, ignore, rules)
    return [
        [
            *_conflicts_of(index, visit, users, patients, timelines, rules),
            *over.get(index, []),
            *authorized.get(index, []),
        ]
        if booked(visit)
        else []
        for index, visit in enumerate(visits)
    ]


async def booked_around(
    reader: Reader,
    people: Iterable[ObjectId],
    visits: Sequence[RawDoc],
    rest: dt.timedelta,
    by_day: bool = False,
    weeks: dict[ObjectId, tuple[dt.datetime, dt.datetime]] | None = None,
) -> list[RawDoc]:
    """The stored, booked visits of these people that could touch the visits.

    A visit lasts at most 24 hours, so one starting before a visit's start - 24 h - rest cannot
    reach it: `start` alone bounds each read, no index on `end` is needed. The filters name only
    index keys (cancelled and deleted visits are dropped here): the embedded server's planner
    scans the whole collection for `$in`, `$ne` or any key outside the index (measured with
    scripts/bench_conflicts.py), so each person is one read of (_account, attendees.user,
    start), or, for many people over a few days (matching), one read of (_account, start). On
    MongoDB one `$in` read would do; the reads here cost one command per person, not per visit.
    `weeks` widens a person's read to whole weeks (their weekly hours add up). The reader
    should see the whole account (`visit_conflicts` gives it so)."""
    spans = _spans(people, visits, rest)
    if not spans:
        return []
    low = min(span[0] for span in spans.values())
    high = max(span[1] for span in spans.values())
    crowd = by_day or (len(spans) > FEW_PEOPLE and high - low <= CROWD_SPAN)
    for person, (first, last) in (weeks or {}).items():
        a, b = spans.get(person, (first, last))
        spans[person] = (min(a, first), max(b, last))
        low, high = min(low, first), max(high, last)
    events = reader["events"]
    if crowd:
        query = {"start": {"$gte": low, "$lt": high}}
        found = [doc async for doc in events.find(query, PARTNER_FIELDS)]
        found = [doc for doc in found if any(a["user"] in spans for a in attending(doc))]
    else:
        reads = [
            events.find(
                {"attendees.user": person, "start": {"$gte": a, "$lt": b}}, PARTNER_FIELDS
            ).to_list()
            for person, (a, b) in spans.items()
        ]
        # a session runs one command at a time: in a transaction the reads go in turn
        in_turn = isinstance(reader, Tx)
        done = [await r for r in reads] if in_turn else await asyncio.gather(*reads)
        found = [doc for docs in done for doc in docs]
    unique = {doc["_id"]: doc for doc in found}  # a visit of two of them is read twice
    return [doc for doc in unique.values() if booked(doc)]


def _spans(
    people: Iterable[ObjectId], visits: Sequence[RawDoc], rest: dt.timedelta
) -> dict[ObjectId, tuple[dt.datetime, dt.datetime]]:
    """For each person, the starts a stored visit of theirs could have to touch their visits."""
    wanted = set(people)
    spans: dict[ObjectId, tuple[dt.datetime, dt.datetime]] = {}
    for visit in visits:
        start, end = as_utc(visit["start"]), as_utc(visit["end"])
        assert start is not None and end is not None
        for attendee in attending(visit):
            person = attendee["user"]
            if person in wanted:
                low, high = spans.get(person, (start - MAX_VISIT - rest, end + rest))
                spans[person] = (min(low, start - MAX_VISIT - rest), max(high, end + rest))
    return spans


def _partners(
    stored: list[RawDoc], visits: Sequence[RawDoc], ignore: Collection[ObjectId]
) -> dict[ObjectId, list[tuple[RawDoc, int | None]]]:
    """By person, the visits each visit is compared with: stored ones (not ignored), and those
    of the batch not stored yet (with their index, to name them)."""
    skipped, known = set(ignore), {doc["_id"] for doc in stored}
    kept: list[tuple[RawDoc, int | None]] = [
        (doc, None) for doc in stored if doc["_id"] not in skipped
    ]
    kept += [
        (visit, index)
        for index, visit in enumerate(visits)
        if booked(visit) and visit.get("_id") not in known
    ]
    by_person: dict[ObjectId, list[tuple[RawDoc, int | None]]] = {}
    for visit, index in kept:
        for attendee in attending(visit):
            by_person.setdefault(attendee["user"], []).append((visit, index))
    return by_person


@dataclass(frozen=True)
class Timeline:
    """A person's visits (stored and of the batch) by start: a visit is compared only with
    those starting close enough to touch it (a visit lasts at most MAX_VISIT), not with all of
    them; a year of a daily series was 133,000 comparisons, checked twice."""

    entries: list[tuple[RawDoc, int | None]]
    starts: list[dt.datetime]
    order: list[int]

    @classmethod
    def of(cls, entries: list[tuple[RawDoc, int | None]]) -> Timeline:
        ranked: list[tuple[dt.datetime, int]] = []
        for position, (visit, _) in enumerate(entries):
            start = as_utc(visit.get("start"))
            if isinstance(start, dt.datetime):
                ranked.append((start, position))
        ranked.sort()
        return cls(entries, [start for start, _ in ranked], [position for _, position in ranked])

    def near(
        self, start: dt.datetime, end: dt.datetime, rest: dt.timedelta
    ) -> list[tuple[RawDoc, int | None]]:
        """The visits that may overlap [start, end] or come within `rest` of it, in the order
        they were listed (so conflicts are named in the same order as before)."""
        low = bisect_left(self.starts, start - MAX_VISIT - rest)
        high = bisect_right(self.starts, end + rest)
        return [self.entries[position] for position in sorted(self.order[low:high])]


def _conflicts_of(
    index: int,
    visit: RawDoc,
    users: dict[Any, RawDoc],
    patients: dict[Any, RawDoc],
    timelines: dict[ObjectId, Timeline],
    rules: Rules,
) -> list[Conflict]:
    start, end = as_utc(visit["start"]), as_utc(visit["end"])
    assert start is not None and end is not None
    patient = patients.get(snapshot_id(visit.get("patient")))
    account_zone = ZoneInfo(rules.zone)
    day = visit_day(start, rules.zone)
    found: list[Conflict] = []
    for attendee in attending(visit):
        user = users.get(attendee["user"])
        if user is None:  # not of this account: the store's reference check says so
            continue
        name, zone = full_name(user.get("name")), zone_of(user, rules.zone)
        timeline = timelines.get(user["_id"])
        for other, at in timeline.near(start, end, rules.rest) if timeline is not None else []:
            if other is visit or (at is None and other["_id"] == visit.get("_id")):
                continue
            if clash := _double_booking(name, start, end, other, at, rules, account_zone):
                kind = ConflictKind.DOUBLE_BOOKED
                found.append(Conflict(kind, clash, user["_id"], other.get("_id")))
        if why := outside_hours(user, start, end, zone):
            message = f"{name} {why}; this visit is {span(start, end, zone)}."
            found.append(Conflict(ConflictKind.OUTSIDE_AVAILABILITY, message, user["_id"]))
        for off in unavailable_spans(user, start, end, zone):
            message = f"{name} is unavailable {off}."
            found.append(Conflict(ConflictKind.UNAVAILABLE, message, user["_id"]))
        if patient is not None and code_value(attendee.get("role")) in CARING:
            who = full_name(patient.get("name"))
            for need in needs(patient, user, day):
                if need.missing:
                    message = f"{name} lacks what {who} needs: {', '.join(need.missing)}."
                    found.append(Conflict(need.kind, message, user["_id"]))
    return found


def _double_booking(
    name: str,
    start: dt.datetime,
    end: dt.datetime,
    other: RawDoc,
    at: int | None,
    rules: Rules,
    zone: ZoneInfo,
) -> str | None:
    """How a visit and another of the same person clash (overlap, or too short a rest)."""
    other_start, other_end = as_utc(other["start"]), as_utc(other["end"])
    assert other_start is not None and other_end is not None
    if not (other_start < end + rules.rest and start < other_end + rules.rest):
        return None
    patient = full_name((other.get("patient") or {}).get("name")) or "another patient"
    which = (
        f"visit {to_global_id('Event', other['_id'])}"
        if at is None
        else f"item {at} of this request"
    )
    message = f"{name} is booked with {patient} {span(other_start, other_end, zone)} ({which})"
    if other_start < end and start < other_end:
        return message + "."
    minutes = int(rules.rest.total_seconds() // 60)
    return message + f": less than the {minutes} minutes' rest the account asks between visits."


def conflict_error(found: Sequence[Sequence[Conflict]], paths: Sequence[str]) -> ServiceError:
    """The conflicts as SCHEDULE_CONFLICT user errors, each naming its visit's input path."""
    return ServiceError(
        *(
            Problem(conflict.message, ErrorCode.SCHEDULE_CONFLICT, path)
            for conflicts, path in zip(found, paths, strict=True)
            for conflict in conflicts
        )
    )


def overridden(actor: Actor, override: dict[str, Any], conflicts: Sequence[Conflict]) -> RawDoc:
    """An override as recorded: its reason, what it overrode, when and by whom."""
    stamp: RawDoc = {
        "reason": override.get("reason"),
        "conflicts": [{"kind": c.kind.value, "message": c.message} for c in conflicts],
        "date": now(),
    }
    if actor.user_id is not None:
        stamp["user"] = actor.user_id
    if actor.api_client_name is not None:
        stamp["api_client"] = actor.api_client_name
    return stamp


async def guard_visits(
    scope: Reader,
    visits: Sequence[RawDoc],
    paths: Sequence[str],
    *,
    ignore: Collection[ObjectId] = (),
) -> None:
    """Refuse visits with conflicts and no override (nothing is written); record on each visit
    with an override what it overrode (an override with no conflicts is kept, with none), in
    the scope's actor's name. Through a transaction (`Tx`), it reads in it."""
    found = await visit_conflicts(scope, visits, ignore=ignore)
    refused = [
        [] if visit.get("conflict_override") else conflicts
        for visit, conflicts in zip(visits, found, strict=True)
    ]
    if any(refused):
        raise conflict_error(refused, paths)
    for visit, conflicts in zip(visits, found, strict=True):
        if visit.get("conflict_override"):
            override = visit["conflict_override"]
            visit["conflict_override"] = overridden(scope.actor, override, conflicts)


MAX_WINDOW = dt.timedelta(days=31)
"""The longest window `scheduleConflicts` reads at once: a month of one person's visits."""


async def stored_conflicts(
    scope: Scope,
    window: tuple[dt.datetime, dt.datetime],
    *,
    caregiver: ObjectId | None = None,
    patient: ObjectId | None = None,
) -> list[tuple[RawDoc, Conflict]]:
    """The conflicts of one caregiver's (or one patient's) booked visits overlapping the window,
    earliest visit first. Index-backed: (_account, attendees.user | patient._id, start), with
    `start` bounded to [from - 24 h, to) as a visit lasts at most 24 hours. The visits listed
    are those the scope may read; each is checked against the whole account."""
    start, end = window
    key, value = ("attendees.user", caregiver) if caregiver else ("patient._id", patient)
    # index keys only (see booked_around); the end and the status are checked here
    query = {key: value, "start": {"$gte": start - MAX_VISIT, "$lt": end}}
    read = [doc async for doc in scope["events"].find(query)]
    visits = sorted(
        (doc for doc in read if booked(doc) and as_utc(doc["end"]) > start),
        key=lambda doc: (doc["start"], doc["_id"]),
    )
    found = await visit_conflicts(scope, visits)
    return [
        (visit, conflict)
        for visit, conflicts in zip(visits, found, strict=True)
        for conflict in conflicts
        if caregiver is None or conflict.caregiver == caregiver
    ]
