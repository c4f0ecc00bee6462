"""The rules of punchcards, free of GraphQL.

A punchcard copies what it snapshots (the caregiver's and patient's names, the visit's times,
service and status) from the live records when the caller leaves it out; each of those records
must be of the same account. Its `invoice` and `payroll` snapshots are set only by system steps
(an invoice, a payroll line) through `app.visits.marking`, never by a clerk's punchcard edit.
Once invoiced, or paid in a closed payroll, a punchcard no longer changes. On an open
payroll's line, its pay and caregiver do not change either (the line copies them): take it
off the line first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bson import ObjectId

from app.common.services import Actor, RawDoc, decode, item_path, snapshot_id
from app.data.records import Also, Known, RecordStore
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.visits.corrections import corrected, keep_verification, signed
from app.visits.documents import Punchcard
from app.visits.marking import SYSTEM_SNAPSHOTS
from app.visits.reviews import reviewed

Copier = Callable[[RawDoc], dict[str, Any]]


def _copy_person(doc: RawDoc) -> dict[str, Any]:
    return {"name": doc.get("name")}


# snapshot field: (collection, type named in errors, what the snapshot copies of the record)
SNAPSHOTS: dict[str, tuple[str, str, Copier]] = {
    "user": ("users", "User", _copy_person),
    "patient": ("patients", "Patient", _copy_person),
}
SYSTEM_SET = {**SYSTEM_SNAPSHOTS, "billed_shares": "invoice generation"}
"""What no punchcard write may give: system steps set it."""


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
    """Billed in whole, or a payer's share of it billed."""
    return bool((punchcard.get("invoice") or {}).get("_id")) or bool(punchcard.get("billed_shares"))


