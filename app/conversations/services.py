"""The rules of conversations and user notes, free of GraphQL.

A conversation's participants are given as user ids; their names are copied in from the user
records (one query), and the stored read marks of those who stay are kept. Messages are only
appended, by `post_message`: one atomic `$push` guarded by the account, the open status and the
author being a participant, committed with its audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from bson import ObjectId
from pymongo import ReturnDocument

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.services import Actor, RawDoc, encode, item_path, validated
from app.common.text import keywords, name_of
from app.conversations.documents import (
    MAX_BODY,
    MAX_MESSAGES,
    PRIORITY_RANK,
    Conversation,
    ConversationMessage,
    ConversationStatus,
    UserNote,
)
from app.data.audit import MASK
from app.data.records import Also, RecordStore
from app.data.scope import Scope
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError

CLOSED = ConversationStatus.CLOSED.value
CHANGEABLE_WHEN_CLOSED = {"status", "pinned"}


def conversation_search(conversation: Conversation) -> dict[str, Any]:
    return {"subject": keywords(conversation.subject)}


class ConversationStore(RecordStore):
    """Conversations: participants snapshotted from users; a closed one only reopens or pins."""

    @property
    def what(self) -> str:
        return "conversation"

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        found = await self._users(actor, items)
        ready = []
        problems: list[Problem] = []
        for index, item in enumerate(items):
            where = item_path(prefix, index)
            try:
                ready.append({**item, **_participants(item, found, [], where)})
            except ServiceError as refusal:
                problems += refusal.problems
        if problems:
            raise ServiceError(*problems)
        return await super().create_many(actor, ready, prefix, also)

    def validate_new(self, actor: Actor, data: dict[str, Any]) -> Any:
        document = cast(Conversation, super().validate_new(actor, data))
        document.last_message_date = document.created_date  # until a message is posted
        return document

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        current = await self.get(actor, key)
        self.check_revision(current, revision)  # a stale view is told so first
        status = changes.get("status", current.get("status"))
        status = getattr(status, "value", status)
        if current.get("status") == CLOSED and status == CLOSED:
            refused = sorted(set(changes) - CHANGEABLE_WHEN_CLOSED)
            if refused:
                raise ServiceError.one(
                    "This conversation is closed: reopen it (status OPEN) to change it.",
                    ErrorCode.INVALID_STATE,
                    "input.status",
                )
        found = await self._users(actor, [changes])
        kept = current.get("participants") or []
        changes = {**changes, **_participants(changes, found, kept, "input")}
        return await super().update(actor, key, revision, changes, also)

    async def _users(self, actor: Actor, items: list[dict[str, Any]]) -> dict[Any, RawDoc]:
        """The account's users the items name as participants, by id: one query."""
        ids = {
            p.get("record")
            for item in items
            if isinstance(item.get("participants"), list)
            for p in item["participants"]
            if isinstance(p, dict) and p.get("record") is not None
        }
        return await self.scope(actor)["users"].by_ids(ids, {"name": 1})


def _participants(
    data: dict[str, Any], found: dict[Any, RawDoc], kept: list[RawDoc], where: str
) -> dict[str, Any]:
    """The given participants with their names copied in and the read marks of those who stay."""
    given = data.get("participants")
    if not isinstance(given, list):
        return {}
    ids = [p.get("record") if isinstance(p, dict) else None for p in given]
    missing = [
        Problem("No User with this id.", ErrorCode.NOT_FOUND, f"{where}.participants.{i}.record")
        for i, user in enumerate(ids)
        if user is not None and user not in found
    ]
    if missing:
        raise ServiceError(*missing)
    read = {p.get("_id"): p.get("last_read_date") for p in kept}
    return {
        "participants": [
            {**p, "name": name_of(found[user]), "last_read_date": read.get(user)}
            if user is not None
            else p
            for p, user in zip(given, ids, strict=True)
        ]
    }


def conversation_store(database: Database) -> ConversationStore:
    return ConversationStore(
        database, Conversation, "Conversation", search_keys=conversation_search
    )


def _refusal(current: RawDoc, author: ObjectId | None) -> ServiceError | None:
    """Why a message cannot be posted to this conversation now, if it cannot."""
    if current.get("_deleted"):
        return ServiceError.one(
            "This conversation is deleted; restore it first.", ErrorCode.INVALID_STATE, "id"
        )
    if current.get("status") == CLOSED:
        return ServiceError.one(
            "This conversation is closed; reopen it to post.", ErrorCode.INVALID_STATE, "id"
        )
    if len(current.get("messages") or []) >= MAX_MESSAGES:
        return ServiceError.one(
            f"This conversation holds {MAX_MESSAGES} messages, its most; start a new one.",
            ErrorCode.INVALID_STATE,
            "id",
        )
    participants = {p.get("_id") for p in current.get("participants") or []}
    if author is not None and author not in participants:
        return ServiceError.one(
            "Only a participant of the conversation can post in it.", ErrorCode.INVALID, "author"
        )
    return None


