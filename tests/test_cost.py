"""Every response says what its query cost: estimated before it ran, and actually."""

from __future__ import annotations

from tests.factories import Api, create_patient

PAGE = "{ patients(first: 10) { nodes { id events(first: 5) { totalCount } } } }"
FRAGMENT = """{ ...Listed a: patients(first: 1) { edges { node { id } } } }
fragment Listed on Query { patients(first: 5) { nodes { id } } }"""
TOO_LARGE = """{ patients(first: 100) { nodes { events(first: 100) { nodes {
  patient { record { events(first: 100) { totalCount } } } } } } } }"""


async def test_a_query_reports_its_estimated_and_actual_cost(api: Api) -> None:
    # given an agency with two patients
    agency = await api.agency()
    for _ in range(2):
        await create_patient(agency)

    # when it lists ten patients per page, each with a page of five visits (only counted)
    response = await agency.gql(PAGE)

    # then the cost says: 10 + 10 x 5 records could have come, 2 did, and the commands run
    assert response.status == 200 and not response.errors
    assert response.body["extensions"]["cost"] == {
        "requestedQueryCost": 60,
        "actualQueryCost": 2,
        "maximumQueryCost": 20000,
        "databaseCommands": response.db_commands,
    }
    assert response.db_commands >= 2


async def test_fragments_and_aliases_are_counted_as_returned(api: Api) -> None:
    # given an agency with two patients
    agency = await api.agency()
    for _ in range(2):
        await create_patient(agency)

    # when a fragment and an alias ask for pages of patients
    response = await agency.gql(FRAGMENT)

    # then each page counts what it returned: 2 and 1
    cost = response.body["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (6, 3)


async def test_a_query_over_the_budget_reports_its_cost_and_ran_nothing(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when it asks for more than the node budget
    response = await agency.gql(TOO_LARGE)

    # then it is refused before anything ran, and the cost says why
    assert response.errors[0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert "data" not in response.body
    assert response.body["extensions"]["cost"] == {
        "requestedQueryCost": 1_010_100,
        "actualQueryCost": 0,
        "maximumQueryCost": 20000,
        "databaseCommands": 0,
    }
    assert response.db_commands == 0


async def test_a_mutation_reports_its_cost_too(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when it creates a tag
    response = await agency.gql(
        'mutation { tagCreate(input: {name: "Stairs"}) { tag { id } userErrors { field } } }'
    )

    # then the cost counts no page and the commands the write took
    cost = response.body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 0 and cost["actualQueryCost"] == 0
    assert cost["databaseCommands"] == response.db_commands > 0
