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
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.common.clock import now
from app.common.money import MAX_AMOUNT, MAX_QUANTITY, ZERO, to_cent
from app.common.services import Actor, RawDoc, decode, snapshot_id
from app.common.store import RecordStore, records_by_id
from app.common.text import normalise
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.payroll.documents import Payroll as PayrollDocument
from app.payroll.documents import PayrollUser, signed
from app.visits.services import mark_punchcards


@dataclass(frozen=True)
class Totals:
    """What a payroll line (or a whole payroll) adds up to."""

    hours: Decimal = Decimal(0)
    gross: Decimal = ZERO
    adjustments: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross + self.adjustments

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.hours + other.hours,
            self.gross + other.gross,
            self.adjustments + other.adjustments,
        )


_acting: ContextVar[Actor] = ContextVar("payroll_actor")
"""Who writes a payroll or a line, for `written` (which the shared store calls without the
actor)."""


def _count(number: int, what: str) -> str:
    return f"{number} {what}" if number == 1 else f"{number} {what}s"


def _money(value: Any) -> Decimal:
    value = decode(value)
    return Decimal(str(value)) if value is not None else ZERO


def line_totals(line: RawDoc) -> Totals:
    """A stored line's hours, gross pay (its punchcards) and signed adjustments."""
    hours = sum((_money(p.get("hours")) for p in line.get("punchcards") or []), Decimal(0))
    gross = sum((_money(p.get("amount")) for p in line.get("punchcards") or []), ZERO)
    adjustments = sum(
        (signed(a.get("kind"), _money(a.get("amount"))) for a in line.get("adjustments") or []),
        ZERO,
    )
    return Totals(hours, to_cent(gross), to_cent(adjustments))


def payroll_totals(lines: Iterable[RawDoc]) -> Totals:
    """The sum of a payroll's lines that are not deleted."""
    total = Totals(Decimal(0), ZERO, ZERO)
    for line in lines:
        if not line.get("_deleted"):
            total += line_totals(line)
    return total


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
        elif _period(after) != _period(before):
            await self._check_period(before, after, session)

    async def _live_lines(self, payroll: RawDoc, session: AsyncClientSession) -> list[RawDoc]:
        query = {"_account": payroll["_account"], "payroll": payroll["_id"]}
        cursor = self.database.db.payrollsusers.find(
            {**query, "_deleted": {"$ne": True}}, {"punchcards._id": 1}, session=session
        )
        return [line async for line in cursor]

    async def _check_period(
        self, before: RawDoc, after: RawDoc, session: AsyncClientSession
    ) -> None:
        period = _period(after)
        lines = await self._live_lines(after, session)
        cards = [c for line in lines for c in _punchcard_ids(line.get("punchcards"))]
        if period is None or not cards:
            return
        zone = await _account_zone(self.database, after["_account"])
        early = late = 0
        cursor = self.database.db.punchcards.find(
            {"_id": {"$in": cards}, "_account": after["_account"]},
            {"_search.date": 1},
            session=session,
        )
        async for card in cursor:
            day = _local_day((card.get("_search") or {}).get("date"), zone)
            early += day is not None and day < period[0]
            late += day is not None and day > period[1]
        end_moved = _day(before.get("end")) != _day(after.get("end"))
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
        live_in = {_paid_by(after)[0] for _, after in changes} - {None}
        if any(periods[payroll].get("_deleted") for payroll in live_in):
            # a live line in a deleted payroll (restored, or racing the payroll's deletion)
            raise ServiceError.one("This payroll is deleted.", ErrorCode.INVALID_STATE, field)
        clear: set[Any] = set()
        paid: dict[Any, list[Any]] = {}
        for before, after in changes:
            was, cards_before = _paid_by(before)
            now_in, cards_after = _paid_by(after)
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
        cards = [_punchcard_ids(item.get("punchcards")) for item in items]
        payroll_of = [item.get("payroll", (current or {}).get("payroll")) for item in items]
        payrolls = await records_by_id(self.database, "payrolls", account, payroll_of)
        people = await records_by_id(self.database, "users", account, users)
        punchcards = await records_by_id(
            self.database, "punchcards", account, (c for ids in cards for c in ids)
        )
        zone = await _account_zone(self.database, account) if punchcards else dt.UTC
        problems: list[Problem] = []
        for index, item in enumerate(items):
            where = "input" if prefix is None else f"{prefix}.{index}"
            problems += self._check_payroll(item, payrolls, where)
            problems += _fill_user(item, people, where)
            caregiver = snapshot_id(item.get("user")) or snapshot_id((current or {}).get("user"))
            period = _period(payrolls.get(payroll_of[index]))
            problems += _fill_punchcards(item, punchcards, caregiver, period, zone, where)
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
            for number, card in enumerate(_punchcard_ids(item.get("punchcards"))):
                if card in paid:
                    problems.append(_paid_twice(f"{where}.punchcards.{number}.record"))
                paid[card] = index
        if paid:
            cursor = self.collection.find(
                {**others, "punchcards._id": {"$in": list(paid)}}, {"punchcards._id": 1}
            )
            taken = {p.get("_id") async for line in cursor for p in line.get("punchcards", [])}
            for index, item in enumerate(items):
                where = "input" if prefix is None else f"{prefix}.{index}"
                for number, card in enumerate(_punchcard_ids(item.get("punchcards"))):
                    if card in taken:
                        problems.append(_paid_twice(f"{where}.punchcards.{number}.record"))
        if problems:
            raise ServiceError(*problems)


def _paid_twice(field: str) -> Problem:
    return Problem("This punchcard is already paid on another line.", ErrorCode.DUPLICATE, field)