class PunchcardStore(RecordStore):
    """Punchcards: snapshots filled and checked; invoiced or closed-payroll ones frozen."""

    async def prepare_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        known: Known = None,
    ) -> list[RawDoc]:
        # recorded by the office (a visit not punched), it may say why, as a correction does
        items = [
            {**item, "correction": signed(actor, item["correction"])}
            if isinstance(item.get("correction"), dict) else dict(item)
            for item in items
        ]  # fmt: skip
        for item in items:  # flagged, or entered by hand: it waits for the office's review
            method = (item.get("actual") or {}).get("method")
            item["review"] = reviewed(item.get("review"), item.get("flags"), method)
        # the records the snapshots were copied from are those the references name: read once
        read = await self._prepare(actor, items, prefix, known)
        return await super().prepare_many(actor, items, prefix, read)

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        # what the caller gives is checked; what a correction computes (bill, pay) is the
        # rules', at the rates the caller may not read
        self.refuse_unwritable(actor, [changes], None)
        return await self.patch(actor, await self.get(actor, key), revision, changes, also)

    async def patch(
        self,
        actor: Actor,
        current: RawDoc,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        await self._check_unfrozen(actor, current)
        changes = await self._corrected(actor, current, changes)
        changes = keep_verification(current, changes)
        await self._prepare(actor, [changes], None)
        return await super().patch(actor.computing(), current, revision, changes, also)

    async def _corrected(
        self, actor: Actor, current: RawDoc, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """The changes, completed when they correct the punches (see corrections.py), from
        the visit, account and patient whole."""
        return await corrected(self.scope(actor).whole_account(), current, changes)

    async def delete(
        self,
        actor: Actor,
        key: Any,
        reason: str,
        revision: int | None,
        also: Also | None = None,
    ) -> RawDoc:
        await self._check_unfrozen(actor, await self.get(actor, key))
        return await super().delete(actor, key, reason, revision, also)

    async def written(self, tx: Tx, before: RawDoc, after: RawDoc) -> None:
        """In the update's transaction (`after` carries the payroll as it is there): a
        punchcard a payroll line pays keeps the pay and caregiver the line copied, and is not
        deleted from under it."""
        if snapshot_id(after.get("payroll")) is None:
            return
        if after.get("_deleted") and not before.get("_deleted"):
            raise ServiceError.one(
                "This punchcard is paid on a payroll line: take it off its line first.",
                ErrorCode.INVALID_STATE,
                "id",
            )
        problems = [
            Problem(
                f"This punchcard is paid on a payroll line: take it off its payroll line first "
                f"to change its {what}.",
                ErrorCode.INVALID_STATE,
                field,
            )
            for what, field, value in (
                ("pay", "input.pay", _paid),
                ("caregiver", "input.user.record", lambda doc: snapshot_id(doc.get("user"))),
            )
            if value(before) != value(after)
        ]
        if problems:
            raise ServiceError(*problems)

    async def _check_unfrozen(self, actor: Actor, current: RawDoc) -> None:
        if is_invoiced(current):
            raise ServiceError.one(
                "This punchcard is invoiced: it can no longer change. Credit the invoice "
                "(invoiceCredit) to correct what it billed.",
                ErrorCode.INVALID_STATE,
                "id",
            )
        payroll = snapshot_id(current.get("payroll"))
        if payroll is not None:  # whoever may see the payroll: its closing freezes the card
            payrolls = self.scope(actor).whole_account()["payrolls"]
            stored = await payrolls.find_one({"_id": payroll}, {"_closed": 1})
            if stored and stored.get("_closed"):
                raise ServiceError.one(
                    "This punchcard is paid in a closed payroll: it can no longer change. "
                    "Adjust the caregiver's pay on their next payroll (payrollUserAdjustmentAdd) "
                    "instead.",
                    ErrorCode.INVALID_STATE,
                    "id",
                )

    async def _prepare(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None,
        known: Known = None,
    ) -> dict[str, dict[Any, RawDoc]]:
        """Check every referenced record is in the account, and fill the snapshots; the
        records read (or `known` already), by collection."""
        problems: list[Problem] = []
        read: dict[str, dict[Any, RawDoc]] = {}

        def where(index: int) -> str:
            return item_path(prefix, index)

        for index, item in enumerate(items):
            # the GraphQL inputs cannot hold them; a script calling the store must not either
            problems += [
                Problem(f"Set by {who}, not here.", ErrorCode.INVALID, f"{where(index)}.{field}")
                for field, who in SYSTEM_SET.items()
                if item.get(field)
            ]
        for field, (collection, type_name, copy) in SNAPSHOTS.items():
            found = read[collection] = await self._records(
                actor, collection, (snapshot_id(i.get(field)) for i in items), known
            )
            for index, item in enumerate(items):
                snapshot, key = item.get(field), snapshot_id(item.get(field))
                if not isinstance(snapshot, dict) or key is None:
                    continue
                record = found.get(key)
                if record is None:
                    message = f"No {type_name} with this id."
                    problems.append(
                        Problem(message, ErrorCode.NOT_FOUND, f"{where(index)}.{field}.record")
                    )
                    continue
                copied = {k: v for k, v in copy(record).items() if snapshot.get(k) is None}
                item[field] = {**snapshot, **copied}
        if problems:
            raise ServiceError(*problems)
        read["events"] = await self._fill_events(actor, items, known)
        return read

    async def _fill_events(
        self, actor: Actor, items: list[dict[str, Any]], known: Known = None
    ) -> dict[Any, RawDoc]:
        """Copy each punchcard's visit into its event snapshot. An event of another account is
        not found here and copies nothing: the shared reference check refuses it (NOT_FOUND)."""
        keys = [k for k in (i.get("event") for i in items) if isinstance(k, ObjectId)]
        events = await self._records(actor, "events", keys, known)
        for item in items:
            event = events.get(item.get("event"))
            given = item.get("event_snapshot")
            if event is not None and (given is None or isinstance(given, dict)):
                copied = event_snapshot(event)
                item["event_snapshot"] = {
                    **copied,
                    **{k: v for k, v in (given or {}).items() if v is not None},
                }
        return events

    async def _records(
        self, actor: Actor, collection: str, ids: Iterable[Any], known: Known = None
    ) -> dict[Any, RawDoc]:
        """The records with these ids through the actor's scope: those `known` as they are,
        the others read (one query)."""
        held = (known or {}).get(collection, {})
        wanted = [key for key in ids if key is not None]
        found = {key: held[key] for key in wanted if key in held}
        missing = [key for key in wanted if key not in found]
        if missing:
            found.update(await self.scope(actor)[collection].by_ids(missing))
        return found


def _paid(punchcard: RawDoc) -> tuple[Any, ...]:
    """What a payroll line copies of a punchcard's pay (stored money read as Decimal)."""
    pay = decode(punchcard.get("pay") or {})
    return tuple(pay.get(name) for name in ("hours", "rate", "amount"))


def punchcard_store(database: Database) -> PunchcardStore:
    return PunchcardStore(database, Punchcard, "Punchcard", search_keys=punchcard_search)
