"""The demo's invoices are generated from its clocked punchcards, paid, closed and credited
through the services, and their figures add up."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.common.services import decode
from app.db import Database
from tests.factories import small_demo_of_last_week

CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Any) -> Decimal:
    return Decimal(str(decode(value) or 0))


def check_figures(invoice: dict[str, Any], paid: Decimal, credited: Decimal) -> None:
    """Lines, taxes per line, totals, paid, credited and due, recomputed by hand."""
    lines = [decode(line) for line in invoice["services"]]
    for line in lines:
        assert line["amount"] == _cents(line["quantity"] * line["rate"])
    assert sum((line["amount"] for line in lines), Decimal(0)) == _money(invoice["subtotal"])
    for tax in decode(invoice["taxes"]):
        bearing = [line for line in lines if tax["code"] in line["taxes"]]
        per_line = [_cents(line["amount"] * tax["rate"] / 100) for line in bearing]
        assert tax["amount"] == sum(per_line, Decimal(0)) and bearing
    tax_total = sum((tax["amount"] for tax in decode(invoice["taxes"])), Decimal(0))
    assert _money(invoice["tax_total"]) == tax_total
    assert _money(invoice["subtotal"]) + tax_total == _money(invoice["total"])
    assert _money(invoice.get("amount_paid")) == paid
    assert _money(invoice.get("amount_credited")) == credited
    if invoice.get("invoice_type") == "credit_note":
        assert _money(invoice["amount_due"]) == 0
    else:
        assert _money(invoice["amount_due"]) == _money(invoice["total"]) - paid - credited


async def test_the_demo_invoices_are_generated_and_add_up(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo of one small agency, its week pinned to last week's Monday so that both its
    # weeks are over whatever day this runs: the week before billed, the demo week not yet
    account, monday = await small_demo_of_last_week(database, monkeypatch)
    assert (account.get("billing_settings") or {}).get("money_rounding", "half_up") == "half_up"
    scope = {"_account": account["_id"]}
    # when its invoices, payments and punchcards are read
    invoices = [i async for i in database.db.invoices.find(scope).sort("_id", 1)]
    payments = [p async for p in database.db.payments.find(scope)]
    cards = {c["_id"]: c async for c in database.db.punchcards.find(scope)}
    standard = [i for i in invoices if i.get("invoice_type") != "credit_note"]
    notes = [i for i in invoices if i.get("invoice_type") == "credit_note"]
    # then every clocked, billable punchcard of the week before is on an invoice, and links
    # back to it; the demo week's are left to bill
    clocked = [c for c in cards.values() if (c.get("bill") or {}).get("billable")]
    zone = ZoneInfo(account["settings"]["timezone"])
    starts = {e["_id"]: e["start"] async for e in database.db.events.find(scope)}
    demo_week = dt.datetime.combine(monday, dt.time(), zone)
    before = [c for c in clocked if starts[c["event"]] < demo_week]
    assert before and all(c.get("invoice") for c in before)
    assert len(before) < len(clocked) and not any(
        c.get("invoice") for c in clocked if c not in before
    )
    listed = {e["_id"]: i["_id"] for i in standard for e in i["punchcards"]}
    assert {k: c["invoice"]["_id"] for k, c in cards.items() if c.get("invoice")} == listed
    assert len(listed) == sum(len(i["punchcards"]) for i in standard)  # billed once
    # and each invoice's figures add up, with its payments and credit notes
    for invoice in invoices:
        paid = sum(
            (_money(p["amount"]) for p in payments
             if p["invoice"] == invoice["_id"] and not p.get("_void")),
            Decimal(0),
        )  # fmt: skip
        credited = sum(
            (_money(n["total"]) for n in notes if n["credited_invoice"]["_id"] == invoice["_id"]),
            Decimal(0),
        )
        check_figures(invoice, paid, credited)
    # and the office's week shows: paid in part; paid in full and closed; closed and credited
    assert [i["status"] for i in standard[:3]] == ["partially_paid", "paid", "sent"]
    assert [bool(i.get("_closed")) for i in standard[:3]] == [False, True, True]
    assert [n["credited_invoice"]["_id"] for n in notes] == [standard[2]["_id"]]
    assert len(standard) > 3 and all(i["status"] == "sent" for i in standard[3:])
    # and each invoice bills the week before the demo week
    week = dt.datetime.combine(monday - dt.timedelta(days=7), dt.time(), dt.UTC)
    periods = {(i["billing_period"]["start"], i["billing_period"]["end"]) for i in standard}
    assert periods == {(week, week + dt.timedelta(days=6))}
    # and invoice numbers (credit notes' too) follow each other without a gap
    numbers = sorted(int(re.findall(r"\d+", i["number"])[-1]) for i in invoices)
    assert numbers == list(range(numbers[0], numbers[0] + len(invoices)))
    # and the payroll demo still paid the same punchcards
    assert any(c.get("payroll") and c.get("invoice") for c in cards.values())
