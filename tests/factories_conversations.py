"""Conversations, their messages and notes about staff, made through the API."""

from __future__ import annotations

from typing import Any

from tests.factories import Agency, create_user, person_name

CONVERSATION_FIELDS = """id revision subject status pinned createdDate lastMessageDate
  patient { id } participants { name lastReadDate record { id } }"""
CREATE_CONVERSATION = f"""mutation($input: ConversationCreateInput!) {{
  conversationCreate(input: $input) {{
    conversation {{ {CONVERSATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_CONVERSATION = f"""mutation($id: ID!, $revision: Int!, $input: ConversationUpdateInput!) {{
  conversationUpdate(id: $id, revision: $revision, input: $input) {{
    conversation {{ {CONVERSATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
POST = """mutation($id: ID!, $body: String!, $author: ID) {
  conversationPost(id: $id, body: $body, author: $author) {
    conversation { id revision lastMessageDate participants { lastReadDate record { id } } }
    message { id body sentDate editedDate author { name record { id } } }
    userErrors { field message code } } }"""

NOTE_FIELDS = """id revision title note priority createdDate lastUpdatedDate deleted
  user { id } createdUser { id } lastUpdatedUser { id }"""
CREATE_NOTE = f"""mutation($input: UserNoteCreateInput!) {{ userNoteCreate(input: $input) {{
  userNote {{ {NOTE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_NOTE = f"""mutation($id: ID!, $revision: Int!, $input: UserNoteUpdateInput!) {{
  userNoteUpdate(id: $id, revision: $revision, input: $input) {{
    userNote {{ {NOTE_FIELDS} }} userErrors {{ field message code }} }} }}"""


async def office_member(agency: Agency, first: str = "Dana", last: str = "Office") -> str:
    """The global ID of a new office user."""
    user = await create_user(
        agency, name=person_name(first, last), roleType="OFFICE", role="scheduler"
    )
    return str(user["id"])


def conversation_input(participants: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "subject": "Medication change",
        "participants": [{"record": p} for p in participants],
        **fields,
    }


async def create_conversation(
    agency: Agency, participants: list[str], **fields: Any
) -> dict[str, Any]:
    data = await agency.ok(
        CREATE_CONVERSATION, {"input": conversation_input(participants, **fields)}
    )
    assert data["conversationCreate"]["userErrors"] == [], data
    return data["conversationCreate"]["conversation"]  # type: ignore[no-any-return]


async def post(agency: Agency, conversation: str, body: str, author: str | None) -> Any:
    """The payload of a post, refused or not."""
    data = await agency.ok(POST, {"id": conversation, "body": body, "author": author})
    return data["conversationPost"]


async def posted(agency: Agency, conversation: str, body: str, author: str | None) -> Any:
    payload = await post(agency, conversation, body, author)
    assert payload["userErrors"] == [], payload
    return payload


def note_input(user: str, **fields: Any) -> dict[str, Any]:
    return {
        "user": user,
        "title": "Late twice this week",
        "note": "Arrived 20 minutes late on Monday and Wednesday.",
        **fields,
    }


async def create_note(agency: Agency, user: str, **fields: Any) -> dict[str, Any]:
    data = await agency.ok(CREATE_NOTE, {"input": note_input(user, **fields)})
    assert data["userNoteCreate"]["userErrors"] == [], data
    return data["userNoteCreate"]["userNote"]  # type: ignore[no-any-return]
