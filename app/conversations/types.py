"""GraphQL types of conversations, their messages, and notes about staff."""

from __future__ import annotations

from typing import Any

import strawberry

from app.conversations.documents import Conversation as ConversationDocument
from app.conversations.documents import ConversationMessage as MessageDocument
from app.conversations.documents import UserNote as UserNoteDocument
from app.errors import PublicError
from app.graphql.arguments import After, Before, First, Last
from app.graphql.connections import (
    Connection,
    Edge,
    Ordering,
    Page,
    PageInfo,
    decode_cursor,
)
from app.graphql.crud import Versioned
from app.graphql.modeled import record_type
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node

BY_POSITION = Ordering("_id")
"""Messages keep the order they were posted in; their ids grow with it."""


@record_type(
    MessageDocument,
    name="ConversationMessage",
    description="A message of a conversation: who posted what, and when.",
)
class ConversationMessage(Record):
    @strawberry.field(description="The message's id, unique in its conversation.")
    @reads("_id")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.doc["_id"]))


def message_page(messages: list[dict[str, Any]], page: Page) -> Connection[ConversationMessage]:
    """A connection over a conversation's stored messages (oldest first), paged like a list."""
    size = page.size()
    position = {message["_id"]: index for index, message in enumerate(messages)}

    def index_of(cursor: str) -> int:
        _, key = decode_cursor(cursor, BY_POSITION)
        if key not in position:
            raise PublicError("The cursor is not one this API gave out.")
        return position[key]

    start = index_of(page.after) + 1 if page.after else 0
    end = index_of(page.before) if page.before else len(messages)
    window = messages[start : max(start, end)]
    more = len(window) > size
    chosen = window[len(window) - size :] if page.backwards else window[:size]
    edges = [
        Edge(record=ConversationMessage.from_doc(m), doc=m, ordering=BY_POSITION) for m in chosen
    ]

    async def count() -> int:
        return len(messages)

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more if not page.backwards else page.before is not None,
            has_previous_page=more if page.backwards else page.after is not None,
            edges=edges,
        ),
        count=count,
    )


@record_type(
    ConversationDocument,
    name="Conversation",
    description="A thread between staff about a patient or a topic, with its participants "
    "and messages.",
)
class Conversation(Record, Node, Versioned):
    @strawberry.field(
        description="The messages, oldest first and newest last, paged like any list: "
        "`last: 20` gives the latest 20, `before` pages back from there. At most 100 a page."
    )
    @reads("messages")
    def messages(
        self,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ConversationMessage]:
        page = Page(first=first, after=after, last=last, before=before)
        return message_page(self.doc.get("messages") or [], page)

    @strawberry.field(description="The latest message; null if none was posted yet.")
    @reads("messages")
    def last_message(self) -> ConversationMessage | None:
        messages = self.doc.get("messages") or []
        return ConversationMessage.from_doc(messages[-1]) if messages else None


@record_type(
    UserNoteDocument,
    name="UserNote",
    description="A note the office keeps about a staff member or caregiver.",
)
class UserNote(Record, Node, Versioned):
    """Every field comes from the document model."""
