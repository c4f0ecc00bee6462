"""Events (scheduled visits) and event groups (recurring series of visits), as stored.

An event is one visit: when, where, for which patient, by which caregivers, for which service,
and what it is expected to bill. An event group holds the RFC 5545 rule of a series (`freq`,
`interval`, `byweekday`, `bymonthday`, `bymonth`, `byyearday`, `byweekno`, `bysetpos`,
`count`, `until`, `wkst`, with extra and skipped days `rdate`, `exdate`) and the template its
visits are made from; its events point at it through `_group`. The parts both are made of
(patient, service, attendees, billing) are in scheduled_documents.py.
"""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId
from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.common.clock import as_utc  # re-exported: scheduling modules import it here
from app.common.documents import (
    FILLED,
    READONLY,
    CareDocument,
    Embedded,
    Location,
    SoftDeletable,
    by_account,
    ref,
)
from app.scheduling.enums import (  # re-exported: they were defined here
    EventStatus,
    RecurrenceFrequency,  # noqa: F401  (a series' rule, now in rule_codes.SeriesRule)
    SeriesEndMode,
)
from app.scheduling.rule_checks import check_rule
from app.scheduling.rule_codes import SeriesRule, time_zone
from app.scheduling.scheduled_documents import (
    EventBilling,
    EventExpectation,
    Scheduled,
)

MAX_VISIT = dt.timedelta(hours=24)
HOURS_PLACES = Decimal("0.0001")


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """The hours from start to end, exact to 1/10,000 of an hour."""
    seconds = Decimal(int((end - start).total_seconds()))
    return (seconds / Decimal(3600)).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def check_span(start: dt.datetime | None, end: dt.datetime | None, what: str) -> dt.datetime | None:
    """An end after its start and at most 24 hours later."""
    start, end = as_utc(start), as_utc(end)
    if start is not None and end is not None:
        if end <= start:
            raise ValueError(f"{what} ends after it starts")
        if end - start > MAX_VISIT:
            raise ValueError(f"{what} lasts at most 24 hours")
    return end


class Event(CareDocument, SoftDeletable, Scheduled):
    """A scheduled visit: a caregiver's time with a patient, for a service."""

    created_user: PydanticObjectId | None = Field(
        None,
        alias="_created_user",
        description="The user who created the visit (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    last_updated_user: PydanticObjectId | None = Field(
        None,
        alias="_last_updated_user",
        description="The user who last changed the visit (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    group: PydanticObjectId | None = Field(
        None,
        alias="_group",
        description="The recurring series the visit belongs to, if any.",
        json_schema_extra=ref("EventGroup", "eventsgroups"),
    )
    status: EventStatus = Field(EventStatus.SCHEDULED, description="Where the visit stands.")
    start: dt.datetime = Field(description="When the visit starts.")
    end: dt.datetime = Field(description="When the visit ends: after it starts, within 24 hours.")
    duration: Decimal | None = Field(
        None,
        description="Its length in hours, from start to end (kept in step by every write).",
        json_schema_extra={**READONLY, **FILLED},
    )
    location_end: Location | None = Field(
        None, description="Where the visit ends, when not where it starts."
    )
    stat_holiday: bool = Field(False, description="Whether it falls on a statutory holiday.")
    billing: EventBilling | None = Field(None, description="How the visit is billed.")
    expectation: EventExpectation | None = Field(None, description="What it should bill.")
    series_start: dt.datetime | None = Field(
        None,
        description="For a visit of a series: the start its series' rule gave it (RFC 5545 "
        "RECURRENCE-ID), kept when the visit itself is moved; null for a one-off visit.",
        json_schema_extra=READONLY,
    )
    series_exception: bool = Field(
        False,
        description="Whether this visit of a series was changed on its own: changes to the "
        "series leave it as it is.",
        json_schema_extra=READONLY,
    )

    @field_validator("end")
    @classmethod
    def _ends_after_start(cls, end: dt.datetime, info: ValidationInfo) -> dt.datetime | None:
        return check_span(info.data.get("start"), end, "a visit")

    @model_validator(mode="after")
    def _derived(self) -> Event:
        self.duration = hours_between(as_utc(self.start), as_utc(self.end))
        return self

    class Settings:
        name = "events"
        indexes = [
            by_account("start", "_id"),
            by_account("_created_date", "_id"),
            by_account("attendees.user", "start"),
            by_account("patient._id", "start"),
            by_account("_group", "start"),
            # one live visit per occurrence of a series: materialising twice cannot duplicate
            by_account(
                "_group",
                "series_start",
                unique=True,
                partialFilterExpression={"series_start": {"$exists": True}, "_deleted": False},
            ),
            by_account("status", "start"),
            by_account("service.code", "start"),
            by_account("billing.client", "_id"),  # a client's visits (Client.events)
        ]


class SeriesEnds(Embedded):
    """How a series ends, as a scheduler's form shows it; kept in step with `count`/`until`."""

    mode: SeriesEndMode = Field(description="Never, after a number of visits, or on a date.")
    count: int | None = Field(None, ge=1, description="The number of visits, after AFTER_COUNT.")
    until: dt.datetime | None = Field(None, description="The last moment, with ON_DATE.")


