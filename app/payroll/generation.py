"""Generating a payroll from a period's punchcards.

One transaction reads and writes everything: the check that no open payroll overlaps the
period, the payable punchcards (live, with pay, not yet in a payroll, whose local day is in the
period, and not held back by the office's review: those are reported in `held`), the payroll,
one line per caregiver, and on each punchcard its payroll and the pay the payroll computed
(`pay.amount`, `pay.overtime_hours`, `pay.holiday`: the punchcard then says what it was paid,
and a clerk's later edit of the line copies the same figures). Each punchcard is marked only if
it is still unpaid; if another payroll took one meanwhile, the transaction is retried (or
refused), so a punchcard is paid once even when two generations run at once. A dry run reads
the same and writes nothing.

An open payroll overlapping the period (its `period_extra` days included) refuses the
generation (add punchcards to it by hand, or delete it first); a closed one does not: a new
payroll then pays the period's punchcards that came in late. Every generation also writes the
account's counter document (`counters`, "payroll_generation:<account>") in its transaction,
so two generations of overlapping periods at once clash even when they pay different
punchcards: the later is retried, and refused by the other's payroll.

Overtime weeks are whole local weeks, which may begin before the period or end after it. The
hours of a week already paid (by any payroll, open or closed, on days before the period or
inside it) count first, whenever they were clocked in: their pay is settled and cannot change,
so the week's hours past the threshold fall on the punchcards paid now. These then add up in
clock-in order. A late Monday punchcard of a week whose Tuesday to Friday already paid 40 h is
therefore all overtime: the week's overtime is its hours past the threshold, whichever payroll
pays them.

Travel (`travel_pay.py`): the drive to each visit paid now from the caregiver's visit before
it that day (paid now or earlier) pays mileage and travel time with it, when the account pays
them. Holidays not worked (`holiday_pay.py`): the period's holidays pay the caregivers who
worked the 28 days before and not the day itself, on their line (one of its own when they
have no visit in the period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.days import local_midnight
from app.common.routing import GreatCircle, Remembered, RoutingProvider
from app.common.services import RawDoc, decode, encode, validated
from app.common.text import normalise
from app.data.scope import Scope
from app.data.unit import Tx
from app.errors import ErrorCode, ServiceError
from app.payroll.holiday_pay import holiday_pay
from app.payroll.pay import (
    PayRules,
    already_worked,
    caregiver_of,
    in_clock_in_order,
    pay_entry,
)
from app.payroll.periods import period_of
from app.payroll.services import payroll_store, payroll_user_store
from app.payroll.totals import Totals, line_totals
from app.payroll.travel_pay import TravelRules, with_travel
from app.visits.money_documents import PunchcardPay
from app.visits.reviews import Held, held_note, partition
from app.visits.travel import TRAVEL_FIELDS, travels

MAX_PERIOD_DAYS = 62
"""The longest period generated at once: two months."""
LONGEST_EXTRA = 366
"""The most extra days a payroll's period may have (`Payroll.period_extra`)."""
CARD_FIELDS = {
    "_revision": 1, "user": 1, "pay": 1, "actual.clock_in": 1, "_search.date": 1,
    "stat_holiday": 1, "service.code": 1, "_deleted": 1, "payroll._id": 1, "review": 1,
    **TRAVEL_FIELDS,
}  # fmt: skip

PAID_ON_CARD = ("amount", "overtime_hours", "daily_overtime_hours", "holiday", "travel")
"""What a generation writes on each punchcard's pay: what it was paid, and how."""


@dataclass
class GeneratedPayroll:
    """A payroll as generated (stored, or not in a dry run), its lines and their totals."""

    payroll: RawDoc
    lines: list[RawDoc]
    stored: bool
    cards: list[RawDoc] = field(default_factory=list)
    entries: dict[Any, RawDoc] = field(default_factory=dict)
    held: list[Held] = field(default_factory=list)
    """Punchcards left out because they wait for review or were rejected."""

    @property
    def totals(self) -> Totals:
        total = Totals()
        for line in self.lines:
            total += line_totals(line)
        return total


