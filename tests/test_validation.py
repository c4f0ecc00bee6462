"""Invalid input: refused with a user error (or a GraphQL error), and nothing is written."""

import datetime as dt
from typing import Any

from tests.factories import (
    CREATE_PATIENT,
    Agency,
    Api,
    create_patient,
    location,
    patient_input,
)
from tests.factories_progress_notes import stored_id
from tests.factories_scheduling import UPDATE_EVENT
from tests.factories_visits import (
    VISIT_DAY,
    booked_visit,
    caregiver_and_patient,
    clock_agency,
    event_id,
)

UPDATE = """mutation($id: ID!, $revision: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $revision, input: $input) {
    patient { id revision } userErrors { field message code } } }"""


async def refused_create(agency: Agency, **overrides: Any) -> list[dict[str, Any]]:
    """The user errors of a patient create that must be refused, after checking nothing was kept."""
    data = await agency.ok(CREATE_PATIENT, {"input": patient_input(**overrides)})
    assert data["patientCreate"]["patient"] is None
    assert await agency.api.count("patients", _account=agency.account_id) == 0
    return data["patientCreate"]["userErrors"]  # type: ignore[no-any-return]


async def test_a_malformed_global_id_is_a_user_error(api: Api) -> None:
    # given a patient
    agency = await api.agency()
    patient = await create_patient(agency)

    # when an update names it with an id that is not a Patient id
    data = await agency.ok(
        UPDATE, {"id": "not-an-id", "revision": 1, "input": {"generalNotes": "x"}}
    )

    # then it is refused and the patient is unchanged
    assert data["patientUpdate"] == {
        "patient": None,
        "userErrors": [{"field": "id", "message": "Not a Patient id.", "code": "INVALID"}],
    }
    assert await api.count("patients", _account=agency.account_id, general_notes="x") == 0
    assert patient["revision"] == 1
    assert await api.count("patients", _account=agency.account_id, _revision=1) == 1


