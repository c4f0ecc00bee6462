"""The rules of payrolls and their lines, free of GraphQL.

A closed payroll is paid: neither it nor its lines change any more. A line pays one caregiver
once per payroll, and only that caregiver's punchcards, each on one line at most. What a line
copies (the caregiver's name, each punchcard's pay) is copied from the live records when the
caller leaves it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bson import ObjectId

from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.common.clock import now
from app.common.services import Actor, RawDoc, decode
from app.common.store import RecordStore, records_by_id
from app.common.text import normalise
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.payroll.documents import Payroll as PayrollDocument
from app.payroll.documents import PayrollAdjustmentKind, PayrollUser, cents
from app.visits.services import mark_punchcards

ZERO = Decimal("0")


@dataclass(frozen=True)
class Totals:
    """What a payroll line (or a whole payroll) adds up to."""

    hours: Decimal = ZERO
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


def _money(value: Any) -> Decimal:
    value = decode(value)
    return Decimal(str(value)) if value is not None else ZERO


def line_totals(line: RawDoc) -> Totals:
    """A stored line's hours, gross pay (its punchcards) and signed adjustments."""
    hours = sum((_money(p.get("hours")) for p in line.get("punchcards") or []), ZERO)
    gross = sum((_money(p.get("amount")) for p in line.get("punchcards") or []), ZERO)
    adjustments = ZERO
    for adjustment in line.get("adjustments") or []:
        amount = _money(adjustment.get("amount"))
        deduction = adjustment.get("kind") == PayrollAdjustmentKind.DEDUCTION.value
        adjustments += -amount if deduction else amount
    return Totals(hours, cents(gross), cents(adjustments))


def payroll_totals(lines: Iterable[RawDoc]) -> Totals:
    """The sum of a payroll's lines that are not deleted."""
    total = Totals(ZERO, cents(ZERO), cents(ZERO))
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
    """Payrolls: a closed one refuses updates and deletion; closing is its own step."""

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        if is_closed(await self.get(actor, key)):
            raise closed_problem()
        return await super().update(actor, key, revision, changes)

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        if is_closed(await self.get(actor, key)):
            raise closed_problem()
        return await super().delete(actor, key, reason, revision)

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
    """Payroll lines: checked against their payroll, caregiver and punchcards."""

    async def create_many(
        self, actor: Actor, items: list[dict[str, Any]], prefix: str | None = "input"
    ) -> list[RawDoc]:
        items = [{**item, "created_user": actor.user_id} for item in items]
        await self._prepare(actor, items, prefix)
        return await super().create_many(actor, items, prefix)

    async def update(
        self, actor: Actor, key: Any, revision: int, changes: dict[str, Any]
    ) -> RawDoc:
        current = await self.get(actor, key)
        payroll = await self.database.db.payrolls.find_one(
            {"_id": current.get("payroll"), "_account": actor.account_id}
        )
        if is_closed(payroll):
            raise closed_problem()
        changes = dict(changes)
        if "user" in changes and "punchcards" not in changes and current.get("punchcards"):
            # another caregiver: the punchcards kept must be theirs too
            changes["punchcards"] = decode(current["punchcards"])
        await self._prepare(actor, [changes], None, current)
        return await super().update(actor, key, revision, changes)

    async def delete(self, actor: Actor, key: Any, reason: str, revision: int | None) -> RawDoc:
        current = await self.get(actor, key)
        payroll = await self.database.db.payrolls.find_one(
            {"_id": current.get("payroll"), "_account": actor.account_id}
        )
        if is_closed(payroll):
            raise closed_problem()
        return await super().delete(actor, key, reason, revision)

    async def restore(self, actor: Actor, key: Any) -> RawDoc:
        current = await self.get(actor, key)
        payroll = await self.database.db.payrolls.find_one(
            {"_id": current.get("payroll"), "_account": actor.account_id}
        )
        if is_closed(payroll):
            raise closed_problem()
        return await super().restore(actor, key)

    async def _prepare(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None,
        current: RawDoc | None = None,
    ) -> None:
        """Check the references that need the stored state, and fill the copied values."""
        account = actor.account_id
        users = [_record_of(item.get("user")) for item in items]
        cards = [_punchcard_ids(item.get("punchcards")) for item in items]
        payrolls = await records_by_id(
            self.database, "payrolls", account, (item.get("payroll") for item in items)
        )
        people = await records_by_id(self.database, "users", account, users)
        punchcards = await records_by_id(
            self.database, "punchcards", account, (c for ids in cards for c in ids)
        )
        problems: list[Problem] = []
        for index, item in enumerate(items):
            where = "input" if prefix is None else f"{prefix}.{index}"
            problems += self._check_payroll(item, payrolls, where)
            problems += _fill_user(item, people, where)
            caregiver = _record_of(item.get("user")) or _record_of((current or {}).get("user"))
            problems += _fill_punchcards(item, punchcards, caregiver, where)
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
            user = _record_of(item.get("user")) or _record_of((current or {}).get("user"))
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


def _record_of(snapshot: Any) -> Any:
    """The id a snapshot given as input (python names) or stored (`_id`) holds."""
    if not isinstance(snapshot, dict):
        return None
    return snapshot.get("record", snapshot.get("_id"))


def _punchcard_ids(entries: Any) -> list[Any]:
    return [_record_of(e) for e in entries or [] if isinstance(_record_of(e), ObjectId)]


def _fill_user(item: dict[str, Any], people: dict[Any, RawDoc], where: str) -> list[Problem]:
    snapshot = item.get("user")
    key = _record_of(snapshot)
    if not isinstance(snapshot, dict) or not isinstance(key, ObjectId):
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


def _fill_punchcards(
    item: dict[str, Any], punchcards: dict[Any, RawDoc], caregiver: Any, where: str
) -> list[Problem]:
    entries = item.get("punchcards")
    if not isinstance(entries, list):
        return []
    problems, filled = [], []
    for number, entry in enumerate(entries):
        key = _record_of(entry)
        if not isinstance(entry, dict) or not isinstance(key, ObjectId):
            filled.append(entry)
            continue
        field = f"{where}.punchcards.{number}.record"
        card = punchcards.get(key)
        if card is None:
            problems.append(Problem("No Punchcard with this id.", ErrorCode.NOT_FOUND, field))
            filled.append(entry)
            continue
        if caregiver is not None and (card.get("user") or {}).get("_id") != caregiver:
            problems.append(
                Problem("This punchcard is another caregiver's.", ErrorCode.INVALID, field)
            )
        pay = decode(card.get("pay") or {})
        filled.append(
            {
                **entry,
                **{k: pay.get(k) for k in ("hours", "rate", "amount") if entry.get(k) is None},
            }
        )
    item["punchcards"] = filled
    return problems


async def link_punchcards(
    database: Database, actor: Actor, payroll: RawDoc, punchcard_ids: list[Any]
) -> int:
    """Mark these punchcards as paid by the payroll; a closed payroll takes no more."""
    if is_closed(payroll):
        raise closed_problem()
    snapshot = {"_id": payroll["_id"], "start": payroll["start"], "end": payroll["end"]}
    return await mark_punchcards(database, actor, "payroll", snapshot, punchcard_ids)


def payroll_store(database: Database) -> PayrollStore:
    return PayrollStore(database, PayrollDocument, "Payroll")


def payroll_user_store(database: Database) -> PayrollUserStore:
    return PayrollUserStore(database, PayrollUser, "PayrollUser", search_keys=line_search)
