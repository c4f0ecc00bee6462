"""Inputs of conversation and user-note queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.conversations.documents import Conversation, ConversationStatus, UserNote, UserNotePriority
from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import (
    DateTimeRange,
    DeletedState,
    deleted_clause,
    flag_clause,
    id_clause,
    merge,
    search_field,
    words_clause,
)
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type

LATEST_FIRST = Ordering("last_message_date", descending=True)
"""Conversations with the latest message first: the inbox order."""
NOTES_NEWEST_FIRST = Ordering("_created_date", descending=True)

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    ConversationCreateInput = Any
    ConversationUpdateInput = Any
    UserNoteCreateInput = Any
    UserNoteUpdateInput = Any
else:
    ConversationCreateInput = input_type(Conversation, name="ConversationCreateInput")
    ConversationUpdateInput = input_type(Conversation, name="ConversationUpdateInput", patch=True)
    UserNoteCreateInput = input_type(UserNote, name="UserNoteCreateInput")
    UserNoteUpdateInput = input_type(UserNote, name="UserNoteUpdateInput", patch=True)


@strawberry.input(description="Which conversations a list shows. All given conditions must hold.")
class ConversationFilter:
    participant: strawberry.ID | None = strawberry.field(
        default=None, description="A user taking part in them."
    )
    patient: strawberry.ID | None = strawberry.field(
        default=None, description="The patient they are about."
    )
    status: ConversationStatus | None = strawberry.field(
        default=None, description="Open or closed."
    )
    pinned: bool | None = strawberry.field(default=None, description="Pinned or not.")
    last_message_date: DateTimeRange | None = strawberry.field(
        default=None,
        description="When their last message was posted (their creation, if none yet): "
        "`{start: <last visit>}` lists those updated since.",
    )
    search: str | None = search_field(
        "Words that start words of the subject; case and accents ignored."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted ones too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            id_clause("participants._id", self.participant, "User", "filter.participant"),
            {"patient": decode_global_id(self.patient, "Patient", "filter.patient")}
            if self.patient is not None
            else {},
            {"status": self.status.value} if self.status is not None else {},
            flag_clause("pinned", self.pinned),
            self.last_message_date.clause("last_message_date") if self.last_message_date else {},
            words_clause("_search.subject", self.search),
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of conversations is sorted by.")
class ConversationOrderField(Enum):
    LAST_MESSAGE_DATE = strawberry.enum_value(
        "last_message_date", description="When the last message was posted."
    )
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was started.")


@strawberry.input(description="Which notes about staff a list shows. All given conditions hold.")
class UserNoteFilter:
    user: strawberry.ID | None = strawberry.field(
        default=None, description="The user the notes are about."
    )
    priority: list[UserNotePriority] | None = strawberry.field(
        default=None, description="Any of these priorities."
    )
    created_date: DateTimeRange | None = strawberry.field(
        default=None, description="When they were written."
    )
    search: str | None = search_field(
        "Words that start words of the title; case and accents ignored."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted ones too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            id_clause("user", self.user, "User", "filter.user"),
            {"priority": {"$in": [p.value for p in self.priority]}} if self.priority else {},
            self.created_date.clause("_created_date") if self.created_date else {},
            words_clause("_search.title", self.search),
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of notes about staff is sorted by.")
class UserNoteOrderField(Enum):
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was written.")
    PRIORITY = strawberry.enum_value(
        "_search.priority", description="How urgent: LOW to URGENT ascending."
    )


if TYPE_CHECKING:
    ConversationOrder = Any
    UserNoteOrder = Any
else:
    ConversationOrder = order_input("ConversationOrder", ConversationOrderField, "conversations")
    UserNoteOrder = order_input("UserNoteOrder", UserNoteOrderField, "notes about staff")
