"""Schedule conflicts as a visit records them: their kinds, and the override that let a
conflicting visit be booked anyway (what was overridden, why, when and by whom)."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pydantic import Field

from app.common.codes import Code
from app.common.documents import READONLY, Embedded, ref


class ConflictKind(Code):
    """Why a visit conflicts with a caregiver's schedule or with the patient's needs."""

    DOUBLE_BOOKED = (
        "double_booked",
        "The caregiver has another visit at that time, or less than the account's "
        "least rest (schedulerSettings.minRestMinutes) between the two.",
    )
    OUTSIDE_AVAILABILITY = (
        "outside_availability",
        "The visit falls outside the weekly hours the caregiver can work "
        "(availability.weekly, read in their time zone or the account's).",
    )
    OVER_WEEKLY_HOURS = (
        "over_weekly_hours",
        "With the visit, the caregiver's booked hours in its week go over the most "
        "they work a week (availability.maxHoursPerWeek). Weeks start on the account's "
        "settings.weekStart, in the account's time zone; a visit counts in the week it starts.",
    )
    UNAVAILABLE = (
        "unavailable",
        "The visit overlaps a span the caregiver cannot work "
        "(availability.unavailable: a holiday, an appointment).",
    )
    SKILLS = (
        "skills",
        "The caregiver lacks a skill the patient needs (requiredSkills, cleaning, "
        "cooking, swimming), or has it at a lower level.",
    )
    CERTIFICATIONS = (
        "certifications",
        "The caregiver holds no certificate of a name the patient requires "
        "(requiredCertifications) that is valid on the visit date.",
    )
    LANGUAGES = "languages", "The caregiver speaks none of the patient's languages."
    PETS = "pets", "The patient has pets the caregiver does not work with."
    SMOKING = "smoking", "The patient smokes and the caregiver does not work with smokers."
    TRANSPORTATION = (
        "transportation",
        "The patient needs driving and the caregiver has no valid driver's licence "
        "and vehicle on the visit date.",
    )
    GENDER = (
        "gender",
        "The patient prefers a caregiver of another gender (where both are recorded).",
    )
    AUTHORIZATION_EXCEEDED = (
        "authorization_exceeded",
        "With the visit, the units of its service booked for the patient go past what one of "
        "their payers authorized for the period (billing.authorizations): hours, or visits "
        "for a service counted per visit. Invoicing refuses to bill past it.",
    )


class OverriddenConflict(Embedded):
    """One conflict a visit was booked despite."""

    kind: ConflictKind = Field(description="What kind of conflict it was.")
    message: str = Field(description="The conflict as the scheduler was told it.")


class ConflictOverride(Embedded):
    """A scheduler's decision to book a visit despite its conflicts. Given with a create or a
    move (`reason` only); the conflicts found then, the date and the user are recorded."""

    reason: str = Field(
        min_length=1, max_length=1000, description="Why the visit is booked despite its conflicts."
    )
    conflicts: list[OverriddenConflict] = Field(
        default_factory=list,
        description="The conflicts overridden, as found when the visit was written; empty when "
        "it had none.",
        json_schema_extra=READONLY,
    )
    date: dt.datetime | None = Field(
        None, description="When the override was given.", json_schema_extra=READONLY
    )
    user: PydanticObjectId | None = Field(
        None,
        description="The user who gave it (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    api_client: str | None = Field(
        None,
        description="The name of the API client that gave it, when no user did.",
        json_schema_extra=READONLY,
    )
