"""The rules of punchcards, free of GraphQL.

A punchcard copies what it snapshots (the caregiver's and patient's names, the visit's times,
service and status, the invoice's number and date, the payroll's period) from the live
records when the caller leaves it out; each of those records must be of the same account.
Once invoiced, or paid in a closed payroll, a punchcard no longer changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.common.clock import now
from app.common.documents import field_extra
from app.common.services import Actor, RawDoc
from app.common.store import RecordStore, in_transaction, records_by_id
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.visits.documents import Punchcard

Copier = Callable[[RawDoc], dict[str, Any]]


def _copy_person(doc: RawDoc) -> dict[str, Any]:
    return {"name": doc.get("name")}


def _copy_invoice(doc: RawDoc) -> dict[str, Any]:
    return {"number": doc.get("number"), "date": doc.get("invoice_date") or doc.get("date")}


def _copy_payroll(doc: RawDoc) -> dict[str, Any]:
    return {"start": doc.get("start"), "end": doc.get("end")}


# snapshot field: (collection, type named in errors, what the snapshot copies of the record)
SNAPSHOTS: dict[str, tuple[str, str, Copier]] = {
    "user": ("users", "User", _copy_person),
    "patient": ("patients", "Patient", _copy_person),
    "invoice": ("invoices", "Invoice", _copy_invoice),
    "payroll": ("payrolls", "Payroll", _copy_payroll),
}


def event_snapshot(event: RawDoc) -> dict[str, Any]:
    """What a punchcard copies of its event: times, service code and status."""
    service = event.get("service")
    code = service.get("code") if isinstance(service, dict) else service
    code = code if isinstance(code, str) else event.get("service_code")
    status = event.get("status")
    return {
        "start": event.get("start"),
        "end": event.get("end"),
        "service_code": code,
        "status": status if isinstance(status, str) else None,
    }


def punchcard_search(punchcard: Punchcard) -> dict[str, Any]:
    """The date a punchcard is listed and filtered by: clock-in, else the visit's start."""
    actual = punchcard.actual.clock_in if punchcard.actual else None
    planned = punchcard.event_snapshot.start if punchcard.event_snapshot else None
    return {"date": actual or planned or punchcard.created_date}


def is_invoiced(punchcard: RawDoc) -> bool:
    return bool((punchcard.get("invoice") or {}).get("_id"))


def _object_id(value: Any) -> ObjectId | None:
    """A stored id; a reference not yet declared as one arrives as its 24 hex digits."""
    if isinstance(value, ObjectId):
        return value
    if isinstance(value, str) and len(value) == 24 and ObjectId.is_valid(value):
        return ObjectId(value)
    return None


def _record_of(snapshot: Any) -> ObjectId | None:
    if not isinstance(snapshot, dict):
        return None
    return _object_id(snapshot.get("record", snapshot.get("_id")))


