"""Conversations between staff about a patient or a topic, and the notes kept about staff."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pydantic import Field, field_validator

from app.common.codes import Code
from app.common.documents import (
    FILLED,
    HR,
    READONLY,
    CareDocument,
    Embedded,
    SoftDeletable,
    by_account,
    ref,
)

MAX_MESSAGES = 1000
"""Messages a conversation holds (kept well inside MongoDB's 16 MB document limit)."""
MAX_BODY = 5000


class ConversationStatus(Code):
    """Whether a conversation takes new messages."""

    OPEN = "open", "Open: participants can post."
    CLOSED = "closed", "Closed: kept for reading, no posts."


class UserNotePriority(Code):
    """How urgent a note about a staff member or caregiver is."""

    LOW = "low", "For the record."
    NORMAL = "normal", "The usual."
    HIGH = "high", "Needs attention soon."
    URGENT = "urgent", "Needs attention now."


PRIORITY_RANK = {
    UserNotePriority.LOW: 0,
    UserNotePriority.NORMAL: 1,
    UserNotePriority.HIGH: 2,
    UserNotePriority.URGENT: 3,
}


class ConversationParticipant(Embedded):
    """A staff member taking part in a conversation, with how far they have read."""

    record: PydanticObjectId = Field(
        alias="_id",
        description="The participant's user record.",
        json_schema_extra=ref("User", "users"),
    )
    name: str | None = Field(
        None,
        max_length=300,
        description="Their full name, copied from their user record when they were added.",
        json_schema_extra=READONLY,
    )
    last_read_date: dt.datetime | None = Field(
        None,
        description="When they last read the conversation (posting counts as reading); null "
        "if never.",
        json_schema_extra=READONLY,
    )


class ConversationAuthor(Embedded):
    """Who posted a message: a user, or an API client acting for the account."""

    record: PydanticObjectId | None = Field(
        None,
        alias="_id",
        description="The user who posted it; null when an API client posted it.",
        json_schema_extra=ref("User", "users"),
    )
    name: str = Field(
        min_length=1, max_length=300, description="Their name when they posted (or the client's)."
    )


class ConversationMessage(Embedded):
    """A message of a conversation."""

    id: PydanticObjectId = Field(alias="_id", description="The message's id in the conversation.")
    author: ConversationAuthor = Field(description="Who posted it.")
    body: str = Field(min_length=1, max_length=MAX_BODY, description="The text, 1 to 5000 long.")
    sent_date: dt.datetime = Field(description="When it was posted.")
    edited_date: dt.datetime | None = Field(None, description="When it was last edited, if it was.")


class Conversation(CareDocument, SoftDeletable):
    """A thread between staff about a patient or a topic."""

    subject: str = Field(min_length=1, max_length=200, description="What it is about.")
    patient: PydanticObjectId | None = Field(
        None,
        description="The patient it is about, if any.",
        json_schema_extra=ref("Patient", "patients"),
    )
    status: ConversationStatus = Field(
        ConversationStatus.OPEN, description="Open for posts, or closed."
    )
    pinned: bool = Field(False, description="Whether it shows first in the office's inbox.")
    participants: list[ConversationParticipant] = Field(
        min_length=1,
        max_length=100,
        description="The staff taking part (1 to 100); only they can post. Given as user ids; "
        "their names are copied in.",
    )
    messages: list[ConversationMessage] = Field(
        default_factory=list,
        description="The messages, oldest first; added by conversationPost only.",
        json_schema_extra=READONLY,
    )
    last_message_date: dt.datetime | None = Field(
        None,
        description="When the last message was posted; when it was created until then.",
        json_schema_extra=READONLY,
    )

    @field_validator("participants")
    @classmethod
    def _once_each(cls, value: list[ConversationParticipant]) -> list[ConversationParticipant]:
        ids = [p.record for p in value]
        if len(set(ids)) != len(ids):
            raise ValueError("each user takes part only once")
        return value

    class Settings:
        name = "conversations"
        indexes = [
            by_account("last_message_date", "_id"),
            by_account("_created_date", "_id"),
            by_account("participants._id", "last_message_date"),
            by_account("patient", "last_message_date"),
            by_account("status", "last_message_date"),
            by_account("_search.subject"),
        ]


class UserNote(CareDocument, SoftDeletable):
    """A note the office keeps about a staff member or caregiver."""

    created_user: PydanticObjectId | None = Field(
        None,
        alias="_created_user",
        description="The user who wrote the note (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    # The catalogue stores this one without a leading underscore.
    last_updated_date: dt.datetime | None = Field(
        None,
        alias="last_updated_date",
        description="When the note last changed.",
        json_schema_extra={**READONLY, **FILLED},
    )
    last_updated_user: PydanticObjectId | None = Field(
        None,
        description="The user who last changed the note (null when an API client did).",
        json_schema_extra={**ref("User", "users"), **READONLY},
    )
    user: PydanticObjectId = Field(
        description="The staff member or caregiver the note is about.",
        json_schema_extra=ref("User", "users"),
    )
    title: str = Field(
        min_length=1, max_length=200, description="The note's title.", json_schema_extra=HR
    )
    note: str = Field(
        min_length=1, max_length=10_000, description="The note itself.", json_schema_extra=HR
    )
    priority: UserNotePriority = Field(UserNotePriority.NORMAL, description="How urgent it is.")

    class Settings:
        name = "usersnotes"
        indexes = [
            by_account("user", "_created_date"),
            by_account("_created_date", "_id"),
            by_account("_search.priority", "_id"),
            by_account("_search.title"),
        ]
