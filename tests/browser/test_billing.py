"""Billing in a real browser: a period's invoices previewed (nothing stored) then generated,
a payment recorded then voided, a closed invoice credited, the aging list's filters and sort;
each checked on the page and in what the API stored. Money is compared as decimals."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.browser.helpers import assert_accessible, graphql_requests, screenshots
from tests.browser.server import WebServer
from tests.browser.visits import caregiver_id, make_patient, punched_visit

WEEK = (dt.date(2023, 11, 6), dt.date(2023, 11, 12))
"""A past week (Monday to Sunday) no demo data and no other test touches."""
CREATE = """mutation($i: InvoiceCreateInput!) { invoiceCreate(input: $i) {
  invoice { id number revision total } userErrors { message } } }"""
INVOICE = """query($id: ID!) { invoice(id: $id) { number total amountPaid amountDue amountCredited
  closed payments { nodes { amount method reference void voidReason } } } }"""


def money(text: str) -> Decimal:
    """ "$1,234.50" as Decimal("1234.50")."""
    return Decimal(re.sub(r"[^\d.-]", "", text).rstrip("."))


@pytest.fixture(scope="module")
def patient_id(web_server: WebServer) -> str:
    nodes = web_server.graphql("{ patients(first: 1) { nodes { id } } }", role="billing")
    return str(nodes["data"]["patients"]["nodes"][0]["id"])


def make_invoice(
    web_server: WebServer, patient: str, quantity: str, rate: str, **fields: Any
) -> dict[str, Any]:
    """An invoice of our own, sent, one untaxed line."""
    line = {"code": "PSW", "quantity": quantity, "rate": rate, "taxes": []}
    answer = web_server.graphql(
        CREATE,
        {"i": {"patient": {"record": patient}, "status": "SENT", "services": [line], **fields}},
        role="billing",
    )
    made = answer["data"]["invoiceCreate"]
    assert made["userErrors"] == [], made
    return dict(made["invoice"])


def stored(web_server: WebServer, invoice_id: str) -> dict[str, Any]:
    return dict(web_server.graphql(INVOICE, {"id": invoice_id}, role="billing")["data"]["invoice"])


def invoice_count(web_server: WebServer) -> int:
    answer = web_server.graphql("{ invoices { totalCount } }", role="billing")
    return int(answer["data"]["invoices"]["totalCount"])


def billable_week(web_server: WebServer) -> list[str]:
    """Two patients of our own, each with two 2-hour visits of the demo caregiver in WEEK,
    clocked in and out by the office: billable, not yet billed. Their full names."""
    caregiver = caregiver_id(web_server)
    names = []
    for _ in range(2):
        patient, name = make_patient(web_server)
        for day in (1, 3):
            start = dt.datetime.combine(WEEK[0] + dt.timedelta(days=day), dt.time(15), dt.UTC)
            punched_visit(web_server, caregiver, patient, start, hours=2)
        names.append(name)
    return names


def test_a_dry_run_stores_nothing_then_the_batch_stores_the_invoices(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given two patients' clocked visits of a past week of their own, left to bill, and a
    # billing clerk on billing, reached from the navigation in one request
    names = billable_week(web_server)
    page = page_as("billing")
    with graphql_requests(page) as first_paint:
        page.get_by_role("navigation").get_by_role("link", name="Billing").click()
        page.get_by_role("table", name="Invoices").wait_for()
        page.wait_for_timeout(400)
    assert [r.name for r in first_paint] == ["BillingScreenQuery"]
    before = invoice_count(web_server)

    # when they preview that week's invoices
    page.get_by_label("First day billed").fill(WEEK[0].isoformat())
    page.get_by_label("Last day billed").fill(WEEK[1].isoformat())
    with graphql_requests(page) as requests:
        page.get_by_role("button", name="Preview (dry run)").click()
        preview = page.get_by_role("region", name="Preview: nothing is stored yet")
        preview.wait_for()

    # then the preview lists an invoice per patient, without numbers, and the API stored none
    assert requests[0].variables["dryRun"] is True
    assert requests[0].variables["period"] == {
        "start": WEEK[0].isoformat(),
        "end": WEEK[1].isoformat(),
    }
    rows = preview.get_by_role("row").all_inner_texts()[1:]
    assert sorted(row.split("\t")[1].strip() for row in rows) == sorted(names)
    assert preview.get_by_role("cell", name="not yet").count() == len(names)
    assert invoice_count(web_server) == before
    assert_accessible(page)
    screenshots(page, "billing")

    # when they generate them, following the batch's invoices as they are made
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    page.get_by_role("button", name=f"Generate {len(names)} invoices").click()
    report = page.get_by_role("region", name="Invoices generated")
    report.wait_for(timeout=60_000)

    # then the batch stored them, for our patients, with the numbers and totals the report shows
    assert invoice_count(web_server) == before + len(names)
    newest = web_server.graphql(
        "query($n: Int!) { invoices(first: $n, orderBy: {field: CREATED_DATE, direction: DESC})"
        " { nodes { number total patient { record { fullName } } } } }",
        {"n": len(names)},
        role="billing",
    )["data"]["invoices"]["nodes"]
    assert sorted(i["patient"]["record"]["fullName"] for i in newest) == sorted(names)
    shown = [row.split("\t") for row in report.get_by_role("row").all_inner_texts()[1:]]
    assert sorted((cells[0].strip(), money(cells[3])) for cells in shown) == sorted(
        (i["number"], Decimal(i["total"])) for i in newest
    )
    assert page.get_by_role("region", name="Preview: nothing is stored yet").count() == 0
    # and the page heard of each invoice as it committed (the progress), over the live changes
    for _ in range(50):
        if sum("invoice.created" in f for f in frames) >= len(names):
            break
        page.wait_for_timeout(100)
    assert sum("invoice.created" in f for f in frames) == len(names)


def test_a_payment_is_recorded_then_voided(
    page_as: Callable[..., Any], web_server: WebServer, patient_id: str
) -> None:
    # given an invoice of 99.99 of our own, opened on billing
    invoice = make_invoice(web_server, patient_id, "3", "33.33")
    page = page_as("billing")
    page.goto(f"/billing?invoice={invoice['id']}")
    panel = page.get_by_test_id("invoice-panel")
    panel.get_by_role("heading", name=f"Invoice {invoice['number']}").wait_for()
    assert money(panel.get_by_test_id("figure-total").inner_text()) == Decimal("99.99")

    # when they record a payment of 12.34 by cheque
    panel.get_by_label("Amount").fill("12.34")
    panel.get_by_label("Reference").fill("CHQ-1042")
    panel.get_by_role("button", name="Record payment").click()
    panel.get_by_text("The payment is recorded.").wait_for()

    # then the invoice shows it paid in part, to the cent, as stored
    page.wait_for_function(
        "() => document.querySelector('[data-testid=figure-paid]')?.textContent === '$12.34'"
    )
    assert money(panel.get_by_test_id("figure-amount-due").inner_text()) == Decimal("87.65")
    saved = stored(web_server, invoice["id"])
    assert Decimal(saved["amountPaid"]) == Decimal("12.34")
    assert saved["payments"]["nodes"] == [
        {"amount": "12.34", "method": "CHEQUE", "reference": "CHQ-1042", "void": False,
         "voidReason": None}
    ]  # fmt: skip

    # when they void it, saying why
    panel.get_by_role("button", name="Void this payment").click()
    panel.get_by_label("Why it is void").fill("The cheque bounced")
    panel.get_by_role("button", name="Void", exact=True).click()

    # then it shows void, nothing is paid, and the API stored the void with its reason
    panel.get_by_text("The cheque bounced").wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=figure-paid]')?.textContent === '$0.00'"
    )
    saved = stored(web_server, invoice["id"])
    assert Decimal(saved["amountPaid"]) == 0 and Decimal(saved["amountDue"]) == Decimal("99.99")
    payment = saved["payments"]["nodes"][0]
    assert payment["void"] is True and payment["voidReason"] == "The cheque bounced"


def test_a_refused_payment_shows_the_apis_words_next_to_the_amount(
    page_as: Callable[..., Any], web_server: WebServer, patient_id: str
) -> None:
    # given an invoice of our own, opened on billing
    invoice = make_invoice(web_server, patient_id, "1", "10.00")
    page = page_as("billing")
    page.goto(f"/billing?invoice={invoice['id']}")
    panel = page.get_by_test_id("invoice-panel")

    # when they record an amount with a fraction of a cent
    panel.get_by_label("Amount").fill("1.005")
    panel.get_by_role("button", name="Record payment").click()

    # then the API's refusal is under the amount and no payment is stored
    error = panel.locator(".mantine-InputWrapper-error").first
    error.wait_for()
    assert error.inner_text()
    assert stored(web_server, invoice["id"])["payments"]["nodes"] == []


def test_a_closed_invoice_is_credited(
    page_as: Callable[..., Any], web_server: WebServer, patient_id: str
) -> None:
    # given a closed invoice of 45.50 of our own, opened on billing
    invoice = make_invoice(web_server, patient_id, "2", "22.75")
    closed = web_server.graphql(
        "mutation($id: ID!, $r: Int!) { invoiceClose(id: $id, revision: $r) "
        "{ userErrors { message } } }",
        {"id": invoice["id"], "r": invoice["revision"]},
        role="billing",
    )
    assert closed["data"]["invoiceClose"]["userErrors"] == []
    page = page_as("billing")
    page.goto(f"/billing?invoice={invoice['id']}")
    panel = page.get_by_test_id("invoice-panel")

    # when they credit what is left, saying why
    panel.get_by_label("Reason for the credit").fill("Visits cancelled by the family")
    panel.get_by_role("button", name="Credit what is left").click()

    # then a credit note is made for the whole, and stored naming the invoice and the reason
    made = panel.get_by_test_id("credit-made")
    made.wait_for()
    note_number = made.inner_text().split()[2]
    assert money(made.inner_text().split(" for ")[1]) == Decimal("45.50")
    saved = stored(web_server, invoice["id"])
    assert Decimal(saved["amountCredited"]) == Decimal("45.50")
    assert Decimal(saved["amountDue"]) == 0
    note = web_server.graphql(
        "query($n: String!) { invoiceByNumber(number: $n) { invoiceType total creditReason "
        "creditedInvoice { number } } }",
        {"n": note_number},
        role="billing",
    )["data"]["invoiceByNumber"]
    assert note == {
        "invoiceType": "CREDIT_NOTE",
        "total": note["total"],
        "creditReason": "Visits cancelled by the family",
        "creditedInvoice": {"number": invoice["number"]},
    }
    assert Decimal(note["total"]) == Decimal("45.50")


def test_the_aging_list_filters_by_days_overdue_and_sorts_by_amount_due(
    page_as: Callable[..., Any], web_server: WebServer, patient_id: str
) -> None:
    # given an invoice of our own 45 days overdue
    today = dt.date.today()
    late = make_invoice(
        web_server,
        patient_id,
        "7",
        "11.11",
        invoiceDate=(today - dt.timedelta(days=75)).isoformat(),
        dueDate=(today - dt.timedelta(days=45)).isoformat(),
    )
    page = page_as("billing")
    page.goto("/billing")
    table = page.get_by_role("table", name="Invoices")
    table.wait_for()

    def overdue_by(days: int) -> dict[str, Any]:
        return dict(
            web_server.graphql(
                "query($d: Int!) { invoices(filter: {unpaid: true, overdueBy: $d}, "
                "orderBy: {field: AMOUNT_DUE, direction: ASC}) "
                "{ totalCount nodes { number amountDue } } }",
                {"d": days},
                role="billing",
            )["data"]["invoices"]
        )

    # when they list the unpaid invoices 30 days overdue or more
    page.get_by_role("combobox", name="Overdue by").click()
    page.get_by_role("option", name="30 days or more").click()

    # then the list is the API's, ours in it, each row at least 30 days overdue
    api = overdue_by(30)
    page.get_by_test_id("aging-count").filter(has_text=f"{api['totalCount']} invoice").wait_for()
    page.get_by_role("button", name=late["number"], exact=True).wait_for()
    days = [int(d.split()[0]) for d in table.locator("tbody tr td:nth-child(5)").all_inner_texts()]
    assert days and all(d >= 30 for d in days)

    # when they sort by amount due, smallest first
    page.get_by_role("combobox", name="Sort by").click()
    page.get_by_role("option", name="Amount due, smallest first").click()

    # then the first row is the API's smallest amount due
    first = api["nodes"][0]
    page.wait_for_function(
        "n => document.querySelector('[data-testid=invoice-row] button')?.textContent === n",
        arg=first["number"],
    )

    # when they ask for 60 days or more, ours (45 days) is gone
    page.get_by_role("combobox", name="Overdue by").click()
    page.get_by_role("option", name="60 days or more").click()
    page.get_by_test_id("aging-count").filter(
        has_text=f"{overdue_by(60)['totalCount']} invoice"
    ).wait_for()
    assert page.get_by_role("button", name=late["number"], exact=True).count() == 0
    assert_accessible(page)
