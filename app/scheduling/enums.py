"""The enums of visits and series, as stored and as the schema shows them."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Where a visit stands.")
class EventStatus(Enum):
    SCHEDULED = strawberry.enum_value("scheduled", description="Booked, not yet confirmed.")
    CONFIRMED = strawberry.enum_value("confirmed", description="Confirmed with the caregiver.")
    IN_PROGRESS = strawberry.enum_value("in_progress", description="The caregiver is there.")
    COMPLETED = strawberry.enum_value("completed", description="Done.")
    CANCELLED = strawberry.enum_value("cancelled", description="Called off.")
    MISSED = strawberry.enum_value("missed", description="Nobody came, or nobody was home.")


@strawberry.enum(description="What a person attending a visit does there.")
class AttendeeRole(Enum):
    CAREGIVER = strawberry.enum_value("caregiver", description="Gives the care.")
    SUPERVISOR = strawberry.enum_value("supervisor", description="Supervises the caregiver.")
    TRAINEE = strawberry.enum_value("trainee", description="Learns by shadowing.")


@strawberry.enum(description="Where an attendee stands with a visit.")
class AttendeeStatus(Enum):
    ASSIGNED = strawberry.enum_value("assigned", description="Booked by the office.")
    CONFIRMED = strawberry.enum_value("confirmed", description="Accepted by the attendee.")
    DECLINED = strawberry.enum_value("declined", description="Refused by the attendee.")
    CANCELLED = strawberry.enum_value("cancelled", description="Taken off the visit.")


@strawberry.enum(description="How often a series repeats (RFC 5545 FREQ).")
class RecurrenceFrequency(Enum):
    YEARLY = strawberry.enum_value("YEARLY", description="Every year.")
    MONTHLY = strawberry.enum_value("MONTHLY", description="Every month.")
    WEEKLY = strawberry.enum_value("WEEKLY", description="Every week.")
    DAILY = strawberry.enum_value("DAILY", description="Every day.")


@strawberry.enum(description="How a series ends.")
class SeriesEndMode(Enum):
    NEVER = strawberry.enum_value("never", description="It goes on until changed.")
    AFTER_COUNT = strawberry.enum_value("after_count", description="After `count` visits.")
    ON_DATE = strawberry.enum_value("on_date", description="On `until`.")
