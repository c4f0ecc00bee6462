"""What a caregiver and a scheduler may see and do, through HTTP: the findings of issue 12
(a caregiver reading everyone's pay and notes, clocking in as someone else; a scheduler
changing pay and bill rates), now refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bson import Decimal128

from tests.factories import Api, audit_entries
from tests.factories_policy import forbidden_paths, household, ids
from tests.factories_visits import (
    CLOCK_IN,
    CLOCK_OUT,
    UPDATE_PUNCHCARD,
    key,
    near,
    punchcard_input,
)

MINE = """{ punchcards { nodes { id pay { amount } } } events { nodes { id } }
  payrollUsers { nodes { id gross punchcards { amount } } } users { nodes { id ssn } }
  patients { nodes { id fullName } } progressNotes { nodes { id note } } }"""
OTHERS = """query($punchcard: ID!, $line: ID!, $note: ID!, $patient: ID!) {
  punchcard: node(id: $punchcard) { id } line: node(id: $line) { id }
  note: node(id: $note) { id } patient: node(id: $patient) { id } }"""
NOT_MINE_TO_READ = """query($punchcard: ID!, $patient: ID!) {
  punchcard: node(id: $punchcard) { ... on Punchcard { id bill { amount }
    service { code billRate } } }
  patient: node(id: $patient) { ... on Patient { id problems { title } billing { payer }
    ssn } } }"""


async def test_a_caregiver_reads_only_their_own_visits_punchcards_pay_and_patients(
    api: Api,
) -> None:
    # given Ada and Ben, each with a patient, visits, a punchcard, a payroll line and a note
    home = await household(api)
    # when Ada, signed in, lists what she may
    mine = await home.agency.gql(MINE, role="ada")
    # then she sees her own records only, her pay among them, and her patient's notes
    assert mine.errors == [], mine.body
    data = mine.data
    assert ids(data["punchcards"]) == {home.punchcards["ada"]}
    assert data["punchcards"]["nodes"][0]["pay"]["amount"] == "45.00"
    assert ids(data["events"]) == {home.event("ada"), home.event("ada", tomorrow=True)}
    assert ids(data["payrollUsers"]) == {home.lines["ada"]}
    assert data["payrollUsers"]["nodes"][0]["gross"] == "45.00"
    assert data["users"]["nodes"] == [{"id": home.ada, "ssn": "111-22-3333"}]
    assert ids(data["patients"]) == {home.patients["ada"]}
    assert data["progressNotes"]["nodes"] == [
        {"id": home.notes["ada"], "note": "Walter had a fall."}
    ]
    # and Ben's records, asked for by id, are not there at all
    variables = {
        "punchcard": home.punchcards["ben"],
        "line": home.lines["ben"],
        "note": home.notes["ben"],
        "patient": home.patients["ben"],
    }
    theirs = await home.agency.gql(OTHERS, variables, role="ada")
    assert theirs.errors == [] and theirs.data == dict.fromkeys(variables)


async def test_a_caregiver_gets_forbidden_for_pay_invoices_and_clinical_fields_not_theirs(
    api: Api,
) -> None:
    # given the household, and its invoice and payroll
    home = await household(api)
    agency = home.agency
    # when Ada asks for the payrolls, the invoices and the trail
    for query in ("{ payrolls { totalCount } }", "{ invoices { totalCount } }",
                  "{ auditEvents { totalCount } }", "{ candidates { totalCount } }"):  # fmt: skip
        refused = await agency.gql(query, role="ada")
        # then each is refused whole, FORBIDDEN, with no data
        assert refused.data is None, query
        assert [e["extensions"]["code"] for e in refused.errors] == ["FORBIDDEN"], query
    # and an invoice by id is FORBIDDEN as well (its type is closed to her)
    invoice = await agency.gql("query($id: ID!) { node(id: $id) { id } }", {"id": home.invoice},
                               role="ada")  # fmt: skip
    assert invoice.data == {"node": None} and forbidden_paths(invoice) == [["node"]]
    # when she reads what her punchcard bills and her patient's clinical and billing fields
    variables = {"punchcard": home.punchcards["ada"], "patient": home.patients["ada"]}
    read = await agency.gql(NOT_MINE_TO_READ, variables, role="ada")
    # then the billing and identity fields are null, each with one FORBIDDEN error naming it,
    # and her patient's problems (clinical, for her care) are shown
    assert sorted(forbidden_paths(read)) == [
        ["patient", "billing"],
        ["patient", "ssn"],
        ["punchcard", "bill"],
        ["punchcard", "service", "billRate"],
    ]
    assert read.data["punchcard"] == {
        "id": home.punchcards["ada"], "bill": None, "service": {"code": "PSW", "billRate": None},
    }  # fmt: skip
    assert read.data["patient"]["problems"] == [{"title": "Type 2 diabetes"}]
    assert "Sun Life" not in str(read.body) and "046-454-286" not in str(read.body)
    assert "34.00" not in str(read.body)


async def test_a_caregiver_clocks_in_only_as_themself_on_their_own_visits(api: Api) -> None:
    # given the household's visits tomorrow
    home = await household(api)
    agency = home.agency
    before = await api.count("punchcards", _account=agency.account_id)
    trail = len(await audit_entries(agency))
    bens, hers = home.event("ben", tomorrow=True), home.event("ada", tomorrow=True)
    attempts = [
        # Ada clocking Ben in on his visit, naming him; and on her own visit, naming Ben
        ({"event": bens, "caregiver": home.ben}, ("event", "NOT_FOUND")),
        ({"event": hers, "caregiver": home.ben}, ("caregiver", "FORBIDDEN")),
        # Ada clocking in on Ben's visit as herself
        ({"event": bens}, ("event", "NOT_FOUND")),
    ]
    for variables, expected in attempts:
        # when Ada tries it
        response = await agency.gql(CLOCK_IN, {**variables, "reason": None}, role="ada")
        # then it is refused, and nothing is written
        errors = response.data["punchcardClockIn"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [expected], variables
    assert await api.count("punchcards", _account=agency.account_id) == before
    assert len(await audit_entries(agency)) == trail
    # and Ben's open punchcard cannot be clocked out by her either
    theirs = await agency.gql(
        CLOCK_OUT, {"punchcard": home.punchcards["ben"], "reason": None}, role="ada"
    )
    assert [e["code"] for e in theirs.data["punchcardClockOut"]["userErrors"]] == ["NOT_FOUND"]


async def test_a_caregivers_own_punch_is_stamped_by_the_server_clock(api: Api) -> None:
    # given Ada's visit tomorrow
    home = await household(api)
    agency = home.agency
    device = dt.datetime(2020, 1, 1, 9, tzinfo=dt.UTC)
    # when she clocks in on it with her phone, which says it is 2020
    started = dt.datetime.now(dt.UTC)
    response = await agency.gql(
        CLOCK_IN,
        {"event": home.event("ada", tomorrow=True), "at": device.isoformat(),
         "location": near(5), "reason": None},
        role="ada",
    )  # fmt: skip
    # then the punch is now, the device's time kept beside it, and no reason recorded
    payload = response.data["punchcardClockIn"]
    assert payload["userErrors"] == [], response.body
    stored = await api.database.db.punchcards.find_one({"_id": key(payload["punchcard"]["id"])})
    assert stored is not None
    actual = stored["actual"]
    assert abs(actual["clock_in"].replace(tzinfo=dt.UTC) - started) < dt.timedelta(seconds=30)
    assert actual["clock_in_device_time"].replace(tzinfo=dt.UTC) == device
    assert actual.get("clock_in_reason") is None
    assert stored["user"]["_id"] == key(home.ada)


async def test_the_office_punches_for_a_caregiver_only_with_a_reason(api: Api) -> None:
    # given Ada's visit tomorrow and the scheduler's key
    home = await household(api)
    agency = home.agency
    await agency.key_for("scheduler")
    event = home.event("ada", tomorrow=True)
    before = await api.count("punchcards", _account=agency.account_id)
    # when the scheduler clocks her in without saying why
    refused = await agency.gql(CLOCK_IN, {"event": event, "reason": None}, role="scheduler")
    # then it is refused, REQUIRED on `reason`, and nothing is written
    errors = refused.data["punchcardClockIn"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("reason", "REQUIRED")]
    assert await api.count("punchcards", _account=agency.account_id) == before
    # when it says why, at the time the caregiver called
    called = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).replace(microsecond=0)
    done = await agency.gql(
        CLOCK_IN,
        {"event": event, "at": called.isoformat(), "reason": "NO_SIGNAL", "location": near(5)},
        role="scheduler",
    )
    # then the punch is stored at that time, with the reason
    card = done.data["punchcardClockIn"]
    assert card["userErrors"] == [], done.body
    stored = await api.database.db.punchcards.find_one({"_id": key(card["punchcard"]["id"])})
    assert stored is not None
    assert stored["actual"]["clock_in"].replace(tzinfo=dt.UTC) == called
    assert stored["actual"]["clock_in_reason"] == "no_signal"


async def test_a_scheduler_cannot_change_pay_or_bill_amounts_or_rates(api: Api) -> None:
    # given a punchcard and Ada's user record, and the scheduler's key
    home = await household(api)
    agency = home.agency
    await agency.key_for("scheduler")
    card = home.punchcards["ada"]
    stored_before = await api.database.db.punchcards.find_one({"_id": key(card)})
    trail = len(await audit_entries(agency))
    ten_hours = {"hours": "10", "rate": "300.00"}
    repaid = {"bill": ten_hours, "service": {"code": "PSW", "payRate": "99.00"}}
    own_rate = {"services": [{"code": "PSW", "payRate": "80.00"}]}
    attempts: list[tuple[str, dict[str, Any], str, list[str]]] = [
        (UPDATE_PUNCHCARD, {"id": card, "revision": 2, "input": {"pay": ten_hours}},
         "punchcardUpdate", ["input.pay"]),
        (UPDATE_PUNCHCARD, {"id": card, "revision": 2, "input": repaid}, "punchcardUpdate",
         ["input.bill", "input.service.payRate"]),
        (CREATE_PUNCHCARD_BARE, {"input": punchcard_input(home.ada)}, "punchcardCreate",
         ["input.bill", "input.pay", "input.service.billRate", "input.service.payRate"]),
        (UPDATE_USER, {"id": home.ada, "revision": 1, "input": own_rate}, "userUpdate",
         ["input.services.0.payRate"]),
        (CREATE_EVENT, {"input": event_with_pay_rate(home)}, "eventCreate",
         ["input.service.billRate", "input.attendees.0.payRate"]),
    ]  # fmt: skip
    for query, variables, field, refused in attempts:
        # when the scheduler sends pay or bill amounts or rates
        response = await agency.gql(query, variables, role="scheduler")
        # then each marked field is FORBIDDEN, named, and nothing is written
        errors = response.data[field]["userErrors"]
        assert sorted((e["field"], e["code"]) for e in errors) == sorted(
            (path, "FORBIDDEN") for path in refused
        ), response.body
    assert await api.database.db.punchcards.find_one({"_id": key(card)}) == stored_before
    assert await api.count("punchcards", _account=agency.account_id) == 2
    assert len(await audit_entries(agency)) == trail


async def test_a_scheduler_books_a_visit_at_the_rates_it_may_not_read(api: Api) -> None:
    # given the household's caregiver Ada and her patient, and the scheduler's key
    home = await household(api)
    agency = home.agency
    await agency.key_for("scheduler")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    visit = {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "patient": {"record": home.patients["ada"]},
        "attendees": [{"user": home.ada}],
        "service": {"code": "PSW"},
    }
    # when the scheduler books a visit without rates
    booked = await agency.gql(CREATE_EVENT, {"input": visit}, role="scheduler")
    # then it is booked, its rates copied from the account's service (which the scheduler
    # cannot read: FORBIDDEN in the answer)
    payload = booked.data["eventCreate"]
    assert payload["userErrors"] == [], booked.body
    assert sorted(forbidden_paths(booked)) == [
        ["eventCreate", "event", "service", "billRate"],
        ["eventCreate", "event", "service", "payRate"],
    ]
    stored = await api.database.db.events.find_one({"_id": key(payload["event"]["id"])})
    assert stored is not None
    assert stored["service"]["bill_rate"] == Decimal128(Decimal("34.00"))
    assert stored["service"]["pay_rate"] == Decimal128(Decimal("22.50"))
    assert stored["attendees"][0]["pay_rate"] == Decimal128(Decimal("22.50"))


CREATE_PUNCHCARD_BARE = """mutation($input: PunchcardCreateInput!) {
  punchcardCreate(input: $input) { punchcard { id } userErrors { field message code } } }"""
UPDATE_USER = """mutation($id: ID!, $revision: Int!, $input: UserUpdateInput!) {
  userUpdate(id: $id, revision: $revision, input: $input) { user { id }
  userErrors { field message code } } }"""
CREATE_EVENT = """mutation($input: EventCreateInput!) { eventCreate(input: $input) {
  event { id service { code billRate payRate } } userErrors { field message code } } }"""


def event_with_pay_rate(home: Any) -> dict[str, Any]:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=5)
    return {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "patient": {"record": home.patients["ada"]},
        "attendees": [{"user": home.ada, "payRate": "90.00"}],
        "service": {"code": "PSW", "billRate": "1.00"},
    }


CORRECT = """mutation($id: ID!, $revision: Int!, $input: PunchcardUpdateInput!) {
  punchcardUpdate(id: $id, revision: $revision, input: $input) {
  punchcard { id pay { hours } } userErrors { field message code } } }"""


async def test_a_scheduler_corrects_punches_and_the_pay_follows_at_rates_it_may_not_read(
    api: Api,
) -> None:
    # given a punch the scheduler recorded for Ada (an hour, three hours ago), with a reason
    home = await household(api)
    agency = home.agency
    await agency.key_for("scheduler")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    hours_ago = [(now - dt.timedelta(hours=h)).isoformat() for h in (3, 2, 1)]
    event = home.event("ada", tomorrow=True)
    clocked = await agency.gql(CLOCK_IN, {"event": event, "at": hours_ago[0]}, role="scheduler")
    card = clocked.data["punchcardClockIn"]["punchcard"]["id"]
    out = await agency.gql(CLOCK_OUT, {"punchcard": card, "at": hours_ago[1]}, role="scheduler")
    assert out.data["punchcardClockOut"]["userErrors"] == [], out.body
    # when the scheduler corrects the clock-out, an hour later
    correction = {
        "actual": {"clockIn": hours_ago[0], "clockOut": hours_ago[2], "method": "MANUAL"},
        "correction": {"reason": "FORGOT_TO_CLOCK"},
    }
    fixed = await agency.gql(
        CORRECT, {"id": card, "revision": 2, "input": correction}, role="scheduler"
    )
    # then it is corrected, and the pay computed again at the visit's rate (which the
    # scheduler may not read: FORBIDDEN in the answer)
    assert fixed.data["punchcardUpdate"]["userErrors"] == [], fixed.body
    assert forbidden_paths(fixed) == [["punchcardUpdate", "punchcard", "pay"]]
    stored = await api.database.db.punchcards.find_one({"_id": key(card)})
    assert stored is not None
    assert stored["pay"]["hours"] == Decimal128(Decimal("2.00"))
    assert stored["pay"]["amount"] == Decimal128(Decimal("45.00"))
    assert stored["actual"]["clock_in_reason"] == "device_problem"
