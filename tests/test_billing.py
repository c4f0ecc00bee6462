"""Invoices and payments: exact amounts, snapshots, numbering, closing, and payments that settle
their invoice in the same transaction."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import Decimal128, ObjectId

from app.billing import demo as billing_demo
from app.billing import payments as billing_payments
from app.billing.documents import PUNCHCARD_REF
from app.billing.snapshot_documents import CLIENT_REF, CONTACT_REF
from app.common.demo import DemoAccount
from app.common.services import Actor
from app.errors import ErrorCode, ServiceError
from app.graphql.relay import from_global_id, to_global_id
from tests.factories import Agency, Api, audit_entries
from tests.factories_billing import (
    CLOSE_INVOICE,
    CREATE_INVOICE,
    CREATE_PAYMENT,
    DELETE_INVOICE,
    PUNCHCARD_INVOICE,
    UPDATE_INVOICE,
    VOID_PAYMENT,
    billed,
    billed_patient,
    billing_agency,
    caregiver,
    create_invoice,
    invoice_input,
    line,
    pay,
    visit,
)
from tests.factories_visits import DELETE_PUNCHCARD

LIST = """query($filter: InvoiceFilter, $orderBy: InvoiceOrder, $first: Int, $after: String) {
  invoices(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    nodes { number } pageInfo { endCursor hasNextPage } totalCount } }"""


def key(global_id: str) -> ObjectId:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]  # type: ignore[no-any-return]


async def stored_invoice(agency: Agency, global_id: str) -> dict[str, Any]:
    raw = await agency.api.database.db.invoices.find_one({"_id": key(global_id)})
    assert raw is not None
    return raw  # type: ignore[no-any-return]


async def numbers(agency: Agency, **variables: Any) -> list[str]:
    data = await agency.ok(LIST, variables)
    return [node["number"] for node in data["invoices"]["nodes"]]


async def test_an_invoice_is_computed_exactly_and_copies_the_account_and_patient(
    api: Api,
) -> None:
    # given an agency billing 13% HST on PSW and RN, not on COMP, and a patient
    agency = await billing_agency(api)
    patient = await billed_patient(agency)
    # when an invoice is made with a rate that lands on a half cent (2.5 x 10.05 = 25.125)
    invoice = await create_invoice(
        agency,
        patient,
        services=[line("PSW", "2.5", "10.05"), line("RN", "1"), line("COMP", "3")],
        term={"key": "net15"},
    )
    # then each line rounds half-up, HST is 13% of the taxed lines, and the totals add up
    assert [(s["amount"], s["taxes"]) for s in invoice["services"]] == [
        ("25.13", ["HST"]),
        ("85.00", ["HST"]),
        ("90.00", []),
    ]
    assert invoice["services"][1]["rate"] == "85.00"  # the account's rate for RN
    assert invoice["services"][1]["description"] == "Registered nurse visit"
    assert invoice["taxes"] == [
        {"code": "HST", "label": "HST (ON) 13%", "rate": "13", "amount": "14.32"}
    ]
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"]) == (
        "200.13",
        "14.32",
        "214.45",
    )
    assert (invoice["amountPaid"], invoice["amountDue"], invoice["status"]) == (
        "0.00",
        "214.45",
        "DRAFT",
    )
    # and what is left out comes from the account: number, due date by term, currency, rep
    assert invoice["number"] == "INV-1"
    assert invoice["dueDate"] == "2025-06-15"
    assert invoice["term"] == {"key": "net15", "name": "Net 15", "days": 15}
    assert (invoice["currency"], invoice["hstNumber"]) == ("CAD", "123456789 RT0001")
    assert invoice["salesRep"] == {"key": "rep1", "name": "Dana Reyes", "office": "Toronto"}
    assert invoice["account"]["website"] == "https://sunrise.example.ca"
    assert invoice["patient"] == {
        "record": {"id": patient},
        "name": {"first": "Walter", "last": "Green"},
        "phone": "+1 416 555 0101",
        "location": {"city": "Toronto"},
    }
    assert (invoice["billingPeriodStart"], invoice["billingPeriodEnd"]) == (
        "2025-05-01",
        "2025-05-31",
    )
    # and it is stored exactly, under the catalogue's names
    raw = await stored_invoice(agency, invoice["id"])
    assert raw["total"] == Decimal128("214.45")
    assert raw["services"][0]["amount"] == Decimal128("25.13")
    assert raw["_account"] == agency.account_id
    assert raw["account"]["hst_number"] == "123456789 RT0001"
    assert raw["patient"]["_id"] == key(patient)
    # and reading it by id answers the same
    read = await agency.ok(
        "query($id: ID!) { invoice(id: $id) { total number } }", {"id": invoice["id"]}
    )
    assert read["invoice"] == {"total": "214.45", "number": "INV-1"}


async def test_a_client_may_not_send_computed_amounts(api: Api) -> None:
    # given an agency
    agency = await billing_agency(api)
    # when an invoice is sent with its own total, and a line with its own amount
    total = await agency.gql(CREATE_INVOICE, {"input": invoice_input(total="1.00")})
    amount = await agency.gql(
        CREATE_INVOICE,
        {"input": invoice_input(services=[{"code": "PSW", "quantity": "1", "amount": "9"}])},
    )
    # then both are refused before anything runs, and nothing is stored
    assert "total" in total.errors[0]["message"]
    assert "amount" in amount.errors[0]["message"]
    assert await api.count("invoices", _account=agency.account_id) == 0


async def test_an_update_recomputes_the_amounts_and_needs_the_current_revision(
    api: Api,
) -> None:
    # given an invoice of 10 PSW hours and 2 COMP hours (444.20)
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    assert invoice["total"] == "444.20"
    # when the PSW hours become 12.25
    services = [line("PSW", "12.25"), line("COMP", "2")]
    variables = {"id": invoice["id"], "revision": 1, "input": {"services": services}}
    data = await agency.ok(UPDATE_INVOICE, variables)
    # then the amounts follow: 416.50 + 60.00, HST 54.15 (54.145 rounded half-up)
    updated = data["invoiceUpdate"]["invoice"]
    assert (updated["subtotal"], updated["taxTotal"], updated["total"]) == (
        "476.50",
        "54.15",
        "530.65",
    )
    assert (updated["amountDue"], updated["revision"]) == ("530.65", 2)
    # when the same change is sent again with the old revision
    stale = await agency.ok(UPDATE_INVOICE, {**variables, "input": {"notes": "late"}})
    # then it is a conflict and nothing changes
    assert stale["invoiceUpdate"]["userErrors"][0]["code"] == "CONFLICT"
    raw = await stored_invoice(agency, invoice["id"])
    assert (raw["total"], raw.get("notes"), raw["_revision"]) == (Decimal128("530.65"), None, 2)


async def test_an_update_keeps_a_number_a_date_and_a_total_covering_the_payments(
    api: Api,
) -> None:
    # given an invoice of 444.20 with 400.00 paid
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    await pay(agency, invoice["id"], "400.00")
    # when its number and date are cleared, or its lines cut to 60.00
    cleared = await agency.ok(
        UPDATE_INVOICE,
        {"id": invoice["id"], "revision": 2, "input": {"number": None, "invoiceDate": None}},
    )
    cut = await agency.ok(
        UPDATE_INVOICE,
        {"id": invoice["id"], "revision": 2, "input": {"services": [line("COMP", "2")]}},
    )
    # then each is refused, and the invoice stays as it was
    assert [(e["field"], e["code"]) for e in cleared["invoiceUpdate"]["userErrors"]] == [
        ("input.number", "REQUIRED"),
        ("input.invoiceDate", "REQUIRED"),
    ]
    assert cut["invoiceUpdate"]["userErrors"] == [
        {
            "field": "input.services",
            "message": "The total (60.00) would be less than what was already paid (400.00).",
            "code": "INVALID",
        }
    ]
    raw = await stored_invoice(agency, invoice["id"])
    assert (raw["number"], raw["total"], raw["_revision"]) == ("INV-1", Decimal128("444.20"), 2)


async def test_invoice_numbers_are_unique_per_account_and_follow_on(api: Api) -> None:
    # given an agency that numbered an invoice INV-1 by hand, and another agency
    agency, other = await billing_agency(api), await billing_agency(api)
    await create_invoice(agency, number="INV-1")
    # when one is made without a number, and one with a taken number in another case
    auto = await create_invoice(agency)
    taken = await agency.ok(CREATE_INVOICE, {"input": invoice_input(number="inv-2")})
    elsewhere = await create_invoice(other, number="INV-2")
    # then the next free number is used, the clash is a duplicate, other accounts are apart
    assert auto["number"] == "INV-2"
    assert taken["invoiceCreate"]["userErrors"] == [
        {
            "field": "input.number",
            "message": "Another invoice has this number.",
            "code": "DUPLICATE",
        }
    ]
    assert elsewhere["number"] == "INV-2"
    assert await api.count("invoices", _account=agency.account_id) == 2
    found = await agency.ok('{ invoiceByNumber(number: "inv-2") { number } }')
    assert found == {"invoiceByNumber": {"number": "INV-2"}}


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        (
            {"billingPeriod": {"start": "2025-05-31", "end": "2025-05-01"}},
            "billingPeriod",
            "INVALID",
        ),
        ({"dueDate": "2025-05-01"}, "input", "INVALID"),
        ({"services": [line("PSW", "-1")]}, "services.0.quantity", "INVALID"),
        ({"services": [line("PSW", "1", "-5")]}, "services.0.rate", "INVALID"),
        ({"services": [line("PSW", "1", taxes=["GST"])]}, "services.0.taxes", "INVALID"),
        ({"services": [line("MASSAGE", "1")]}, "services.0.rate", "REQUIRED"),
        ({"status": "PAID"}, "status", "INVALID"),
        ({"salesRep": {"key": "nobody"}}, "salesRep.key", "NOT_FOUND"),
        ({"term": {"key": "net90"}}, "term.key", "NOT_FOUND"),
        ({"currency": "dollars"}, "currency", "INVALID"),
        ({"ccInvoice": {"amount": "10.005"}}, "ccInvoice.amount", "INVALID"),
    ],
)
async def test_a_bad_invoice_is_a_user_error_and_writes_nothing(
    api: Api, overrides: dict[str, Any], field: str, code: str
) -> None:
    # given an agency
    agency = await billing_agency(api)
    # when an invoice breaking one rule is made
    data = await agency.ok(CREATE_INVOICE, {"input": invoice_input(**overrides)})
    # then that rule is named, and nothing is stored
    errors = data["invoiceCreate"]["userErrors"]
    expected = field if field == "input" else f"input.{field}"
    assert [(e["field"], e["code"]) for e in errors] == [(expected, code)], errors
    assert await api.count("invoices", _account=agency.account_id) == 0


async def test_another_accounts_records_are_refused_and_its_invoices_read_as_null(
    api: Api,
) -> None:
    # given an agency with an invoice, and another agency with a patient
    agency, other = await billing_agency(api), await billing_agency(api)
    invoice = await create_invoice(agency, await billed_patient(agency))
    strangers_patient = await billed_patient(other)
    # when the first agency bills the other's patient, or a punchcard that is not its own
    billed = await agency.ok(CREATE_INVOICE, {"input": invoice_input(strangers_patient)})
    card = {"record": reference("Punchcard", ObjectId(), PUNCHCARD_REF), "date": "2025-05-02"}
    carded = await agency.ok(
        CREATE_INVOICE, {"input": invoice_input(punchcards=[{**card, "hours": "2"}])}
    )
    # and the other agency reads and pays the first agency's invoice
    seen = await other.ok(
        'query($id: ID!) { invoice(id: $id) { id } invoiceByNumber(number: "INV-1") { id } '
        "invoices { totalCount } }",
        {"id": invoice["id"]},
    )
    paid = await other.ok(
        CREATE_PAYMENT, {"input": {"invoice": invoice["id"], "amount": "1", "method": "CASH"}}
    )
    # then the patient and the invoice are not found, and nothing is written
    assert billed["invoiceCreate"]["userErrors"] == [
        {
            "field": "input.patient.record",
            "message": "No Patient with this id.",
            "code": "NOT_FOUND",
        }
    ]
    assert carded["invoiceCreate"]["userErrors"] == [
        {
            "field": "input.punchcards.0.record",
            "message": "No Punchcard with this id.",
            "code": "NOT_FOUND",
        }
    ]
    assert seen == {"invoice": None, "invoiceByNumber": None, "invoices": {"totalCount": 0}}
    assert paid["paymentCreate"]["userErrors"] == [
        {"field": "input.invoice", "message": "No Invoice with this id.", "code": "NOT_FOUND"}
    ]
    assert await api.count("invoices", _account=agency.account_id) == 1
    assert await api.count("payments", invoice=key(invoice["id"])) == 0


async def test_a_closed_invoice_no_longer_changes_but_takes_payments(api: Api) -> None:
    # given an invoice
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    # when it is closed
    data = await agency.ok(CLOSE_INVOICE, {"id": invoice["id"], "revision": 1})
    closed = data["invoiceClose"]["invoice"]
    # then it says so (an API client closed it: no user), and it is stored closed
    assert (closed["closed"], closed["closedUser"], closed["revision"]) == (True, None, 2)
    assert closed["closedDate"] is not None
    raw = await stored_invoice(agency, invoice["id"])
    assert raw["_closed"] is True and raw["_closed_date"] is not None
    # when it is edited, deleted or closed again
    edit = await agency.ok(
        UPDATE_INVOICE, {"id": invoice["id"], "revision": 2, "input": {"notes": "x"}}
    )
    delete = await agency.ok(DELETE_INVOICE, {"id": invoice["id"], "reason": "duplicate"})
    again = await agency.ok(CLOSE_INVOICE, {"id": invoice["id"], "revision": 2})
    # then each is refused for its state, and nothing changes
    for answer in (edit["invoiceUpdate"], delete["invoiceDelete"], again["invoiceClose"]):
        assert [(e["field"], e["code"]) for e in answer["userErrors"]] == [("id", "INVALID_STATE")]
    assert (await stored_invoice(agency, invoice["id"]))["_revision"] == 2
    # when a payment comes in, then it still counts
    payment = await pay(agency, invoice["id"], "44.20")
    assert payment["invoice"]["status"] == "PARTIALLY_PAID"
    assert payment["invoice"]["amountDue"] == "400.00"


async def test_an_invoice_is_deleted_with_a_reason_and_restored(api: Api) -> None:
    # given two invoices, one of them paid in part
    agency = await billing_agency(api)
    kept, paid = await create_invoice(agency), await create_invoice(agency)
    await pay(agency, paid["id"], "10")
    # when the first is deleted, and the paid one too
    deleted = await agency.ok(DELETE_INVOICE, {"id": kept["id"], "reason": "entered twice"})
    refused = await agency.ok(DELETE_INVOICE, {"id": paid["id"], "reason": "entered twice"})
    # then the first is hidden from the list but listed among deleted ones
    assert deleted["invoiceDelete"]["invoice"]["deleted"] is True
    assert refused["invoiceDelete"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert await numbers(agency) == [paid["number"]]
    assert await numbers(agency, filter={"deleted": "DELETED"}) == [kept["number"]]
    # when it is restored, then it is listed again
    restore = """mutation($id: ID!) { invoiceRestore(id: $id) { invoice { deleted } } }"""
    assert (await agency.ok(restore, {"id": kept["id"]}))["invoiceRestore"]["invoice"] == {
        "deleted": False
    }
    assert sorted(await numbers(agency)) == sorted([kept["number"], paid["number"]])


async def test_invoices_are_filtered(api: Api) -> None:
    # given invoices of two patients over two months, one billed to a client, one paid, one
    # closed, one overdue
    agency = await billing_agency(api)
    walter, rosa = await billed_patient(agency), await billed_patient(agency, "Rosa", "Diaz")
    client = await client_record(agency, "Blue Cross")
    today = dt.date.today()
    overdue = await create_invoice(
        agency, walter, number="A-1", invoiceDate="2025-04-30", dueDate="2025-05-30"
    )
    paid = await create_invoice(agency, walter, number="A-2", client={"record": client})
    closed = await create_invoice(
        agency, rosa, number="A-3", invoiceDate=today.isoformat(), status="SENT"
    )
    await pay(agency, paid["id"], paid["total"])
    await agency.ok(CLOSE_INVOICE, {"id": closed["id"], "revision": 1})

    async def found(**conditions: Any) -> list[str]:
        return sorted(await numbers(agency, filter=conditions))

    # when they are filtered, then each condition holds
    assert await found(status=["PAID", "SENT"]) == ["A-2", "A-3"]
    assert await found(invoiceDate={"start": "2025-05-01", "end": "2025-05-31"}) == ["A-2"]
    assert await found(invoiceDate={"end": "2025-04-30"}) == ["A-1"]
    assert await found(dueDate={"start": "2025-05-30", "end": "2025-05-30"}) == ["A-1"]
    assert await found(patient=walter) == ["A-1", "A-2"]
    assert await found(client=to_global_id("Client", key_of(client))) == ["A-2"]
    assert await found(closed=True) == ["A-3"]
    assert await found(closed=False) == ["A-1", "A-2"]
    assert await found(overdue=True) == ["A-1"]
    assert await found(overdue=False) == ["A-2", "A-3"]
    assert await found(number="a-3") == ["A-3"]
    assert await found(search="ros") == ["A-3"]
    assert await found(search="blue") == ["A-2"]
    assert overdue["overdue"] is True


def reference(type_name: str, oid: ObjectId, metadata: dict[str, Any]) -> str:
    """A reference to a record of another package as an input takes it: a global ID once that
    type is in the graph (its `ref` metadata is set), its stored id until then."""
    return to_global_id(type_name, oid) if metadata else str(oid)


def key_of(record: str) -> ObjectId:
    """The stored id behind a client reference as the input takes it."""
    return key(record) if CLIENT_REF else ObjectId(record)


async def client_record(agency: Agency, name: str) -> str:
    """A company client of the agency (stored directly: clients belong to another package)."""
    oid = ObjectId()
    await agency.api.database.db.clients.insert_one(
        {
            "_id": oid,
            "_account": agency.account_id,
            "type": "company",
            "company": {"name": name},
            "contact": {"name": {"first": "Ann", "last": "Clark"}, "phones": [{"number": "555"}]},
            "email": "claims@insurer.example",
        }
    )
    return reference("Client", oid, CLIENT_REF)


async def contact_record(agency: Agency, first: str, last: str) -> str:
    """A person contact of the agency (stored directly: contacts belong to another package)."""
    oid = ObjectId()
    await agency.api.database.db.contacts.insert_one(
        {
            "_id": oid,
            "_account": agency.account_id,
            "_type": "person",
            "contact": {"name": {"first": first, "last": last}},
        }
    )
    return reference("Contact", oid, CONTACT_REF)


async def test_the_client_referrer_and_punchcards_are_linked_records(api: Api) -> None:
    # given a company client, a doctor and a punchcard of the agency, and another's contact
    agency, other = await billing_agency(api), await billing_agency(api)
    client = await client_record(agency, "Blue Cross")
    doctor = await contact_record(agency, "Maya", "Osei")
    stranger = await contact_record(other, "Sam", "Hill")
    card = ObjectId()
    await api.database.db.punchcards.insert_one({"_id": card, "_account": agency.account_id})
    billed = {"record": reference("Punchcard", card, PUNCHCARD_REF), "date": "2025-05-02"}
    # when an invoice names them, keeping its own email for the client
    invoice = await create_invoice(
        agency,
        client={"record": client, "email": "billing@bluecross.example"},
        referredBy={"contact": doctor},
        punchcards=[{**billed, "hours": "2.5", "serviceCode": "PSW", "amount": "85.00"}],
    )
    refused = await agency.ok(
        CREATE_INVOICE, {"input": invoice_input(referredBy={"contact": stranger})}
    )
    # then what was left out is copied from the records, and the live records are linked
    assert invoice["client"] == {
        "record": {"id": client},
        "type": "company",
        "name": "Blue Cross",
        "email": "billing@bluecross.example",
        "phone": "555",
    }
    assert invoice["referredBy"] == {"name": "Maya Osei", "contact": {"id": doctor}}
    assert invoice["punchcards"] == [
        {
            "record": {"id": billed["record"]},
            "date": "2025-05-02",
            "hours": "2.5",
            "amount": "85.00",
        }
    ]
    raw = await stored_invoice(agency, invoice["id"])
    assert raw["client"]["_id"] == key_of(client)
    # and the punchcard, marked with the invoice, is among the invoice's billed punchcards
    stored_card = await api.database.db.punchcards.find_one({"_id": card})
    assert stored_card["invoice"]["_id"] == raw["_id"]
    linked = await agency.ok(
        "query($id: ID!) { invoice(id: $id) { billedPunchcards { nodes { id } } } }",
        {"id": invoice["id"]},
    )
    assert linked["invoice"]["billedPunchcards"]["nodes"] == [{"id": billed["record"]}]
    # and another agency's contact is not found, and nothing more is written
    assert refused["invoiceCreate"]["userErrors"] == [
        {
            "field": "input.referredBy.contact",
            "message": "No Contact with this id.",
            "code": "NOT_FOUND",
        }
    ]
    assert await api.count("invoices", _account=agency.account_id) == 1


async def test_invoices_are_ordered_and_paged(api: Api) -> None:
    # given invoices numbered so that text order and number order differ
    agency = await billing_agency(api)
    for number, day, hours in (("INV-10", "03", "1"), ("INV-9", "01", "3"), ("INV-100", "02", "2")):
        await create_invoice(
            agency, number=number, invoiceDate=f"2025-05-{day}", services=[line("COMP", hours)]
        )
    # when listed by default, by number, by due date and by total, paging by two
    default = await numbers(agency)
    by_number = await numbers(agency, orderBy={"field": "NUMBER"})
    by_due = await numbers(agency, orderBy={"field": "DUE_DATE", "direction": "DESC"})
    order = {"field": "TOTAL", "direction": "DESC"}
    first = await agency.ok(LIST, {"orderBy": order, "first": 2})
    cursor = first["invoices"]["pageInfo"]["endCursor"]
    rest = await agency.ok(LIST, {"orderBy": order, "first": 2, "after": cursor})
    # then the newest invoice comes first, numbers sort as numbers, totals page on
    assert default == ["INV-10", "INV-100", "INV-9"]
    assert by_number == ["INV-9", "INV-10", "INV-100"]
    assert by_due == ["INV-10", "INV-100", "INV-9"]
    assert [n["number"] for n in first["invoices"]["nodes"]] == ["INV-9", "INV-100"]
    assert first["invoices"]["pageInfo"]["hasNextPage"] is True
    assert [n["number"] for n in rest["invoices"]["nodes"]] == ["INV-10"]


async def test_payments_settle_their_invoice_in_the_same_transaction(api: Api) -> None:
    # given an invoice of 444.20
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    # when it is paid in two parts
    first = await pay(agency, invoice["id"], "144.2", date="2025-06-05", reference="Cheque 101")
    second = await pay(agency, invoice["id"], "300.00", date="2025-06-20", method="EFT")
    # then it is partly paid, then paid, with nothing due
    assert first["invoice"]["status"] == "PARTIALLY_PAID"
    assert (first["amount"], first["invoice"]["amountDue"]) == ("144.20", "300.00")
    assert second["invoice"] == {
        "id": invoice["id"],
        "status": "PAID",
        "amountPaid": "444.20",
        "amountDue": "0.00",
    }
    raw = await stored_invoice(agency, invoice["id"])
    assert (raw["amount_paid"], raw["amount_due"], raw["_revision"]) == (
        Decimal128("444.20"),
        Decimal128("0.00"),
        3,
    )
    # and every change has its audit entry: each payment created, the invoice updated twice
    trail = [(e["record_type"], e["action"]) for e in await audit_entries(agency)]
    assert trail.count(("Payment", "create")) == 2
    assert trail.count(("Invoice", "update")) == 2
    # and the payments are found through the invoice and by filters, ordered by date
    data = await agency.ok(
        """query($id: ID!, $invoice: ID!) {
          invoice(id: $id) { payments { nodes { amount } } }
          byInvoice: payments(filter: {invoice: $invoice}, orderBy: {field: DATE}) {
            nodes { amount } }
          june: payments(filter: {date: {start: "2025-06-10", end: "2025-06-30"}}) {
            nodes { amount } }
          cheques: payments(filter: {method: [CHEQUE], void: false}) { nodes { reference } }
          latest: payments { nodes { amount } } }""",
        {"id": invoice["id"], "invoice": invoice["id"]},
    )
    assert data["invoice"]["payments"]["nodes"] == [{"amount": "144.20"}, {"amount": "300.00"}]
    assert data["byInvoice"]["nodes"] == [{"amount": "144.20"}, {"amount": "300.00"}]
    assert data["june"]["nodes"] == [{"amount": "300.00"}]
    assert data["cheques"]["nodes"] == [{"reference": "Cheque 101"}]
    assert data["latest"]["nodes"] == [{"amount": "300.00"}, {"amount": "144.20"}]


async def test_a_payment_and_its_invoice_are_written_together_or_not_at_all(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an invoice, and an invoice update that fails after it was written
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    settle = billing_payments.settle_invoice

    async def settle_then_fail(*args: Any) -> Any:
        await settle(*args)
        raise ServiceError.one("the lights went out", ErrorCode.CONFLICT)

    monkeypatch.setattr(billing_payments, "settle_invoice", settle_then_fail)
    # when a payment is recorded
    data = await agency.ok(
        CREATE_PAYMENT, {"input": {"invoice": invoice["id"], "amount": "5", "method": "CASH"}}
    )
    # then it is refused, and neither the payment, the invoice nor the trail changed
    assert data["paymentCreate"]["userErrors"][0]["code"] == "CONFLICT"
    assert await api.count("payments", _account=agency.account_id) == 0
    raw = await stored_invoice(agency, invoice["id"])
    assert (raw["amount_paid"], raw["_revision"]) == (Decimal128("0.00"), 1)
    trail = [e["record_type"] for e in await audit_entries(agency)]
    assert trail == ["Invoice"]  # its creation only


@pytest.mark.parametrize(
    ("payment", "field", "code", "words"),
    [
        ({"amount": "0"}, "input.amount", "INVALID", "greater than 0"),
        ({"amount": "1.005"}, "input.amount", "INVALID", "two decimals"),
        ({"amount": "444.21"}, "input.amount", "INVALID", "overpayment"),
    ],
)
async def test_a_bad_payment_is_refused_and_writes_nothing(
    api: Api, payment: dict[str, Any], field: str, code: str, words: str
) -> None:
    # given an invoice of 444.20
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    # when a payment breaking a rule is recorded
    data = await agency.ok(
        CREATE_PAYMENT, {"input": {"invoice": invoice["id"], "method": "CASH", **payment}}
    )
    # then it is refused, and neither the payment nor the invoice is written
    (error,) = data["paymentCreate"]["userErrors"]
    assert (error["field"], error["code"]) == (field, code)
    assert words in error["message"]
    assert await api.count("payments", _account=agency.account_id) == 0
    assert (await stored_invoice(agency, invoice["id"]))["_revision"] == 1


async def test_a_void_invoice_takes_no_payments_and_an_invoice_with_payments_is_not_voided(
    api: Api,
) -> None:
    # given an invoice that is voided, and one paid in part
    agency = await billing_agency(api)
    void = await create_invoice(agency, status="VOID")
    paid = await create_invoice(agency)
    await pay(agency, paid["id"], "10")
    # when the void one is paid, and the paid one is voided
    payment = await agency.ok(
        CREATE_PAYMENT, {"input": {"invoice": void["id"], "amount": "1", "method": "CASH"}}
    )
    voiding = await agency.ok(
        UPDATE_INVOICE, {"id": paid["id"], "revision": 2, "input": {"status": "VOID"}}
    )
    # then nothing is due on the void one, and both changes are refused
    assert (void["status"], void["amountDue"], void["total"]) == ("VOID", "0.00", "444.20")
    assert payment["paymentCreate"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert voiding["invoiceUpdate"]["userErrors"] == [
        {
            "field": "input.status",
            "message": "This invoice has payments; void them before voiding it.",
            "code": "INVALID_STATE",
        }
    ]
    assert await api.count("payments", _account=agency.account_id) == 1


async def test_voiding_a_payment_reopens_what_is_due(api: Api) -> None:
    # given an invoice paid in two payments
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    await pay(agency, invoice["id"], "400.00")
    last = await pay(agency, invoice["id"], "44.20")
    # when a payment is voided without a reason, with an old revision, then properly
    blank = await agency.ok(VOID_PAYMENT, {"id": last["id"], "revision": 1, "reason": " "})
    stale = await agency.ok(VOID_PAYMENT, {"id": last["id"], "revision": 0, "reason": "bounced"})
    done = await agency.ok(VOID_PAYMENT, {"id": last["id"], "revision": 1, "reason": "bounced"})
    again = await agency.ok(VOID_PAYMENT, {"id": last["id"], "revision": 2, "reason": "bounced"})
    # then only the proper one is done, and the invoice owes the voided amount again
    assert blank["paymentVoid"]["userErrors"][0]["code"] == "REQUIRED"
    assert stale["paymentVoid"]["userErrors"][0]["code"] == "CONFLICT"
    assert again["paymentVoid"]["userErrors"][0]["code"] == "INVALID_STATE"
    voided = done["paymentVoid"]["payment"]
    assert (voided["void"], voided["voidReason"], voided["revision"]) == (True, "bounced", 2)
    assert voided["invoice"]["status"] == "PARTIALLY_PAID"
    assert voided["invoice"]["amountDue"] == "44.20"
    raw = await agency.api.database.db.payments.find_one({"_id": key(last["id"])})
    assert raw is not None and raw["_void"] is True and raw["_void_date"] is not None
    # and a void payment is not corrected, while a good one is
    update = """mutation($id: ID!, $revision: Int!, $input: PaymentUpdateInput!) {
      paymentUpdate(id: $id, revision: $revision, input: $input) {
        payment { reference } userErrors { code } } }"""
    fixed = await agency.ok(update, {"id": last["id"], "revision": 2, "input": {"reference": "x"}})
    assert fixed["paymentUpdate"]["userErrors"] == [{"code": "INVALID_STATE"}]


async def test_billing_needs_manage_billing(api: Api) -> None:
    # given an agency and a scheduler's key
    agency = await billing_agency(api)
    invoice = await create_invoice(agency)
    await agency.key_for("scheduler")
    # when the scheduler makes an invoice and records a payment
    made = await agency.gql(CREATE_INVOICE, {"input": invoice_input()}, role="scheduler")
    paid = await agency.gql(
        CREATE_PAYMENT,
        {"input": {"invoice": invoice["id"], "amount": "1", "method": "CASH"}},
        role="scheduler",
    )
    # then both are forbidden and nothing is written
    assert made.data["invoiceCreate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert paid.data["paymentCreate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert await api.count("invoices", _account=agency.account_id) == 1
    assert await api.count("payments", _account=agency.account_id) == 0


async def test_an_invoice_import_is_all_or_nothing(api: Api) -> None:
    # given an agency
    agency = await billing_agency(api)
    mutation = """mutation($input: [InvoiceCreateInput!]!) { invoiceImport(input: $input) {
      invoices { number total } userErrors { field code } } }"""
    # when two invoices are imported, the second with a negative quantity
    bad = [invoice_input(), invoice_input(services=[line("PSW", "-2")])]
    refused = await agency.ok(mutation, {"input": bad})
    # then none is written, and the error names the item
    assert refused["invoiceImport"]["userErrors"] == [
        {"field": "input.1.services.0.quantity", "code": "INVALID"}
    ]
    assert await api.count("invoices", _account=agency.account_id) == 0
    # when both are good, then both are written and numbered
    done = await agency.ok(mutation, {"input": [invoice_input(), invoice_input(number="X-1")]})
    assert done["invoiceImport"]["invoices"] == [
        {"number": "INV-1", "total": "444.20"},
        {"number": "X-1", "total": "444.20"},
    ]


async def test_the_billing_demo_makes_no_invoice_when_nothing_is_clocked(api: Api) -> None:
    # given a demo agency with three active patients and no visit clocked the week before its
    # demo week; the demo's invoices themselves are checked in tests/test_billing_demo.py
    agency = await billing_agency(api)
    for first in ("Ada", "Ben", "Cy"):
        await billed_patient(agency, first)
    db = api.database.db
    account = await db.accounts.find_one({"_id": agency.account_id})
    patients = [p async for p in db.patients.find({"_account": agency.account_id})]
    demo = DemoAccount(
        api.database,
        Actor(account_id=agency.account_id),
        random.Random(7),
        account or {},
        [],
        [],
        patients,
        dt.date(2025, 6, 9),
    )
    # when the billing demo runs
    await billing_demo.seed(demo)
    # then it passes quietly: no invoice, no payment, no number taken
    assert demo.made["invoices"] == [] and demo.made["payments"] == []
    assert await api.count("invoices", _account=agency.account_id) == 0
    assert await api.count("payments", _account=agency.account_id) == 0


IMPORT_INVOICES = """mutation($input: [InvoiceCreateInput!]!) { invoiceImport(input: $input) {
  invoices { number } userErrors { field message code } } }"""


async def card_invoice(agency: Agency, punchcard_id: str) -> Any:
    data = await agency.ok(PUNCHCARD_INVOICE, {"id": punchcard_id})
    return data["punchcard"]["invoice"]


async def test_an_invoice_marks_the_punchcards_it_bills_and_unmarks_those_it_drops(
    api: Api,
) -> None:
    # given two visits to a patient
    agency = await billing_agency(api)
    patient = await billed_patient(agency)
    nurse = await caregiver(agency)
    first, second = await visit(agency, nurse, patient), await visit(agency, nurse, patient, 1)
    # when an invoice bills both
    invoice = await create_invoice(agency, patient, punchcards=[billed(first), billed(second, 1)])
    # then each punchcard names the invoice, stored as id, number and date (UTC midnight)
    for card in (first, second):
        assert await card_invoice(agency, card) == {
            "number": "INV-1",
            "date": "2025-05-31",
            "record": {"id": invoice["id"], "number": "INV-1"},
        }
    raw = await api.database.db.punchcards.find_one({"_id": key(second)})
    assert raw["invoice"] == {
        "_id": key(invoice["id"]),
        "number": "INV-1",
        "date": dt.datetime(2025, 5, 31, tzinfo=dt.UTC),
    }
    # when the second visit is taken off the invoice (the first one listed again: its own)
    data = await agency.ok(
        UPDATE_INVOICE,
        {"id": invoice["id"], "revision": 1, "input": {"punchcards": [billed(first)]}},
    )
    # then the update is accepted, and only the second punchcard is cleared
    assert data["invoiceUpdate"]["userErrors"] == []
    assert data["invoiceUpdate"]["invoice"]["punchcards"] == [
        {"record": {"id": first}, "date": "2025-05-01", "hours": "2", "amount": None}
    ]
    assert await card_invoice(agency, second) is None
    assert "invoice" not in await api.database.db.punchcards.find_one({"_id": key(second)})
    assert (await card_invoice(agency, first))["record"] == {"id": invoice["id"], "number": "INV-1"}
    # when the invoice is renumbered, then its punchcard follows
    await agency.ok(
        UPDATE_INVOICE, {"id": invoice["id"], "revision": 2, "input": {"number": "INV-100"}}
    )
    assert (await card_invoice(agency, first))["number"] == "INV-100"
    # when the invoice is deleted, then its punchcard is no longer billed
    deleted = await agency.ok(DELETE_INVOICE, {"id": invoice["id"], "reason": "billed twice"})
    assert deleted["invoiceDelete"]["userErrors"] == []
    assert await card_invoice(agency, first) is None
    # and each marking is in the punchcard's audit trail
    trail = await audit_entries(agency, record_type="Punchcard", record_id=key(first))
    assert [entry["action"] for entry in trail].count("update") == 3


async def test_a_punchcard_is_billed_once_and_refused_invoices_take_no_number(api: Api) -> None:
    # given a visit billed on INV-1, a deleted visit, and a visit to another patient
    agency = await billing_agency(api)
    patient, other = await billed_patient(agency), await billed_patient(agency, "Ann", "Lee")
    nurse = await caregiver(agency)
    taken, gone = await visit(agency, nurse, patient), await visit(agency, nurse, patient, 1)
    elsewhere = await visit(agency, nurse, other, 2)
    await create_invoice(agency, patient, punchcards=[billed(taken)])
    removed = await agency.ok(DELETE_PUNCHCARD, {"id": gone})
    assert removed["punchcardDelete"]["userErrors"] == []
    # when a second invoice bills each of them, or an import bills one visit twice
    answers = [
        (
            await agency.ok(
                CREATE_INVOICE, {"input": invoice_input(patient, punchcards=[billed(card)])}
            )
        )["invoiceCreate"]["userErrors"]
        for card in (taken, gone, elsewhere)
    ]
    free = await visit(agency, nurse, patient, 3)
    twice = [invoice_input(patient, punchcards=[billed(free, 3)]) for _ in range(2)]
    imported = await agency.ok(IMPORT_INVOICES, {"input": twice})
    # then each is refused naming the punchcard, and nothing is written
    assert answers == [
        [
            {
                "field": "input.punchcards.0.record",
                "message": "This punchcard is already billed on invoice INV-1.",
                "code": "INVALID_STATE",
            }
        ],
        [
            {
                "field": "input.punchcards.0.record",
                "message": "This punchcard is deleted.",
                "code": "INVALID_STATE",
            }
        ],
        [
            {
                "field": "input.punchcards.0.record",
                "message": "This punchcard is of another patient than the invoice's.",
                "code": "INVALID",
            }
        ],
    ]
    assert imported["invoiceImport"]["userErrors"] == [
        {
            "field": "input.1.punchcards.0.record",
            "message": "Another invoice of this import bills this punchcard.",
            "code": "INVALID",
        }
    ]
    assert await api.count("invoices", _account=agency.account_id) == 1
    assert (await card_invoice(agency, taken))["number"] == "INV-1"
    for card in (gone, elsewhere, free):
        assert "invoice" not in await api.database.db.punchcards.find_one({"_id": key(card)})
    # and the refused invoices took no number: the next one follows on
    assert (await create_invoice(agency, patient))["number"] == "INV-2"


async def test_overdue_is_decided_in_the_accounts_time_zone_on_every_path(api: Api) -> None:
    # given an account whose today is not the UTC date, and an invoice due on the UTC date,
    # or the account's date: overdue for the account but not by UTC (or the other way round)
    agency = await billing_agency(api)
    utc = dt.datetime.now(dt.UTC)
    zone = "Etc/GMT+12" if utc.hour < 12 else "Pacific/Kiritimati"  # -12h or +14h
    await api.database.db.accounts.update_one(
        {"_id": agency.account_id}, {"$set": {"settings.timezone": zone}}
    )
    local = dt.datetime.now(ZoneInfo(zone)).date()
    assert local != utc.date()
    due = min(local, utc.date())
    patient = await billed_patient(agency)
    invoice = await create_invoice(
        agency,
        patient,
        invoiceDate=(due - dt.timedelta(days=10)).isoformat(),
        dueDate=due.isoformat(),
    )
    overdue = local > due  # the account's today is past the due date
    # when the invoices are listed overdue, at the root and through the patient
    root = await numbers(agency, filter={"overdue": overdue})
    edge = await agency.ok(
        """query($id: ID!, $overdue: Boolean) { patient(id: $id) {
          invoices(filter: {overdue: $overdue}) { nodes { number overdue } } } }""",
        {"id": patient, "overdue": overdue},
    )
    # then both paths agree with the invoice's own `overdue`, in the account's time zone
    assert root == [invoice["number"]]
    assert edge["patient"]["invoices"]["nodes"] == [
        {"number": invoice["number"], "overdue": overdue}
    ]
    assert invoice["overdue"] is overdue