class PunchcardStore(RecordStore):
    """Punchcards: snapshots filled and checked; invoiced or closed-payroll ones frozen."""

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        items = [dict(item) for item in items]
        await self._prepare(actor, items, prefix)
        return await super().create_many(actor, items, prefix)

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        await self._check_unfrozen(actor, await self.get(actor, key))
        changes = dict(changes)
        await self._prepare(actor, [changes], None)
        return await super().update(actor, key, revision, changes)

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        await self._check_unfrozen(actor, await self.get(actor, key))
        return await super().delete(actor, key, reason, revision)

    async def _check_unfrozen(self, actor: Actor, current: RawDoc) -> None:
        if is_invoiced(current):
            raise ServiceError.one(
                "This punchcard is invoiced: it can no longer change.",
                ErrorCode.INVALID_STATE,
                "id",
            )
        payroll = _record_of(current.get("payroll"))
        if payroll is not None:
            stored = await self.database.db.payrolls.find_one(
                {"_id": payroll, "_account": actor.account_id}, {"_closed": 1}
            )
            if stored and stored.get("_closed"):
                raise ServiceError.one(
                    "This punchcard is paid in a closed payroll: it can no longer change.",
                    ErrorCode.INVALID_STATE,
                    "id",
                )

    async def _prepare(self, actor: Actor, items: list[dict[str, Any]], prefix: str | None) -> None:
        """Check every referenced record is in the account, and fill the snapshots."""
        problems: list[Problem] = []

        def where(index: int) -> str:
            return "input" if prefix is None else f"{prefix}.{index}"

        for field, (collection, type_name, copy) in SNAPSHOTS.items():
            found = await self._records(
                actor, collection, (_record_of(i.get(field)) for i in items)
            )
            for index, item in enumerate(items):
                snapshot, key = item.get(field), _record_of(item.get(field))
                if not isinstance(snapshot, dict) or key is None:
                    continue
                record = found.get(key)
                if record is None:
                    message = f"No {type_name} with this id."
                    problems.append(
                        Problem(message, ErrorCode.NOT_FOUND, f"{where(index)}.{field}.record")
                    )
                    continue
                if field == "payroll" and record.get("_closed"):
                    problems.append(
                        Problem(
                            "This payroll is closed: it takes no more punchcards.",
                            ErrorCode.INVALID_STATE,
                            f"{where(index)}.payroll.record",
                        )
                    )
                copied = {k: v for k, v in copy(record).items() if snapshot.get(k) is None}
                item[field] = {**snapshot, **copied}
        problems += await self._fill_events(actor, items, where)
        if problems:
            raise ServiceError(*problems)

    async def _fill_events(
        self, actor: Actor, items: list[dict[str, Any]], where: Any
    ) -> list[Problem]:
        events = await self._records(actor, "events", (_object_id(i.get("event")) for i in items))
        checked_by_store = not field_extra(Punchcard.model_fields["event"]).get("ref")
        problems = []
        for index, item in enumerate(items):
            key = _object_id(item.get("event"))
            if key is None:
                continue
            event = events.get(key)
            if event is None:
                if checked_by_store:
                    problems.append(
                        Problem(
                            "No Event with this id.", ErrorCode.NOT_FOUND, f"{where(index)}.event"
                        )
                    )
                continue
            given = item.get("event_snapshot")
            if given is None or isinstance(given, dict):
                copied = event_snapshot(event)
                item["event_snapshot"] = {
                    **copied,
                    **{k: v for k, v in (given or {}).items() if v is not None},
                }
        return problems

    async def _records(
        self, actor: Actor, collection: str, ids: Iterable[Any]
    ) -> dict[Any, RawDoc]:
        return await records_by_id(self.database, collection, actor.account_id, ids)


def punchcard_store(database: Database) -> PunchcardStore:
    return PunchcardStore(database, Punchcard, "Punchcard", search_keys=punchcard_search)


async def mark_punchcards(
    database: Database, actor: Actor, field: str, snapshot: RawDoc, punchcard_ids: list[Any]
) -> int:
    """Put a snapshot (`payroll` or `invoice`) on punchcards, in one transaction with an audit
    entry each. A system step (invoice or payroll generation, the demo): it also marks
    punchcards already frozen by an invoice or a closed payroll, which clerks cannot edit."""
    query = {"_id": {"$in": list(punchcard_ids)}, "_account": actor.account_id}
    found = [doc async for doc in database.db.punchcards.find(query, {field: 1})]
    if len(found) != len(set(punchcard_ids)):
        raise ServiceError.one("No punchcard with this id.", ErrorCode.NOT_FOUND, "punchcards")
    events = [
        audit_event(
            actor,
            AuditAction.UPDATE,
            "Punchcard",
            doc["_id"],
            changes=[{"field": field, "before": doc.get(field), "after": snapshot}],
        )
        for doc in found
    ]
    linked = {field: snapshot, "_last_updated_date": now()}

    async def write(session: AsyncClientSession) -> int:
        punchcards = database.db.punchcards
        versioned = await punchcards.update_many(
            {**query, "_revision": {"$exists": True}},
            {"$set": linked, "$inc": {"_revision": 1}},
            session=session,
        )
        # records loaded from the old API have no revision yet: they were at revision 1
        unversioned = await punchcards.update_many(
            {**query, "_revision": {"$exists": False}},
            {"$set": {**linked, "_revision": 2}},
            session=session,
        )
        await database.db.audit_events.insert_many(events, session=session)
        return int(versioned.modified_count + unversioned.modified_count)

    return await in_transaction(database, write)
