"""The enums of visits and series, as stored and as the schema shows them."""

from __future__ import annotations

from app.common.codes import Code


class EventStatus(Code):
    """Where a visit stands."""

    SCHEDULED = "scheduled", "Booked, not yet confirmed."
    CONFIRMED = "confirmed", "Confirmed with the caregiver."
    IN_PROGRESS = "in_progress", "The caregiver is there."
    COMPLETED = "completed", "Done."
    CANCELLED = "cancelled", "Called off."
    MISSED = "missed", "Nobody came, or nobody was home."


class AttendeeRole(Code):
    """What a person attending a visit does there."""

    CAREGIVER = "caregiver", "Gives the care."
    SUPERVISOR = "supervisor", "Supervises the caregiver."
    TRAINEE = "trainee", "Learns by shadowing."


class AttendeeStatus(Code):
    """Where an attendee stands with a visit."""

    ASSIGNED = "assigned", "Booked by the office."
    CONFIRMED = "confirmed", "Accepted by the attendee."
    DECLINED = "declined", "Refused by the attendee."
    CANCELLED = "cancelled", "Taken off the visit."


class RecurrenceFrequency(Code):
    """How often a series repeats (RFC 5545 FREQ)."""

    YEARLY = "YEARLY", "Every year."
    MONTHLY = "MONTHLY", "Every month."
    WEEKLY = "WEEKLY", "Every week."
    DAILY = "DAILY", "Every day."


class SeriesEndMode(Code):
    """How a series ends."""

    NEVER = "never", "It goes on until changed."
    AFTER_COUNT = "after_count", "After `count` visits."
    ON_DATE = "on_date", "On `until`."
