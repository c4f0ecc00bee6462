"""Caregivers ranked for a visit, or for a patient: who is free then, who meets the patient's
needs, skills and certificates valid on the day, a shared language, and who lives nearest.

Every active caregiver of the account (role caregiver, not deleted, not suspended) is scored
0 to 1 per criterion; the total is the weighted mean, 0 to 100. Without a time (a patient and
no from/to) `FREE` is not judged and the other weights are used alone. Ties go by last name,
first name, then id, so the order is the same every time. The cost is a fixed number of DB
commands (the visit or patient, the caregivers, the account's time zone, one conflict check
for all of them). Certificates and licences are read on the visit's day in the account's time
zone, as the conflict check reads them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from app.common.clock import now
from app.common.codes import Code, RoleType
from app.common.documents import primary
from app.common.geo import distance_meters, location_point
from app.common.services import RawDoc
from app.data.scope import Scope
from app.errors import PublicError
from app.scheduling.availability import visit_day
from app.scheduling.booked_time import Conflict, account_rules
from app.scheduling.conflicts import visit_conflicts
from app.scheduling.documents import as_utc
from app.scheduling.overrides import ConflictKind
from app.scheduling.requirements import CAREGIVER_FIELDS, PATIENT_FIELDS, needs

NEAR_KM = 50.0
"""Distance scores fall from 1 at the door to 0 at this many kilometres."""
TIME_KINDS = {
    ConflictKind.DOUBLE_BOOKED, ConflictKind.OUTSIDE_AVAILABILITY, ConflictKind.UNAVAILABLE,
    ConflictKind.OVER_WEEKLY_HOURS,
}  # fmt: skip


class MatchCriterion(Code):
    """What a caregiver is scored on for a visit."""

    FREE = (
        "free",
        "Free at the visit's time: not booked elsewhere, within their weekly hours, "
        "not on a span they cannot work, not over their most hours a week with this visit. "
        "Weight 4; not judged without a time.",
    )
    NEEDS = "needs", "The patient's pets, smoking, driving and gender preference. Weight 2."
    SKILLS = "skills", "The skills the patient needs, at their levels. Weight 2."
    CERTIFICATIONS = (
        "certifications",
        "The certificates the patient requires, valid on the visit date. Weight 2.",
    )
    LANGUAGES = "languages", "Speaks one of the patient's languages. Weight 1."
    DISTANCE = (
        "distance",
        f"From the caregiver's primary address to the visit's: 1 at the door, "
        f"0 from {NEAR_KM:.0f} km, 0.5 when a position is not on file. Weight 1.",
    )


WEIGHTS = {
    MatchCriterion.FREE: 4, MatchCriterion.NEEDS: 2, MatchCriterion.SKILLS: 2,
    MatchCriterion.CERTIFICATIONS: 2, MatchCriterion.LANGUAGES: 1, MatchCriterion.DISTANCE: 1,
}  # fmt: skip
BY_NEED = {
    ConflictKind.SKILLS: MatchCriterion.SKILLS,
    ConflictKind.CERTIFICATIONS: MatchCriterion.CERTIFICATIONS,
    ConflictKind.LANGUAGES: MatchCriterion.LANGUAGES,
}
"""Needs scored on their own; the others (pets, smoking, driving, gender) share NEEDS."""


@dataclass(frozen=True)
class Score:
    criterion: MatchCriterion
    score: float
    reason: str


@dataclass(frozen=True)
class Match:
    caregiver: RawDoc
    total: float
    scores: list[Score]


@dataclass(frozen=True)
class Wanted:
    """What caregivers are matched for: a patient, and the visit's time and place if known."""

    patient: RawDoc
    place: dict[str, Any] | None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    event: RawDoc | None = None


def _distance(caregiver: RawDoc, place: dict[str, Any] | None) -> Score:
    home = location_point(primary(caregiver.get("locations")))
    there = location_point(place)
    if home is None or there is None:
        whose = "the caregiver's address" if home is None else "the visit's address"
        return Score(MatchCriterion.DISTANCE, 0.5, f"No position on file for {whose}.")
    km = distance_meters(home, there) / 1000
    return Score(
        MatchCriterion.DISTANCE, round(max(0.0, 1 - km / NEAR_KM), 3), f"{km:.1f} km away."
    )


def _free(conflicts: list[Conflict]) -> Score:
    clashes = [c.message for c in conflicts if c.kind in TIME_KINDS]
    reason = " ".join(clashes) if clashes else "Free then."
    return Score(MatchCriterion.FREE, 0.0 if clashes else 1.0, reason)


