"""The audit trail: one entry per change, written with it; sensitive reads; read-only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bson import ObjectId
from graphql import build_schema

from app.data.audit import entry_id
from app.graphql.schema import schema_sdl
from tests.factories import Api, audit_entries, create_patient, patient_input
from tests.factories_policy import household
from tests.factories_progress_notes import (
    APPROVE_NOTE,
    NOTE_BY_ID,
    UPDATE_NOTE,
    auditor_key,
    create_note,
    stored_id,
)
from tests.factories_scheduling import iso

UPDATE = """mutation($id: ID!, $rev: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $rev, input: $input) {
    patient { revision } userErrors { code } } }"""
DELETE = """mutation($id: ID!) { patientDelete(id: $id, reason: "Moved away") {
  patient { deleted } userErrors { code } } }"""
RESTORE = """mutation($id: ID!) { patientRestore(id: $id) { patient { deleted } } }"""
IMPORT = """mutation($input: [PatientCreateInput!]!) { patientImport(input: $input) {
  patients { id } userErrors { field code } } }"""


async def test_each_kind_of_change_writes_exactly_one_entry(api: Api) -> None:
    # given an agency and a patient it created
    agency = await api.agency()
    patient = await create_patient(agency, ssn="123-45-678")
    # when it updates, deletes and restores the patient
    await agency.ok(
        UPDATE,
        {
            "id": patient["id"],
            "rev": 1,
            "input": {"importantNotes": "Allergic to penicillin", "ssn": "999-99-999"},
        },
    )
    await agency.ok(DELETE, {"id": patient["id"]})
    await agency.ok(RESTORE, {"id": patient["id"]})
    # then the trail holds one entry per change, in order, with who, what and where
    entries = await audit_entries(agency, record_type="Patient")
    assert [e["action"] for e in entries] == ["create", "update", "delete", "restore"]
    assert {e["actor"]["name"] for e in entries} == {"Administrator"}
    assert all(e["request_id"] and e["client_address"] for e in entries)
    update = {c["field"]: c for c in entries[1]["changes"]}
    assert update["importantNotes"]["before"] is None
    assert update["importantNotes"]["after"] == "Allergic to penicillin"
    assert update["ssn"] == {"field": "ssn", "before": "***", "after": "***"}
    assert entries[2]["reason"] == "Moved away"
    created = {c["field"]: c["after"] for c in entries[0]["changes"]}
    assert created["ssn"] == "***" and created["name"] == {"first": "Walter", "last": "Green"}


async def test_a_refused_change_writes_no_entry(api: Api) -> None:
    # given a patient at revision 1
    agency = await api.agency()
    patient = await create_patient(agency)
    # when an update based on a stale revision is refused
    data = await agency.ok(UPDATE, {"id": patient["id"], "rev": 7, "input": {"chartId": "C1"}})
    # then nothing but the creation is in the trail
    assert data["patientUpdate"]["userErrors"] == [{"code": "CONFLICT"}]
    assert [e["action"] for e in await audit_entries(agency)] == ["create"]


async def test_signing_in_and_changing_the_account_are_audited(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    # when it exchanges its key for a token and changes its website
    await agency.ok(
        """mutation($k: String!, $s: String!) { authorize(apiKey: $k, apiSecret: $s)
      { accessToken } }""",
        {"k": agency.key, "s": agency.secret},
    )
    await agency.ok("""mutation { accountUpdate(revision: 1, input: {website: "https://a.example"})
      { userErrors { code } } }""")
    # then both are in the trail
    entries = await audit_entries(agency)
    assert [(e["action"], e["record_type"]) for e in entries] == [
        ("authorize", "ApiClient"),
        ("update", "Account"),
    ]
    assert entries[1]["changes"] == [
        {"field": "website", "before": None, "after": "https://a.example"}
    ]


async def test_a_sensitive_read_writes_one_entry_per_record(api: Api) -> None:
    # given two patients with a date of birth and an SSN
    agency = await api.agency()
    await create_patient(agency, ssn="111")
    await create_patient(agency, ssn="222")
    # when a list reads both sensitive fields of both
    await agency.ok("{ patients { nodes { ssn dateOfBirth } } }")
    # then each patient has one read entry naming both fields
    reads = await audit_entries(agency, action="read_sensitive")
    assert len(reads) == 2
    assert all(r["fields_read"] == ["dateOfBirth", "ssn"] for r in reads)
    # and a request that reads no sensitive field writes none
    await agency.ok("{ patients { nodes { fullName } } }")
    assert len(await audit_entries(agency, action="read_sensitive")) == 2


async def test_administrators_read_the_trail_and_a_records_history(api: Api) -> None:
    # given a patient that was created and updated
    agency = await api.agency()
    patient = await create_patient(agency)
    await agency.ok(UPDATE, {"id": patient["id"], "rev": 1, "input": {"chartId": "C-9"}})
    # when an administrator reads the trail filtered to updates, and the patient's history
    data = await agency.ok(
        """query($id: ID!) {
      auditEvents(filter: {action: [UPDATE], record: $id}) { totalCount nodes {
        action recordType recordId actor { kind name } changes { field before after } } }
      node(id: $id) { ... on Patient { history { nodes { action } } } } }""",
        {"id": patient["id"]},
    )
    # then both answer, newest first
    events = data["auditEvents"]
    assert events["totalCount"] == 1
    assert events["nodes"][0]["recordId"] == patient["id"]
    assert events["nodes"][0]["actor"] == {"kind": "api_client", "name": "Administrator"}
    assert events["nodes"][0]["changes"] == [{"field": "chartId", "before": None, "after": '"C-9"'}]
    assert [n["action"] for n in data["node"]["history"]["nodes"]] == ["UPDATE", "CREATE"]


async def test_the_trail_filtered_by_time_holds_exactly_the_entries_of_that_time(api: Api) -> None:
    # given an agency's trail: a patient created now, and four entries of last year, two of
    # them written before an entry's id held its time (their ids made as they were inserted,
    # up to a minute later)
    agency = await api.agency()
    await create_patient(agency)
    noon = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC)
    older = {"_account": agency.account_id, "action": "update", "record_type": "Patient",
             "record_id": ObjectId(), "actor": {"kind": "api_client"}, "changes": []}  # fmt: skip

    def made(seconds: float, id_made: dt.datetime | None = None) -> dict[str, Any]:
        at = noon + dt.timedelta(seconds=seconds)
        key = entry_id(at) if id_made is None else ObjectId.from_datetime(id_made)
        return {**older, "_id": key, "at": at}

    stored = [
        made(-0.5),
        made(0),
        made(1, id_made=noon + dt.timedelta(seconds=59)),
        made(60, id_made=noon + dt.timedelta(seconds=90)),
    ]
    await api.database.db.audit_events.insert_many(stored)
    window = {"start": iso(noon), "end": iso(noon + dt.timedelta(seconds=60))}

    # when the administrator reads the trail of that minute, and of today
    found = await agency.ok(
        """query($at: DateTimeRange!, $today: DateTimeRange!) {
      minute: auditEvents(filter: {at: $at}) { totalCount nodes { at } }
      today: auditEvents(filter: {at: $today}) { nodes { action recordType } } }""",
        {"at": window, "today": {"start": iso(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))}},
    )

    # then the minute holds the entries made within it, however their ids were made, and today
    # the patient's creation
    assert [parsed(node["at"]) for node in found["minute"]["nodes"]] == [
        noon + dt.timedelta(seconds=1), noon
    ]  # fmt: skip
    assert found["minute"]["totalCount"] == 2
    assert {"action": "CREATE", "recordType": "Patient"} in found["today"]["nodes"]


async def test_the_trail_filtered_by_times_the_calendar_allows_but_ids_cannot_hold(
    api: Api,
) -> None:
    # given an agency with a patient created today
    agency = await api.agency()
    await create_patient(agency)
    query = """query($at: DateTimeRange!) {
      auditEvents(filter: {at: $at}) { totalCount nodes { action recordType } } }"""
    # when the administrator reads the trail over times before 1970 or after 2106 (an id's
    # seconds hold neither), which the DateTime scalar takes (1800 to 2999)
    ranges = {
        "from 1850": {"start": "1850-01-01T00:00:00Z"},
        "to 2900": {"end": "2900-01-01T00:00:00Z"},
        "1850 to 2900": {"start": "1850-01-01T00:00:00Z", "end": "2900-01-01T00:00:00Z"},
        "to the last second ids hold": {"end": "2106-02-07T06:28:15Z"},
        "to 1850": {"end": "1850-01-01T00:00:00Z"},
        "from 2900": {"start": "2900-01-01T00:00:00Z"},
        "1800 to 1969": {"start": "1800-01-01T00:00:00Z", "end": "1969-12-31T23:59:59Z"},
    }
    counts = {}
    for name, at in ranges.items():
        response = await agency.gql(query, {"at": at})
        assert not response.errors, (name, response.errors)
        counts[name] = response.data["auditEvents"]["totalCount"]
    # then each answers: the patient's creation is within the first four, nothing in the rest
    stored = len(await audit_entries(agency))
    assert stored >= 1
    assert counts == {name: stored if n < 4 else 0 for n, name in enumerate(ranges)}


def parsed(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))


async def test_the_trail_is_closed_to_roles_without_view_audit(api: Api) -> None:
    # given an agency with a scheduler key
    agency = await api.agency()
    await agency.key_for("scheduler")
    # when the scheduler asks for the trail
    response = await agency.gql("{ auditEvents { totalCount } }", role="scheduler")
    # then it is refused
    assert response.data is None
    assert response.errors[0]["extensions"]["code"] == "FORBIDDEN"


def test_no_mutation_can_change_or_remove_audit_entries() -> None:
    # given the schema, when its mutations are listed, then none touches the trail
    mutations = build_schema(schema_sdl()).mutation_type
    assert mutations is not None
    assert not [name for name in mutations.fields if "audit" in name.lower()]


async def test_an_import_is_all_or_nothing(api: Api) -> None:
    # given three patients to import, the second of them without a last name
    agency = await api.agency()
    rows = [patient_input(), patient_input(name={"first": "Ann", "last": ""}), patient_input()]
    # when they are imported
    data = await agency.ok(IMPORT, {"input": rows})
    # then none is written, and the error names the bad row
    assert data["patientImport"] == {
        "patients": [],
        "userErrors": [{"field": "input.1.name.last", "code": "INVALID"}],
    }
    assert await api.count("patients", _account=agency.account_id) == 0
    assert await audit_entries(agency) == []
    # and when the bad row is fixed, all three are written, each with its entry
    rows[1]["name"]["last"] = "Lee"
    data = await agency.ok(IMPORT, {"input": rows})
    assert len(data["patientImport"]["patients"]) == 3
    assert await api.count("patients", _account=agency.account_id) == 3
    assert len(await audit_entries(agency, action="create")) == 3


TRAIL = """query($note: ID!, $patient: ID!) {
  all: auditEvents(first: 100) { totalCount nodes { recordId action changes { before after } } }
  changes: auditEvents(filter: {action: [CREATE, UPDATE]}) { nodes { recordId action } }
  note: auditEvents(filter: {record: $note}) { totalCount }
  patient: node(id: $patient) { ... on Patient { history { nodes { action } } } } }"""


async def test_entries_about_private_notes_are_only_for_roles_with_view_sensitive(
    api: Api,
) -> None:
    # given an auditor role (VIEW_AUDIT, not VIEW_SENSITIVE) and, written by the administrator,
    # a private note (changed, approved, its text read), a shared note made private since, a
    # note private once and shared since (then retitled), and a note always shared
    agency = await api.agency()
    await auditor_key(agency)
    patient = await create_patient(agency)
    secret = await create_note(agency, patient["id"], title="Family finances", private=True)
    await agency.ok(UPDATE_NOTE, {"id": secret["id"], "revision": 1, "input": {"priority": "HIGH"}})
    await agency.ok(APPROVE_NOTE, {"id": secret["id"], "revision": 2})
    await agency.ok(NOTE_BY_ID, {"id": secret["id"]})
    hidden_later = await create_note(agency, patient["id"], title="Debts", private=False)
    await agency.ok(
        UPDATE_NOTE, {"id": hidden_later["id"], "revision": 1, "input": {"private": True}}
    )
    shared_later = await create_note(agency, patient["id"], title="Old secret", private=True)
    for revision, change in ((1, {"private": False}), (2, {"title": "Now shared"})):
        await agency.ok(
            UPDATE_NOTE, {"id": shared_later["id"], "revision": revision, "input": change}
        )
    shared = await create_note(agency, patient["id"], title="Visit summary")
    variables = {"note": secret["id"], "patient": patient["id"]}
    # when the auditor and the administrator read the trail, one note's entries and the
    # patient's history
    auditor = await agency.gql(TRAIL, variables, role="auditor")
    admin = await agency.ok(TRAIL, variables)
    # then the auditor sees the changes of the patient and of the shared note, and of the
    # shared-since note only the one from after it was shared; none of the private notes
    assert auditor.errors == [], auditor.body
    assert auditor.data["changes"]["nodes"] == [
        {"recordId": shared["id"], "action": "CREATE"},
        {"recordId": shared_later["id"], "action": "UPDATE"},
        {"recordId": patient["id"], "action": "CREATE"},
    ]
    seen = {node["recordId"] for node in auditor.data["all"]["nodes"]}
    assert seen == {patient["id"], shared["id"], shared_later["id"]}
    assert "Family finances" not in str(auditor.body) and "Debts" not in str(auditor.body)
    assert auditor.data["note"]["totalCount"] == 0
    assert auditor.data["patient"]["history"]["nodes"] == [{"action": "CREATE"}]
    # and the administrator sees every stored entry, the private note's among them
    stored = await audit_entries(agency)
    about_secret = await audit_entries(agency, record_id=stored_id(secret["id"]))
    assert admin["all"]["totalCount"] == len(stored)
    assert admin["note"]["totalCount"] == len(about_secret) >= 4
    assert auditor.data["all"]["totalCount"] < len(stored)
    # and the changes written while a note was private are stored marked private
    marked = [
        (e["record_id"], e["action"], e.get("private", False))
        for e in stored
        if e["record_type"] == "ProgressNote" and e["action"] != "read_sensitive"
    ]
    private, made_private, made_shared, always_shared = (
        stored_id(note["id"]) for note in (secret, hidden_later, shared_later, shared)
    )
    assert marked == [
        (private, "create", True),
        (private, "update", True),
        (private, "update", True),
        (made_private, "create", False),
        (made_private, "update", True),
        (made_shared, "create", True),
        (made_shared, "update", True),
        (made_shared, "update", False),
        (always_shared, "create", False),
    ]


TRAIL_ROLE = {"key": "trail", "name": "Trail reader", "type": "OFFICE",
              "permissions": ["VIEW_AUDIT"]}  # fmt: skip
USER_HISTORY = """query($id: ID!) { user(id: $id) { history(first: 1) { nodes {
  changes { field before after } } } } }"""


async def test_the_trail_leaves_out_the_marked_parts_of_a_value_a_role_may_read(api: Api) -> None:
    # given Ada's services changed with a pay rate of her own, and an account role that reads
    # the trail and no pay
    home = await household(api)
    agency = home.agency
    await agency.ok(
        """mutation($id: ID!) { userUpdate(id: $id, revision: 1, input: {
        services: [{code: "PSW", payRate: "23.00", notes: "Weekends"}] }) {
        userErrors { code } } }""",
        {"id": home.ada},
    )
    revision = (await agency.ok("{ account { revision } }"))["account"]["revision"]
    await agency.ok(
        """mutation($revision: Int!, $input: AccountUpdateInput!) {
        accountUpdate(revision: $revision, input: $input) { userErrors { code } } }""",
        {"revision": revision, "input": {"roles": [TRAIL_ROLE]}},
    )
    await agency.key_for("trail")
    # when the administrator and that role read her history
    theirs = await agency.ok(USER_HISTORY, {"id": home.ada})
    response = await agency.gql(USER_HISTORY, {"id": home.ada}, role="trail")
    # then the administrator sees the rate; the role sees the change of her services, with
    # the code and notes but no pay rate
    assert not response.errors, response.body

    def services(data: Any) -> Any:
        (entry,) = data["user"]["history"]["nodes"]
        return json.loads(next(c for c in entry["changes"] if c["field"] == "services")["after"])

    rate = {"$numberDecimal": "23.00"}
    assert services(theirs) == [{"code": "PSW", "pay_rate": rate, "notes": "Weekends"}]
    assert services(response.data) == [{"code": "PSW", "notes": "Weekends"}]


async def test_a_role_without_the_trail_gets_a_null_history_not_a_null_record(api: Api) -> None:
    # given Ada, a caregiver who signs in (no VIEW_AUDIT)
    home = await household(api)
    # when she reads the account with its history
    response = await home.agency.gql("{ account { id history { totalCount } } }", role="ada")
    # then the account is there, its history null with one FORBIDDEN error naming it
    assert response.data["account"]["id"] and response.data["account"]["history"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in response.errors] == [
        (["account", "history"], "FORBIDDEN")
    ]
