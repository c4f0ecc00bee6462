"""The rules of care tickets, free of GraphQL and HTTP: the graph, the REST API and the loaders
call these.

A ticket is one document: its category statuses, their comments and its attachments live
inside it, so creating a ticket with its statuses is one insert, committed with its audit entry,
and every later change (a status move, a comment, an attachment) is one guarded update of it.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.accounts.services import next_value
from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.common.clock import now
from app.common.documents import FileSnapshot
from app.common.services import Actor, RawDoc, encode, validated
from app.common.store import RecordStore
from app.common.text import keywords, normalise
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.files.services import file_snapshot
from app.tickets.documents import (
    MAX_ATTACHMENTS,
    MAX_COMMENTS,
    MOVES,
    Ticket,
    TicketCategory,
    TicketComment,
    TicketStatus,
)

MAX_COMMENT = 5000


def full_name(person: RawDoc) -> str:
    name = person.get("name") or {}
    parts = (name.get("first"), name.get("middle"), name.get("last"))
    return " ".join(str(part) for part in parts if part) or "(no name)"


def ticket_search(ticket: Ticket) -> dict[str, Any]:
    return {"title": keywords(ticket.title), "sort": normalise(ticket.title)}


def status_of(value: Any) -> TicketStatus:
    return value if isinstance(value, TicketStatus) else TicketStatus(value)


def move_refusal(current: TicketStatus, wanted: TicketStatus, field: str) -> ServiceError | None:
    """Why a ticket cannot move from one status to another, if it cannot."""
    if wanted == current or wanted in MOVES[current]:
        return None
    allowed = ", ".join(s.name for s in TicketStatus if s in MOVES[current]) or "none"
    return ServiceError.one(
        f"A ticket that is {current.name} cannot move to {wanted.name} (it can move to {allowed}).",
        ErrorCode.INVALID_STATE,
        field,
    )


class TicketStore(RecordStore):
    """Tickets: categories of the same account given once each, comments kept on update,
    statuses moved only along the allowed moves, residents not deleted."""

    @property
    def what(self) -> str:
        return "ticket"

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        names = await self._categories(actor, items)
        problems: list[Problem] = []
        ready = []
        for index, item in enumerate(items):
            where = "input" if prefix is None else f"{prefix}.{index}"
            try:
                ready.append({**item, **_with_titles(item, names, [], where)})
            except ServiceError as refusal:
                problems += refusal.problems
        problems += await self._deleted_residents(actor, items, prefix)
        if problems:
            raise ServiceError(*problems)
        return await super().create_many(actor, ready, prefix)

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        current = await self.get(actor, key)
        self._check_revision(current, revision)
        if changes.get("ticket_status") is not None:
            refusal = move_refusal(
                status_of(current["ticket_status"]),
                status_of(changes["ticket_status"]),
                "input.ticketStatus",
            )
            if refusal is not None:
                raise refusal
        names = await self._categories(actor, [changes])
        kept = current.get("categories") or []
        changes = {**changes, **_with_titles(changes, names, kept, "input")}
        problems = await self._deleted_residents(actor, [changes], None)
        if problems:
            raise ServiceError(*problems)
        return await super().update(actor, key, revision, changes)

    async def update_status(
        self, actor: Actor, key: Any, status: TicketStatus, revision: int | None = None
    ) -> RawDoc:
        """Move a ticket to a status along the allowed moves; the same status changes nothing."""
        current = await self.get(actor, key)
        if revision is not None:
            self._check_revision(current, revision)
        self._check_not_deleted(current)
        stored = status_of(current["ticket_status"])
        if stored == status:
            return current
        refusal = move_refusal(stored, status, "status")
        if refusal is not None:
            raise refusal
        return await super().update(
            actor, key, int(current.get("_revision", 1)), {"ticket_status": status}
        )

    async def comment(
        self,
        actor: Actor,
        key: Any,
        category: Any,
        text: str,
        user: ObjectId | None = None,
        at: Any = None,
        comment_id: ObjectId | None = None,
    ) -> tuple[RawDoc, RawDoc]:
        """Add a comment to a category of a ticket; the ticket as it now is, and the comment.

        `user` is the writing user; without one the API client comments under its own name.
        `at` back-dates it (for imports and the documented examples)."""
        body = text.strip()
        if not body:
            raise ServiceError.one("Write the comment.", ErrorCode.REQUIRED, "text")
        if len(body) > MAX_COMMENT:
            raise ServiceError.one(
                f"A comment is at most {MAX_COMMENT} characters; this one has {len(body)}.",
                ErrorCode.INVALID,
                "text",
            )
        current = await self.get(actor, key)
        self._check_not_deleted(current)
        statuses = current.get("categories") or []
        index = next((i for i, c in enumerate(statuses) if c.get("category") == category), None)
        if index is None:
            raise ServiceError.one(
                "This ticket has no status for this category.", ErrorCode.NOT_FOUND, "category"
            )
        if len(statuses[index].get("comments") or []) >= MAX_COMMENTS:
            raise ServiceError.one(
                f"This category holds {MAX_COMMENTS} comments, its most.",
                ErrorCode.INVALID_STATE,
                "category",
            )
        if user is not None:
            found = await self.database.db.users.find_one(
                {"_id": user, "_account": actor.account_id}, {"name": 1}
            )
            if found is None:
                raise ServiceError.one("No User with this id.", ErrorCode.NOT_FOUND, "user")
            name = full_name(found)
        else:
            name = actor.api_client_name or "API client"
        comment = encode(
            validated(
                TicketComment,
                {
                    "id": comment_id or ObjectId(),
                    "commented_by": name,
                    "user": user,
                    "commented_on": at or now(),
                    "title": body,
                },
            )
        )
        path = f"categories.{index}.comments"
        update = {"$push": {path: comment}, "$set": {"_last_updated_date": now()}}
        event = audit_event(
            actor,
            AuditAction.UPDATE,
            "Ticket",
            key,
            changes=[{"field": f"categories.{index}.comments", "before": None, "after": comment}],
        )
        return await self._write(current, update, event), comment

    async def attach_file(self, actor: Actor, key: Any, file: Any) -> RawDoc:
        """Attach a File record of the same account (a snapshot of it, as records keep files)."""
        current = await self.get(actor, key)
        self._check_not_deleted(current)
        raw = await self.database.db.files.find_one(
            {"_id": file, "_account": actor.account_id, "_deleted": {"$ne": True}}
        )
        if raw is None:
            raise ServiceError.one("No File with this id.", ErrorCode.NOT_FOUND, "file")
        attached = current.get("ticket_attachments") or []
        if any(a.get("file_id") == file for a in attached):
            raise ServiceError.one(
                "This file is already attached to the ticket.", ErrorCode.DUPLICATE, "file"
            )
        if len(attached) >= MAX_ATTACHMENTS:
            raise ServiceError.one(
                f"A ticket holds {MAX_ATTACHMENTS} attachments, its most.",
                ErrorCode.INVALID_STATE,
                "file",
            )
        snapshot = encode(validated(FileSnapshot, file_snapshot(raw)))
        update = {"$push": {"ticket_attachments": snapshot}, "$set": {"_last_updated_date": now()}}
        event = audit_event(
            actor,
            AuditAction.UPDATE,
            "Ticket",
            key,
            changes=[{"field": "attachments", "before": None, "after": snapshot}],
        )
        return await self._write(current, update, event)

    async def _categories(self, actor: Actor, items: list[dict[str, Any]]) -> dict[Any, str]:
        """The names of the live categories of the account the items name, by id: one query."""
        ids = {
            entry.get("category")
            for item in items
            if isinstance(item.get("categories"), list)
            for entry in item["categories"]
            if isinstance(entry, dict) and entry.get("category") is not None
        }
        if not ids:
            return {}
        cursor = self.database.db.ticket_categories.find(
            {"_id": {"$in": list(ids)}, "_account": actor.account_id, "_deleted": {"$ne": True}},
            {"name": 1},
        )
        return {doc["_id"]: str(doc["name"]) async for doc in cursor}

    async def _deleted_residents(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None
    ) -> list[Problem]:
        ids = {item.get("resident") for item in items if item.get("resident") is not None}
        if not ids:
            return []
        cursor = self.database.db.patients.find(
            {"_id": {"$in": list(ids)}, "_account": actor.account_id, "_deleted": True}, {"_id": 1}
        )
        deleted = {doc["_id"] async for doc in cursor}
        return [
            Problem(
                "This resident is deleted; restore them first.",
                ErrorCode.INVALID_STATE,
                f"{'input' if prefix is None else f'{prefix}.{index}'}.resident",
            )
            for index, item in enumerate(items)
            if item.get("resident") in deleted
        ]


def _with_titles(
    data: dict[str, Any], names: dict[Any, str], kept: list[RawDoc], where: str
) -> dict[str, Any]:
    """The given category statuses, checked, each titled (its category's name unless given)
    and keeping the stored comments of a category that stays."""
    given = data.get("categories")
    if not isinstance(given, list):
        return {}
    missing = [
        Problem(
            "No TicketCategory with this id.",
            ErrorCode.NOT_FOUND,
            f"{where}.categories.{i}.category",
        )
        for i, entry in enumerate(given)
        if isinstance(entry, dict) and entry.get("category") not in names
    ]
    if missing:
        raise ServiceError(*missing)
    comments = {c.get("category"): c.get("comments") or [] for c in kept}
    return {
        "categories": [
            {
                **entry,
                "title": entry.get("title") or names[entry["category"]],
                "comments": entry.get("comments") or comments.get(entry["category"], []),
            }
            for entry in given
        ]
    }


def ticket_store(database: Database) -> TicketStore:
    return TicketStore(database, Ticket, "Ticket", search_keys=ticket_search)


def category_search(category: TicketCategory) -> dict[str, Any]:
    return {"title": normalise(category.name), "name": keywords(category.name)}


def category_store(database: Database) -> RecordStore:
    return RecordStore(
        database, TicketCategory, "TicketCategory", search_keys=category_search,
        unique_field="name",
    )  # fmt: skip


# The care-ticket REST API's integer ids.

KINDS = ("ticket", "resident", "employee", "category", "comment", "file")


def sequence(account_id: int, kind: str) -> str:
    return f"rest:{account_id}:{kind}"


async def rest_numbers(
    database: Database, account_id: int, kind: str, record_ids: list[Any]
) -> dict[Any, int]:
    """The REST numbers of records, assigning the next number of the account's counter of
    that kind to those that have none yet (their first use)."""
    wanted = list(dict.fromkeys(r for r in record_ids if r is not None))
    if not wanted:
        return {}
    cursor = database.db.rest_ids.find(
        {"_account": account_id, "kind": kind, "record_id": {"$in": wanted}},
        {"record_id": 1, "number": 1},
    )
    found = {doc["record_id"]: int(doc["number"]) async for doc in cursor}
    for record_id in wanted:
        if record_id not in found:
            found[record_id] = await _assign(database, account_id, kind, record_id)
    return found


async def _assign(database: Database, account_id: int, kind: str, record_id: Any) -> int:
    while True:
        number = await next_value(database, sequence(account_id, kind))
        try:
            await database.db.rest_ids.insert_one(
                {"_account": account_id, "kind": kind, "record_id": record_id, "number": number}
            )
            return number
        except DuplicateKeyError:
            # another request numbered this record first, or the number was set by a loader
            other = await database.db.rest_ids.find_one(
                {"_account": account_id, "kind": kind, "record_id": record_id}, {"number": 1}
            )
            if other is not None:
                return int(other["number"])


async def rest_number(database: Database, account_id: int, kind: str, record_id: Any) -> int:
    return (await rest_numbers(database, account_id, kind, [record_id]))[record_id]


async def record_of(database: Database, account_id: int, kind: str, number: int) -> Any:
    """The record a REST number names in this account; None when it names none."""
    doc = await database.db.rest_ids.find_one(
        {"_account": account_id, "kind": kind, "number": number}, {"record_id": 1}
    )
    return None if doc is None else doc["record_id"]


async def rest_entries(
    database: Database, account_id: int, kind: str, record_ids: list[Any]
) -> dict[Any, RawDoc]:
    """The stored REST entries (number, legacy values) of records, assigned where missing."""
    await rest_numbers(database, account_id, kind, record_ids)
    cursor = database.db.rest_ids.find(
        {"_account": account_id, "kind": kind, "record_id": {"$in": record_ids}}
    )
    return {doc["record_id"]: doc async for doc in cursor}


async def set_rest_number(
    database: Database,
    account_id: int,
    kind: str,
    record_id: Any,
    number: int,
    legacy: dict[str, Any] | None = None,
    imported: dict[str, Any] | None = None,
) -> None:
    """Give a record a known number (an imported record, a documented example); the counter
    moves past it, so numbers given later never clash with it."""
    values: dict[str, Any] = {"number": number}
    if legacy is not None:
        values.update(legacy=legacy, imported=imported or {})
    await database.db.rest_ids.update_one(
        {"_account": account_id, "kind": kind, "record_id": record_id},
        {"$set": values},
        upsert=True,
    )
    await database.db.counters.update_one(
        {"_id": sequence(account_id, kind)}, {"$max": {"value": number}}, upsert=True
    )
