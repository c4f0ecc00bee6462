"""The rules of payrolls and their lines, free of GraphQL.

A closed payroll is paid: neither it nor its lines change any more, nor the punchcards it
pays. A line pays one caregiver once per payroll, and only that caregiver's live punchcards of
the payroll's period, each on one line at most. What a line copies (the caregiver's name, each
punchcard's pay) is copied from the live records when the caller leaves it out. Every line
write puts the payroll's snapshot on the punchcards it pays (and takes it off those it no
longer pays) in the same transaction, and bumps the payroll's `_lines_revision` there unless
the payroll is closed: a close racing a line write either sees the line or refuses it.
A payroll with live lines is not deleted, nor its period changed so that a punchcard its
lines pay falls outside it: both are checked inside the payroll's write, where a line write
racing it conflicts on the payroll.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.common.clock import now
from app.common.services import Actor, RawDoc, decode, snapshot_id
from app.common.store import RecordStore, records_by_id
from app.common.text import normalise
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.payroll.documents import Payroll as PayrollDocument
from app.payroll.documents import PayrollUser
from app.payroll.lines import fill_punchcards, fill_user, paid_by, paid_twice, punchcard_ids
from app.payroll.periods import account_zone, day_of, local_day, period_of
from app.visits.services import mark_punchcards

_acting: ContextVar[Actor] = ContextVar("payroll_actor")
"""Who writes a payroll or a line, for `written` (which the shared store calls without the
actor)."""


def _count(number: int, what: str) -> str:
    return f"{number} {what}" if number == 1 else f"{number} {what}s"


def is_closed(payroll: RawDoc | None) -> bool:
    return bool(payroll and payroll.get("_closed"))


def closed_problem(field: str | None = "id") -> ServiceError:
    return ServiceError.one(
        "This payroll is closed: it and its lines can no longer change.",
        ErrorCode.INVALID_STATE,
        field,
    )


def line_search(line: PayrollUser) -> dict[str, Any]:
    name = line.user.name
    sort = normalise(f"{name.last} {name.first}") if name is not None else ""
    return {"sort": sort}


class PayrollStore(RecordStore):
    """Payrolls: a closed one refuses updates and deletion; closing is its own step. One
    with live lines refuses deletion, and a new period that would leave out a punchcard its
    lines pay; a new period is copied onto the punchcards its lines pay."""

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        if is_closed(await self.get(actor, key)):
            raise closed_problem()
        _acting.set(actor)
        return await super().update(actor, key, revision, changes)

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        if is_closed(await self.get(actor, key)):
            raise closed_problem()
        return await super().delete(actor, key, reason, revision)

    async def written(self, session: AsyncClientSession, before: RawDoc, after: RawDoc) -> None:
        """In the payroll's write: refuse a deletion leaving live lines, or a new period
        leaving out punchcards they pay (else copy it onto them)."""
        if after.get("_deleted") and not before.get("_deleted"):
            lines = await self._live_lines(after, session)
            if lines:
                raise ServiceError.one(
                    f"This payroll has {_count(len(lines), 'line')}: delete its lines first.",
                    ErrorCode.INVALID_STATE,
                    "id",
                )
        elif period_of(after) != period_of(before):
            await self._checkperiod_of(before, after, session)

    async def _live_lines(self, payroll: RawDoc, session: AsyncClientSession) -> list[RawDoc]:
        query = {"_account": payroll["_account"], "payroll": payroll["_id"]}
        cursor = self.database.db.payrollsusers.find(
            {**query, "_deleted": {"$ne": True}}, {"punchcards._id": 1}, session=session
        )
        return [line async for line in cursor]

    async def _checkperiod_of(
        self, before: RawDoc, after: RawDoc, session: AsyncClientSession
    ) -> None:
        period = period_of(after)
        lines = await self._live_lines(after, session)
        cards = [c for line in lines for c in punchcard_ids(line.get("punchcards"))]
        if period is None or not cards:
            return
        zone = await account_zone(self.database, after["_account"])
        early = late = 0
        cursor = self.database.db.punchcards.find(
            {"_id": {"$in": cards}, "_account": after["_account"]},
            {"_search.date": 1},
            session=session,
        )
        async for card in cursor:
            day = local_day((card.get("_search") or {}).get("date"), zone)
            early += day is not None and day < period[0]
            late += day is not None and day > period[1]
        end_moved = day_of(before.get("end")) != day_of(after.get("end"))
        late_field = "input.end" if end_moved else "input.periodExtra"
        problems = [
            Problem(
                f"{_count(count, 'punchcard')} paid on this payroll's lines would fall "
                f"{side} {day}: take {'it' if count == 1 else 'them'} off the lines first.",
                ErrorCode.INVALID,
                field,
            )
            for count, side, day, field in (
                (early, "before", period[0], "input.start"),
                (late, "after", period[1], late_field),
            )
            if count
        ]
        if problems:
            raise ServiceError(*problems)
        snapshot = {"_id": after["_id"], "start": after.get("start"), "end": after.get("end")}
        await mark_punchcards(
            self.database, _acting.get(), "payroll", snapshot, cards, session=session
        )

    async def close(self, actor: Actor, key: Any, revision: int) -> RawDoc:
        """Close a payroll: it is paid, and from now on it and its lines are frozen."""
        current = await self.get(actor, key)
        self._check_revision(current, revision)
        self._check_not_deleted(current)
        if is_closed(current):
            raise ServiceError.one("This payroll is already closed.", ErrorCode.INVALID_STATE, "id")
        stamp = now()
        closed = {"_closed": True, "_closed_date": stamp, "_closed_user": actor.user_id}
        event = audit_event(
            actor,
            AuditAction.UPDATE,
            self.record_type,
            key,
            changes=[
                {"field": "closed", "before": False, "after": True},
                {"field": "closedDate", "before": None, "after": stamp},
            ],
        )
        return await self._write(current, {"$set": {**closed, "_last_updated_date": stamp}}, event)


class PayrollUserStore(RecordStore):
    """Payroll lines: checked against their payroll, caregiver and punchcards; each write
    marks the punchcards it pays in the same transaction."""

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        items = [{**item, "created_user": actor.user_id} for item in items]
        await self._prepare(actor, items, prefix)
        return await super().create_many(actor, items, prefix)

    async def insert_new(
        self,
        actor: Actor,
        raws: list[RawDoc],
        also: Callable[[AsyncClientSession], Awaitable[None]] | None = None,
    ) -> list[RawDoc]:
        async def mark(session: AsyncClientSession) -> None:
            field = "input.payroll" if len(raws) == 1 else "input"
            await self._mark(actor, [(None, raw) for raw in raws], session, field)
            if also is not None:
                await also(session)

        return await super().insert_new(actor, raws, also=mark)

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        current = await self._open_line(actor, key)
        changes = dict(changes)
        moved = any(name in changes for name in ("user", "payroll"))
        if moved and "punchcards" not in changes and current.get("punchcards"):
            # another caregiver or payroll: the punchcards kept must fit it too
            changes["punchcards"] = decode(current["punchcards"])
        await self._prepare(actor, [changes], None, current)
        _acting.set(actor)
        return await super().update(actor, key, revision, changes)

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        await self._open_line(actor, key)
        _acting.set(actor)
        return await super().delete(actor, key, reason, revision)

    async def restore(self, actor: Actor, key: Any) -> RawDoc:
        current = await self._open_line(actor, key)
        # while it was deleted, another line may have taken its caregiver or punchcards
        await self._unique_lines(actor, [decode(current)], None, current)
        _acting.set(actor)
        return await super().restore(actor, key)

    async def _open_line(self, actor: Actor, key: Any) -> RawDoc:
        current = await self.get(actor, key)
        payroll = await self.database.db.payrolls.find_one(
            {"_id": current.get("payroll"), "_account": actor.account_id}, {"_closed": 1}
        )
        if is_closed(payroll):
            raise closed_problem()
        return current

    async def written(self, session: AsyncClientSession, before: RawDoc, after: RawDoc) -> None:
        """The line's punchcards are marked (and its payroll's lines counted) in its write."""
        await self._mark(_acting.get(), [(before, after)], session, "id")

    async def _mark(
        self,
        actor: Actor,
        changes: list[tuple[RawDoc | None, RawDoc]],
        session: AsyncClientSession,
        field: str,
    ) -> None:
        """In the line write's transaction: bump each payroll touched unless it is closed
        (re-read there, so a close that committed first refuses the write), take the payroll
        off the punchcards no longer paid, and put it on those paid."""
        touched = {
            line.get("payroll")
            for pair in changes
            for line in pair
            if line is not None and line.get("payroll") is not None
        }
        periods: dict[Any, RawDoc] = {}
        for payroll in touched:
            found = await self.database.db.payrolls.find_one_and_update(
                {"_id": payroll, "_account": actor.account_id, "_closed": {"$ne": True}},
                {"$inc": {"_lines_revision": 1}},
                projection={"start": 1, "end": 1, "_deleted": 1},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if found is None:
                raise closed_problem(field)
            periods[payroll] = found
        live_in = {paid_by(after)[0] for _, after in changes} - {None}
        if any(periods[payroll].get("_deleted") for payroll in live_in):
            # a live line in a deleted payroll (restored, or racing the payroll's deletion)
            raise ServiceError.one("This payroll is deleted.", ErrorCode.INVALID_STATE, field)
        clear: set[Any] = set()
        paid: dict[Any, list[Any]] = {}
        for before, after in changes:
            was, cards_before = paid_by(before)
            now_in, cards_after = paid_by(after)
            clear |= {c for c in cards_before if was != now_in or c not in cards_after}
            if now_in is not None:
                paid.setdefault(now_in, []).extend(cards_after)
        clear -= {c for cards in paid.values() for c in cards}
        if clear:
            await mark_punchcards(
                self.database, actor, "payroll", None, sorted(clear), session=session
            )
        for payroll, cards in paid.items():
            period = periods[payroll]
            snapshot = {"_id": payroll, "start": period.get("start"), "end": period.get("end")}
            await mark_punchcards(self.database, actor, "payroll", snapshot, cards, session=session)

    async def _prepare(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None,
        current: RawDoc | None = None,
    ) -> None:
        """Check the references that need the stored state, and fill the copied values."""
        account = actor.account_id
        users = [snapshot_id(item.get("user")) for item in items]
        cards = [punchcard_ids(item.get("punchcards")) for item in items]
        payroll_of = [item.get("payroll", (current or {}).get("payroll")) for item in items]
        payrolls = await records_by_id(self.database, "payrolls", account, payroll_of)
        people = await records_by_id(self.database, "users", account, users)
        punchcards = await records_by_id(
            self.database, "punchcards", account, (c for ids in cards for c in ids)
        )
        zone = await account_zone(self.database, account) if punchcards else dt.UTC
        problems: list[Problem] = []
        for index, item in enumerate(items):
            where = "input" if prefix is None else f"{prefix}.{index}"
            problems += self._check_payroll(item, payrolls, where)
            problems += fill_user(item, people, where)
            caregiver = snapshot_id(item.get("user")) or snapshot_id((current or {}).get("user"))
            period = period_of(payrolls.get(payroll_of[index]))
            problems += fill_punchcards(item, punchcards, caregiver, period, zone, where)
        if problems:
            raise ServiceError(*problems)
        await self._unique_lines(actor, items, prefix, current)

    @staticmethod
    def _check_payroll(
        item: dict[str, Any], payrolls: dict[Any, RawDoc], where: str
    ) -> list[Problem]:
        key = item.get("payroll")
        if not isinstance(key, ObjectId):
            return []
        payroll = payrolls.get(key)
        if payroll is None:
            return [Problem("No Payroll with this id.", ErrorCode.NOT_FOUND, f"{where}.payroll")]
        if is_closed(payroll):
            return [closed_problem(f"{where}.payroll").problems[0]]
        if payroll.get("_deleted"):
            return [
                Problem("This payroll is deleted.", ErrorCode.INVALID_STATE, f"{where}.payroll")
            ]
        return []

    async def _unique_lines(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None,
        current: RawDoc | None,
    ) -> None:
        """One line per caregiver and payroll; each punchcard on one line at most."""
        problems: list[Problem] = []
        others: dict[str, Any] = {"_account": actor.account_id, "_deleted": {"$ne": True}}
        if current is not None:
            others["_id"] = {"$ne": current["_id"]}
        pairs: dict[int, tuple[Any, Any]] = {}
        for index, item in enumerate(items):
            payroll = item.get("payroll", (current or {}).get("payroll"))
            user = snapshot_id(item.get("user")) or snapshot_id((current or {}).get("user"))
            if ("payroll" in item or "user" in item) and payroll is not None and user is not None:
                pairs[index] = (payroll, user)
        taken_pairs: set[tuple[Any, Any]] = set()
        if pairs:
            query = {
                **others,
                "payroll": {"$in": list({p for p, _ in pairs.values()})},
                "user._id": {"$in": list({u for _, u in pairs.values()})},
            }
            async for line in self.collection.find(query, {"payroll": 1, "user._id": 1}):
                taken_pairs.add((line.get("payroll"), (line.get("user") or {}).get("_id")))
        seen: set[tuple[Any, Any]] = set()
        paid: dict[Any, int] = {}
        for index, item in enumerate(items):
            where = "input" if prefix is None else f"{prefix}.{index}"
            pair = pairs.get(index)
            if pair is not None:
                if pair in seen or pair in taken_pairs:
                    problems.append(
                        Problem(
                            "This caregiver already has a line in this payroll.",
                            ErrorCode.DUPLICATE,
                            f"{where}.user.record",
                        )
                    )
                seen.add(pair)
            for number, card in enumerate(punchcard_ids(item.get("punchcards"))):
                if card in paid:
                    problems.append(paid_twice(f"{where}.punchcards.{number}.record"))
                paid[card] = index
        if paid:
            cursor = self.collection.find(
                {**others, "punchcards._id": {"$in": list(paid)}}, {"punchcards._id": 1}
            )
            taken = {p.get("_id") async for line in cursor for p in line.get("punchcards", [])}
            for index, item in enumerate(items):
                where = "input" if prefix is None else f"{prefix}.{index}"
                for number, card in enumerate(punchcard_ids(item.get("punchcards"))):
                    if card in taken:
                        problems.append(paid_twice(f"{where}.punchcards.{number}.record"))
        if problems:
            raise ServiceError(*problems)


def payroll_store(database: Database) -> PayrollStore:
    return PayrollStore(database, PayrollDocument, "Payroll")


def payroll_user_store(database: Database) -> PayrollUserStore:
    return PayrollUserStore(database, PayrollUser, "PayrollUser", search_keys=line_search)
