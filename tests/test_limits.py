"""Query limits: refused before any resolver runs, so they cost no database command."""

import pytest

from app.graphql.relay import to_global_id
from tests.factories import Agency, Api, create_user


async def warm(api: Api) -> Agency:
    """An agency whose credential is already cached, so a refusal can show zero commands."""
    agency = await api.agency()
    await agency.ok("{ account { id } }")
    return agency


def assert_refused(response, code: str, words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.errors, response.body
    assert response.data is None
    assert words in response.errors[0]["message"], response.errors
    assert response.errors[0]["extensions"]["code"] == code
    assert response.db_commands == 0


async def test_a_query_deeper_than_the_limit_is_refused(api: Api) -> None:
    # given a warm agency
    agency = await warm(api)
    deep = "manager { " * 12 + "id" + " }" * 12

    # when it sends a query 14 levels deep
    response = await agency.gql("{ users { nodes { " + deep + " } } }")

    # then it is refused without touching the database
    assert_refused(response, "GRAPHQL_VALIDATION_FAILED", "exceeds maximum operation depth")


async def test_a_query_within_the_depth_limit_runs(api: Api) -> None:
    # given a warm agency with a user
    agency = await warm(api)
    await create_user(agency)
    shallow = "manager { " * 9 + "id" + " }" * 9

    # when it sends a query 11 levels deep
    data = await agency.ok("{ users { nodes { " + shallow + " } } }")

    # then it runs
    assert data == {"users": {"nodes": [{"manager": None}]}}


async def test_too_many_aliases_are_refused(api: Api) -> None:
    # given a warm agency
    agency = await warm(api)

    # when it asks for its account under 31 aliases
    query = "{ " + " ".join(f"a{i}: account {{ id }}" for i in range(31)) + " }"
    response = await agency.gql(query)

    # then it is refused without touching the database
    assert_refused(response, "GRAPHQL_VALIDATION_FAILED", "aliases")


async def test_too_many_tokens_are_refused(api: Api) -> None:
    # given a warm agency
    agency = await warm(api)

    # when it sends a query of more than 4000 tokens
    response = await agency.gql("{ account { " + "id " * 4001 + "} }")

    # then it is refused without touching the database
    assert response.errors and response.data is None, response.body
    assert "token" in response.errors[0]["message"].lower()
    assert response.db_commands == 0


async def test_more_records_than_the_node_budget_are_refused(api: Api) -> None:
    # given a warm agency and 20001 ids (passed as a variable, so the query stays small)
    agency = await warm(api)
    ids = [to_global_id("User", f"{i:024x}") for i in range(20_001)]

    # when it asks for all of them at once
    response = await agency.gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})

    # then it is refused before any resolver runs
    assert_refused(response, "QUERY_TOO_LARGE", "20001 records, more than the limit of 20000")


async def test_page_sizes_add_up_across_aliases_against_the_budget(api: Api) -> None:
    # given a warm agency
    agency = await warm(api)

    # when 21 aliased lists of 1000 rows are asked for (the page cap comes later)
    query = (
        "{ " + " ".join(f"u{i}: users(first: 1000) {{ nodes {{ id }} }}" for i in range(21)) + " }"
    )
    response = await agency.gql(query)

    # then the budget refuses it, not the database
    assert_refused(response, "QUERY_TOO_LARGE", "21000 records")


@pytest.mark.parametrize("size", [101, -1])
async def test_a_page_size_out_of_range_is_refused(api: Api, size: int) -> None:
    # given an agency with a user
    agency = await warm(api)
    await create_user(agency)

    # when it asks for a page of the wrong size
    response = await agency.gql("query($n: Int) { users(first: $n) { nodes { id } } }", {"n": size})

    # then it gets a clear error and no list
    assert response.status == 200
    assert response.data is None
    assert response.errors[0]["message"] == f"`first` must be between 0 and 100; it was {size}."
    assert response.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_variable_default_counts_toward_the_budget(api: Api) -> None:
    # given an agency, and many lists whose page size is a defaulted variable
    agency = await api.agency()
    fields = " ".join(f"u{i}: users(first: $n) {{ totalCount }}" for i in range(21))
    # when the variable is left out, so its default of 1000 applies
    response = await agency.gql(f"query($n: Int = 1000) {{ {fields} }}")
    # then the budget refuses it before anything runs
    assert response.data is None
    assert response.errors[0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert response.db_commands == 0


async def test_several_operations_need_an_operation_name(api: Api) -> None:
    # given a document with two operations
    agency = await api.agency()
    document = "query A { account { email } } query B { patients { totalCount } }"
    # when it is sent without operationName, then it is refused, as the GraphQL spec says
    refused = await agency.gql(document)
    assert refused.data is None and "operationName" in refused.errors[0]["message"]
    # and with one, the named operation runs
    response = await agency.api.client.post(
        "/graphql",
        json={"query": document, "operationName": "B"},
        headers={"Authorization": f"Bearer {agency.key}"},
    )
    assert (await response.json())["data"] == {"patients": {"totalCount": 0}}
