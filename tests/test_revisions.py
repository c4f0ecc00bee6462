"""Revisions guard updates; soft deletion keeps records, with a reason, until restored."""

from typing import Any

from app.graphql.relay import from_global_id, to_global_id
from tests.factories import Agency, Api, create_patient, create_user

UPDATE = """mutation($id: ID!, $revision: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $revision, input: $input) {
    patient { revision generalNotes } userErrors { field message code } } }"""
DELETE = """mutation($id: ID!, $reason: String!) { patientDelete(id: $id, reason: $reason) {
  patient { deleted deletedDates { reason apiClient date restoredDate } }
  userErrors { field message code } } }"""
RESTORE = """mutation($id: ID!) { patientRestore(id: $id) {
  patient { deleted revision deletedDates { reason restoredDate } }
  userErrors { field message code } } }"""
LIST = """query($deleted: DeletedState!) { patients(filter: {deleted: $deleted}) {
  totalCount nodes { fullName } } }"""


async def stored(api: Api, global_id: str) -> dict[str, Any]:
    decoded = from_global_id(global_id)
    assert decoded is not None
    document = await api.database.db.patients.find_one({"_id": decoded[1]})
    assert document is not None
    return document


async def listed(agency: Agency, deleted: str) -> list[str]:
    data = await agency.ok(LIST, {"deleted": deleted})
    return [node["fullName"] for node in data["patients"]["nodes"]]


async def test_an_update_with_the_current_revision_succeeds_and_bumps_it(api: Api) -> None:
    # given a patient at revision 1
    agency = await api.agency()
    patient = await create_patient(agency)

    # when it is updated at revision 1
    data = await agency.ok(
        UPDATE, {"id": patient["id"], "revision": 1, "input": {"generalNotes": "Likes tea"}}
    )

    # then it is at revision 2 with the change stored
    assert data["patientUpdate"] == {
        "patient": {"revision": 2, "generalNotes": "Likes tea"},
        "userErrors": [],
    }
    document = await stored(api, patient["id"])
    assert document["_revision"] == 2 and document["general_notes"] == "Likes tea"


async def test_an_update_with_a_stale_revision_is_a_conflict(api: Api) -> None:
    # given a patient updated once (now at revision 2)
    agency = await api.agency()
    patient = await create_patient(agency)
    await agency.ok(UPDATE, {"id": patient["id"], "revision": 1, "input": {"generalNotes": "A"}})
    before = await stored(api, patient["id"])

    # when another update still sends revision 1
    data = await agency.ok(
        UPDATE, {"id": patient["id"], "revision": 1, "input": {"generalNotes": "B"}}
    )

    # then it is refused and the stored document is unchanged
    payload = data["patientUpdate"]
    assert payload["patient"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("revision", "CONFLICT")]
    assert await stored(api, patient["id"]) == before


async def test_delete_with_a_reason_hides_the_patient_from_the_default_list(api: Api) -> None:
    # given two patients
    agency = await api.agency()
    patient = await create_patient(agency, name={"first": "Gone", "last": "Away"})
    await create_patient(agency, name={"first": "Still", "last": "Here"})

    # when one is deleted with a reason
    data = await agency.ok(DELETE, {"id": patient["id"], "reason": "  Moved to Ottawa "})

    # then it is marked deleted with the reason
    payload = data["patientDelete"]
    assert payload["userErrors"] == []
    assert payload["patient"]["deleted"] is True
    [entry] = payload["patient"]["deletedDates"]
    assert entry["reason"] == "Moved to Ottawa" and entry["apiClient"] == "Administrator"
    assert entry["date"] and entry["restoredDate"] is None
    document = await stored(api, patient["id"])
    assert document["_deleted"] is True and document["_revision"] == 2

    # and lists show it only when asked for deleted records
    assert await listed(agency, "ACTIVE") == ["Still Here"]
    assert await listed(agency, "DELETED") == ["Gone Away"]
    assert sorted(await listed(agency, "ALL")) == ["Gone Away", "Still Here"]


async def test_restore_brings_a_deleted_patient_back(api: Api) -> None:
    # given a deleted patient
    agency = await api.agency()
    patient = await create_patient(agency)
    await agency.ok(DELETE, {"id": patient["id"], "reason": "Discharged"})

    # when it is restored
    data = await agency.ok(RESTORE, {"id": patient["id"]})

    # then it is back, with the deletion's restore date set
    payload = data["patientRestore"]
    assert payload["userErrors"] == []
    assert payload["patient"]["deleted"] is False and payload["patient"]["revision"] == 3
    [entry] = payload["patient"]["deletedDates"]
    assert entry["reason"] == "Discharged" and entry["restoredDate"]
    document = await stored(api, patient["id"])
    assert document["_deleted"] is False
    assert document["_deleted_dates"][0]["restored_date"] is not None
    assert await listed(agency, "ACTIVE") == ["Walter Green"]
    assert await listed(agency, "DELETED") == []