async def test_a_string_for_an_int_is_a_graphql_error(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient is sent with a string for experience
    response = await agency.gql(CREATE_PATIENT, {"input": patient_input(experience="five")})

    # then GraphQL refuses it before the resolver and nothing is written
    assert response.data is None
    assert "Int cannot represent" in response.errors[0]["message"]
    assert response.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await api.count("patients", _account=agency.account_id) == 0


async def test_an_unknown_enum_value_is_a_graphql_error(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient is sent with a status that does not exist
    response = await agency.gql(CREATE_PATIENT, {"input": patient_input(status="ALIVE")})

    # then it is refused and nothing is written
    assert response.data is None
    assert "'ALIVE' does not exist in 'PatientStatus'" in response.errors[0]["message"]
    assert await api.count("patients", _account=agency.account_id) == 0


async def test_a_negative_first_is_refused(api: Api) -> None:
    # given an agency with a patient
    agency = await api.agency()
    await create_patient(agency)

    # when it asks for -5 patients
    response = await agency.gql("{ patients(first: -5) { nodes { id } } }")

    # then it gets an error, not a list
    assert response.data is None
    assert "`first` must be between 0 and 100" in response.errors[0]["message"]


async def test_operators_smuggled_in_filter_strings_match_nothing(api: Api) -> None:
    # given an agency with a patient
    agency = await api.agency()
    await create_patient(agency)

    # when its filters carry MongoDB operators as text
    data = await agency.ok(
        """query($op: String!) { bySearch: patients(filter: {search: $op}) { totalCount }
             byCity: patients(filter: {city: $op}) { totalCount }
             byLanguage: patients(filter: {language: $op}) { totalCount } }""",
        {"op": '{"$gt": ""}'},
    )

    # then they are plain text, which matches no one
    assert data == {
        "bySearch": {"totalCount": 0},
        "byCity": {"totalCount": 0},
        "byLanguage": {"totalCount": 0},
    }


async def test_an_operator_in_a_name_is_stored_as_text(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient's first name looks like a MongoDB operator
    await create_patient(agency, name={"first": '{"$gt": ""}', "last": "Literal"})

    # then it is stored as the string it is
    stored = await api.database.db.patients.find_one({"_account": agency.account_id})
    assert stored is not None
    assert stored["name"] == {"first": '{"$gt": ""}', "last": "Literal"}


async def test_clearing_the_required_name_is_required(api: Api) -> None:
    # given a patient
    agency = await api.agency()
    patient = await create_patient(agency)

    # when an update sets its name to null
    data = await agency.ok(UPDATE, {"id": patient["id"], "revision": 1, "input": {"name": None}})

    # then it is refused as a missing value and the name stays
    errors = data["patientUpdate"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.name", "REQUIRED")]
    stored = await api.database.db.patients.find_one({"_account": agency.account_id})
    assert stored is not None
    assert stored["name"] == {"first": "Walter", "last": "Green"} and stored["_revision"] == 1


async def test_an_empty_first_name_is_invalid(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient's first name is empty
    errors = await refused_create(agency, name={"first": "", "last": "Green"})

    # then the error points at it
    assert [(e["field"], e["code"]) for e in errors] == [("input.name.first", "INVALID")]


async def test_a_name_or_title_of_spaces_is_blank_and_refused(api: Api) -> None:
    # given a patient
    agency = await api.agency()
    patient = await create_patient(agency)

    # when another is created with a first name of spaces (no-break and em spaces among
    # them), and the first one's last name is set to spaces
    errors = await agency.ok(
        CREATE_PATIENT, {"input": patient_input(name={"first": " \u00a0\u2003 ", "last": "Ng"})}
    )
    update = {"name": {"first": "Walter", "last": "   "}}
    data = await agency.ok(UPDATE, {"id": patient["id"], "revision": 1, "input": update})

    # then both are refused, naming the field, and nothing changed
    blank = "It is blank: give at least one character other than spaces."
    assert errors["patientCreate"]["userErrors"] == [
        {"field": "input.name.first", "message": blank, "code": "INVALID"}
    ]
    assert data["patientUpdate"]["userErrors"] == [
        {"field": "input.name.last", "message": blank, "code": "INVALID"}
    ]
    assert await api.count("patients", _account=agency.account_id) == 1
    stored = await api.database.db.patients.find_one({"_account": agency.account_id})
    assert stored is not None
    assert stored["name"] == {"first": "Walter", "last": "Green"} and stored["_revision"] == 1


async def test_a_latitude_out_of_range_is_invalid(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient's address lies north of the pole
    errors = await refused_create(agency, locations=[location(latitude=91.0)])

    # then the error points at the point
    assert [(e["field"], e["code"]) for e in errors] == [("input.locations.0.geo", "INVALID")]
    assert "latitude" in errors[0]["message"].lower()


async def test_a_malformed_email_is_invalid(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a patient's email has no domain
    errors = await refused_create(agency, email="walter@")

    # then the error points at it
    assert [(e["field"], e["code"]) for e in errors] == [("input.email", "INVALID")]


async def test_a_decimal_sent_as_a_float_is_refused(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when a bill rate is sent as a float
    services = [{"code": "PSW", "billRate": 12.5}]
    response = await agency.gql(CREATE_PATIENT, {"input": patient_input(services=services)})

    # then it is refused and nothing is written
    assert response.data is None
    assert "A Decimal is sent as a string" in response.errors[0]["message"]
    assert await api.count("patients", _account=agency.account_id) == 0

    # and as a string it is kept exactly
    services = [{"code": "PSW", "billRate": "12.50"}]
    await create_patient(agency, services=services)
    data = await agency.ok("{ patients { nodes { services { billRate } } } }")
    assert data["patients"]["nodes"] == [{"services": [{"billRate": "12.50"}]}]


async def test_a_value_stored_before_a_rule_does_not_block_an_update_that_leaves_it(
    api: Api,
) -> None:
    # given patients whose last names were stored before today's rules: spaces, a control
    # character, and nothing at all (as a migration or an older version could leave them)
    agency = await api.agency()
    stored = {"   ": True, "Ng\x07": True, "": False}
    patients = {bad: await create_patient(agency) for bad in stored}
    for bad, patient in patients.items():
        await api.database.db.patients.update_one(
            {"_id": stored_id(patient["id"])}, {"$set": {"name.last": bad}}
        )

    # when each is given a new email, and nothing else
    answers = {
        bad: await agency.ok(
            UPDATE, {"id": p["id"], "revision": 1, "input": {"email": "new@example.com"}}
        )
        for bad, p in patients.items()
    }

    # then the spaces and the control character stay as they are, and the email is saved
    for bad, saved in stored.items():
        record = await api.database.db.patients.find_one({"_id": stored_id(patients[bad]["id"])})
        assert record is not None and record["name"]["last"] == bad
        assert (record.get("email") == "new@example.com") is saved
        errors = answers[bad]["patientUpdate"]["userErrors"]
        assert errors == ([] if saved else [error_at("input.name.last")]), errors
    # and the empty name, which the model cannot hold, is named: an update that gives it goes
    update = {"email": "new@example.com", "name": {"first": "Walter", "last": "Ng"}}
    fixed = await agency.ok(UPDATE, {"id": patients[""]["id"], "revision": 1, "input": update})
    assert fixed["patientUpdate"]["userErrors"] == []
    record = await api.database.db.patients.find_one({"_id": stored_id(patients[""]["id"])})
    assert record is not None and record["name"]["last"] == "Ng" and record["_revision"] == 2


def error_at(field: str) -> dict[str, str]:
    return {"field": field, "message": "String should have at least 1 character", "code": "INVALID"}


async def test_a_visit_with_a_note_stored_before_a_rule_can_still_be_moved(api: Api) -> None:
    # given a visit whose notes hold a control character (stored before it was refused)
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    visit = await booked_visit(agency, [caregiver], patient, notes="Ring twice\x07")

    # when it is moved an hour later, and nothing else
    start = VISIT_DAY + dt.timedelta(hours=1)
    moved = {"start": start.isoformat(), "end": (start + dt.timedelta(hours=2)).isoformat()}
    data = await agency.ok(UPDATE_EVENT, {"id": event_id(visit), "revision": 1, "input": moved})

    # then it moves, and its notes stay as they were
    assert data["eventUpdate"]["userErrors"] == []
    stored = await api.database.db.events.find_one({"_id": visit})
    assert stored is not None and stored["notes"] == "Ring twice\x07"
    assert stored["start"].replace(tzinfo=dt.UTC) == start and stored["_revision"] == 2