async def generate_payroll(
    scope: Scope,
    start: dt.date,
    end: dt.date,
    dry_run: bool = False,
    routing: RoutingProvider | None = None,
) -> GeneratedPayroll:
    """A payroll for the days from `start` to `end` (both included), with one line per
    caregiver who has payable punchcards in it (or a holiday not worked to pay); drives
    measured by `routing` (the great circle when None)."""
    _check_period(start, end)
    account = await scope["accounts"].find_one({"_id": scope.account_id}) or {}
    rules, travel_rules = PayRules.of(account), TravelRules.of(account)
    measure = Remembered(routing or GreatCircle())
    period_type = (account.get("payroll_settings") or {}).get("period_type")
    currency = (account.get("settings") or {}).get("currency") or "CAD"

    async def plan(reader: Scope | Tx) -> GeneratedPayroll:
        await _refuse_overlap(reader, start, end)
        cards, held = partition(await _payable(reader, rules, start, end))
        holidays = await holiday_pay(reader, account, rules, start, end)
        if not cards and not holidays:
            raise ServiceError.one(
                f"No punchcards to pay from {start} to {end}: each is deleted, without pay, "
                "or already paid." + held_note(held),
                ErrorCode.INVALID_STATE,
                "period",
            )
        earlier = await _paid_earlier(reader, rules, cards)
        worked = already_worked(earlier, rules)
        entries = {card["_id"]: pay_entry(card, rules, worked) for card in in_clock_in_order(cards)}
        if travel_rules.paid:
            found = await travels([*earlier, *cards], rules.zone, measure)
            with_travel(entries, found, travel_rules)
        data = {"start": start, "end": end, "period_type": period_type or "biweekly",
                "currency": currency}  # fmt: skip
        payroll = payroll_store(scope.database).prepared(scope.actor, data)
        names = await _names(reader, [*map(caregiver_of, cards), *holidays])
        lines = _lines(scope, payroll, cards, entries, names, holidays)
        return GeneratedPayroll(payroll, lines, not dry_run, cards, entries, held)

    if dry_run:
        return await plan(scope)

    async def write(tx: Tx) -> GeneratedPayroll:
        await _hold_generations(tx)
        generated = await plan(tx)
        await _store(tx, generated)
        return generated

    return await scope.transact(write)


