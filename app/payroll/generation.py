"""Generating a payroll from a period's punchcards.

One transaction reads and writes everything: the check that no open payroll overlaps the
period, the payable punchcards (live, with pay, not yet in a payroll, whose local day is in the
period), the payroll, one line per caregiver, and on each punchcard its payroll and the pay
the payroll computed (`pay.amount`, `pay.overtime_hours`, `pay.holiday`: the punchcard then
says what it was paid, and a clerk's later edit of the line copies the same figures). Each
punchcard is marked only if it is still unpaid; if another payroll took one meanwhile, the
transaction is retried (or refused), so a punchcard is paid once even when two generations
run at once. A dry run reads the same and writes nothing.

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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from app.audit.documents import AuditAction
from app.audit.services import audit_event, changes_between
from app.common.clock import now
from app.common.days import local_midnight
from app.common.services import Actor, RawDoc, decode, encode, validated
from app.common.store import in_transaction
from app.common.text import normalise
from app.db import Database
from app.errors import ErrorCode, ServiceError
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
from app.visits.documents import PunchcardPay

MAX_PERIOD_DAYS = 62
"""The longest period generated at once: two months."""
LONGEST_EXTRA = 366
"""The most extra days a payroll's period may have (`Payroll.period_extra`)."""
CARD_FIELDS = {
    "_revision": 1, "user": 1, "pay": 1, "actual.clock_in": 1, "_search.date": 1,
    "stat_holiday": 1, "service.code": 1,
}  # fmt: skip


@dataclass
class GeneratedPayroll:
    """A payroll as generated (stored, or not in a dry run), its lines and their totals."""

    payroll: RawDoc
    lines: list[RawDoc]
    stored: bool
    cards: list[RawDoc] = field(default_factory=list)
    entries: dict[Any, RawDoc] = field(default_factory=dict)

    @property
    def totals(self) -> Totals:
        total = Totals()
        for line in self.lines:
            total += line_totals(line)
        return total


async def generate_payroll(
    database: Database, actor: Actor, start: dt.date, end: dt.date, dry_run: bool = False
) -> GeneratedPayroll:
    """A payroll for the days from `start` to `end` (both included), with one line per
    caregiver who has payable punchcards in it."""
    _check_period(start, end)
    account = await database.db.accounts.find_one({"_id": actor.account_id})
    rules = PayRules.of(account or {})
    period_type = ((account or {}).get("payroll_settings") or {}).get("period_type")
    currency = ((account or {}).get("settings") or {}).get("currency") or "CAD"

    async def plan(session: AsyncClientSession | None) -> GeneratedPayroll:
        await _refuse_overlap(database, actor, start, end, session)
        cards = await _payable(database, actor, rules, start, end, session)
        if not cards:
            raise ServiceError.one(
                f"No punchcards to pay from {start} to {end}: each is deleted, without pay, "
                "or already paid.",
                ErrorCode.INVALID_STATE,
                "period",
            )
        worked = already_worked(await _paid_earlier(database, actor, rules, cards, session), rules)
        entries = {card["_id"]: pay_entry(card, rules, worked) for card in in_clock_in_order(cards)}
        data = {"start": start, "end": end, "period_type": period_type or "biweekly",
                "currency": currency}  # fmt: skip
        payroll = payroll_store(database).prepared(actor, data)
        names = await _names(database, actor, cards, session)
        lines = _lines(database, actor, payroll, cards, entries, names)
        return GeneratedPayroll(payroll, lines, not dry_run, cards, entries)

    if dry_run:
        return await plan(None)

    async def write(session: AsyncClientSession) -> GeneratedPayroll:
        await _hold_generations(database, actor, session)
        generated = await plan(session)
        await _store(database, actor, generated, session)
        return generated

    return await in_transaction(database, write)


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


async def _hold_generations(database: Database, actor: Actor, session: AsyncClientSession) -> None:
    """Write the account's generation counter in the generation's transaction. The overlap
    check reads a snapshot, so two generations of overlapping periods paying different
    punchcards could both pass it; both writing this one document makes them clash: the
    later one is rolled back, retried, and then sees the other's payroll."""
    await database.db.counters.update_one(
        {"_id": f"payroll_generation:{actor.account_id}"},
        {"$inc": {"value": 1}},
        upsert=True,
        session=session,
    )


async def _refuse_overlap(
    database: Database,
    actor: Actor,
    start: dt.date,
    end: dt.date,
    session: AsyncClientSession | None,
) -> None:
    # a payroll's extra days stretch its end: those ending up to LONGEST_EXTRA days before the
    # period are read, and kept if their stretched end reaches it
    query = {
        "_account": actor.account_id,
        "_deleted": {"$ne": True},
        "_closed": {"$ne": True},
        "start": {"$lte": _stored_day(end)},
        "end": {"$gte": _stored_day(start - dt.timedelta(days=LONGEST_EXTRA))},
    }
    fields = {"start": 1, "end": 1, "period_extra": 1}
    async for found in database.db.payrolls.find(query, fields, session=session):
        period = period_of(found)
        if period is not None and period[1] >= start:
            raise ServiceError.one(
                f"The open payroll of {period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d} overlaps "
                "this period: add the punchcards to its lines, or delete it first.",
                ErrorCode.INVALID_STATE,
                "period",
            )


