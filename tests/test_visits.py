"""Punchcards: snapshots copied from live records, exact money, filters, frozen once invoiced
or paid in a closed payroll, and never reaching another account's records."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from bson import Decimal128

from app.common.services import Actor
from app.data.scope import Scope
from app.errors import ServiceError
from app.graphql.loaders import Loaders
from app.graphql.relay import to_global_id
from app.visits.edges import first_punchcard_of_events
from app.visits.marking import mark_punchcards
from tests.factories import Api, create_user
from tests.factories_payroll import UPDATE_LINE, close_payroll, create_line, create_payroll
from tests.factories_visits import (
    CREATE_PUNCHCARD,
    DELETE_PUNCHCARD,
    PUNCHCARD_FIELDS,
    UPDATE_PUNCHCARD,
    at,
    create_punchcard,
    event_id,
    invoice_id,
    invoice_punchcards,
    key,
    people,
    punchcard_input,
    stored_event,
    stored_invoice,
)

RESTORE_PUNCHCARD = """mutation($id: ID!) { punchcardRestore(id: $id) {
  punchcard { deleted } userErrors { code } } }"""
READ = f"query($id: ID!) {{ punchcard(id: $id) {{ {PUNCHCARD_FIELDS} }} }}"


Json = dict[str, Any]


async def test_a_punchcard_copies_its_snapshots_and_computes_its_amounts(api: Api) -> None:
    # given a caregiver, a patient and a completed visit
    agency = await api.agency()
    caregiver, patient = await people(agency)
    event = await stored_event(agency)
    # when a punchcard is recorded for them, giving only the ids, hours and rates
    made = await create_punchcard(
        agency,
        caregiver,
        patient,
        event=event_id(event),
        bill={"hours": "2.25", "rate": "33.33"},
        pay={"hours": "2.25", "rate": "22.50", "overtimeHours": "0.25"},
        billing={"periodStart": "2025-03-01", "periodEnd": "2025-03-31", "payer": "Self"},
        location={"city": "Toronto"},
        locationEnd={"city": "Mississauga"},
        statHoliday=True,
    )
    read = (await agency.ok(READ, {"id": made["id"]}))["punchcard"]
    # then the names and the visit are copied, and the amounts are exact to the cent
    assert read == made
    assert made["user"] == {"name": {"first": "Ada", "last": "Osei"}, "record": {"id": caregiver}}
    assert made["patient"] == {
        "name": {"first": "Walter", "last": "Green"},
        "record": {"id": patient},
    }
    assert made["event"] == {"id": to_global_id("Event", event)}
    assert made["eventSnapshot"] == {
        "start": "2025-03-03T09:00:00+00:00",
        "end": "2025-03-03T11:00:00+00:00",
        "serviceCode": "PSW",
        "status": "completed",
    }
    assert made["bill"] == {"hours": "2.25", "rate": "33.33", "amount": "74.99", "billable": True}
    assert made["pay"]["amount"] == "50.63"  # 50.625 rounds half-up
    assert made["actual"]["clockInLocation"] == {"latitude": 43.65, "longitude": -79.38}
    assert made["billing"] == {
        "periodStart": "2025-03-01",
        "periodEnd": "2025-03-31",
        "payer": "Self",
    }
    assert (made["location"], made["locationEnd"], made["statHoliday"]) == (
        {"city": "Toronto"},
        {"city": "Mississauga"},
        True,
    )
    # and MongoDB keeps the catalogue's names, Decimal128 money and the date it is listed by
    doc = await api.database.db.punchcards.find_one({"_id": key(made["id"])})
    assert doc is not None
    assert doc["_event"]["status"] == "completed" and doc["event"] == event
    assert doc["user"]["_id"] == key(caregiver) and doc["patient"]["_id"] == key(patient)
    assert doc["bill"]["amount"] == Decimal128("74.99")
    assert doc["_search"]["date"] == dt.datetime(2025, 3, 3, 9, 3, tzinfo=dt.UTC)
    assert doc["actual"]["clock_in_location"] == {"type": "Point", "coordinates": [-79.38, 43.65]}


LIST = """query($filter: PunchcardFilter, $order: PunchcardOrder) {
  punchcards(filter: $filter, orderBy: $order) { totalCount nodes { actual { notes } } } }"""


def actual(day: int, note: str) -> dict[str, str]:
    return {"clockIn": at(day, 9), "clockOut": at(day, 11), "notes": note}


async def test_punchcards_are_listed_by_clock_in_and_filtered(api: Api) -> None:
    # given punchcards of two caregivers on five days: one invoiced, one in a payroll, one
    # deleted, and one not clocked in yet (listed by its visit's start)
    agency = await api.agency()
    ada, walter = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Roy"}))["id"]
    payroll = await create_payroll(agency)
    invoice = await stored_invoice(agency)
    await create_punchcard(agency, ada, walter, actual=actual(0, "monday"))
    wednesday = await create_punchcard(agency, ada, actual=actual(2, "wednesday"))
    await invoice_punchcards(agency, invoice, [wednesday])
    tuesday = await create_punchcard(agency, ben, walter, actual=actual(1, "tuesday"))
    await create_line(agency, payroll["id"], ben, [tuesday["id"]])
    thursday = await stored_event(agency, day=3)
    await create_punchcard(agency, ben, actual=None, event=event_id(thursday))
    gone = await create_punchcard(agency, ben, actual=actual(4, "friday"))
    assert (await agency.ok(DELETE_PUNCHCARD, {"id": gone["id"]}))["punchcardDelete"][
        "userErrors"
    ] == []

    async def listed(filter: Json | None = None, order: Json | None = None) -> list[str]:
        data = await agency.ok(LIST, {"filter": filter, "order": order})
        return [
            n["actual"]["notes"] if n["actual"] else "planned" for n in data["punchcards"]["nodes"]
        ]

    # when they are listed with each filter and order, then each list holds what it should
    assert await listed() == ["planned", "wednesday", "tuesday", "monday"]
    assert await listed(order={"field": "DATE", "direction": "ASC"}) == [
        "monday", "tuesday", "wednesday", "planned",
    ]  # fmt: skip
    assert await listed(order={"field": "CREATED_DATE", "direction": "DESC"}) == [
        "planned", "tuesday", "wednesday", "monday",
    ]  # fmt: skip
    period = {"start": at(1, 0), "end": at(3, 0)}
    assert await listed({"period": period}) == ["wednesday", "tuesday"]
    assert await listed({"caregiver": ada}) == ["wednesday", "monday"]
    assert await listed({"patient": walter}) == ["tuesday", "monday"]
    assert await listed({"invoiced": True}) == ["wednesday"]
    assert await listed({"invoiced": False, "caregiver": ada}) == ["monday"]
    assert await listed({"paid": True}) == ["tuesday"]
    assert await listed({"paid": False}) == ["planned", "wednesday", "monday"]
    assert await listed({"payroll": payroll["id"]}) == ["tuesday"]
    assert await listed({"event": to_global_id("Event", thursday)}) == ["planned"]
    assert await listed({"deleted": "DELETED"}) == ["friday"]
    assert await listed({"deleted": "ALL", "caregiver": ben}) == ["friday", "planned", "tuesday"]
    # and a page continues where the last one stopped
    page = """query($after: String) { punchcards(first: 3, after: $after) {
      totalCount pageInfo { endCursor hasNextPage } nodes { actual { notes } } } }"""
    first = (await agency.ok(page))["punchcards"]
    rest = (await agency.ok(page, {"after": first["pageInfo"]["endCursor"]}))["punchcards"]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (4, True)
    assert [n["actual"]["notes"] for n in rest["nodes"]] == ["monday"]


async def stored_punchcard(api: Api, punchcard: dict[str, Any]) -> dict[str, Any]:
    doc = await api.database.db.punchcards.find_one({"_id": key(punchcard["id"])})
    assert doc is not None
    return doc


async def test_a_punchcard_is_updated_with_its_revision_deleted_and_restored(api: Api) -> None:
    # given a punchcard
    agency = await api.agency()
    caregiver, _ = await people(agency)
    made = await create_punchcard(agency, caregiver)
    change = {
        "actual": {"clockIn": at(0, 9), "clockOut": at(0, 12), "notes": "Stayed late"},
        "correction": {"reason": "WRONG_TIME_RECORDED"},
    }
    # when it is updated with its revision, then again with the stale one
    fresh = await agency.ok(UPDATE_PUNCHCARD, {"id": made["id"], "revision": 1, "input": change})
    stale = await agency.ok(UPDATE_PUNCHCARD, {"id": made["id"], "revision": 1, "input": change})
    # then the first is stored, and the second is a conflict
    assert fresh["punchcardUpdate"] == {
        "punchcard": {"id": made["id"], "revision": 2, "actual": {"notes": "Stayed late"}},
        "userErrors": [],
    }
    assert [e["code"] for e in stale["punchcardUpdate"]["userErrors"]] == ["CONFLICT"]
    doc = await stored_punchcard(api, made)
    assert doc["_revision"] == 2 and doc["actual"]["notes"] == "Stayed late"
    # when it is deleted and restored
    deleted = await agency.ok(DELETE_PUNCHCARD, {"id": made["id"]})
    restored = await agency.ok(RESTORE_PUNCHCARD, {"id": made["id"]})
    # then it was hidden, and is back
    assert deleted["punchcardDelete"]["punchcard"] == {"id": made["id"], "deleted": True}
    assert restored["punchcardRestore"] == {"punchcard": {"deleted": False}, "userErrors": []}
    doc = await stored_punchcard(api, made)
    assert doc["_deleted"] is False and doc["_deleted_dates"][0]["reason"] == "Punched twice"


async def test_bad_punchcards_are_refused_and_nothing_is_written(api: Api) -> None:
    # given a caregiver
    agency = await api.agency()
    caregiver, _ = await people(agency)
    bad = {
        "clock-out before clock-in": (
            {"actual": {"clockIn": at(0, 11), "clockOut": at(0, 9)}},
            "input.actual.clockOut",
            "INVALID",
        ),
        "amount not hours x rate": (
            {"bill": {"hours": "2", "rate": "34", "amount": "70.00"}},
            "input.bill.amount",
            "INVALID",
        ),
        "negative rate": ({"pay": {"hours": "2", "rate": "-1"}}, "input.pay.rate", "INVALID"),
        "overtime beyond hours": (
            {"pay": {"hours": "2", "rate": "20", "overtimeHours": "3"}},
            "input.pay.overtimeHours",
            "INVALID",
        ),
        "billing period backwards": (
            {"billing": {"periodStart": "2025-03-31", "periodEnd": "2025-03-01"}},
            "input.billing.periodEnd",
            "INVALID",
        ),
        "service without a code": ({"service": {"code": ""}}, "input.service.code", "INVALID"),
        "bill rate beyond bounds": (
            {"bill": {"hours": "2", "rate": "1E+40"}},
            "input.bill.rate",
            "INVALID",
        ),
        "bill amount with a third decimal": (
            {"bill": {"hours": "1", "rate": "12.345", "amount": "12.345"}},
            "input.bill.amount",
            "INVALID",
        ),
        "pay rate beyond bounds": (
            {"pay": {"hours": "2", "rate": "100000000.01"}},
            "input.pay.rate",
            "INVALID",
        ),
        "pay amount with a third decimal": (
            {"pay": {"hours": "2", "rate": "20", "amount": "40.005"}},
            "input.pay.amount",
            "INVALID",
        ),
        "pay amount beyond bounds": (
            {"pay": {"hours": "2", "rate": "20", "amount": "1E+30"}},
            "input.pay.amount",
            "INVALID",
        ),
        "service rate beyond bounds": (
            {"service": {"code": "PSW", "billRate": "1E+9"}},
            "input.service.billRate",
            "INVALID",
        ),
    }
    for what, (fields, field, code) in bad.items():
        # when each is recorded
        data = await agency.ok(
            CREATE_PUNCHCARD, {"input": {**punchcard_input(caregiver), **fields}}
        )
        # then it is refused on the right field
        errors = data["punchcardCreate"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], what
    assert await api.count("punchcards", _account=agency.account_id) == 0


async def test_references_to_another_accounts_records_are_refused(api: Api) -> None:
    # given an agency, and another agency's caregiver, patient, visit, invoice and payroll
    agency, other = await api.agency(), await api.agency()
    caregiver, _ = await people(agency)
    theirs, their_patient = await people(other)
    their_event = await stored_event(other)
    refused: dict[str, Json] = {
        "input.user.record": {"user": {"record": theirs}},
        "input.patient.record": {"patient": {"record": their_patient}},
        "input.event": {"event": event_id(their_event)},
    }
    for field, fields in refused.items():
        # when the agency records a punchcard pointing at each
        data = await agency.ok(
            CREATE_PUNCHCARD, {"input": {**punchcard_input(caregiver), **fields}}
        )
        # then it is not found, as if it did not exist
        errors = data["punchcardCreate"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, "NOT_FOUND")], field
    assert await api.count("punchcards", _account=agency.account_id) == 0
    # and the other agency's punchcard reads as null
    mine = await create_punchcard(other, theirs)
    assert await agency.ok("query($id: ID!) { punchcard(id: $id) { id } }", mine) == {
        "punchcard": None
    }


async def test_an_invoiced_punchcard_or_one_in_a_closed_payroll_is_frozen(api: Api) -> None:
    # given a punchcard that is invoiced, one paid on a line of a payroll that is then closed
    agency = await api.agency()
    caregiver, _ = await people(agency)
    invoice = await stored_invoice(agency, number="INV-42")
    invoiced = await create_punchcard(agency, caregiver)
    assert await invoice_punchcards(agency, invoice, [invoiced], number="INV-42") == 1
    payroll = await create_payroll(agency)
    paid = await create_punchcard(agency, caregiver)
    await create_line(agency, payroll["id"], caregiver, [paid["id"]])
    await close_payroll(agency, payroll)
    change = {"input": {"statHoliday": True}, "revision": 2}
    for frozen in (invoiced, paid):
        before = await stored_punchcard(api, frozen)
        assert before["_revision"] == 2  # marked by the invoice, by the payroll line
        # when each is updated and deleted
        updated = await agency.ok(UPDATE_PUNCHCARD, {"id": frozen["id"], **change})
        deleted = await agency.ok(DELETE_PUNCHCARD, {"id": frozen["id"]})
        # then both are refused for its state, and it is unchanged
        for payload in (updated["punchcardUpdate"], deleted["punchcardDelete"]):
            assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
                ("id", "INVALID_STATE")
            ]
        assert await stored_punchcard(api, frozen) == before
    # and each shows the snapshot its invoice or payroll line put on it
    read = await agency.ok(READ, {"id": invoiced["id"]})
    assert read["punchcard"]["invoice"] == {
        "number": "INV-42",
        "date": "2025-03-31",
        "record": {"id": to_global_id("Invoice", invoice)},
    }
    read = await agency.ok(READ, {"id": paid["id"]})
    assert read["punchcard"]["payroll"] == {
        "start": "2025-03-03",
        "end": "2025-03-09",
        "record": {"id": payroll["id"]},
    }


async def test_a_clerk_cannot_set_a_punchcards_invoice_or_payroll(api: Api) -> None:
    # given a caregiver, an invoice, a payroll and a punchcard
    agency = await api.agency()
    caregiver, _ = await people(agency)
    invoice, payroll = await stored_invoice(agency), await create_payroll(agency)
    made = await create_punchcard(agency, caregiver)
    sent = {
        "invoice": {"record": invoice_id(invoice)},
        "payroll": {"record": payroll["id"]},
    }
    for field, value in sent.items():
        # when a punchcard is recorded, or updated, with an invoice or a payroll
        created = await agency.gql(
            CREATE_PUNCHCARD, {"input": punchcard_input(caregiver, **{field: value})}
        )
        updated = await agency.gql(
            UPDATE_PUNCHCARD, {"id": made["id"], "revision": 1, "input": {field: value}}
        )
        # then the API has no such input: both are refused before anything is written
        for response in (created, updated):
            assert response.errors and field in response.errors[0]["message"], field
    assert await api.count("punchcards", _account=agency.account_id) == 1
    doc = await stored_punchcard(api, made)
    assert doc["_revision"] == 1 and "invoice" not in doc and "payroll" not in doc


async def test_marking_punchcards_sets_clears_and_never_moves_a_snapshot(api: Api) -> None:
    # given two punchcards, and two invoices
    agency = await api.agency()
    caregiver, _ = await people(agency)
    cards = [await create_punchcard(agency, caregiver) for _ in range(2)]
    ids = [key(c["id"]) for c in cards]
    first, second = await stored_invoice(agency), await stored_invoice(agency, "INV-8")
    database = api.database
    scope = Scope(database, Actor(account_id=agency.account_id))
    snapshot = {"_id": first, "number": "INV-7", "date": dt.datetime(2025, 3, 31, tzinfo=dt.UTC)}

    async def invoiced() -> list[Any]:
        cursor = database.db.punchcards.find({"_id": {"$in": ids}}, {"invoice": 1, "_revision": 1})
        return [(doc.get("invoice"), doc["_revision"]) async for doc in cursor]

    async def audited() -> int:
        return await api.count("audit_events", _account=agency.account_id, action="update")

    # when they are marked inside a caller's transaction that then fails
    async def failing(tx: Any) -> None:
        assert await mark_punchcards(tx, "invoice", snapshot, ids) == 2
        raise ServiceError.one("The invoice failed.")

    with pytest.raises(ServiceError):
        await scope.transact(failing)
    # then nothing was marked, nor audited
    assert await invoiced() == [(None, 1), (None, 1)]
    assert await audited() == 0
    # when they are marked for real, then again with the same snapshot
    assert await mark_punchcards(scope, "invoice", snapshot, ids) == 2
    assert await mark_punchcards(scope, "invoice", snapshot, ids) == 0
    # then they carry it once, at a new revision, with one audit entry each
    assert await invoiced() == [(snapshot, 2), (snapshot, 2)]
    assert await audited() == 2
    # when another invoice marks one of them
    moved = {"_id": second, "number": "INV-8"}
    with pytest.raises(ServiceError) as refused:
        await mark_punchcards(scope, "invoice", moved, ids[:1])
    # then it is refused as billed twice, and nothing changed
    assert [p.code.value for p in refused.value.problems] == ["DUPLICATE"]
    assert await invoiced() == [(snapshot, 2), (snapshot, 2)]
    # when the first invoice's snapshot is cleared from one
    assert await mark_punchcards(scope, "invoice", None, ids[:1]) == 1
    # then it is not invoiced any more, and the lists say so
    assert await invoiced() == [(None, 3), (snapshot, 2)]
    found = await agency.ok(LIST, {"filter": {"invoiced": False}})
    assert found["punchcards"]["totalCount"] == 1


async def test_recording_punchcards_needs_manage_schedule(api: Api) -> None:
    # given a caregiver and a billing clerk's key (no MANAGE_SCHEDULE)
    agency = await api.agency()
    caregiver, _ = await people(agency)
    await agency.key_for("billing")
    # when the clerk records a punchcard
    response = await agency.gql(
        CREATE_PUNCHCARD, {"input": punchcard_input(caregiver)}, role="billing"
    )
    # then it is forbidden and nothing is written
    errors = response.data["punchcardCreate"]["userErrors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]
    assert await api.count("punchcards", _account=agency.account_id) == 0


async def test_a_visits_punchcard_is_found_for_a_whole_page_in_one_query(api: Api) -> None:
    # given three visits: one punched twice (the second later), one punched but the punchcard
    # deleted, one not punched
    agency = await api.agency()
    caregiver, _ = await people(agency)
    punched, cancelled, unpunched = [await stored_event(agency, day=d) for d in (0, 1, 2)]
    first = await create_punchcard(agency, caregiver, event=event_id(punched))
    await create_punchcard(agency, caregiver, event=event_id(punched))
    gone = await create_punchcard(agency, caregiver, event=event_id(cancelled))
    await agency.ok(DELETE_PUNCHCARD, {"id": gone["id"]})
    scope = Scope(api.database, Actor(account_id=agency.account_id))
    context = SimpleNamespace(scope=scope, loaders=Loaders(scope))
    load = first_punchcard_of_events(SimpleNamespace(context=context))  # type: ignore[arg-type]
    # when the edge's loader is asked for the three visits at once
    before = api.database.counter.total
    found = await load([punched, cancelled, unpunched])
    # then it answers with one query: the first live punchcard, else nothing
    assert api.database.counter.total - before == 1
    assert [doc and doc["_id"] for doc in found] == [key(first["id"]), None, None]


async def test_a_punchcard_on_an_open_payroll_line_keeps_its_pay_and_caregiver(api: Api) -> None:
    # given Ada's punchcard paid on her line of an open payroll, and Ben
    agency = await api.agency()
    ada, _ = await people(agency)
    ben = (await create_user(agency, name={"first": "Ben", "last": "Abe"}))["id"]
    payroll = await create_payroll(agency)
    card = await create_punchcard(agency, ada, pay={"hours": "2", "rate": "22.50"})
    line = await create_line(agency, payroll["id"], ada, [card["id"]])
    before = await stored_punchcard(api, card)
    trail = await api.count("audit_events", record_id=key(card["id"]))
    refused = {
        "more hours": ({"pay": {"hours": "3", "rate": "22.50"}}, "input.pay"),
        "a premium": ({"pay": {"hours": "2", "rate": "22.50", "amount": "50"}}, "input.pay"),
        "another caregiver": ({"user": {"record": ben}}, "input.user.record"),
    }
    for what, (change, field) in refused.items():
        # when its pay or caregiver is changed
        variables = {"id": card["id"], "revision": 2, "input": change}
        data = (await agency.ok(UPDATE_PUNCHCARD, variables))["punchcardUpdate"]
        # then it is refused for its state, and nothing is written
        assert [(e["field"], e["code"]) for e in data["userErrors"]] == [
            (field, "INVALID_STATE")
        ], what
        assert await stored_punchcard(api, card) == before
        assert await api.count("audit_events", record_id=key(card["id"])) == trail
    # when the same pay is sent again with another change, then it is stored (the line is right)
    same = {"pay": {"hours": "2", "rate": "22.50"}, "statHoliday": True}
    data = await agency.ok(UPDATE_PUNCHCARD, {"id": card["id"], "revision": 2, "input": same})
    assert data["punchcardUpdate"]["userErrors"] == []
    assert (await stored_punchcard(api, card))["_revision"] == 3
    # when the line drops it, then its pay changes
    dropped = await agency.ok(
        UPDATE_LINE, {"id": line["id"], "revision": 1, "input": {"punchcards": []}}
    )
    assert dropped["payrollUserUpdate"]["userErrors"] == []
    change = {"pay": {"hours": "3", "rate": "22.50"}}
    data = await agency.ok(UPDATE_PUNCHCARD, {"id": card["id"], "revision": 4, "input": change})
    assert data["punchcardUpdate"]["userErrors"] == []
    doc = await stored_punchcard(api, card)
    assert doc["pay"]["amount"] == Decimal128("67.50") and "payroll" not in doc
