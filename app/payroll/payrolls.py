"""The rules of payrolls themselves, free of GraphQL.

A closed payroll is paid: neither it nor its lines change any more, nor the punchcards it
pays. A payroll with live lines is not deleted, nor its period changed so that a punchcard its
lines pay falls outside it: both are checked inside the payroll's write, where a line write
racing it conflicts on the payroll.
"""

from __future__ import annotations

from typing import Any

from app.common.clock import now
from app.common.days import local_day
from app.common.services import Actor, RawDoc
from app.data.records import Also, RecordStore
from app.data.scope import Scope
from app.data.unit import Tx
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError
from app.payroll.documents import Payroll as PayrollDocument
from app.payroll.lines import punchcard_ids
from app.payroll.periods import account_zone, day_of, period_of
from app.visits.marking import mark_punchcards


def count_of(number: int, what: str) -> str:
    return f"{number} {what}" if number == 1 else f"{number} {what}s"


def is_closed(payroll: RawDoc | None) -> bool:
    return bool(payroll and payroll.get("_closed"))


def closed_problem(field: str | None = "id") -> ServiceError:
    return ServiceError.one(
        "This payroll is closed: it and its lines can no longer change.",
        ErrorCode.INVALID_STATE,
        field,
    )


async def account_currency(scope: Scope) -> str:
    """The currency of the account's money (its settings), as a payroll records it."""
    accounts = scope["accounts"]
    account = await accounts.find_one({"_id": scope.account_id}, {"settings.currency": 1})
    return str(((account or {}).get("settings") or {}).get("currency") or "CAD")


class Prepares(RecordStore):
    def prepared(self, actor: Actor, data: dict[str, Any]) -> RawDoc:
        """A new record, validated and encoded as `create` would insert it, for a system step
        that inserts it in a transaction of its own (payroll generation)."""
        return self.new_raw(self.validate_new(actor, data))


class PayrollStore(Prepares):
    """Payrolls: a closed one refuses updates and deletion; closing is its own step. One
    with live lines refuses deletion, and a new period that would leave out a punchcard its
    lines pay; a new period is copied onto the punchcards its lines pay."""

    async def create_many(
        self,
        actor: Actor,
        items: list[dict[str, Any]],
        prefix: str | None = "input",
        also: Also | None = None,
    ) -> list[RawDoc]:
        currency = await account_currency(self.scope(actor))
        return await super().create_many(
            actor, [{**item, "currency": currency} for item in items], prefix, also
        )

    async def update(
        self,
        actor: Actor,
        key: Any,
        revision: int,
        changes: dict[str, Any],
        also: Also | None = None,
    ) -> RawDoc:
        if is_closed(await self.get(actor, key)):
            raise closed_problem()
        return await super().update(actor, key, revision, changes, also)

    async def delete(
        self,
        actor: Actor,
        key: Any,
        reason: str,
        revision: int | None,
        also: Also | None = None,
    ) -> RawDoc:
        if is_closed(await self.get(actor, key)):
            raise closed_problem()
        return await super().delete(actor, key, reason, revision, also)

    async def written(self, tx: Tx, before: RawDoc, after: RawDoc) -> None:
        """In the payroll's write: refuse a deletion leaving live lines, or a new period
        leaving out punchcards they pay (else copy it onto them)."""
        if after.get("_deleted") and not before.get("_deleted"):
            lines = await self._live_lines(tx, after)
            if lines:
                raise ServiceError.one(
                    f"This payroll has {count_of(len(lines), 'line')}: delete its lines first.",
                    ErrorCode.INVALID_STATE,
                    "id",
                )
        elif period_of(after) != period_of(before):
            await self._checkperiod_of(tx, before, after)

    async def _live_lines(self, tx: Tx, payroll: RawDoc) -> list[RawDoc]:
        """The payroll's live lines, all of them, whoever may see them."""
        cursor = tx.whole_account()["payrollsusers"].find(
            {"payroll": payroll["_id"], "_deleted": {"$ne": True}}, {"punchcards._id": 1}
        )
        return [line async for line in cursor]

    async def _checkperiod_of(self, tx: Tx, before: RawDoc, after: RawDoc) -> None:
        period = period_of(after)
        lines = await self._live_lines(tx, after)
        cards = [c for line in lines for c in punchcard_ids(line.get("punchcards"))]
        if period is None or not cards:
            return
        zone = await account_zone(tx)
        early = late = 0
        cursor = tx.whole_account()["punchcards"].find({"_id": {"$in": cards}}, {"_search.date": 1})
        async for card in cursor:
            day = local_day((card.get("_search") or {}).get("date"), zone)
            early += day is not None and day < period[0]
            late += day is not None and day > period[1]
        end_moved = day_of(before.get("end")) != day_of(after.get("end"))
        late_field = "input.end" if end_moved else "input.periodExtra"
        problems = [
            Problem(
                f"{count_of(count, 'punchcard')} paid on this payroll's lines would fall "
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
        await mark_punchcards(tx, "payroll", snapshot, cards)

    async def close(self, actor: Actor, key: Any, revision: int) -> RawDoc:
        """Close a payroll: it is paid, and from now on it and its lines are frozen."""
        current = await self.get(actor, key)
        self.check_revision(current, revision)
        self.check_not_deleted(current)
        if is_closed(current):
            raise ServiceError.one("This payroll is already closed.", ErrorCode.INVALID_STATE, "id")
        stamp = now()
        closed = {"_closed": True, "_closed_date": stamp, "_closed_user": actor.user_id}
        changes: list[dict[str, Any]] = [
            {"field": "closed", "before": False, "after": True},
            {"field": "closedDate", "before": None, "after": stamp},
        ]
        update = {"$set": {**closed, "_last_updated_date": stamp}}
        return await self.write(actor, current, update, changes=changes)


def payroll_store(database: Database) -> PayrollStore:
    return PayrollStore(database, PayrollDocument, "Payroll")