# The catalogue names a series' COUNT `count`, which shadows Beanie's `Document.count()` class
# method on instances only; nothing calls that method on event groups (lists count through
# `count_documents`), so pydantic's warning about it is silenced here, for this field alone.
warnings.filterwarnings("ignore", message='Field name "count" in "EventGroup" shadows')


class EventGroup(SeriesRule, CareDocument, SoftDeletable, Scheduled):
    """A recurring series of visits: an RFC 5545 rule and the template its visits follow."""

    timezone: str | None = Field(
        None,
        max_length=60,
        description="IANA time zone the rule is read in, so a 09:00 visit stays at 09:00 across "
        "daylight-saving changes; the account's when not given.",
    )
    start: dt.datetime = Field(description="When the first visit starts (DTSTART).")
    end: dt.datetime = Field(
        description="When the first visit ends: every visit of the series lasts as long."
    )
    duration: Decimal | None = Field(
        None,
        description="The length of each visit in hours, from start to end.",
        json_schema_extra={**READONLY, **FILLED},
    )
    dtstart: dt.date | None = Field(
        None,
        description="The date its rule starts from (DTSTART), in the series' time zone (from "
        "start): the date of its first visit, unless an extra day (rdate) comes before.",
        json_schema_extra={**READONLY, **FILLED},
    )
    count: int | None = Field(  # type: ignore[assignment]  # see the note on warnings above
        None,
        ge=1,
        le=1000,
        description="How many visits its rule gives (COUNT), extra days (rdate) aside; not with "
        "until.",
    )
    until: dt.datetime | None = Field(
        None, description="The last moment a visit may start (UNTIL); not with count."
    )
    rdate: list[dt.date] = Field(
        default_factory=list,
        max_length=366,
        description="Extra days it falls on besides its rule's (RDATE), each at the series' "
        "time of day in its time zone (they move with it); not after until, and not counted by "
        "count. May come before the first visit of the rule (a split hands them on).",
    )
    exdate: list[dt.date] = Field(
        default_factory=list,
        max_length=366,
        description="Days it skips (EXDATE), whether its rule or an extra day gives them: the "
        "series books no visit on them (visits clocked, invoiced or changed on their own are "
        "kept). Occurrences cancelled one by one are listed in excluded.",
    )
    ends: SeriesEnds | None = Field(
        None,
        description="How the series ends, from count and until (kept in step by every write).",
        json_schema_extra={**READONLY, **FILLED},
    )
    excluded: list[dt.datetime] = Field(
        default_factory=list,
        description="Occurrence starts taken out of the series one by one (an RFC 5545 EXDATE "
        "each): cancelled occurrences, which the series never books again. Days skipped by the "
        "office's choice are in exdate.",
        json_schema_extra=READONLY,
    )
    materialised_until: dt.datetime | None = Field(
        None,
        description="The series' visits are booked up to this moment (the account's horizon, "
        "or further on demand); later occurrences are booked as the horizon moves.",
        json_schema_extra=READONLY,
    )
    ended: bool = Field(
        False,
        description="Whether every occurrence of the series is booked (none is left after "
        "materialisedUntil): the horizon job no longer looks at it; a change to its rule that "
        "gives it more occurrences books them and clears this.",
        json_schema_extra=READONLY,
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        return time_zone(name)

    @field_validator("rdate", "exdate")
    @classmethod
    def _each_day_once(cls, days: list[dt.date]) -> list[dt.date]:
        return sorted(set(days))

    @field_validator("end")
    @classmethod
    def _ends_after_start(cls, end: dt.datetime, info: ValidationInfo) -> dt.datetime | None:
        return check_span(info.data.get("start"), end, "a visit of the series")

    @field_validator("until")
    @classmethod
    def _until(cls, until: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        if until is None:
            return None
        if info.data.get("count") is not None:
            raise ValueError("a series ends after a count or on a date (until), not both")
        start = as_utc(info.data.get("start"))
        if start is not None and as_utc(until) < start:
            raise ValueError("a series ends (until) after its first visit starts")
        return as_utc(until)

    @model_validator(mode="after")
    def _a_rule_that_gives_visits(self) -> EventGroup:
        check_rule(self)
        return self

    @model_validator(mode="after")
    def _derived(self) -> EventGroup:
        start, end = as_utc(self.start), as_utc(self.end)
        self.duration = hours_between(start, end)
        zone = ZoneInfo(self.timezone) if self.timezone else dt.UTC
        self.dtstart = start.astimezone(zone).date()
        self.ends = (
            SeriesEnds(mode=SeriesEndMode.AFTER_COUNT, count=self.count)
            if self.count is not None
            else SeriesEnds(mode=SeriesEndMode.ON_DATE, until=self.until)
            if self.until is not None
            else SeriesEnds(mode=SeriesEndMode.NEVER)
        )
        return self

    class Settings:
        name = "eventsgroups"
        indexes = [
            by_account("start", "_id"),
            by_account("_created_date", "_id"),
            by_account("attendees.user"),
            by_account("patient._id"),
            by_account("until"),
            by_account("materialised_until"),
        ]


def derived_keys(model: type[Any]) -> tuple[str, ...]:
    """Fields every write recomputes, so an update stores them with what they derive from."""
    return ("duration",) if model is Event else ("duration", "dtstart", "ends")