def _check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ServiceError.one(
            "A period ends on or after the day it starts.", ErrorCode.INVALID, "period.end"
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ServiceError.one(
            f"A payroll is generated for at most {MAX_PERIOD_DAYS} days at a time.",
            ErrorCode.INVALID,
            "period.end",
        )


async def _hold_generations(tx: Tx) -> None:
    """Write the account's generation counter in the generation's transaction. The overlap
    check reads a snapshot, so two generations of overlapping periods paying different
    punchcards could both pass it; both writing this one document makes them clash: the
    later one is rolled back, retried, and then sees the other's payroll."""
    await tx.whole_account()["counters"].update_one(
        {"_id": f"payroll_generation:{tx.account_id}"}, {"$inc": {"value": 1}}, upsert=True
    )


async def _refuse_overlap(reader: Scope | Tx, start: dt.date, end: dt.date) -> None:
    """Refuse a period an open payroll of the account overlaps (any of them, whoever may
    see it)."""
    # a payroll's extra days stretch its end: those ending up to LONGEST_EXTRA days before the
    # period are read, and kept if their stretched end reaches it
    query = {
        "_deleted": {"$ne": True},
        "_closed": {"$ne": True},
        "start": {"$lte": _stored_day(end)},
        "end": {"$gte": _stored_day(start - dt.timedelta(days=LONGEST_EXTRA))},
    }
    fields = {"start": 1, "end": 1, "period_extra": 1}
    async for found in reader.whole_account()["payrolls"].find(query, fields):
        period = period_of(found)
        if period is not None and period[1] >= start:
            raise ServiceError.one(
                f"The open payroll of {period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d} overlaps "
                "this period: add the punchcards to its lines, or delete it first.",
                ErrorCode.INVALID_STATE,
                "period",
            )


async def _payable(
    reader: Scope | Tx, rules: PayRules, start: dt.date, end: dt.date
) -> list[RawDoc]:
    """The live punchcards with pay, not yet in a payroll, of the period's local days: read
    by the index's keys only (the embedded server scans the whole collection for a filter on
    any other key), the rest checked here."""
    query = {
        "_search.date": {
            "$gte": local_midnight(start, rules.zone),
            "$lt": local_midnight(end + dt.timedelta(days=1), rules.zone),
        },
    }
    found = reader["punchcards"].find(query, CARD_FIELDS)
    return [card async for card in found if _live(card) and _unpaid(card)]


def _live(card: RawDoc) -> bool:
    return not card.get("_deleted")


def _unpaid(card: RawDoc) -> bool:
    return card.get("payroll") is None and (card.get("pay") or {}).get("hours") is not None


async def _paid_earlier(reader: Scope | Tx, rules: PayRules, cards: list[RawDoc]) -> list[RawDoc]:
    """The live punchcards already paid (by any payroll, open or closed, whoever may see
    them) of the caregivers and whole local weeks the payable `cards` fall in, before or
    inside the period: one read over the span of those weeks by the index's keys, kept to
    those caregivers' weeks."""
    weeks = {week for week in map(rules.week, cards) if week is not None}
    if not weeks:
        return []
    days = [day for _, day in weeks]
    query = {
        "_search.date": {
            "$gte": local_midnight(min(days), rules.zone),
            "$lt": local_midnight(max(days) + dt.timedelta(days=7), rules.zone),
        },
    }
    found = reader.whole_account()["punchcards"].find(query, CARD_FIELDS)
    return [
        card
        async for card in found
        if _live(card) and card.get("payroll") is not None and rules.week(card) in weeks
    ]


async def _names(reader: Scope | Tx, caregivers: list[Any]) -> dict[Any, RawDoc]:
    query = {"_id": {"$in": list(set(caregivers))}}
    found = reader["users"].find(query, {"name": 1})
    return {user["_id"]: user.get("name") or {} async for user in found}


def _lines(
    scope: Scope,
    payroll: RawDoc,
    cards: list[RawDoc],
    entries: dict[Any, RawDoc],
    names: dict[Any, RawDoc],
    holidays: dict[Any, list[RawDoc]],
) -> list[RawDoc]:
    """One line per caregiver, by name, paying their punchcards in clock-in order and their
    holidays not worked."""
    by_caregiver: dict[Any, list[RawDoc]] = {caregiver: [] for caregiver in holidays}
    for card in in_clock_in_order(cards):
        by_caregiver.setdefault(caregiver_of(card), []).append(entries[card["_id"]])
    store, actor = payroll_user_store(scope.database), scope.actor

    def sort_key(caregiver: Any) -> tuple[str, str]:
        name = names.get(caregiver) or {}
        return normalise(f"{name.get('last', '')} {name.get('first', '')}"), str(caregiver)

    lines = []
    for caregiver in sorted(by_caregiver, key=sort_key):
        name = names.get(caregiver)
        user = {"record": caregiver, "name": name, "nickname": (name or {}).get("nickname")}
        data = {
            "payroll": payroll["_id"],
            "user": user,
            "punchcards": by_caregiver[caregiver],
            "holiday_pay": holidays.get(caregiver, []),
            "created_user": actor.user_id,
        }
        lines.append(store.prepared(actor, data))
    return lines


async def _store(tx: Tx, generated: GeneratedPayroll) -> None:
    """Insert the payroll and its lines, and mark each punchcard if it is still unpaid: the
    records, the marks and all their audit entries in four commands, whatever the number of
    lines (`Tx.insert` would take two per record type)."""
    payroll, lines = generated.payroll, generated.lines
    events = [
        tx.created(kind, raw)
        for kind, raw in [("Payroll", payroll), *(("PayrollUser", line) for line in lines)]
    ]
    await tx["payrolls"].insert_one(payroll)
    await tx["payrollsusers"].insert_many(lines)
    snapshot = {"_id": payroll["_id"], "start": payroll["start"], "end": payroll["end"]}
    stamp, marks = now(), []
    for card in generated.cards:
        entry = generated.entries[card["_id"]]
        before = card.get("pay")
        pay = {
            **decode(before or {}),
            **{
                k: entry[k] for k in ("amount", "overtime_hours", "daily_overtime_hours", "holiday")
            },
            "travel": entry.get("travel"),
        }
        after = encode(validated(PunchcardPay, pay))
        revision = card.get("_revision")
        guard = {
            "_id": card["_id"],
            "_revision": revision if revision is not None else {"$exists": False},
            "_deleted": {"$ne": True},
            "payroll": None,
        }
        sets = {"payroll": snapshot, "pay": after, "_revision": (revision or 1) + 1,
                "_last_updated_date": stamp}  # fmt: skip
        marks.append((guard, {"$set": sets}))
        changes = [
            {"field": "payroll", "before": None, "after": snapshot},
            {"field": "pay", "before": before, "after": after},
        ]
        events.append(tx.entry(AuditAction.UPDATE, "Punchcard", card["_id"], changes=changes))
    result = await tx["punchcards"].update_each(marks, ordered=False)
    if result.modified_count != len(marks):
        raise ServiceError.one(
            "Some of these punchcards changed or were paid while the payroll was made; "
            "generate it again.",
            ErrorCode.CONFLICT,
            "period",
        )
    await tx.audit_all(events)


def _stored_day(day: dt.date) -> dt.datetime:
    """Dates are stored as UTC midnights."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
