"""The bench's floor (scripts/bench_floor.py) answers what GraphQL answers, at the same cost in
database commands: otherwise `scripts/bench patients` compares different work."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from app.db import Database
from scripts.bench_floor import floor_app
from tests.factories import Agency, Api, create_patient, create_user, location, person_name

README_PAGE = """{ patients(first: 100, filter: {city: "Toronto"}) { totalCount nodes { fullName
  caseCoordinator { fullName } locations { city geo { latitude longitude } } } } }"""
DELETE = """mutation($id: ID!) { patientDelete(id: $id, reason: "Moved away") {
  userErrors { message } } }"""


async def agency_of_every_shape(api: Api) -> Agency:
    """Patients with and without a coordinator, a middle name, a position, two homes; one in
    another city and one deleted, which the page leaves out."""
    agency = await api.agency()
    coordinator = await create_user(agency, name={"first": "Ama", "middle": "K", "last": "Osei"})
    no_geo = {**location(), "geo": None}
    await create_patient(agency, caseCoordinator=coordinator["id"])
    await create_patient(agency, name={"first": "Li", "middle": "Mei", "last": "Chen"})
    await create_patient(agency, name=person_name("Omar", "Haddad"), locations=[no_geo])
    await create_patient(
        agency, name=person_name("Ines", "Roy"), locations=[location(), location(latitude=44.0)]
    )
    await create_patient(agency, name=person_name("Ottawa", "Only"), locations=[location("Ottawa")])
    gone = await create_patient(agency, name=person_name("Gone", "Away"))
    assert (await agency.ok(DELETE, {"id": gone["id"]}))["patientDelete"]["userErrors"] == []
    return agency


async def test_the_floor_answers_the_readme_page_as_graphql_does(
    api: Api, database: Database
) -> None:
    # given an agency whose patients have every shape the page shows
    agency = await agency_of_every_shape(api)

    # when the README's example page is read through GraphQL and through the floor
    graphql = await agency.gql(README_PAGE)
    async with TestClient(TestServer(floor_app(database))) as floor:
        response = await floor.get(
            "/floor/patients",
            params={"city": "Toronto"},
            headers={"Authorization": f"Bearer {agency.key}"},
        )
        answer = await response.json()

    # then both answer the same data with the same three commands (count, page, coordinators)
    assert graphql.status == response.status == 200 and not graphql.errors, graphql.body
    assert answer["data"] == graphql.data
    assert answer["data"]["patients"]["totalCount"] == 4
    assert int(response.headers["X-Db-Commands"]) == graphql.db_commands == 3
