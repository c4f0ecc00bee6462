"""Abuse controls: failed key exchanges are counted per key and per address in MongoDB, and
past ten in fifteen minutes refused with 429; every failure is audited; aliases do not
multiply attempts; an unknown key is answered like a wrong secret."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app.accounts.auth import lookup_hash, new_key
from app.accounts.throttle import Attempt
from app.keys import DATABASE
from app.main import create_app
from app.settings import Settings
from tests.factories import Agency, Api, audit_entries
from tests.factories_credentials import AUTHORIZE, make_client
from tests.factories_identity import SIGN_IN, person

LIMIT = 10


async def exchange(api: Api, key: str, secret: str) -> Any:
    return await api.gql(AUTHORIZE, {"key": key, "secret": secret})


async def rest_exchange(client: TestClient, key: str, secret: str) -> Any:  # type: ignore[type-arg]
    return await client.post("/api/authorize", headers={"api_key": key, "api_secret": secret})


async def failures_of(api: Api, key: str) -> int:
    counted = Attempt("authorize", lookup_hash(key), None).counters()[0][0]
    stored = await api.database.db.throttles.find_one({"_id": counted})
    return len(stored["failures"]) if stored else 0


async def test_the_eleventh_wrong_secret_in_fifteen_minutes_gets_429(api: Api) -> None:
    # given a client
    agency = await api.agency()
    issued = await make_client(agency, "scheduler")

    # when ten wrong secrets are sent
    for _ in range(LIMIT):
        refused = await exchange(api, issued.key, "wrong-secret")
        assert refused.status == 200
        assert refused.data["authorize"]["userErrors"][0]["code"] == "FORBIDDEN"

    # then the eleventh, even with the right secret, is 429 with Retry-After and no token
    response = await exchange(api, issued.key, issued.secret)
    assert response.status == 429, response.body
    assert 0 < int(response.headers["Retry-After"]) <= 900
    assert response.errors[0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"
    assert response.data is None
    # and the failures are counted in the database, each one in the client's trail
    assert await failures_of(api, issued.key) == LIMIT
    entries = await audit_entries(agency, action="authorize_failed")
    assert len(entries) == LIMIT
    assert {e["reason"] for e in entries} == {"wrong secret"}
    assert entries[0]["actor"]["name"] == "scheduler integration"
    assert entries[0]["client_address"] == "127.0.0.1"
    assert await audit_entries(agency, action="authorize") == []


async def test_the_rest_authorize_is_throttled_in_its_own_shape(
    api: Api,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a client that failed ten times through the care-ticket API
    agency = await api.agency()
    issued = await make_client(agency, "scheduler")
    for _ in range(LIMIT):
        assert (await rest_exchange(client, issued.key, "nope")).status == 401

    # when it tries again
    response = await rest_exchange(client, issued.key, issued.secret)

    # then it is 429, in the /api/ refusal shape, with Retry-After
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0
    body = await response.json()
    assert body["status"] is False and body["code"] == "TOO_MANY_ATTEMPTS"
    assert "access_token" not in body
    # and the two paths count against the same key: GraphQL refuses it too
    assert (await exchange(api, issued.key, issued.secret)).status == 429


async def test_aliases_of_authorize_in_one_request_are_one_attempt(api: Api) -> None:
    # given a client
    agency = await api.agency()
    issued = await make_client(agency, "scheduler")
    aliases = " ".join(
        f'a{i}: authorize(apiKey: "{issued.key}", apiSecret: "guess{i}") {{ '
        "accessToken userErrors { message code } }"
        for i in range(30)
    )

    # when thirty guesses come aliased in one request
    response = await api.gql(f"mutation {{ {aliases} }}")

    # then only the first was tried (one scrypt check, one failure counted and audited)
    assert response.status == 200, response.body
    payloads = [response.data[f"a{i}"] for i in range(30)]
    assert payloads[0]["userErrors"][0]["code"] == "FORBIDDEN"
    assert all(p["userErrors"][0]["message"].startswith("Send one authorize") for p in payloads[1:])
    assert all(p["accessToken"] is None for p in payloads)
    assert await failures_of(api, issued.key) == 1
    assert len(await audit_entries(agency, action="authorize_failed")) == 1


async def test_an_unknown_key_gets_the_same_answer_in_about_the_same_time(api: Api) -> None:
    # given a client and a key that was never issued
    agency = await api.agency()
    issued = await make_client(agency, "scheduler")

    async def timed(key: str) -> tuple[float, Any]:
        started = time.perf_counter()
        answer = await exchange(api, key, "wrong-secret")
        return time.perf_counter() - started, answer

    # when each is sent with a wrong secret, in turns
    known, unknown, never_issued = [], [], [new_key() for _ in range(4)]
    for key in never_issued:
        known.append(await timed(issued.key))
        unknown.append(await timed(key))

    # then the answers are the same
    assert {str(a.data) for _, a in known} == {str(a.data) for _, a in unknown}
    assert {a.status for _, a in known + unknown} == {200}
    # and the times are close (both run scrypt; only the trail entry differs)
    known_time = statistics.median(t for t, _ in known)
    unknown_time = statistics.median(t for t, _ in unknown)
    assert 0.5 < unknown_time / known_time < 2.0, (known_time, unknown_time)
    # and an unknown key is counted too (it has no account whose trail could hold it)
    assert [await failures_of(api, key) for key in never_issued] == [1, 1, 1, 1]


async def test_old_failures_leave_the_window(api: Api, settings: Settings) -> None:
    # given ten failures of a key, all older than the window
    agency = await api.agency()
    issued = await make_client(agency, "scheduler")
    for _ in range(LIMIT):
        await exchange(api, issued.key, "wrong")
    counted = Attempt("authorize", lookup_hash(issued.key), None).counters()[0][0]
    stored = await api.database.db.throttles.find_one({"_id": counted})
    assert stored is not None and len(stored["failures"]) == LIMIT
    aged = [f.replace(year=f.year - 1) for f in stored["failures"]]
    await api.database.db.throttles.update_one({"_id": counted}, {"$set": {"failures": aged}})

    # when the right secret is sent
    response = await exchange(api, issued.key, issued.secret)

    # then it is not throttled
    assert response.status == 200 and response.data["authorize"]["accessToken"]


# Per address, and across processes: an application of its own, on a database of its own -----


@pytest.fixture
async def strict(data_dir: Path) -> AsyncIterator[tuple[Api, Api]]:
    """Two applications (two credential caches, as two processes have) on one database that
    no other test fails sign-ins in, with the default per-address limit."""
    settings = Settings(
        environment="test",
        data_dir=data_dir,
        database_name="caregraph_throttle",
        mongodb_uri=None,
    )
    async with (
        TestClient(TestServer(create_app(settings))) as one,
        TestClient(TestServer(create_app(settings))) as two,
    ):
        await one.app[DATABASE].db.throttles.delete_many({})
        yield Api(one, one.app[DATABASE]), Api(two, two.app[DATABASE])


async def test_ten_failures_from_one_address_throttle_every_key_from_it(
    strict: tuple[Api, Api],
) -> None:
    # given one address that sent ten unknown keys
    api, _ = strict
    agency = await api.agency()
    for _ in range(LIMIT):
        await exchange(api, new_key(), "guess")

    # when it sends a key never tried, with its right secret
    response = await exchange(api, agency.key, agency.secret)

    # then it is throttled
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0


async def test_failures_counted_by_one_process_throttle_another(strict: tuple[Api, Api]) -> None:
    # given a key that failed ten times through one application
    one, two = strict
    agency: Agency = await one.agency()
    issued = await make_client(agency, "scheduler")
    for _ in range(LIMIT):
        await exchange(one, issued.key, "wrong")

    # when the other application is asked
    response = await exchange(two, issued.key, issued.secret)

    # then it refuses too: the count is in the database, not in one process
    assert response.status == 429


# People signing in: the same throttle, per email ----------------------------------------------


async def test_the_eleventh_wrong_password_in_fifteen_minutes_gets_429(api: Api) -> None:
    # given a person who signs in
    agency = await api.agency()
    joan = await person(agency)

    # when ten wrong passwords are sent for their email
    for _ in range(LIMIT):
        wrong = await api.gql(SIGN_IN, {"email": joan.email, "password": "not my password"})
        assert wrong.data["signIn"]["userErrors"][0]["code"] == "FORBIDDEN"

    # then the eleventh, even the right one, is 429 with Retry-After, and no session is opened
    sessions = await api.count("sessions", _account=agency.account_id)
    response = await joan.sign_in()
    assert response.status == 429, response.body
    assert int(response.headers["Retry-After"]) > 0
    assert response.errors[0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"
    assert await api.count("sessions", _account=agency.account_id) == sessions
    # and each failure is in the trail
    assert len(await audit_entries(agency, action="sign_in_failed")) == LIMIT


async def test_aliased_sign_ins_are_one_attempt(api: Api) -> None:
    # given a person
    agency = await api.agency()
    joan = await person(agency)
    aliases = " ".join(
        f'a{i}: signIn(email: "{joan.email}", password: "guess {i}") {{ '
        "accessToken userErrors { message code } }"
        for i in range(20)
    )

    # when twenty guesses come aliased in one request
    response = await api.gql(f"mutation {{ {aliases} }}")

    # then one was tried, the others refused untried
    payloads = [response.data[f"a{i}"] for i in range(20)]
    assert payloads[0]["userErrors"][0]["code"] == "FORBIDDEN"
    assert all(p["userErrors"][0]["message"].startswith("Send one signIn") for p in payloads[1:])
    assert len(await audit_entries(agency, action="sign_in_failed")) == 1
