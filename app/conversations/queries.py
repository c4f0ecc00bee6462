"""Finding conversations and notes about staff."""

from __future__ import annotations

import strawberry

from app.conversations.inputs import (
    LATEST_FIRST,
    NOTES_NEWEST_FIRST,
    ConversationFilter,
    ConversationOrder,
    UserNoteFilter,
    UserNoteOrder,
)
from app.conversations.types import Conversation, UserNote
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id


@strawberry.type
class ConversationQueries:
    @strawberry.field(description="A conversation by global ID; null if not in your account.")
    async def conversation(self, info: Info, id: RecordId) -> Conversation | None:
        return await Conversation.load(info, decode_id(id, Conversation))

    @strawberry.field(
        description="The account's conversations, the one with the latest message first "
        "unless told."
    )
    async def conversations(
        self,
        info: Info,
        filter: Filter[ConversationFilter] = None,
        order_by: OrderBy[ConversationOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Conversation]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or ConversationFilter()).query(info)
        return await list_records(info, Conversation, query, order_by, LATEST_FIRST, page)

    @strawberry.field(description="A note about a staff member by global ID; null if not yours.")
    async def user_note(self, info: Info, id: RecordId) -> UserNote | None:
        return await UserNote.load(info, decode_id(id, UserNote))

    @strawberry.field(
        description="The notes the office keeps about staff and caregivers, newest first "
        "unless told."
    )
    async def user_notes(
        self,
        info: Info,
        filter: Filter[UserNoteFilter] = None,
        order_by: OrderBy[UserNoteOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[UserNote]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or UserNoteFilter()).query(info)
        return await list_records(info, UserNote, query, order_by, NOTES_NEWEST_FIRST, page)
