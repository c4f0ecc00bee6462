"""The rules of payroll lines, free of GraphQL (a payroll's own rules: `app.payroll.payrolls`).

A closed payroll is paid: neither it nor its lines change any more, nor the punchcards it
pays. A line pays one caregiver once per payroll, and only that caregiver's live punchcards of
the payroll's period, each on one line at most. What a line copies (the caregiver's name, each
punchcard's pay) is copied from the live records when the caller leaves it out. Every line
write puts the payroll's snapshot on the punchcards it pays (and takes it off those it no
longer pays) in the same transaction, and bumps the payroll's `_lines_revision` there unless
the payroll is closed: a close racing a line write either sees the line or refuses it. The
punchcards a write newly pays are checked against the payroll's period as it is in that
transaction too, so a period changed since the checks before it refuses the write.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson import ObjectId
from pydantic import ValidationError
from pymongo import ReturnDocument

from app.common.days import local_day
from app.common.services import Actor, RawDoc, decode, item_path, problems_from, snapshot_id
from app.common.text import normalise
from app.data.records import Also
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.payroll.documents import PayrollAdjustment, PayrollUser
from app.payroll.lines import fill_punchcards, fill_user, paid_by, paid_twice, punchcard_ids
from app.payroll.payrolls import Prepares, closed_problem, count_of, is_closed, payroll_store
from app.payroll.periods import account_zone, period_of
from app.visits.marking import mark_punchcards

__all__ = ["PayrollUserStore", "payroll_store", "payroll_user_store"]


def line_search(line: PayrollUser) -> dict[str, Any]:
    name = line.user.name
    sort = normalise(f"{name.last} {name.first}") if name is not None else ""
    return {"sort": sort}


class PayrollUserStore(Prepares):
    """Payroll lines: checked against their payroll, caregiver and punchcards; each write
    marks the punchcards it pays in the same transaction."""

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        items = [{**item, "created_user": actor.user_id} for item in items]
        await self._prepare(actor, items, prefix)
        return await super().create_many(actor, items, prefix, also)

    async def inserted(self, tx: Tx, raws: list[RawDoc]) -> None:
        field = "input.payroll" if len(raws) == 1 else "input"
        await self._mark(tx, [(None, raw) for raw in raws], field)

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        current = await self._open_line(actor, key)
        changes = dict(changes)
        moved = any(name in changes for name in ("user", "payroll"))
        if moved and "punchcards" not in changes and current.get("punchcards"):
            # another caregiver or payroll: the punchcards kept must fit it too
            changes["punchcards"] = decode(current["punchcards"])
        await self._prepare(actor, [changes], None, current)
        return await super().update(actor, key, revision, changes, also)

    async def delete(
        self,
        actor: Actor,
        key: Any,
        reason: str,
        revision: int | None,
        also: Also | None = None,
    ) -> RawDoc:
        await self._open_line(actor, key)
        return await super().delete(actor, key, reason, revision, also)

    async def restore(self, actor: Actor, key: Any, also: Also | None = None) -> RawDoc:
        current = await self._open_line(actor, key)
        # while it was deleted, another line may have taken its caregiver or punchcards
        await self._unique_lines(actor, [decode(current)], None, current)
        return await super().restore(actor, key, also)

    async def add_adjustment(
        self, actor: Actor, key: Any, revision: int, adjustment: dict[str, Any]
    ) -> RawDoc:
        """Add mileage, a bonus, a deduction... to an open line; its totals follow."""
        try:
            PayrollAdjustment.model_validate(adjustment)
        except ValidationError as error:
            raise ServiceError(*problems_from(error, "adjustment")) from None
        current = await self._open_line(actor, key)
        kept = decode(current.get("adjustments") or [])
        return await self.update(actor, key, revision, {"adjustments": [*kept, adjustment]})

    async def remove_adjustment(self, actor: Actor, key: Any, revision: int, index: int) -> RawDoc:
        """Take an adjustment (by its position, from 0) off an open line."""
        current = await self._open_line(actor, key)
        kept = decode(current.get("adjustments") or [])
        if not 0 <= index < len(kept):
            raise ServiceError.one(
                f"This line has {count_of(len(kept), 'adjustment')}: none at position {index}.",
                ErrorCode.NOT_FOUND,
                "index",
            )
        del kept[index]
        return await self.update(actor, key, revision, {"adjustments": kept})

    async def _open_line(self, actor: Actor, key: Any) -> RawDoc:
        current = await self.get(actor, key)
        payrolls = self.scope(actor).whole_account()["payrolls"]
        payroll = await payrolls.find_one({"_id": current.get("payroll")}, {"_closed": 1})
        if is_closed(payroll):
            raise closed_problem()
        return current

    async def written(self, tx: Tx, before: RawDoc, after: RawDoc) -> None:
        """The line's punchcards are marked (and its payroll's lines counted) in its write."""
        await self._mark(tx, [(before, after)], "id")

    async def _mark(self, tx: Tx, changes: list[tuple[RawDoc | None, RawDoc]], field: str) -> None:
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
            found = await tx["payrolls"].find_one_and_update(
                {"_id": payroll, "_closed": {"$ne": True}},
                {"$inc": {"_lines_revision": 1}},
                projection={"start": 1, "end": 1, "period_extra": 1, "_deleted": 1},
                return_document=ReturnDocument.AFTER,
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
        added: dict[Any, list[Any]] = {}
        for before, after in changes:
            was, cards_before = paid_by(before)
            now_in, cards_after = paid_by(after)
            clear |= {c for c in cards_before if was != now_in or c not in cards_after}
            if now_in is not None:
                paid.setdefault(now_in, []).extend(cards_after)
                kept = set(cards_before) if was == now_in else set()
                added.setdefault(now_in, []).extend(c for c in cards_after if c not in kept)
        clear -= {c for cards in paid.values() for c in cards}
        await self._within_periods(tx, periods, added, field)
        if clear:
            await mark_punchcards(tx, "payroll", None, sorted(clear))
        for payroll, cards in paid.items():
            period = periods[payroll]
            snapshot = {"_id": payroll, "start": period.get("start"), "end": period.get("end")}
            await mark_punchcards(tx, "payroll", snapshot, cards)

    async def _within_periods(
        self, tx: Tx, periods: dict[Any, RawDoc], added: dict[Any, list[Any]], field: str
    ) -> None:
        """The punchcards a write newly pays fall in their payroll's period as it is in the
        write's transaction: a period changed since the checks before it refuses the write."""
        cards = {card: payroll for payroll, ids in added.items() for card in ids}
        if not cards:
            return
        zone = await account_zone(tx)
        query = {"_id": {"$in": list(cards)}}
        found = tx.whole_account()["punchcards"].find(query, {"_search.date": 1})
        async for card in found:
            period = period_of(periods[cards[card["_id"]]])
            day = local_day((card.get("_search") or {}).get("date"), zone)
            if period is not None and (day is None or not period[0] <= day <= period[1]):
                raise ServiceError.one(
                    f"A punchcard is not in the payroll's period ({period[0]} to {period[1]}), "
                    "which changed while saving: reload it and try again.",
                    ErrorCode.CONFLICT,
                    field,
                )

    async def _prepare(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None,
        current: RawDoc | None = None,
    ) -> None:
        """Check the references that need the stored state, and fill the copied values."""
        scope = self.scope(actor)
        users = [snapshot_id(item.get("user")) for item in items]
        cards = [punchcard_ids(item.get("punchcards")) for item in items]
        payroll_of = [item.get("payroll", (current or {}).get("payroll")) for item in items]
        payrolls = await scope["payrolls"].by_ids(payroll_of)
        people = await scope["users"].by_ids(users)
        punchcards = await scope["punchcards"].by_ids(c for ids in cards for c in ids)
        zone = await account_zone(scope) if punchcards else dt.UTC
        problems: list[Problem] = []
        for index, item in enumerate(items):
            where = item_path(prefix, index)
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
        """One line per caregiver and payroll; each punchcard on one line at most (among all
        the account's lines, whoever may see them)."""
        problems: list[Problem] = []
        lines = self.scope(actor).whole_account()[self.collection_name]
        others: dict[str, Any] = {"_deleted": {"$ne": True}}
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
            async for line in lines.find(query, {"payroll": 1, "user._id": 1}):
                taken_pairs.add((line.get("payroll"), (line.get("user") or {}).get("_id")))
        seen: set[tuple[Any, Any]] = set()
        paid: dict[Any, int] = {}
        for index, item in enumerate(items):
            where = item_path(prefix, index)
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
            cursor = lines.find(
                {**others, "punchcards._id": {"$in": list(paid)}}, {"punchcards._id": 1}
            )
            taken = {p.get("_id") async for line in cursor for p in line.get("punchcards", [])}
            for index, item in enumerate(items):
                where = item_path(prefix, index)
                for number, card in enumerate(punchcard_ids(item.get("punchcards"))):
                    if card in taken:
                        problems.append(paid_twice(f"{where}.punchcards.{number}.record"))
        if problems:
            raise ServiceError(*problems)


def payroll_user_store(database: Database) -> PayrollUserStore:
    return PayrollUserStore(database, PayrollUser, "PayrollUser", search_keys=line_search)