async def test_deleting_twice_is_an_invalid_state(api: Api) -> None:
    # given a deleted patient
    agency = await api.agency()
    patient = await create_patient(agency)
    await agency.ok(DELETE, {"id": patient["id"], "reason": "First"})
    before = await stored(api, patient["id"])

    # when it is deleted again
    data = await agency.ok(DELETE, {"id": patient["id"], "reason": "Second"})

    # then it is refused and only the first deletion is recorded
    errors = data["patientDelete"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("id", "INVALID_STATE")]
    assert await stored(api, patient["id"]) == before
    assert len(before["_deleted_dates"]) == 1


async def test_deleting_without_a_reason_is_required(api: Api) -> None:
    # given a patient
    agency = await api.agency()
    patient = await create_patient(agency)

    # when it is deleted with a blank reason
    data = await agency.ok(DELETE, {"id": patient["id"], "reason": "   "})

    # then it is refused and stays as it was
    payload = data["patientDelete"]
    assert payload["patient"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("reason", "REQUIRED")]
    document = await stored(api, patient["id"])
    assert not document.get("_deleted") and document["_revision"] == 1


async def test_a_record_holding_money_can_be_updated(api: Api) -> None:
    # given a caregiver whose stored salary expectations are exact decimals
    agency = await api.agency()
    user = await create_user(agency, salaryExpectations={"hourlyMin": "21.50", "hourlyMax": "28"})
    # when another field of theirs is updated
    data = await agency.ok(
        """mutation($id: ID!) { userUpdate(id: $id, revision: 1,
      input: {nearestIntersection: "King & Bay"}) { user { revision
      salaryExpectations { hourlyMin hourlyMax } } userErrors { code } } }""",
        {"id": user["id"]},
    )
    # then it is saved and the money is unchanged to the cent
    assert data["userUpdate"]["userErrors"] == []
    assert data["userUpdate"]["user"]["salaryExpectations"] == {
        "hourlyMin": "21.50",
        "hourlyMax": "28",
    }
    stored = await api.database.db.users.find_one({"_account": agency.account_id})
    assert str(stored["salary_expectations"]["hourly_min"]) == "21.50"


async def test_a_write_only_secret_survives_an_edit_of_its_subdocument(api: Api) -> None:
    # given an account whose telephony auth token was set (it can never be read back)
    agency = await api.agency()
    set_token = """mutation { accountUpdate(revision: 1, input: {telephony: {
      provider: "Twilio", authToken: "s3cret"}}) {
      account { revision telephony { provider } } userErrors { code } } }"""
    data = await agency.ok(set_token)
    assert data["accountUpdate"]["userErrors"] == []
    # when the telephony settings are edited again without the token
    data = await agency.ok("""mutation { accountUpdate(revision: 2, input: {telephony: {
      provider: "Twilio", phoneNumber: "+14165550100"}}) { userErrors { code } } }""")
    # then the change is saved and the stored token is kept
    assert data["accountUpdate"]["userErrors"] == []
    stored = await api.database.db.accounts.find_one({"_id": agency.account_id})
    assert stored["telephony"]["auth_token"] == "s3cret"
    assert stored["telephony"]["phone_number"] == "+14165550100"


async def test_a_record_loaded_without_a_revision_can_be_updated(api: Api) -> None:
    # given a patient loaded raw from an old export, with no revision at all
    agency = await api.agency()
    inserted = await api.database.db.patients.insert_one(
        {"_account": agency.account_id, "name": {"first": "Old", "last": "Record"}}
    )
    patient_id = to_global_id("Patient", inserted.inserted_id)
    # when it is read and updated at the revision shown
    read = await agency.ok("query($id: ID!) { patient(id: $id) { revision } }", {"id": patient_id})
    data = await agency.ok(
        """mutation($id: ID!, $rev: Int!) { patientUpdate(id: $id,
      revision: $rev, input: {chartId: "C-1"}) { patient { revision } userErrors { code } } }""",
        {"id": patient_id, "rev": read["patient"]["revision"]},
    )
    # then it is saved at revision 2
    assert data["patientUpdate"] == {"patient": {"revision": 2}, "userErrors": []}
