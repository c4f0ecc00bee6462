"""Stored text holds no control characters: refused once, in the shared validation, naming the
field; tabs and line breaks stay allowed where text is written in lines."""

from __future__ import annotations

from tests.factories import CREATE_PATIENT, Api, create_patient, patient_input, person_name

PATIENTS = "{ patients(first: 5) { nodes { name { first } generalNotes } } }"
IMPORT_USERS = """mutation($input: [UserCreateInput!]!) { userImport(input: $input) {
  users { id } userErrors { field message code } } }"""
UPDATE_PATIENT = """mutation($id: ID!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: 1, input: $input) {
    patient { name { first } } userErrors { field message code } } }"""
DELETE_PATIENT = """mutation($id: ID!, $reason: String!) { patientDelete(id: $id, reason: $reason) {
  patient { deleted } userErrors { field message code } } }"""


async def test_a_name_with_a_control_character_is_refused_naming_the_field(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient is created named with U+0002 (which would sort before every name)
    data = await agency.ok(
        CREATE_PATIENT, {"input": patient_input(name=person_name("\u0002Anna", "Lee"))}
    )

    # then it is refused, naming the field and the character, and nothing is stored
    [error] = data["patientCreate"]["userErrors"]
    assert error["field"] == "input.name.first"
    assert error["code"] == "INVALID"
    assert "U+0002" in error["message"]
    assert await api.count("patients", _account=agency.account_id) == 0


async def test_lines_and_tabs_are_kept_in_notes_but_not_in_names(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient's notes are written in lines, and another's name holds a line break
    notes = "Knock twice.\nKey under the mat:\tblue pot.\r\nDog is friendly."
    await create_patient(agency, generalNotes=notes)
    broken = await agency.ok(
        CREATE_PATIENT, {"input": patient_input(name=person_name("Anna\nMarie", "Lee"))}
    )

    # then the notes are stored as written; the name is refused
    stored = (await agency.ok(PATIENTS))["patients"]["nodes"]
    assert [p["generalNotes"] for p in stored] == [notes]
    [error] = broken["patientCreate"]["userErrors"]
    assert error["field"] == "input.name.first" and "U+000A" in error["message"]


async def test_a_bell_in_notes_is_refused_too(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when notes hold a C1 control character
    data = await agency.ok(CREATE_PATIENT, {"input": patient_input(generalNotes="ok\u0085")})

    # then they are refused
    [error] = data["patientCreate"]["userErrors"]
    assert error["field"] == "input.generalNotes" and "U+0085" in error["message"]


async def test_an_import_names_the_item_and_writes_nothing(api: Api) -> None:
    # given two users, the second with a control character in a nested field
    agency = await api.agency()
    good = {"name": person_name("Ann", "Poe"), "roleType": "CAREGIVER", "role": "caregiver"}
    bad = {**good, "name": person_name("Bo", "Poe\u007f")}

    # when they are imported
    data = await agency.ok(IMPORT_USERS, {"input": [good, bad]})

    # then the import is refused naming the second item's field, and no user is stored
    [error] = data["userImport"]["userErrors"]
    assert error["field"] == "input.1.name.last"
    assert await api.count("users", _account=agency.account_id) == 0


async def test_an_update_and_a_deletion_reason_are_checked_as_well(api: Api) -> None:
    # given a patient
    agency = await api.agency()
    patient = await create_patient(agency)

    # when it is renamed with an escape character, and deleted for a reason holding NUL
    renamed = await agency.ok(
        UPDATE_PATIENT, {"id": patient["id"], "input": {"name": person_name("\u001bX", "Y")}}
    )
    deleted = await agency.ok(DELETE_PATIENT, {"id": patient["id"], "reason": "moved\u0000"})

    # then both are refused naming their field, and the patient is as it was
    assert renamed["patientUpdate"]["userErrors"][0]["field"] == "input.name.first"
    assert deleted["patientDelete"]["userErrors"][0]["field"] == "reason"
    stored = await api.database.db.patients.find_one({"_account": agency.account_id})
    assert stored is not None
    assert stored["name"]["first"] == "Walter" and not stored.get("_deleted")
    assert stored["_revision"] == 1
