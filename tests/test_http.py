"""HTTP behaviour: media types, health, CORS, request ids, masking and sensitive fields."""

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from bson import ObjectId

from app.graphql.relay import to_global_id
from app.server import CredentialMask
from tests.factories import Api, create_user

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_the_graphql_response_media_type_is_honoured(api: Api) -> None:
    # given an agency
    agency = await api.agency("Media Care")

    # when it asks for the GraphQL-over-HTTP media type
    response = await api.gql(
        "{ account { name { legal } } }",
        authorization=f"Bearer {agency.key}",
        accept=GRAPHQL_RESPONSE,
    )

    # then it gets it
    assert response.status == 200
    assert response.headers["Content-Type"].startswith(GRAPHQL_RESPONSE)
    assert response.data == {"account": {"name": {"legal": "Media Care"}}}


async def test_a_syntax_error_is_400_in_the_graphql_media_type_and_200_in_json(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    authorization = f"Bearer {agency.key}"

    # when it sends a query that does not parse, in each media type
    strict = await api.gql("{ account { ", authorization=authorization, accept=GRAPHQL_RESPONSE)
    legacy = await api.gql("{ account { ", authorization=authorization)

    # then the new media type says 400, application/json says 200; both carry the error
    assert strict.status == 400 and strict.errors and strict.data is None
    assert legacy.status == 200 and legacy.errors and legacy.data is None
    assert legacy.headers["Content-Type"].startswith("application/json")
    assert "Syntax Error" in strict.errors[0]["message"]


async def test_healthz_reports_the_database(api: Api) -> None:
    # given a running server
    # when its health is asked for
    response = await api.client.get("/healthz")

    # then it is up
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "up"}


async def test_a_cors_preflight_from_an_allowed_origin_is_answered(api: Api) -> None:
    # given the configured front-end origin
    headers = {
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type",
    }

    # when it sends a preflight request
    response = await api.client.options("/graphql", headers=headers)

    # then it is allowed
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


async def test_a_disallowed_origin_gets_no_cors_headers(api: Api) -> None:
    # given an origin that is not configured
    headers = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}

    # when it sends a preflight, and a real request
    preflight = await api.client.options("/graphql", headers=headers)
    agency = await api.agency()
    actual = await api.client.post(
        "/graphql",
        json={"query": "{ account { id } }"},
        headers={"Origin": "https://evil.example.com", "Authorization": f"Bearer {agency.key}"},
    )

    # then neither says the origin is allowed
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Origin" not in actual.headers
    assert actual.status == 200


async def test_an_unexpected_error_is_masked_with_the_request_id(api: Api) -> None:
    # given a user document stored behind the API's back, with a revision that is not a number
    agency = await api.agency()
    key = ObjectId()
    corrupt = {"_id": key, "_account": agency.account_id, "_revision": "corrupt"}
    await api.database.db.users.insert_one(corrupt)

    # when it is read with a request id
    response = await api.client.post(
        "/graphql",
        json={"query": 'query($id: ID!) { user(id: $id) { id revision name { first } } }',
              "variables": {"id": to_global_id("User", key)}},
        headers={"Authorization": f"Bearer {agency.key}", "X-Request-Id": "trace-corrupt-1"},
    )  # fmt: skip
    body = await response.json()

    # then the failure is masked, naming the request for the logs
    assert response.status == 200
    assert body["data"] == {"user": None}
    [error] = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["path"] == ["user", "revision"]
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "trace-corrupt-1"}
    assert "invalid literal" not in str(body)


async def test_the_request_id_is_echoed_or_made(api: Api) -> None:
    # given a client that sends its own request id, and one that does not
    # when both call the API
    given = await api.client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    made = await api.client.get("/healthz")

    # then the given one comes back, and the other gets a fresh one
    assert given.headers["X-Request-Id"] == "abc-123"
    assert len(made.headers["X-Request-Id"]) == 32


SSN = """query($id: ID!) { user(id: $id) { fullName ssn } }"""


async def test_an_administrator_reads_the_ssn(api: Api) -> None:
    # given a user with an SSN
    agency = await api.agency()
    user = await create_user(agency, ssn="123-45-6789")

    # when the administrator reads it
    data = await agency.ok(SSN, {"id": user["id"]})

    # then it is shown
    assert data["user"] == {"fullName": "Joan Smith", "ssn": "123-45-6789"}
    assert await api.count("users", _account=agency.account_id, ssn="123-45-6789") == 1


async def test_a_scheduler_may_not_read_the_ssn(api: Api) -> None:
    # given a user with an SSN, and a scheduler's key
    agency = await api.agency()
    user = await create_user(agency, ssn="123-45-6789")
    await agency.key_for("scheduler")

    # when the scheduler reads it
    response = await agency.gql(SSN, {"id": user["id"]}, role="scheduler")

    # then the field is null with a FORBIDDEN error, and the rest is shown
    assert response.status == 200
    assert response.data == {"user": {"fullName": "Joan Smith", "ssn": None}}
    [error] = response.errors
    assert error["path"] == ["user", "ssn"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "123-45-6789" not in str(response.body)


async def test_the_access_log_never_holds_a_credential(caplog: pytest.LogCaptureFixture) -> None:
    # given a server whose access log goes through the credential mask, as `serve` sets it up
    access = logging.getLogger("test.access")
    access.addFilter(CredentialMask())
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _read_and_answer)
    token, secret = "356kdpiamhkz7a43nu0e2ldr9", "b19fszzt9e2z4wpu87r09zy58"
    # when partners send tokens in paths and credentials as parameters, with bodies too
    with caplog.at_level(logging.INFO, logger="test.access"):
        server = TestServer(app)
        await server.start_server(access_log=access)
        async with TestClient(server) as client:
            await client.post(f"/api/{token}/create_ticket", data={"title": "Fall"})
            await client.get(f"/api/{token}/ticket_detail?id=202")
            await client.get(f"/api/{token}")
            await client.post(f"/api/authorize?api_key=8eb68e28&api_secret={secret}")
    # then every request is logged, and no credential is in the log
    assert caplog.text.count("/api/***") == 3 and "/api/authorize?api_key=***" in caplog.text
    assert token not in caplog.text and secret not in caplog.text and "8eb68e28" not in caplog.text


async def _read_and_answer(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="ok")
