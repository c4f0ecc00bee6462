"""What a patient needs of a caregiver, checked against what a caregiver offers: skills,
certificates valid on the day, languages, pets, smoking, driving, gender. Pure functions over
stored documents, shared by the conflict check (a need not met is a conflict) and by matching
(the share of needs met is a score).

A need the patient has not recorded asks nothing. A caregiver's answer not recorded (has_pets,
is_smoker, gender left empty or undisclosed) is not held against them: only a recorded "no"
conflicts. Skills, certificates, languages and a licence are different: not on file means not
held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.common.codes import Gender, SkillLevel
from app.common.services import RawDoc
from app.scheduling.overrides import ConflictKind

LEVELS = [level.value for level in SkillLevel]
"""Skill levels, least first: a caregiver meets a need at its level or above."""
CARE_TASKS = ("cleaning", "cooking", "swimming")
UNRECORDED = (None, Gender.UNDISCLOSED.value)
"""A gender left empty or undisclosed: a caregiver's is not held against them, a patient's
preference asks nothing."""
"""Care-profile fields that are a skill of a caregiver and a need of a patient."""

PATIENT_FIELDS = {
    "name": 1, "required_skills": 1, "required_certifications": 1, "caregiver_gender": 1,
    "needs_driving": 1, "languages": 1, "has_pets": 1, "type_of_pets": 1, "is_smoker": 1,
    "locations": 1, "billing": 1,
    **dict.fromkeys(CARE_TASKS, 1),
}  # fmt: skip
CAREGIVER_FIELDS = {
    "name": 1, "gender": 1, "skills": 1, "certifications": 1, "languages": 1, "has_pets": 1,
    "type_of_pets": 1, "is_smoker": 1, "drivers_licence": 1, "availability": 1, "timezone": 1,
    "locations": 1, **dict.fromkeys(CARE_TASKS, 1),
}  # fmt: skip
"""What the checks read of patients and caregivers (a projection: one query each)."""


@dataclass(frozen=True)
class Need:
    """One kind of need of a patient, against one caregiver: how many things it asks, and what
    the caregiver lacks of them (in words)."""

    kind: ConflictKind
    asked: int
    missing: list[str] = field(default_factory=list)

    @property
    def met(self) -> float:
        """The share met, 0 to 1 (1 when nothing is asked)."""
        return 1.0 if self.asked == 0 else 1 - len(self.missing) / self.asked


def as_date(value: Any) -> dt.date | None:
    """A stored date (kept as a datetime by MongoDB) as a date."""
    return value.date() if isinstance(value, dt.datetime) else value


def valid_on(expiry: Any, day: dt.date) -> bool:
    """Whether something expiring then (or never) is still valid on that day."""
    until = as_date(expiry)
    return until is None or until >= day


def _rank(level: Any) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


def _skills(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> Need:
    held = {
        str(skill.get("title", "")).casefold(): skill.get("level")
        for skill in caregiver.get("skills") or []
    }
    wanted = [(str(s.get("title")), s.get("level") or SkillLevel.GOOD.value) for s in
              patient.get("required_skills") or []]  # fmt: skip
    wanted += [(task, patient[task]) for task in CARE_TASKS if _rank(patient.get(task)) > 0]
    missing = [
        f"{title} ({level})"
        for title, level in wanted
        if _rank(caregiver.get(title) if title in CARE_TASKS else held.get(title.casefold()))
        < _rank(level)
    ]
    return Need(ConflictKind.SKILLS, len(wanted), missing)


def _certifications(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> Need:
    valid = {
        str(c.get("name", "")).casefold()
        for c in caregiver.get("certifications") or []
        if valid_on(c.get("expiry_date"), day)
    }
    wanted = [str(name) for name in patient.get("required_certifications") or []]
    missing = [f"{name} valid on {day}" for name in wanted if name.casefold() not in valid]
    return Need(ConflictKind.CERTIFICATIONS, len(wanted), missing)


def _languages(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> Need:
    theirs = [str(lang.get("code")) for lang in patient.get("languages") or []]
    spoken = {str(lang.get("code")) for lang in caregiver.get("languages") or []}
    if not theirs:
        return Need(ConflictKind.LANGUAGES, 0)
    shared = spoken.intersection(theirs)
    return Need(ConflictKind.LANGUAGES, 1, [] if shared else [f"one of {', '.join(theirs)}"])


def _pets(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> Need:
    if not patient.get("has_pets"):
        return Need(ConflictKind.PETS, 0)
    if caregiver.get("has_pets") is False:
        return Need(ConflictKind.PETS, 1, ["working with pets"])
    accepted = set(caregiver.get("type_of_pets") or [])
    kept = [str(pet) for pet in patient.get("type_of_pets") or []]
    odd = [pet for pet in kept if accepted and pet not in accepted]
    return Need(ConflictKind.PETS, 1, [f"working with pets ({', '.join(odd)})"] if odd else [])


def _smoking(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> Need:
    if not patient.get("is_smoker"):
        return Need(ConflictKind.SMOKING, 0)
    refuses = caregiver.get("is_smoker") is False
    return Need(ConflictKind.SMOKING, 1, ["working with a smoker"] if refuses else [])


def _driving(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> Need:
    if not patient.get("needs_driving"):
        return Need(ConflictKind.TRANSPORTATION, 0)
    licence = caregiver.get("drivers_licence") or {}
    drives = (
        licence.get("has_licence")
        and licence.get("has_vehicle")
        and valid_on(licence.get("expiry_date"), day)
    )
    missing = [] if drives else [f"a driver's licence valid on {day} and a vehicle"]
    return Need(ConflictKind.TRANSPORTATION, 1, missing)


def _gender(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> Need:
    wanted, theirs = patient.get("caregiver_gender"), caregiver.get("gender")
    if wanted in UNRECORDED:
        return Need(ConflictKind.GENDER, 0)
    if theirs in UNRECORDED:  # not held against them
        return Need(ConflictKind.GENDER, 1)
    return Need(ConflictKind.GENDER, 1, [] if theirs == wanted else [f"a {wanted} caregiver"])


NEEDS: tuple[Callable[[RawDoc, RawDoc, dt.date], Need], ...] = (
    _skills, _certifications, _languages, _pets, _smoking, _driving, _gender,
)  # fmt: skip


def needs(patient: RawDoc, caregiver: RawDoc, day: dt.date) -> list[Need]:
    """Every kind of need of the patient, against the caregiver, on the visit's day."""
    return [check(patient, caregiver, day) for check in NEEDS]
