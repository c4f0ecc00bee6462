"""What a billing clerk's aging report needs: unpaid invoices (never a credit note), by kind, by
amount due, by days overdue in the account's time zone, sorted by amount due or due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.billing.defaults import account_today
from tests.factories import Agency, Api
from tests.factories_billing import (
    CLOSE_INVOICE,
    CREDIT_INVOICE,
    billed_patient,
    billing_agency,
    create_invoice,
    line,
    pay,
)

LIST = """query($filter: InvoiceFilter, $orderBy: InvoiceOrder) {
  invoices(filter: $filter, orderBy: $orderBy, first: 50) {
    nodes { number invoiceType amountDue dueDate daysOverdue overdue } } }"""
EDGE = """query($id: ID!, $filter: InvoiceFilter, $orderBy: InvoiceOrder) { patient(id: $id) {
  invoices(filter: $filter, orderBy: $orderBy) { nodes { number } } } }"""


async def aged_invoices(api: Api) -> tuple[Agency, str, dt.date, dict[str, Any]]:
    """A-1 due 60 days ago (452.00 due); A-2 due 10 days ago, paid in part (53.80 due); A-3 due
    in 20 days (76.84); A-4 due 5 days ago and paid; C-1 closed and credited whole (0 due), and
    its credit note (SENT, nothing due)."""
    agency = await billing_agency(api)
    patient = await billed_patient(agency)
    account = await api.database.db.accounts.find_one({"_id": agency.account_id})
    today = account_today(account)

    async def invoice(number: str, due_in: int, hours: str) -> dict[str, Any]:
        due = today + dt.timedelta(days=due_in)
        return await create_invoice(
            agency,
            patient,
            number=number,
            status="SENT",
            invoiceDate=(due - dt.timedelta(days=30)).isoformat(),
            dueDate=due.isoformat(),
            services=[line("PSW", hours, "40.00")],
        )

    made = {
        "A-1": await invoice("A-1", -60, "10"),
        "A-2": await invoice("A-2", -10, "4"),
        "A-3": await invoice("A-3", 20, "1.7"),
        "A-4": await invoice("A-4", -5, "1"),
        "C-1": await invoice("C-1", -40, "2"),
    }
    await pay(agency, made["A-2"]["id"], "127.00")
    await pay(agency, made["A-4"]["id"], made["A-4"]["total"])
    closed = await agency.ok(CLOSE_INVOICE, {"id": made["C-1"]["id"], "revision": 1})
    assert closed["invoiceClose"]["userErrors"] == []
    credited = await agency.ok(CREDIT_INVOICE, {"id": made["C-1"]["id"], "reason": "Not given"})
    assert credited["invoiceCredit"]["userErrors"] == [], credited
    made["credit note"] = credited["invoiceCredit"]["creditNote"]
    return agency, patient, today, made


async def listed(agency: Agency, **variables: Any) -> list[dict[str, Any]]:
    return (await agency.ok(LIST, variables))["invoices"]["nodes"]  # type: ignore[no-any-return]


async def numbers(agency: Agency, **variables: Any) -> list[str]:
    return [invoice["number"] for invoice in await listed(agency, **variables)]


async def test_the_aging_filters_find_what_a_clerk_chases(api: Api) -> None:
    # given invoices overdue, paid, not yet due, credited, and a credit note
    agency, _, _, made = await aged_invoices(api)
    note = made["credit note"]["number"]
    assert made["credit note"]["status"] == "SENT" and made["credit note"]["amountDue"] == "0.00"

    async def found(**conditions: Any) -> list[str]:
        return sorted(await numbers(agency, filter=conditions))

    # when they are filtered, then each condition holds
    assert await found(unpaid=True) == ["A-1", "A-2", "A-3"]
    assert await found(unpaid=False) == sorted(["A-4", "C-1", note])
    assert await found(status=["SENT"], unpaid=True) == ["A-1", "A-3"]  # not the credit note
    assert await found(type=["CREDIT_NOTE"]) == [note]
    assert await found(type=["STANDARD"]) == ["A-1", "A-2", "A-3", "A-4", "C-1"]
    assert await found(amountDue={"min": "53.80", "max": "76.84"}) == ["A-2", "A-3"]
    assert await found(amountDue={"min": "53.805"}) == ["A-1", "A-3"]
    assert await found(amountDue={"max": "0"}) == sorted(["A-4", "C-1", note])
    assert await found(overdueBy=30) == ["A-1"]
    assert await found(overdueBy=10) == ["A-1", "A-2"]
    assert await found(overdueBy=11) == ["A-1"]
    assert await found(overdueBy=1) == await found(overdue=True) == ["A-1", "A-2"]


async def test_days_overdue_counts_in_the_accounts_zone_and_is_null_when_nothing_is_due(
    api: Api,
) -> None:
    # given the aged invoices
    agency, _, _, made = await aged_invoices(api)
    note = made["credit note"]["number"]

    # when they are read
    shown = {invoice["number"]: invoice for invoice in await listed(agency)}

    # then days overdue counts from the due date, and is null when not due or nothing is due
    days = {number: invoice["daysOverdue"] for number, invoice in shown.items()}
    assert days == {"A-1": 60, "A-2": 10, "A-3": None, "A-4": None, "C-1": None, note: None}
    assert sorted(n for n, invoice in shown.items() if invoice["overdue"]) == ["A-1", "A-2"]


async def test_invoices_sort_by_amount_due_and_due_date_at_the_root_and_on_the_edge(
    api: Api,
) -> None:
    # given the aged invoices
    agency, patient, _, made = await aged_invoices(api)
    note = made["credit note"]["number"]

    # when they are sorted by amount due, largest first, and by due date
    by_due = await numbers(
        agency, filter={"unpaid": True}, orderBy={"field": "AMOUNT_DUE", "direction": "DESC"}
    )
    by_date = await numbers(agency, orderBy={"field": "DUE_DATE"})
    edge = await agency.ok(
        EDGE,
        {"id": patient, "filter": {"unpaid": True}, "orderBy": {"field": "AMOUNT_DUE"}},
    )

    # then each order holds, through the patient's edge as at the root
    assert by_due == ["A-1", "A-3", "A-2"]
    assert [n for n in by_date if n != note] == ["A-1", "C-1", "A-2", "A-4", "A-3"]
    assert [n["number"] for n in edge["patient"]["invoices"]["nodes"]] == ["A-2", "A-3", "A-1"]


async def test_overdue_by_must_be_a_number_of_days(api: Api) -> None:
    # given an agency
    agency = await billing_agency(api)

    # when it asks for invoices overdue by 0 days
    response = await agency.gql(LIST, {"filter": {"overdueBy": 0}})

    # then it is told what overdueBy means
    assert response.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "1 or more" in response.errors[0]["message"]
