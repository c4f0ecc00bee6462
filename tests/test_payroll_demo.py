"""The demo's payrolls are generated from its punchcards, carry adjustments, and add up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.common.services import decode
from app.db import Database
from app.payroll.totals import payroll_totals
from tests.factories import small_demo_of_last_week

CENTS = Decimal("0.00")


async def test_the_demo_payrolls_are_generated_and_add_up(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo data of one small agency, its week pinned to last week's Monday so that
    # both its weeks have visits clocked whatever day this runs
    account, monday = await small_demo_of_last_week(database, monkeypatch)
    scope = {"_account": account["_id"]}
    # when its payrolls, their lines and the punchcards they pay are read
    payrolls = [p async for p in database.db.payrolls.find(scope).sort("start", 1)]
    lines = [line async for line in database.db.payrollsusers.find(scope)]
    cards = {c["_id"]: c async for c in database.db.punchcards.find(scope)}
    # then the week before the demo week is paid and closed, the demo week's payroll is open
    week = dt.datetime.combine(monday - dt.timedelta(days=7), dt.time(), dt.UTC)
    assert [(p["start"], p["end"]) for p in payrolls] == [
        (week, week + dt.timedelta(days=6)),
        (week + dt.timedelta(days=7), week + dt.timedelta(days=13)),
    ]
    assert [bool(p.get("_closed")) for p in payrolls] == [True, False]
    # and every punchcard of those weeks is in one of them (visits of the series today, past
    # the pinned demo week, are not)
    weeks = [c for c in cards.values() if c["actual"]["clock_in"] < week + dt.timedelta(days=14)]
    assert weeks and all(card.get("payroll") for card in weeks)
    # and every line pays what its punchcards say they were paid, in its payroll
    for line in lines:
        for entry in line["punchcards"]:
            card = cards[entry["_id"]]
            assert card["payroll"]["_id"] == line["payroll"]
            assert decode(card["pay"]["amount"]) == decode(entry["amount"])
    # and each payroll has a line with adjustments, and its total is its lines' sum to the cent
    for payroll in payrolls:
        assert any(line["adjustments"] for line in lines if line["payroll"] == payroll["_id"])
    for payroll in payrolls:
        mine = [line for line in lines if line["payroll"] == payroll["_id"]]
        gross = sum((decode(e["amount"]) for line in mine for e in line["punchcards"]), CENTS)
        extra = sum(
            (
                -decode(a["amount"]) if a["kind"] == "deduction" else decode(a["amount"])
                for line in mine
                for a in line["adjustments"]
            ),
            CENTS,
        )
        total = payroll_totals(mine)
        assert (total.gross, total.net) == (gross, gross + extra) and gross > 0
    # and every punchcard of a paid week that is clocked and paid is in a payroll
    paid = {entry["_id"] for line in lines for entry in line["punchcards"]}
    assert all(c.get("payroll") is None for key, c in cards.items() if key not in paid)
