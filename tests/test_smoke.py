"""The first walk through: a key reads its account and writes a patient."""

from tests.factories import Api, create_patient, create_user


async def test_an_agency_creates_and_reads_back_a_patient(api: Api) -> None:
    # given an agency with a coordinator
    agency = await api.agency("Sunrise Care")
    coordinator = await create_user(agency, roleType="OFFICE", role="scheduler")

    # when it adds a patient coordinated by that user
    patient = await create_patient(agency, caseCoordinator=coordinator["id"])

    # then the patient reads back with the coordinator resolved
    data = await agency.ok(
        """query($id: ID!) { account { name { legal } }
      node(id: $id) { ... on Patient { fullName caseCoordinator { fullName } } } }""",
        {"id": patient["id"]},
    )
    assert data["account"]["name"]["legal"] == "Sunrise Care"
    assert data["node"] == {
        "fullName": "Walter Green",
        "caseCoordinator": {"fullName": "Joan Smith"},
    }
    assert await api.count("patients", _account=agency.account_id) == 1