async def _payable(
    database: Database,
    actor: Actor,
    rules: PayRules,
    start: dt.date,
    end: dt.date,
    session: AsyncClientSession | None,
) -> list[RawDoc]:
    """The live punchcards with pay, not yet in a payroll, of the period's local days."""
    query = {
        "_account": actor.account_id,
        "_search.date": {
            "$gte": local_midnight(start, rules.zone),
            "$lt": local_midnight(end + dt.timedelta(days=1), rules.zone),
        },
        "_deleted": {"$ne": True},
        "payroll": None,
        "pay.hours": {"$ne": None},
    }
    return [c async for c in database.db.punchcards.find(query, CARD_FIELDS, session=session)]


async def _paid_earlier(
    database: Database,
    actor: Actor,
    rules: PayRules,
    cards: list[RawDoc],
    session: AsyncClientSession | None,
) -> list[RawDoc]:
    """The live punchcards already paid (by any payroll, open or closed) of the caregivers and
    whole local weeks the payable `cards` fall in, before or inside the period: one query over
    the span of those weeks, kept to the weeks themselves."""
    weeks = {week for week in map(rules.week, cards) if week is not None}
    if not weeks:
        return []
    days = [day for _, day in weeks]
    query = {
        "_account": actor.account_id,
        "user._id": {"$in": list({caregiver for caregiver, _ in weeks})},
        "_search.date": {
            "$gte": local_midnight(min(days), rules.zone),
            "$lt": local_midnight(max(days) + dt.timedelta(days=7), rules.zone),
        },
        "_deleted": {"$ne": True},
        "payroll": {"$ne": None},
    }
    found = database.db.punchcards.find(query, CARD_FIELDS, session=session)
    return [card async for card in found if rules.week(card) in weeks]


async def _names(
    database: Database, actor: Actor, cards: list[RawDoc], session: AsyncClientSession | None
) -> dict[Any, RawDoc]:
    query = {"_id": {"$in": list({caregiver_of(c) for c in cards})}, "_account": actor.account_id}
    found = database.db.users.find(query, {"name": 1}, session=session)
    return {user["_id"]: user.get("name") or {} async for user in found}


def _lines(
    database: Database,
    actor: Actor,
    payroll: RawDoc,
    cards: list[RawDoc],
    entries: dict[Any, RawDoc],
    names: dict[Any, RawDoc],
) -> list[RawDoc]:
    """One line per caregiver, by name, paying their punchcards in clock-in order."""
    by_caregiver: dict[Any, list[RawDoc]] = {}
    for card in in_clock_in_order(cards):
        by_caregiver.setdefault(caregiver_of(card), []).append(entries[card["_id"]])
    store = payroll_user_store(database)

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
            "created_user": actor.user_id,
        }
        lines.append(store.prepared(actor, data))
    return lines


async def _store(
    database: Database, actor: Actor, generated: GeneratedPayroll, session: AsyncClientSession
) -> None:
    """Insert the payroll and its lines, and mark each punchcard if it is still unpaid."""
    payroll, lines = generated.payroll, generated.lines
    events = [
        audit_event(actor, AuditAction.CREATE, kind, raw["_id"], changes=changes_between(None, raw))
        for kind, raw in [("Payroll", payroll), *(("PayrollUser", line) for line in lines)]
    ]
    await database.db.payrolls.insert_one(payroll, session=session)
    await database.db.payrollsusers.insert_many(lines, session=session)
    snapshot = {"_id": payroll["_id"], "start": payroll["start"], "end": payroll["end"]}
    stamp, marks = now(), []
    for card in generated.cards:
        entry = generated.entries[card["_id"]]
        before = card.get("pay")
        pay = {
            **decode(before or {}),
            **{k: entry[k] for k in ("amount", "overtime_hours", "holiday")},
        }
        after = encode(validated(PunchcardPay, pay))
        revision = card.get("_revision")
        guard = {
            "_id": card["_id"],
            "_account": actor.account_id,
            "_revision": revision if revision is not None else {"$exists": False},
            "_deleted": {"$ne": True},
            "payroll": None,
        }
        sets = {"payroll": snapshot, "pay": after, "_revision": (revision or 1) + 1,
                "_last_updated_date": stamp}  # fmt: skip
        marks.append(UpdateOne(guard, {"$set": sets}))
        changes = [
            {"field": "payroll", "before": None, "after": snapshot},
            {"field": "pay", "before": before, "after": after},
        ]
        events.append(
            audit_event(actor, AuditAction.UPDATE, "Punchcard", card["_id"], changes=changes)
        )
    result = await database.db.punchcards.bulk_write(marks, ordered=False, session=session)
    if result.modified_count != len(marks):
        raise ServiceError.one(
            "Some of these punchcards changed or were paid while the payroll was made; "
            "generate it again.",
            ErrorCode.CONFLICT,
            "period",
        )
    await database.db.audit_events.insert_many(events, session=session)


def _stored_day(day: dt.date) -> dt.datetime:
    """Dates are stored as UTC midnights."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
