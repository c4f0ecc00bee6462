"""Tenancy: one agency's credentials never reach another agency's records."""

from bson import ObjectId

from app.graphql.relay import from_global_id, to_global_id
from tests.factories import CREATE_PATIENT, Api, create_patient, create_user, patient_input

UPDATE = """mutation($id: ID!, $revision: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $revision, input: $input) {
    patient { id } userErrors { field message code } } }"""
DELETE = """mutation($id: ID!) { patientDelete(id: $id, reason: "gone") {
  patient { id } userErrors { field message code } } }"""


def missing_patient_id() -> str:
    return to_global_id("Patient", ObjectId())


async def stored(api: Api, global_id: str) -> dict:  # type: ignore[type-arg]
    decoded = from_global_id(global_id)
    assert decoded is not None
    document = await api.database.db.patients.find_one({"_id": decoded[1]})
    assert document is not None
    return document


async def test_lists_show_only_the_callers_records(api: Api) -> None:
    # given two agencies, each with patients and users
    a, b = await api.agency(), await api.agency()
    await create_patient(a, name={"first": "Alma", "last": "Ames"})
    await create_patient(b, name={"first": "Bert", "last": "Burns"})
    await create_patient(b, name={"first": "Bea", "last": "Burns"})
    await create_user(a, name={"first": "Ann", "last": "Able"})
    await create_user(b, name={"first": "Bob", "last": "Baker"})

    # when agency A lists patients and users
    data = await a.ok(
        """{ patients { totalCount nodes { fullName } }
             users { totalCount nodes { fullName } } }"""
    )

    # then it sees only its own
    assert data["patients"] == {"totalCount": 1, "nodes": [{"fullName": "Alma Ames"}]}
    assert data["users"] == {"totalCount": 1, "nodes": [{"fullName": "Ann Able"}]}
    assert await api.count("patients", _account=b.account_id) == 2


async def test_node_and_nodes_answer_another_agencys_id_like_a_missing_one(api: Api) -> None:
    # given a patient of agency B
    a, b = await api.agency(), await api.agency()
    theirs = await create_patient(b)
    query = """query($id: ID!) { node(id: $id) { id ... on Patient { fullName } }
                 nodes(ids: [$id]) { id } patient(id: $id) { fullName } }"""

    # when agency A asks for it, and for an id that exists nowhere
    foreign = await a.gql(query, {"id": theirs["id"]})
    missing = await a.gql(query, {"id": missing_patient_id()})

    # then both answers are the same nulls
    assert foreign.status == missing.status == 200
    assert foreign.body == missing.body  # the cost they report included
    assert foreign.data == {"node": None, "nodes": [None], "patient": None}
    # and B still reads it
    assert (await b.ok(query, {"id": theirs["id"]}))["patient"] == {"fullName": "Walter Green"}


async def test_updating_another_agencys_patient_is_not_found_and_changes_nothing(
    api: Api,
) -> None:
    # given a patient of agency B
    a, b = await api.agency(), await api.agency()
    theirs = await create_patient(b)
    before = await stored(api, theirs["id"])
    variables = {"revision": 1, "input": {"name": {"first": "Hacked", "last": "Name"}}}

    # when agency A updates it, and a patient that does not exist
    foreign = await a.ok(UPDATE, {**variables, "id": theirs["id"]})
    missing = await a.ok(UPDATE, {**variables, "id": missing_patient_id()})

    # then both are refused alike
    assert foreign["patientUpdate"]["patient"] is None
    assert foreign["patientUpdate"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert foreign == missing
    # and B's patient is untouched
    assert await stored(api, theirs["id"]) == before


async def test_deleting_another_agencys_patient_is_not_found_and_changes_nothing(
    api: Api,
) -> None:
    # given a patient of agency B
    a, b = await api.agency(), await api.agency()
    theirs = await create_patient(b)
    before = await stored(api, theirs["id"])

    # when agency A deletes it, and a patient that does not exist
    foreign = await a.ok(DELETE, {"id": theirs["id"]})
    missing = await a.ok(DELETE, {"id": missing_patient_id()})

    # then both are refused alike
    assert foreign["patientDelete"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert foreign == missing
    # and B's patient is not deleted
    after = await stored(api, theirs["id"])
    assert after == before and not after.get("_deleted")


async def test_a_case_coordinator_of_another_agency_is_refused(api: Api) -> None:
    # given a user of agency B
    a, b = await api.agency(), await api.agency()
    their_user = await create_user(b)

    # when agency A creates a patient coordinated by that user
    data = await a.ok(CREATE_PATIENT, {"input": patient_input(caseCoordinator=their_user["id"])})

    # then it is refused and nothing is written
    payload = data["patientCreate"]
    assert payload["patient"] is None
    assert payload["userErrors"] == [
        {"field": "input.caseCoordinator", "message": "No User with this id.", "code": "NOT_FOUND"}
    ]
    assert await api.count("patients", _account=a.account_id) == 0