def _scores(wanted: Wanted, caregiver: RawDoc, day: dt.date) -> list[Score]:
    scores, shared = [], []
    for need in needs(wanted.patient, caregiver, day):
        criterion = BY_NEED.get(need.kind)
        if criterion is None:
            shared.append(need)
            continue
        reason = (
            f"Lacks {', '.join(need.missing)}."
            if need.missing
            else ("Meets all of them." if need.asked else "None asked.")
        )
        scores.append(Score(criterion, round(need.met, 3), reason))
    missing = [item for need in shared for item in need.missing]
    asked = sum(need.asked for need in shared)
    met = 1.0 if asked == 0 else 1 - len(missing) / asked
    reason = (
        f"Lacks {', '.join(missing)}."
        if missing
        else "Meets all of them."
        if asked
        else ("None asked.")
    )
    scores.insert(0, Score(MatchCriterion.NEEDS, round(met, 3), reason))
    return [*scores, _distance(caregiver, wanted.place)]


def _total(scores: list[Score]) -> float:
    weight = sum(WEIGHTS[s.criterion] for s in scores)
    return round(100 * sum(WEIGHTS[s.criterion] * s.score for s in scores) / weight, 1)


async def active_caregivers(scope: Scope) -> list[RawDoc]:
    """The account's caregivers who can be booked: not deleted, not suspended (one query)."""
    # index keys only, the rest checked here: see conflicts.booked_around
    query = {"role_type": RoleType.CAREGIVER.value}
    fields = {**CAREGIVER_FIELDS, "_deleted": 1, "_suspended": 1}
    found = [doc async for doc in scope["users"].find(query, fields)]
    return [doc for doc in found if not doc.get("_deleted") and not doc.get("_suspended")]


async def caregiver_matches(scope: Scope, wanted: Wanted, first: int) -> list[Match]:
    """The best `first` caregivers for what is wanted, best first: those the scope may read,
    each checked for conflicts against the whole account."""
    if not 1 <= first <= 100:
        raise PublicError(f"`first` must be between 1 and 100; it was {first}.")
    # matched on their licences and certifications too, which the caller may not read
    caregivers = await active_caregivers(scope.unmasked())
    timed = wanted.start is not None and wanted.end is not None
    conflicts: list[list[Conflict]] = [[] for _ in caregivers]
    if timed:
        trial = {
            "start": wanted.start,
            "end": wanted.end,
            "patient": {"_id": wanted.patient["_id"], "name": wanted.patient.get("name")},
        }
        visits = [{**trial, "attendees": [{"user": c["_id"]}]} for c in caregivers]
        skip = [wanted.event["_id"]] if wanted.event else []
        conflicts = await visit_conflicts(scope, visits, ignore=skip, by_day=True)
    start = as_utc(wanted.start) or now()
    day = visit_day(start, (await account_rules(scope)).zone)
    matches = []
    for caregiver, found in zip(caregivers, conflicts, strict=True):
        scores = _scores(wanted, caregiver, day)
        if timed:
            scores.insert(0, _free(found))
        matches.append(Match(caregiver, _total(scores), scores))
    matches.sort(key=_order)
    return matches[:first]


def _order(match: Match) -> tuple[Any, ...]:
    name = match.caregiver.get("name") or {}
    last, given = str(name.get("last", "")).casefold(), str(name.get("first", "")).casefold()
    return (-match.total, last, given, str(match.caregiver["_id"]))


async def wanted_for_event(scope: Scope, event: ObjectId) -> Wanted | None:
    """A stored visit's patient, time and place; None when the account has no such visit."""
    visit = await scope["events"].find_one(
        {"_id": event}, {"start": 1, "end": 1, "patient._id": 1, "location": 1, "_deleted": 1}
    )
    if visit is None or visit.get("_deleted") or not (visit.get("patient") or {}).get("_id"):
        return None
    patient = await _patient(scope, visit["patient"]["_id"])
    if patient is None:
        return None
    place = visit.get("location") or primary(patient.get("locations"))
    return Wanted(patient, place, visit["start"], visit["end"], visit)


async def wanted_for_patient(
    scope: Scope,
    key: ObjectId,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> Wanted | None:
    """A patient's needs at their primary address, at a time if given; None when not found."""
    patient = await _patient(scope, key)
    if patient is None:
        return None
    return Wanted(patient, primary(patient.get("locations")), start, end)


async def _patient(scope: Scope, key: ObjectId) -> RawDoc | None:
    fields = {**PATIENT_FIELDS, "_deleted": 1}
    found: RawDoc | None = await scope["patients"].find_one({"_id": key}, fields)
    return None if found is None or found.get("_deleted") else found
