"""Changing conversations and notes about staff, and posting messages."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.common.codes import Permission
from app.conversations.inputs import (
    ConversationCreateInput,
    ConversationUpdateInput,
    UserNoteCreateInput,
    UserNoteUpdateInput,
)
from app.conversations.services import conversation_store, post_message, user_note_store
from app.conversations.types import Conversation, ConversationMessage, UserNote
from app.graphql.arguments import RecordId
from app.graphql.context import Info
from app.graphql.crud import (
    RecordSpec,
    create_mutation,
    delete_mutation,
    import_mutation,
    restore_mutation,
    update_mutation,
)
from app.graphql.inputs import actor_of, decode_global_id
from app.graphql.payloads import UserError, attempt

CONVERSATION = RecordSpec(
    node=Conversation,
    field="conversation",
    plural="conversations",
    store=conversation_store,
    permission=Permission.MANAGE_PATIENTS,
    create_input=ConversationCreateInput,
    update_input=ConversationUpdateInput,
)


@strawberry.type
class ConversationMutations:
    conversation_create = create_mutation(CONVERSATION, "conversationCreate")
    conversation_update = update_mutation(CONVERSATION, "conversationUpdate")
    conversation_delete = delete_mutation(CONVERSATION, "conversationDelete")
    conversation_restore = restore_mutation(CONVERSATION, "conversationRestore")
    conversation_import = import_mutation(CONVERSATION, "conversationImport")


USER_NOTE = RecordSpec(
    node=UserNote,
    field="user_note",
    plural="user_notes",
    store=user_note_store,
    permission=Permission.MANAGE_STAFF,
    create_input=UserNoteCreateInput,
    update_input=UserNoteUpdateInput,
)


@strawberry.type
class UserNoteMutations:
    user_note_create = create_mutation(USER_NOTE, "userNoteCreate")
    user_note_update = update_mutation(USER_NOTE, "userNoteUpdate")
    user_note_delete = delete_mutation(USER_NOTE, "userNoteDelete")
    user_note_restore = restore_mutation(USER_NOTE, "userNoteRestore")
    user_note_import = import_mutation(USER_NOTE, "userNoteImport")


@strawberry.type(description="The result of posting a message to a conversation.")
class ConversationPostPayload:
    conversation: Conversation | None = strawberry.field(
        description="The conversation as it now is; null if refused."
    )
    message: ConversationMessage | None = strawberry.field(
        description="The message posted; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused; empty on success."
    )


@strawberry.type
class ConversationPostMutations:
    @strawberry.mutation(
        description="Post a message to an open conversation (appended atomically; no revision "
        "needed, and it bumps the revision). `author` is the participant posting; without it "
        "the API client posts under its own name. A closed or deleted conversation refuses "
        "with INVALID_STATE, an author who is not a participant with INVALID. Needs "
        "MANAGE_PATIENTS."
    )
    async def conversation_post(
        self,
        info: Info,
        id: RecordId,
        body: Annotated[str, strawberry.argument(description="The message.")],
        author: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The participant posting, by global ID; left out, the API client "
                "posts under its own name."
            ),
        ] = None,
    ) -> ConversationPostPayload:
        async def act() -> ConversationPostPayload:
            actor_of(info, Permission.MANAGE_PATIENTS)  # refused without the permission
            key = decode_global_id(id, "Conversation", "id")
            user = decode_global_id(author, "User", "author") if author is not None else None
            after, message = await post_message(info.context.scope, key, body, user)
            return ConversationPostPayload(
                conversation=Conversation.from_doc(after),
                message=ConversationMessage.from_doc(message),
                user_errors=[],
            )

        done, errors = await attempt(act())
        return done or ConversationPostPayload(conversation=None, message=None, user_errors=errors)
