"""The rules of patients and their progress notes, free of GraphQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from pydantic import BaseModel

from app.common.clock import now
from app.common.codes import Permission
from app.common.search import person_search
from app.common.services import Actor, RawDoc, encode, item_path
from app.common.text import camel, keywords
from app.data.audit import changes_between
from app.data.records import Also, RecordStore
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.patients.documents import (
    PRIORITY_RANK,
    Patient,
    ProgressNote,
    ProgressNoteApproval,
)


def patient_search(patient: Patient) -> dict[str, Any]:
    return person_search(patient.name, patient.locations, patient.languages)


def patient_store(database: Database) -> RecordStore:
    return RecordStore(database, Patient, "Patient", search_keys=patient_search)


def note_search(note: ProgressNote) -> dict[str, Any]:
    """Words of the title, and the priority as a number so lists sort by urgency."""
    return {"title": keywords(note.title), "priority": PRIORITY_RANK[note.priority]}


# Where each snapshot list of a note is read from, and what is copied from it.
SNAPSHOTS = {
    "tags": ("tags", "tag", ("name", "color")),
    "users": ("users", "user", ("name",)),
}


class ProgressNoteStore(RecordStore):
    """Progress notes, with the rules a clerk expects.

    - Tags and tagged users are given as ids and stored as snapshots (name, colour) of records
      of the same account; a deleted tag or user cannot be newly put on a note.
    - `service` and `patient_services` are codes of the account's services.
    - `invoice_to.client` is a record of the same account.
    - Private notes exist only for callers whose role has VIEW_SENSITIVE: to anyone else, a
      private note answers NOT_FOUND and making a note private is FORBIDDEN.
    - `_created_user` / `_last_updated_user` are the acting user (none for an API client).
    - Approval is its own action (`approve`), refused with INVALID_STATE when already given.
    """

    @property
    def what(self) -> str:
        return "progress note"

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        private = [i for i, item in enumerate(items) if item.get("private")]
        if private and not self.sees_private(actor):
            raise _forbidden_private(item_path(prefix, private[0]))
        prepared = [
            {**item, "created_user": actor.user_id, "last_updated_user": actor.user_id}
            for item in items
        ]
        await self._prepare(actor, prepared, prefix, current=None)
        return await super().create_many(actor, prepared, prefix, also)

    async def inserted(self, tx: Tx, raws: list[RawDoc]) -> None:
        """The entries of private notes are marked private (shown only to VIEW_SENSITIVE)
        before the transaction commits, so none is ever seen unmarked."""
        private = [raw["_id"] for raw in raws if raw.get("private")]
        if private:
            tx.mark_entries(self.record_type, private, private=True)

    async def write(
        self, actor: Actor, current: RawDoc, update: dict[str, Any], **details: Any
    ) -> RawDoc:
        """Every change to a note that is private, or becomes private, has a private entry."""
        if current.get("private") or update.get("$set", {}).get("private"):
            details["private"] = True
        return await super().write(actor, current, update, **details)

    def validate_new(self, actor: Actor, data: dict[str, Any]) -> BaseModel:
        """A script importing notes (the demo, a migration) may keep when each was written; the
        GraphQL inputs cannot send `created_date`, so clients always get the current time."""
        document = super().validate_new(actor, data)
        written = data.get("created_date")
        if isinstance(written, dt.datetime):
            document.created_date = document.last_updated_date = written  # type: ignore[attr-defined]
        return document

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        current = await self.get_visible(actor, key)
        if changes.get("private") and not self.sees_private(actor):
            raise _forbidden_private("input")
        changes = {**changes, "last_updated_user": actor.user_id}
        prepared = [changes]
        await self._prepare(actor, prepared, None, current=current)
        return await super().update(actor, key, revision, prepared[0], also)

    async def delete(
        self,
        actor: Actor,
        key: Any,
        reason: str,
        revision: int | None,
        also: Also | None = None,
    ) -> RawDoc:
        await self.get_visible(actor, key)
        return await super().delete(actor, key, reason, revision, also)

    async def restore(self, actor: Actor, key: Any, also: Also | None = None) -> RawDoc:
        await self.get_visible(actor, key)
        return await super().restore(actor, key, also)

    async def approve(self, actor: Actor, key: Any, revision: int) -> RawDoc:
        """Approve a note as the actor, now; refused if it is already approved or deleted."""
        current = await self.get_visible(actor, key)
        self.check_revision(current, revision)
        self.check_not_deleted(current)
        if (current.get("approval") or {}).get("approved"):
            raise ServiceError.one(
                "This progress note is already approved.", ErrorCode.INVALID_STATE, "id"
            )
        stamp = now()
        approval = encode(
            ProgressNoteApproval(
                approved=True,
                approved_date=stamp,
                approved_by=actor.user_id,
                api_client=None if actor.user_id else actor.api_client_name,
            )
        )
        updated: dict[str, Any] = {"approval": approval, "_last_updated_date": stamp}
        update: dict[str, Any] = {"$set": updated}
        if actor.user_id is not None:
            updated["_last_updated_user"] = actor.user_id
        elif "_last_updated_user" in current:
            update["$unset"] = {"_last_updated_user": ""}
        changes = changes_between(current, {**current, "approval": approval}, {"approval"})
        return await self.write(actor, current, update, changes=changes)

    async def get_visible(self, actor: Actor, key: Any) -> RawDoc:
        """The note, unless it is private and the actor may not see private notes."""
        current = await self.get(actor, key)
        if current.get("private") and not self.sees_private(actor):
            raise ServiceError.one(f"No {self.what} with this id.", ErrorCode.NOT_FOUND, "id")
        return current

    @staticmethod
    def sees_private(actor: Actor) -> bool:
        """Whether the actor's role has VIEW_SENSITIVE (the agency's own scripts always do)."""
        return actor.may(Permission.VIEW_SENSITIVE)

    async def _prepare(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None,
        current: RawDoc | None,
    ) -> None:
        """Turn ids into snapshots and check codes and nested references, in place; every
        problem of every item is reported together."""
        problems: list[Problem] = []
        for field, (collection, what, copied) in SNAPSHOTS.items():
            problems += await self._snapshot(
                actor, items, field, collection, what, copied, prefix, current
            )
        problems += await self._check_services(actor, items, prefix)
        problems += await self._check_clients(actor, items, prefix)
        if problems:
            raise ServiceError(*problems)

    async def _snapshot(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        field: str,
        collection: str,
        what: str,
        copied: tuple[str, ...],
        prefix: str | None,
        current: RawDoc | None,
    ) -> list[Problem]:
        if not any(field in item for item in items):
            return []
        for item in items:
            if field in item:
                item[field] = _distinct(_id_of(value) for value in item[field] or [])
        wanted = {key for item in items for key in item.get(field, [])}
        fields = {**dict.fromkeys(copied, 1), "_deleted": 1}
        found = await self.scope(actor)[collection].by_ids(wanted, fields)
        already = {entry.get("_id") for entry in (current or {}).get(field) or []}
        problems = []
        for index, item in enumerate(items):
            if field not in item:
                continue
            where = f"{item_path(prefix, index)}.{field}"
            for position, key in enumerate(item[field]):
                doc = found.get(key)
                if doc is None:
                    problems.append(
                        Problem(
                            f"No {what} with this id.", ErrorCode.NOT_FOUND, f"{where}.{position}"
                        )
                    )
                elif doc.get("_deleted") and key not in already:
                    problems.append(
                        Problem(
                            f"This {what} is deleted; restore it before using it.",
                            ErrorCode.INVALID_STATE,
                            f"{where}.{position}",
                        )
                    )
            item[field] = [
                {"record": key, **{k: found[key].get(k) for k in copied}}
                for key in item[field]
                if key in found
            ]
        return problems

    async def _check_services(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None
    ) -> list[Problem]:
        for item in items:
            if item.get("patient_services") is not None:
                item["patient_services"] = _distinct(
                    str(code).strip() for code in item["patient_services"]
                )
            elif "patient_services" in item:
                item["patient_services"] = []
            if isinstance(item.get("service"), str):
                item["service"] = item["service"].strip()
        used = {code for item in items for code in _codes(item)}
        if not used:
            return []
        account = await self.scope(actor)["accounts"].find_one(
            {"_id": actor.account_id}, {"services.code": 1}
        )
        known = {s.get("code") for s in (account or {}).get("services", [])}
        problems = []
        for index, item in enumerate(items):
            where = item_path(prefix, index)
            if item.get("service") and item["service"] not in known:
                problems.append(_no_service(item["service"], f"{where}.service"))
            for position, code in enumerate(item.get("patient_services") or []):
                if code not in known:
                    problems.append(_no_service(code, f"{where}.patientServices.{position}"))
        return problems

    async def _check_clients(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None
    ) -> list[Problem]:
        wanted = {
            client
            for item in items
            if isinstance(item.get("invoice_to"), dict)
            and (client := item["invoice_to"].get("client")) is not None
        }
        if not wanted:
            return []
        # check_references looks at top-level ids only: this one is inside a subdocument
        found = await self.scope(actor)["clients"].by_ids(wanted, {"_id": 1})
        return [
            Problem(
                "No client with this id.",
                ErrorCode.NOT_FOUND,
                f"{item_path(prefix, index)}.invoiceTo.client",
            )
            for index, item in enumerate(items)
            if isinstance(item.get("invoice_to"), dict)
            and item["invoice_to"].get("client") is not None
            and item["invoice_to"]["client"] not in found
        ]


def progress_note_store(database: Database) -> ProgressNoteStore:
    return ProgressNoteStore(database, ProgressNote, "ProgressNote", search_keys=note_search)


def _forbidden_private(where: str) -> ServiceError:
    return ServiceError.one(
        "Only roles with VIEW_SENSITIVE may write private notes.",
        ErrorCode.FORBIDDEN,
        f"{where}.{camel('private')}",
    )


def _no_service(code: str, field: str) -> Problem:
    return Problem(f"The account has no service {code!r}.", ErrorCode.NOT_FOUND, field)


def _codes(item: dict[str, Any]) -> list[str]:
    return [
        *([item["service"]] if item.get("service") else []),
        *(item.get("patient_services") or []),
    ]


def _id_of(value: Any) -> Any:
    """An id as given: an ObjectId, or a snapshot (from a script) carrying one."""
    if isinstance(value, dict):
        return value.get("_id", value.get("record"))
    return ObjectId(value) if isinstance(value, str) and ObjectId.is_valid(value) else value


def _distinct(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