async def post_message(
    scope: Scope,
    key: Any,
    body: str,
    author: ObjectId | None = None,
    at: dt.datetime | None = None,
) -> tuple[RawDoc, RawDoc]:
    """Append a message; the conversation as it now is, and the message.

    `author` is the posting user (a participant); without one, the person signed in posts, or
    an API client under its own name. `at` back-dates the message (for imports and demo data);
    it defaults to now.
    """
    text = body.strip()
    if not text:
        raise ServiceError.one("Write the message.", ErrorCode.REQUIRED, "body")
    if len(text) > MAX_BODY:
        raise ServiceError.one(
            f"A message is at most {MAX_BODY} characters; this one has {len(text)}.",
            ErrorCode.INVALID,
            "body",
        )
    actor = scope.actor
    author = author if author is not None else actor.user_id
    store = conversation_store(scope.database)
    current = await store.get(actor, key)
    refusal = _refusal(current, author)
    if refusal is not None:
        raise refusal
    stamp = at or now()
    if author is not None:
        user = await scope["users"].find_one({"_id": author}, {"name": 1})
        snapshot = next(p for p in current["participants"] if p.get("_id") == author)
        name = name_of(user) if user is not None else str(snapshot.get("name") or "(no name)")
    else:
        name = actor.api_client_name or "API client"
    message = encode(
        validated(
            ConversationMessage,
            {
                "id": ObjectId(),
                "author": {"record": author, "name": name},
                "body": text,
                "sent_date": stamp,
            },
        )
    )
    guard: dict[str, Any] = {
        "_id": key,
        "status": {"$ne": CLOSED},
        "_deleted": {"$ne": True},
        f"messages.{MAX_MESSAGES - 1}": {"$exists": False},
    }
    changes: dict[str, Any] = {"_last_updated_date": now()}
    if author is not None:  # the author's read mark, at the index the guard pins down
        index = next(i for i, p in enumerate(current["participants"]) if p.get("_id") == author)
        guard[f"participants.{index}._id"] = author
        changes[f"participants.{index}.last_read_date"] = stamp
    update: dict[str, Any] = {"$push": {"messages": message}, "$set": changes}
    if current.get("messages"):  # never back: posts racing each other land in any order
        update["$max"] = {"last_message_date": stamp}
    else:  # the first message replaces the creation time, even a back-dated one
        changes["last_message_date"] = stamp
    if current.get("_revision") is None:  # loaded from the old API: at revision 1
        guard["_revision"] = {"$exists": False}
        changes["_revision"] = 2
    else:
        update["$inc"] = {"_revision": 1}
    posted = [{"field": "messages", "before": None, "after": {**message, "body": MASK}}]

    async def write(tx: Tx) -> RawDoc | None:
        after = await tx[store.collection_name].find_one_and_update(
            guard, update, return_document=ReturnDocument.AFTER
        )
        if after is not None:
            await tx.audit(AuditAction.UPDATE, "Conversation", key, changes=posted)
        return after

    after = await scope.transact(write)
    if after is None:  # it changed between the read and the write: say why
        refusal = _refusal(await store.get(actor, key), author)
        raise refusal or ServiceError.one(
            "This conversation changed while you were posting; try again.",
            ErrorCode.CONFLICT,
            "id",
        )
    return after, message


def user_note_search(note: UserNote) -> dict[str, Any]:
    return {"title": keywords(note.title), "priority": PRIORITY_RANK[note.priority]}


class UserNoteStore(RecordStore):
    """User notes: who wrote and who last changed each one, and `last_updated_date` stored
    under the catalogue's name (without the underscore the other records have)."""

    @property
    def what(self) -> str:
        return "user note"

    def validate_new(self, actor: Actor, data: dict[str, Any]) -> Any:
        author = {"created_user": actor.user_id, "last_updated_user": actor.user_id}
        return super().validate_new(actor, {**data, **author})

    async def write(
        self,
        actor: Actor,
        current: RawDoc,
        update: dict[str, Any],
        *,
        changes: list[dict[str, Any]] | None = None,
        **details: Any,
    ) -> RawDoc:
        sets = update.setdefault("$set", {})
        if "_last_updated_date" in sets:  # delete and restore name the usual key
            sets["last_updated_date"] = sets.pop("_last_updated_date")
        if actor.user_id is not None:
            sets["last_updated_user"] = actor.user_id
        elif current.get("last_updated_user") is not None:
            update.setdefault("$unset", {})["last_updated_user"] = ""
        if changes is not None:
            changes = [c for c in changes if c.get("field") != "lastUpdatedDate"]
        return await super().write(actor, current, update, changes=changes, **details)


def user_note_store(database: Database) -> UserNoteStore:
    return UserNoteStore(database, UserNote, "UserNote", search_keys=user_note_search)