def _punchcard_ids(entries: Any) -> list[Any]:
    return [key for e in entries or [] if (key := snapshot_id(e)) is not None]


def _paid_by(line: RawDoc | None) -> tuple[Any, list[Any]]:
    """The payroll a stored line pays in and the punchcards it pays; none when deleted."""
    if line is None or line.get("_deleted"):
        return None, []
    return line.get("payroll"), _punchcard_ids(line.get("punchcards"))


async def _account_zone(database: Database, account_id: int) -> dt.tzinfo:
    """The account's time zone: a punchcard belongs to the payroll of its local day."""
    account = await database.db.accounts.find_one({"_id": account_id}, {"settings.timezone": 1})
    name = ((account or {}).get("settings") or {}).get("timezone")
    try:
        return ZoneInfo(name) if name else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _period(payroll: RawDoc | None) -> tuple[dt.date, dt.date] | None:
    """A payroll's days, both included: start to end, plus its extra days."""
    start, end = _day((payroll or {}).get("start")), _day((payroll or {}).get("end"))
    if start is None or end is None:
        return None
    return start, end + dt.timedelta(days=int((payroll or {}).get("period_extra") or 0))


def _local_day(value: Any, zone: dt.tzinfo) -> dt.date | None:
    if not isinstance(value, dt.datetime):
        return None
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return aware.astimezone(zone).date()


def _fill_user(item: dict[str, Any], people: dict[Any, RawDoc], where: str) -> list[Problem]:
    snapshot = item.get("user")
    key = snapshot_id(snapshot)
    if not isinstance(snapshot, dict) or key is None:
        return []
    person = people.get(key)
    if person is None:
        return [Problem("No User with this id.", ErrorCode.NOT_FOUND, f"{where}.user.record")]
    name = person.get("name") or {}
    filled = dict(snapshot)
    if filled.get("name") is None:
        filled["name"] = name
    if filled.get("nickname") is None:
        filled["nickname"] = name.get("nickname")
    item["user"] = filled
    return []


PAY = ("hours", "rate", "amount")


def _pay_of(
    entry: dict[str, Any], card: RawDoc, field: str
) -> tuple[dict[str, Any], list[Problem]]:
    """What a line pays for a punchcard. Nothing given, or only the punchcard's own values:
    the punchcard's pay, copied whole (its amount may include premiums). Hours or rate given
    otherwise: the other one is the punchcard's, and the amount is hours times rate, rounded
    half-up to the cent; an amount given that differs from it is refused."""
    pay = decode(card.get("pay") or {})
    given = {k: entry.get(k) for k in PAY if entry.get(k) is not None}
    if all(pay.get(k) is not None and pay[k] == v for k, v in given.items()):
        return {k: pay.get(k) for k in PAY}, []
    hours = given.get("hours", pay.get("hours"))
    rate = given.get("rate", pay.get("rate"))
    missing = [k for k, v in (("hours", hours), ("rate", rate)) if v is None]
    if missing:
        return given, [
            Problem("Field required: the punchcard has no pay to take it from.",
                    ErrorCode.REQUIRED, f"{field}.{k}")
            for k in missing
        ]  # fmt: skip
    try:
        hours, rate = Decimal(str(hours)), Decimal(str(rate))
    except ArithmeticError:
        return given, []  # not a number: the model's validation refuses it
    if not (0 <= hours <= MAX_QUANTITY and 0 <= rate <= MAX_AMOUNT):
        return given, []  # out of bounds: the model's validation refuses it
    amount = to_cent(hours * rate)
    if given.get("amount") is not None and given["amount"] != amount:
        return given, [
            Problem(f"The amount is hours times rate: {amount}.", ErrorCode.INVALID,
                    f"{field}.amount")
        ]  # fmt: skip
    return {"hours": hours, "rate": rate, "amount": amount}, []


def _fill_punchcards(
    item: dict[str, Any],
    punchcards: dict[Any, RawDoc],
    caregiver: Any,
    period: tuple[dt.date, dt.date] | None,
    zone: dt.tzinfo,
    where: str,
) -> list[Problem]:
    entries = item.get("punchcards")
    if not isinstance(entries, list):
        return []
    problems, filled = [], []
    for number, entry in enumerate(entries):
        key = snapshot_id(entry)
        if not isinstance(entry, dict) or key is None:
            filled.append(entry)
            continue
        at = f"{where}.punchcards.{number}"
        field = f"{at}.record"
        card = punchcards.get(key)
        if card is None:
            problems.append(Problem("No Punchcard with this id.", ErrorCode.NOT_FOUND, field))
            filled.append(entry)
            continue
        if card.get("_deleted"):
            problems.append(Problem("This punchcard is deleted.", ErrorCode.INVALID_STATE, field))
        if caregiver is not None and (card.get("user") or {}).get("_id") != caregiver:
            problems.append(
                Problem("This punchcard is another caregiver's.", ErrorCode.INVALID, field)
            )
        day = _local_day((card.get("_search") or {}).get("date"), zone)
        if period is not None and (day is None or not period[0] <= day <= period[1]):
            problems.append(
                Problem(
                    f"This punchcard is not in the payroll's period ({period[0]} to {period[1]}).",
                    ErrorCode.INVALID,
                    field,
                )
            )
        pay, wrong = _pay_of(entry, card, at)
        problems += wrong
        filled.append({**entry, **pay})
    item["punchcards"] = filled
    return problems


def payroll_store(database: Database) -> PayrollStore:
    return PayrollStore(database, PayrollDocument, "Payroll")


def payroll_user_store(database: Database) -> PayrollUserStore:
    return PayrollUserStore(database, PayrollUser, "PayrollUser", search_keys=line_search)
