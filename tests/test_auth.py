"""Credentials: API keys, access tokens, the REST sign-in, and what is open without them."""

import datetime as dt

from app.accounts.auth import lookup_hash
from app.keys import AUTHENTICATOR
from tests.factories import Api, create_patient

ACCOUNT = "{ account { name { legal } } }"
AUTHORIZE = """mutation($key: String!, $secret: String!) {
  authorize(apiKey: $key, apiSecret: $secret) {
    accessToken expiresAt userErrors { field message code } } }"""


async def test_a_data_query_without_credentials_is_refused_with_401(api: Api) -> None:
    # given an agency with a patient
    agency = await api.agency()
    await create_patient(agency)

    # when the patients are asked for without credentials
    response = await api.gql("{ patients { totalCount nodes { fullName } } }")

    # then the answer is 401 and carries no data
    assert response.status == 401
    assert response.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not response.data
    assert "Walter" not in str(response.body)


async def test_a_bad_bearer_token_is_refused_with_401(api: Api) -> None:
    # given a token that was never issued
    # when it is used
    response = await api.gql(ACCOUNT, authorization="Bearer not-a-real-token")

    # then the request is refused before GraphQL runs
    assert response.status == 401
    assert response.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_the_bare_key_form_of_authorization_works(api: Api) -> None:
    # given an agency
    agency = await api.agency("Bare Key Care")

    # when its key is sent without the Bearer scheme
    response = await api.gql(ACCOUNT, authorization=agency.key)

    # then it reads its account
    assert response.status == 200, response.body
    assert response.data == {"account": {"name": {"legal": "Bare Key Care"}}}


async def test_the_authorize_mutation_needs_no_credentials_and_its_token_works(api: Api) -> None:
    # given an agency's key and secret
    agency = await api.agency("Token Care")
    before = await api.count("access_tokens")

    # when they are exchanged for a token without any credentials
    response = await api.gql(AUTHORIZE, {"key": agency.key, "secret": agency.secret})

    # then a token is issued and stored (hashed)
    assert response.status == 200 and not response.errors, response.body
    payload = response.data["authorize"]
    assert payload["userErrors"] == []
    token = payload["accessToken"]
    assert token and payload["expiresAt"]
    assert await api.count("access_tokens") == before + 1
    assert await api.count("access_tokens", token_hash=lookup_hash(token)) == 1

    # and the token reads the account
    read = await api.gql(ACCOUNT, authorization=f"Bearer {token}")
    assert read.status == 200 and read.data == {"account": {"name": {"legal": "Token Care"}}}


async def test_the_authorize_mutation_with_a_wrong_secret_gives_no_token(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    before = await api.count("access_tokens")

    # when the wrong secret is sent
    response = await api.gql(AUTHORIZE, {"key": agency.key, "secret": "wrong" + agency.secret})

    # then it is refused as a user error and no token is stored
    assert response.status == 200 and not response.errors, response.body
    payload = response.data["authorize"]
    assert payload["accessToken"] is None and payload["expiresAt"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    assert await api.count("access_tokens") == before


async def test_rest_authorize_returns_a_token_that_works_as_bearer(api: Api) -> None:
    # given an agency
    agency = await api.agency("Rest Care")

    # when it signs in over REST with headers
    response = await api.client.post(
        "/api/authorize", headers={"api_key": agency.key, "api_secret": agency.secret}
    )
    body = await response.json()

    # then it gets seed 001's answer
    assert response.status == 200
    assert body["status"] is True
    assert "Rest Care" in body["message"]
    token = body["access_token"]
    assert await api.count("access_tokens", token_hash=lookup_hash(token)) == 1

    # and the token works as a bearer token
    read = await api.gql(ACCOUNT, authorization=f"Bearer {token}")
    assert read.status == 200 and read.data == {"account": {"name": {"legal": "Rest Care"}}}


async def test_rest_authorize_with_a_wrong_secret_is_401(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    before = await api.count("access_tokens")

    # when it signs in with the wrong secret
    response = await api.client.post(
        "/api/authorize", headers={"api_key": agency.key, "api_secret": "nope"}
    )
    body = await response.json()

    # then it is refused and nothing is issued
    assert response.status == 401
    assert body["status"] is False and body["message"]
    assert "access_token" not in body
    assert await api.count("access_tokens") == before


async def test_an_expired_token_is_refused(api: Api) -> None:
    # given a token that worked
    agency = await api.agency()
    issued = await api.gql(AUTHORIZE, {"key": agency.key, "secret": agency.secret})
    token = issued.data["authorize"]["accessToken"]
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 200

    # when it expires (and the credential cache is cleared)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    result = await api.database.db.access_tokens.update_one(
        {"token_hash": lookup_hash(token)}, {"$set": {"expires_at": past}}
    )
    assert result.modified_count == 1
    api.client.app[AUTHENTICATOR].forget()
    response = await api.gql(ACCOUNT, authorization=f"Bearer {token}")

    # then it is refused
    assert response.status == 401
    assert response.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.body


async def test_introspection_works_without_credentials(api: Api) -> None:
    # given no credentials
    # when the schema is introspected
    response = await api.gql("{ __schema { queryType { name } } }")

    # then it answers
    assert response.status == 200, response.body
    assert response.data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_taking_a_permission_from_a_role_applies_at_once(api: Api) -> None:
    # given a scheduler key that has just been used (its answer is cached)
    agency = await api.agency()
    await agency.key_for("scheduler")
    assert (await agency.gql("{ account { name { legal } } }", role="scheduler")).status == 200
    # when the administrator deactivates the account
    data = await agency.ok(
        "mutation { accountUpdate(revision: 1, input: {active: 0}) { userErrors { code } } }"
    )
    assert data["accountUpdate"]["userErrors"] == []
    # then the scheduler's key stops working on its next request
    response = await agency.gql("{ account { name { legal } } }", role="scheduler")
    assert response.status == 401
