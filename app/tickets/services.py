"""The rules of care tickets, free of GraphQL and HTTP: the graph, the REST API and the loaders
call these.

A ticket is one document: its category statuses, their comments and its attachments live
inside it, so creating a ticket with its statuses is one insert, committed with its audit entry,
and every later change (a status move, a comment, an attachment) is one guarded update of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from app.common.clock import now
from app.common.documents import FileSnapshot
from app.common.services import Actor, RawDoc, encode, item_path, validated
from app.common.text import keywords, name_of, normalise
from app.data.records import Also, RecordStore
from app.data.unit import Tx
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
from app.tickets.rest_ids import number_new

MAX_COMMENT = 5000


def ticket_search(ticket: Ticket) -> dict[str, Any]:
    return {"title": keywords(ticket.title), "sort": normalise(ticket.title)}


def status_of(value: Any) -> TicketStatus:
    return value if isinstance(value, TicketStatus) else TicketStatus(value)


def move_refusal(
    current: TicketStatus, wanted: TicketStatus, field: str, rest_names: bool = False
) -> ServiceError | None:
    """Why a ticket cannot move from one status to another, if it cannot. Statuses are named
    as the graph names them (CLOSED, IN_PROGRESS), or as the REST API does (Closed, In
    Progress) with `rest_names`."""
    if wanted == current or wanted in MOVES[current]:
        return None

    def named(status: TicketStatus) -> str:
        return str(status.value) if rest_names else status.name

    allowed = ", ".join(named(s) for s in TicketStatus if s in MOVES[current]) or "none"
    return ServiceError.one(
        f"A ticket that is {named(current)} cannot move to {named(wanted)} "
        f"(it can move to {allowed}).",
        ErrorCode.INVALID_STATE,
        field,
    )


@dataclass
class TicketStore(RecordStore):
    """Tickets: categories of the same account given once each, comments kept on update,
    statuses moved only along the allowed moves, residents not deleted. New tickets get their
    REST number in the transaction that creates them."""

    fixed: dict[str, dict[Any, int]] = field(default_factory=dict)
    """Known REST numbers to give in that transaction, by kind then record id (the documented
    examples: a ticket's and its comments')."""
    assigned: dict[Any, int] = field(default_factory=dict)
    """The REST numbers the last creation gave its tickets, by ticket id."""

    @property
    def what(self) -> str:
        return "ticket"

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        names = await self._categories(actor, items)
        problems: list[Problem] = []
        ready = []
        for index, item in enumerate(items):
            where = item_path(prefix, index)
            try:
                ready.append({**item, **_with_titles(item, names, [], where)})
            except ServiceError as refusal:
                problems += refusal.problems
        problems += await self._deleted_residents(actor, items, prefix)
        if problems:
            raise ServiceError(*problems)
        return await super().create_many(actor, ready, prefix, also)

    async def inserted(self, tx: Tx, raws: list[RawDoc]) -> None:
        ids = [raw["_id"] for raw in raws]
        fixed = self.fixed.get("ticket") or {}
        self.assigned = await number_new(tx, "ticket", ids, fixed)
        for kind, numbers in self.fixed.items():
            if kind != "ticket":
                await number_new(tx, kind, [], numbers)

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        current = await self.get(actor, key)
        self.check_revision(current, revision)
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
        return await super().update(actor, key, revision, changes, also)

    async def update_status(
        self,
        actor: Actor,
        key: Any,
        status: TicketStatus,
        revision: int | None = None,
        rest_names: bool = False,
    ) -> RawDoc:
        """Move a ticket to a status along the allowed moves; the same status changes nothing.
        A refusal names the statuses as the REST API does with `rest_names`."""
        current = await self.get(actor, key)
        if revision is not None:
            self.check_revision(current, revision)
        self.check_not_deleted(current)
        stored = status_of(current["ticket_status"])
        if stored == status:
            return current
        refusal = move_refusal(stored, status, "status", rest_names)
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

        `user` is the writing user; without one the person signed in writes it, or an API
        client under its own name.
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
        self.check_not_deleted(current)
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
        user = user if user is not None else actor.user_id
        if user is not None:
            found = await self.scope(actor)["users"].find_one({"_id": user}, {"name": 1})
            if found is None:
                raise ServiceError.one("No User with this id.", ErrorCode.NOT_FOUND, "user")
            name = name_of(found)
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
        changes = [{"field": f"categories.{index}.comments", "before": None, "after": comment}]
        return await self.write(actor, current, update, changes=changes), comment

    async def attach_file(self, actor: Actor, key: Any, file: Any) -> RawDoc:
        """Attach a File record of the same account (a snapshot of it, as records keep files)."""
        current = await self.get(actor, key)
        self.check_not_deleted(current)
        raw = await self.scope(actor)["files"].find_one({"_id": file, "_deleted": {"$ne": True}})
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
        changes = [{"field": "attachments", "before": None, "after": snapshot}]
        return await self.write(actor, current, update, changes=changes)

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
        fields = {"name": 1, "_deleted": 1}
        found = await self.scope(actor)["ticket_categories"].by_ids(ids, fields)
        return {key: str(doc["name"]) for key, doc in found.items() if not doc.get("_deleted")}

    async def _deleted_residents(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None
    ) -> list[Problem]:
        ids = {item.get("resident") for item in items if item.get("resident") is not None}
        if not ids:
            return []
        found = await self.scope(actor)["patients"].by_ids(ids, {"_deleted": 1})
        deleted = {key for key, doc in found.items() if doc.get("_deleted")}
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


def ticket_store(database: Database, fixed: dict[str, dict[Any, int]] | None = None) -> TicketStore:
    return TicketStore(database, Ticket, "Ticket", search_keys=ticket_search, fixed=fixed or {})


def category_search(category: TicketCategory) -> dict[str, Any]:
    return {"title": normalise(category.name), "name": keywords(category.name)}


def category_store(database: Database) -> RecordStore:
    return RecordStore(
        database, TicketCategory, "TicketCategory", search_keys=category_search,
        unique_field="name",
    )  # fmt: skip
