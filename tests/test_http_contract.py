"""The GraphQL-over-HTTP contract: every malformed request is a GraphQL error response with the
request id, request errors carry no `data`, statuses follow the spec for each media type, CORS
preflights are answered plainly, and GraphiQL forgets the headers typed into it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from bson import ObjectId

from app.graphql.relay import to_global_id
from tests.factories import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


async def post_raw(
    api: Api, body: bytes, accept: str | None = JSON, **headers: str
) -> tuple[int, dict[str, Any], Mapping[str, str]]:
    sent = {"Content-Type": "application/json", **headers}
    if accept is not None:
        sent["Accept"] = accept
    response = await api.client.post("/graphql", data=body, headers=sent)
    return response.status, json.loads(await response.read()), response.headers


@pytest.mark.parametrize("body", [b"5", b"null", b"[]", b'"x"', b"true"])
@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_a_json_body_that_is_not_an_object_is_a_400_with_the_request_id(
    api: Api, body: bytes, accept: str
) -> None:
    # given a JSON body that is not an object
    # when it is posted
    status, answer, headers = await post_raw(api, body, accept, **{"X-Request-Id": "trace-5"})

    # then it is a 400 in the GraphQL error shape, in the media type asked for, naming the request
    assert status == 400
    assert headers["Content-Type"].startswith(accept)
    assert headers["X-Request-Id"] == "trace-5"
    [error] = answer["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "requestId": "trace-5"}
    assert "JSON object" in error["message"]
    assert "data" not in answer


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ __typename }", "x": "é"}'.encode("latin-1"),
        b'{"query": "{ __typename }", "x": "\\ud800"}',  # a lone surrogate is not text
        b'{ "not a JSON',
    ],
)
async def test_a_body_that_is_not_json_in_utf8_is_a_400(api: Api, body: bytes) -> None:
    # given a body that is not UTF-8 JSON
    # when it is posted
    status, answer, headers = await post_raw(api, body)

    # then it is a 400 with the request id, not a plain-text 500
    assert status == 400
    assert headers["Content-Type"].startswith(JSON)
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["extensions"]["requestId"] == headers["X-Request-Id"]


REQUEST_ERRORS = {
    "parse": ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
    "validation": ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
    "operation": (
        {"query": "query A { __typename } query B { __typename }"},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "unknown operation": (
        {"query": "query A { __typename }", "operationName": "B"},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "variables": (
        {"query": "query($n: String!) { __type(name: $n) { name } }", "variables": {"n": 5}},
        "BAD_USER_INPUT",
    ),
}


@pytest.mark.parametrize("case", REQUEST_ERRORS)
async def test_a_request_error_carries_no_data_and_its_status_follows_the_media_type(
    api: Api, case: str
) -> None:
    # given a request that cannot be executed
    body, _ = REQUEST_ERRORS[case]
    agency = await api.agency()
    sent = json.dumps(body).encode()
    authorization = {"Authorization": f"Bearer {agency.key}"}

    # when it is sent accepting each media type
    strict = await post_raw(api, sent, GRAPHQL_RESPONSE, **authorization)
    legacy = await post_raw(api, sent, JSON, **authorization)

    # then neither answer has a data entry; graphql-response+json says 400, application/json 200
    assert (strict[0], legacy[0]) == (400, 200)
    for _, answer, _ in (strict, legacy):
        assert "data" not in answer and answer["errors"]
        assert answer["errors"][0]["extensions"]["code"] == REQUEST_ERRORS[case][1]
    assert strict[2]["Content-Type"].startswith(GRAPHQL_RESPONSE)


async def test_an_executed_operation_with_a_field_error_keeps_its_data_and_200(api: Api) -> None:
    # given a user stored behind the API's back with a revision that is not a number
    agency = await api.agency()
    key = ObjectId()
    await api.database.db.users.insert_one(
        {"_id": key, "_account": agency.account_id, "_revision": "corrupt"}
    )

    # when it is read accepting graphql-response+json
    response = await api.gql(
        "query($id: ID!) { account { id } user(id: $id) { revision } }",
        {"id": to_global_id("User", key)},
        authorization=f"Bearer {agency.key}",
        accept=GRAPHQL_RESPONSE,
    )

    # then it was executed: the data entry is there (partial) and the status is 200
    assert response.status == 200
    assert response.data == {"account": {"id": agency.global_id}, "user": None}
    assert response.errors[0]["path"] == ["user", "revision"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}; charset=utf-8, {JSON}; charset=utf-8", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        (f"{JSON};q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"text/plain, {GRAPHQL_RESPONSE};q=0.1", GRAPHQL_RESPONSE),
    ],
)
async def test_the_answer_is_in_the_media_type_the_client_ranks_highest(
    api: Api, accept: str | None, expected: str
) -> None:
    # given a client with its Accept header
    # when it asks for the type name (open to all)
    status, answer, headers = await post_raw(api, b'{"query": "{ __typename }"}', accept)

    # then it gets its preferred supported type, in UTF-8
    assert status == 200 and answer["data"] == {"__typename": "Query"}
    assert headers["Content-Type"] == f"{expected}; charset=utf-8"


async def test_a_client_accepting_no_graphql_media_type_gets_406(api: Api) -> None:
    # given a client that accepts only plain text
    # when it sends a query
    status, answer, _ = await post_raw(api, b'{"query": "{ __typename }"}', "text/plain")

    # then it is told which types the endpoint answers, before anything runs
    assert status == 406
    assert answer["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"
    assert "application/graphql-response+json" in answer["errors"][0]["message"]


@pytest.mark.parametrize("parameter", ["variables", "operationName", "extensions"])
async def test_null_optional_parameters_are_as_if_left_out(api: Api, parameter: str) -> None:
    # given a request naming an optional parameter as null
    body = json.dumps({"query": "{ __typename }", parameter: None}).encode()

    # when it is sent
    status, answer, _ = await post_raw(api, body, GRAPHQL_RESPONSE)

    # then it runs
    assert status == 200 and "errors" not in answer


WRONG_TYPES = [
    (parameter, value)
    for parameter in ("query", "variables", "extensions", "operationName")
    for value in (0, False, ["array"], {"obj": "ect"}, "string")
    if not (parameter in ("query", "operationName") and value == "string")
    and not (parameter in ("variables", "extensions") and value == {"obj": "ect"})
]


@pytest.mark.parametrize(("parameter", "value"), WRONG_TYPES)
@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_a_parameter_of_the_wrong_type_is_a_400(
    api: Api, parameter: str, value: Any, accept: str
) -> None:
    # given a request whose parameter has the wrong type: not a well-formed request
    body = {"query": "{ __typename }", parameter: value}

    # when it is sent
    status, answer, _ = await post_raw(api, json.dumps(body).encode(), accept)

    # then it is refused as a bad request, without data, in either media type
    assert status == 400
    assert "data" not in answer and answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_mutation_over_get_is_405(api: Api) -> None:
    # given a mutation sent in a GET's query string
    # when it is sent
    response = await api.client.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    answer = await response.json(content_type=None)

    # then it is Method Not Allowed, naming the methods that are
    assert response.status == 405
    assert response.headers["Allow"] == "GET, POST"
    assert answer["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_a_get_query_with_an_empty_operation_name_runs(api: Api) -> None:
    # given a GET whose operationName is empty (the spec: as if left out)
    # when it is sent
    response = await api.client.get(
        "/graphql", params={"query": "{ __typename }", "operationName": ""}
    )

    # then the only operation runs
    assert response.status == 200
    assert (await response.json())["data"] == {"__typename": "Query"}


async def test_a_post_without_a_body_is_refused_in_json(api: Api) -> None:
    # given a POST with no body and no content type
    # when it is sent
    response = await api.client.post("/graphql")

    # then it is a 4xx in the GraphQL error shape
    assert 400 <= response.status < 500
    assert (await response.json())["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_preflight_from_an_origin_not_allowed_is_403_saying_so(api: Api) -> None:
    # given an origin that is not configured
    headers = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}

    # when it sends a browser's preflight, to the graph and to the REST API
    graph = await api.client.options("/graphql", headers=headers)
    rest = await api.client.options("/api/authorize", headers=headers)

    # then both are refused plainly: 403, a JSON body naming the origin, no CORS grant
    for response in (graph, rest):
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers
        [error] = (await response.json())["errors"]
        assert error["extensions"]["code"] == "ORIGIN_NOT_ALLOWED"
        assert "https://evil.example.com" in error["message"]
        assert "not allowed" in error["message"]


async def test_the_allowed_origin_still_gets_its_preflight(api: Api) -> None:
    # given the configured origin
    headers = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}

    # when it sends a preflight
    response = await api.client.options("/graphql", headers=headers)

    # then it is granted
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


async def test_graphiql_does_not_keep_headers_in_the_browser(api: Api) -> None:
    # given the served GraphiQL page
    # when a browser opens the endpoint
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    page = await response.text()

    # then the page tells GraphiQL not to persist the headers editor (the API key)
    assert response.status == 200 and "GraphiQL" in page
    assert "shouldPersistHeaders: false" in page
    assert "shouldPersistHeaders: true" not in page
