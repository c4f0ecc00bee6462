"""Idempotency-Key: a keyed mutation runs once per account and key; retries get its response."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from aiohttp import web
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request
from bson import ObjectId

from app.accounts.auth import Caller, lookup_hash
from app.graphql.idempotency import (
    COLLECTION,
    TTL_INDEX,
    ensure_ttl_index,
    idempotency,
    record_key,
    request_fingerprint,
)
from app.keys import CALLER
from app.settings import Settings
from tests.factories import CREATE_PATIENT, Agency, Api, patient_input

ACCOUNT_NAME = "{ account { name { legal } } }"
WITH_SSN = """mutation($input: PatientCreateInput!) { patientCreate(input: $input) {
  patient { id ssn } userErrors { field message code } } }"""


@dataclass
class Raw:
    """A response as sent: status, the exact body bytes, headers."""

    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return json.loads(self.body).get("errors") or []  # type: ignore[no-any-return]

    @property
    def codes(self) -> list[str]:
        return [error["extensions"]["code"] for error in self.errors]


async def send(
    agency: Agency, query: str, variables: dict[str, Any], key: str | None = None
) -> Raw:
    headers = {"Authorization": f"Bearer {agency.key}", "Accept": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = await agency.api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return Raw(response.status, await response.read(), response.headers)


def create(first: str = "Walter") -> dict[str, Any]:
    return {"input": patient_input(name={"first": first, "last": "Green"})}


async def patients(agency: Agency) -> int:
    return await agency.api.count("patients", _account=agency.account_id)


async def client_of(api: Api, agency: Agency) -> ObjectId:
    """The id of the API client whose key the agency sends."""
    client = await api.database.db.api_clients.find_one({"key_hash": lookup_hash(agency.key)})
    assert client is not None
    return client["_id"]  # type: ignore[no-any-return]


async def record_id(api: Api, agency: Agency, key: str) -> str:
    """Where the agency's key is kept: its account, its API client, the key."""
    client = await client_of(api, agency)
    return record_key(agency.account_id, f"api_client:{client}", key)


async def record(api: Api, agency: Agency, key: str) -> dict[str, Any] | None:
    return await api.database.db[COLLECTION].find_one({"_id": await record_id(api, agency, key)})


async def test_a_mutation_retried_with_the_same_key_runs_once_and_replays_its_response(
    api: Api,
) -> None:
    # given an agency that creates a patient with a key
    agency = await api.agency()
    first = await send(agency, CREATE_PATIENT, create(), key="create-walter")
    assert first.status == 200 and not first.errors, first.body
    assert "Idempotent-Replayed" not in first.headers

    # when it sends the same request with the same key again
    second = await send(agency, CREATE_PATIENT, create(), key="create-walter")

    # then it gets the very same response, marked as replayed, and only one patient exists
    assert second.status == 200
    assert second.body == first.body
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert await patients(agency) == 1

    # and the key is stored done, with the response, for this account
    stored = await record(api, agency, "create-walter")
    assert stored is not None
    assert stored["_account"] == agency.account_id
    assert stored["state"] == "done" and stored["status"] == 200
    assert stored["body"] == first.body
    assert stored["content_type"] == first.headers["Content-Type"]
    assert stored["request_hash"] == request_fingerprint(CREATE_PATIENT, create(), None)


async def test_the_same_key_with_a_different_request_is_refused(api: Api) -> None:
    # given a patient created with a key
    agency = await api.agency()
    first = await send(agency, CREATE_PATIENT, create("Walter"), key="k-1")
    assert first.status == 200 and not first.errors, first.body
    before = await record(api, agency, "k-1")

    # when another request comes with the same key
    reused = await send(agency, CREATE_PATIENT, create("Wendy"), key="k-1")

    # then it is refused, nothing more is written, and the stored response is untouched
    assert reused.status == 422
    assert reused.codes == ["IDEMPOTENCY_KEY_REUSED"]
    assert "different request" in reused.errors[0]["message"]
    assert "Idempotent-Replayed" not in reused.headers
    assert await patients(agency) == 1
    assert await record(api, agency, "k-1") == before


async def test_the_same_key_in_another_account_runs_independently(api: Api) -> None:
    # given a patient created in one agency with a key
    one, other = await api.agency(), await api.agency()
    first = await send(one, CREATE_PATIENT, create(), key="shared-key")
    assert first.status == 200 and not first.errors, first.body

    # when another agency sends the same request with the same key
    second = await send(other, CREATE_PATIENT, create(), key="shared-key")

    # then it runs in its own account: no replay, a patient in each account, a key in each
    assert second.status == 200 and not second.errors, second.body
    assert "Idempotent-Replayed" not in second.headers
    assert second.body != first.body  # another patient id
    assert await patients(one) == 1 and await patients(other) == 1
    stored_one = await record(api, one, "shared-key")
    stored_other = await record(api, other, "shared-key")
    assert stored_one is not None and stored_one["body"] == first.body
    assert stored_other is not None and stored_other["body"] == second.body


async def test_another_sender_of_the_same_account_never_gets_the_first_ones_answer(
    api: Api,
) -> None:
    # given an administrator who created a patient with an SSN under a key
    agency = await api.agency()
    caregiver = await agency.key_for("caregiver")
    scheduler = await agency.key_for("scheduler")
    variables = {"input": patient_input(ssn="123-45-6789")}
    first = await send(agency, WITH_SSN, variables, key="same-key")
    assert first.status == 200 and not first.errors, first.body
    assert b"123-45-6789" in first.body

    # when a caregiver key, then a scheduler key, send the same body with the same key
    replays = []
    for key in (caregiver, scheduler):
        as_other = Agency(api, agency.account_id, key, "")
        replays.append(await send(as_other, WITH_SSN, variables, key="same-key"))

    # then each ran its own request, under its own role: no replay, and no SSN
    assert all("Idempotent-Replayed" not in reply.headers for reply in replays)
    assert all(b"123-45-6789" not in reply.body for reply in replays)
    assert all(reply.body != first.body for reply in replays)
    assert all(b"FORBIDDEN" in reply.body for reply in replays)
    # and each sender keeps its own record of the key; the first one's is untouched
    assert await api.count(COLLECTION, _account=agency.account_id) == 3
    stored = await record(api, agency, "same-key")
    assert stored is not None and stored["body"] == first.body


async def test_without_a_key_every_request_runs(api: Api) -> None:
    # given an agency
    agency = await api.agency()

    # when it sends the same create twice without a key
    first = await send(agency, CREATE_PATIENT, create())
    second = await send(agency, CREATE_PATIENT, create())

    # then both run: two patients, nothing remembered
    assert first.status == second.status == 200
    assert not first.errors and not second.errors
    assert first.body != second.body
    assert "Idempotent-Replayed" not in second.headers
    assert await patients(agency) == 2
    assert await api.count(COLLECTION, _account=agency.account_id) == 0


async def test_a_query_with_a_key_is_not_affected(api: Api) -> None:
    # given an agency
    agency = await api.agency("Query Care")

    # when it sends a query twice with the same key
    first = await send(agency, ACCOUNT_NAME, {}, key="read-1")
    second = await send(agency, ACCOUNT_NAME, {}, key="read-1")

    # then both are answered as usual and the key is not taken
    for response in (first, second):
        assert response.status == 200
        assert json.loads(response.body)["data"] == {"account": {"name": {"legal": "Query Care"}}}
        assert "Idempotent-Replayed" not in response.headers
    assert await api.count(COLLECTION, _account=agency.account_id) == 0

    # and a mutation may still use that key
    created = await send(agency, CREATE_PATIENT, create(), key="read-1")
    assert created.status == 200 and not created.errors, created.body
    assert "Idempotent-Replayed" not in created.headers
    assert await patients(agency) == 1


async def test_the_selected_operation_decides_whether_the_key_applies(api: Api) -> None:
    # given a document with a query and a mutation
    agency = await api.agency()
    document = f"query Read {ACCOUNT_NAME}\n{CREATE_PATIENT.replace('mutation(', 'mutation Make(')}"

    # when the query is selected twice with a key, then the mutation twice with another
    for _ in range(2):
        response = await agency.api.client.post(
            "/graphql",
            json={"query": document, "operationName": "Read", "variables": {}},
            headers={"Authorization": f"Bearer {agency.key}", "Idempotency-Key": "read"},
        )
        assert response.status == 200 and "Idempotent-Replayed" not in response.headers
    replies = []
    for _ in range(2):
        response = await agency.api.client.post(
            "/graphql",
            json={"query": document, "operationName": "Make", "variables": create()},
            headers={"Authorization": f"Bearer {agency.key}", "Idempotency-Key": "make"},
        )
        replies.append(response.headers.get("Idempotent-Replayed"))

    # then only the mutation's key is kept, and its retry is a replay
    assert replies == [None, "true"]
    assert await patients(agency) == 1
    assert await record(api, agency, "read") is None
    assert await record(api, agency, "make") is not None


async def test_a_request_whose_key_is_still_pending_is_a_conflict(api: Api) -> None:
    # given a claim on a key for the same request that has not finished
    agency = await api.agency()
    claim = {
        "_id": await record_id(api, agency, "busy"),
        "_account": agency.account_id,
        "request_hash": request_fingerprint(CREATE_PATIENT, create(), None),
        "state": "pending",
        "created_at": dt.datetime.now(dt.UTC),
    }
    await api.database.db[COLLECTION].insert_one(claim)

    # when the request comes with that key
    response = await send(agency, CREATE_PATIENT, create(), key="busy")

    # then it is refused as in progress, nothing runs, and the claim is left as it was
    assert response.status == 409
    assert response.codes == ["IDEMPOTENCY_IN_PROGRESS"]
    assert response.headers["Retry-After"]
    assert await patients(agency) == 0
    stored = await record(api, agency, "busy")
    assert stored is not None and stored["state"] == "pending"


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
async def test_an_invalid_key_is_refused(api: Api, key: str) -> None:
    # given an agency
    agency = await api.agency()

    # when a mutation comes with an empty, too long or non-printable key
    response = await send(agency, CREATE_PATIENT, create(), key=key)

    # then it is a 400 and nothing is written
    assert response.status == 400
    assert response.codes == ["IDEMPOTENCY_KEY_INVALID"]
    assert await patients(agency) == 0
    assert await api.count(COLLECTION, _account=agency.account_id) == 0


async def test_a_key_of_255_printable_characters_is_accepted(api: Api) -> None:
    # given an agency and the longest key allowed
    agency = await api.agency()
    key = "k:" + "~ " * 126 + "!"
    assert len(key) == 255

    # when a mutation is sent with it twice
    first = await send(agency, CREATE_PATIENT, create(), key=key)
    second = await send(agency, CREATE_PATIENT, create(), key=key)

    # then it runs once and is replayed
    assert first.status == 200 and not first.errors, first.body
    assert second.body == first.body and second.headers["Idempotent-Replayed"] == "true"
    assert await patients(agency) == 1


async def test_keys_expire_through_a_ttl_index_with_the_configured_time(
    api: Api, settings: Settings
) -> None:
    # given the running application
    # when its key collection's indexes are read
    indexes = await api.database.db[COLLECTION].index_information()

    # then created_at expires after the configured time
    assert indexes[TTL_INDEX]["key"] == [("created_at", 1)]
    assert indexes[TTL_INDEX]["expireAfterSeconds"] == settings.idempotency_ttl_seconds


async def test_a_changed_ttl_is_applied_to_the_existing_index(api: Api) -> None:
    # given a TTL index made with one expiry
    name = f"{COLLECTION}_ttl_check"
    collection = api.database.db[name]
    await collection.drop()
    await ensure_ttl_index(api.database, name, 120)

    # when it is ensured again with another
    await ensure_ttl_index(api.database, name, 300)

    # then the index has the new one
    indexes = await collection.index_information()
    assert indexes[TTL_INDEX]["expireAfterSeconds"] == 300
    await collection.drop()


def test_the_ttl_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # given CAREGRAPH_IDEMPOTENCY_TTL in the environment
    monkeypatch.setenv("CAREGRAPH_IDEMPOTENCY_TTL", "600")

    # when settings are read
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    # then it is the keys' lifetime; the default is a day
    assert settings.idempotency_ttl_seconds == 600
    monkeypatch.delenv("CAREGRAPH_IDEMPOTENCY_TTL")
    assert Settings(_env_file=None).idempotency_ttl_seconds == 86_400  # type: ignore[call-arg]


async def test_a_key_older_than_the_ttl_is_forgotten_even_before_the_monitor_removes_it(
    api: Api, settings: Settings
) -> None:
    # given a finished key whose lifetime is over, still in the collection
    agency = await api.agency()
    old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=settings.idempotency_ttl_seconds + 60)
    await api.database.db[COLLECTION].insert_one(
        {
            "_id": await record_id(api, agency, "old"),
            "_account": agency.account_id,
            "request_hash": "another request",
            "state": "done",
            "status": 200,
            "body": b'{"data":"stale"}',
            "content_type": "application/json",
            "created_at": old,
        }
    )

    # when a mutation comes with that key
    response = await send(agency, CREATE_PATIENT, create(), key="old")

    # then it runs as new and the key now holds its response
    assert response.status == 200 and not response.errors, response.body
    assert "Idempotent-Replayed" not in response.headers
    assert await patients(agency) == 1
    stored = await record(api, agency, "old")
    assert stored is not None and stored["body"] == response.body
    assert stored["created_at"] > old


# The paths a real request cannot reach on demand (a failing or 5xx handler): the middleware
# is called directly, with the running application's database.


def keyed_request(app: web.Application, account_id: int, key: str, client: ObjectId) -> web.Request:
    body = json.dumps({"query": CREATE_PATIENT, "variables": create()}).encode()
    payload = StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop())
    payload.feed_data(body)
    payload.feed_eof()
    request = make_mocked_request(
        "POST",
        "/graphql",
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
        app=app,
        payload=payload,
    )
    request[CALLER] = Caller(account_id, client, "Test", "Administrator", frozenset())
    return request


async def test_a_handler_that_raises_releases_the_key_for_a_retry(api: Api) -> None:
    # given a keyed mutation whose handler fails
    agency = await api.agency()
    seen: list[str | None] = []

    async def failing(request: web.Request) -> web.StreamResponse:
        seen.append((await record(api, agency, "boom") or {}).get("state"))
        raise RuntimeError("boom")

    # when it is handled
    with pytest.raises(RuntimeError):
        await idempotency(
            keyed_request(api.client.app, agency.account_id, "boom", await client_of(api, agency)),
            failing,
        )

    # then the key was claimed while it ran, and released afterwards
    assert seen == ["pending"]
    assert await record(api, agency, "boom") is None

    # and a retry runs and is remembered
    async def succeeding(request: web.Request) -> web.StreamResponse:
        return web.json_response({"data": {"ok": True}})

    response = await idempotency(
        keyed_request(api.client.app, agency.account_id, "boom", await client_of(api, agency)),
        succeeding,
    )
    assert response.status == 200
    stored = await record(api, agency, "boom")
    assert stored is not None and stored["state"] == "done"


async def test_a_server_error_is_not_remembered(api: Api) -> None:
    # given a keyed mutation answered with a 503
    agency = await api.agency()
    calls = 0

    async def unavailable(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        return web.json_response({"errors": [{"message": "down"}]}, status=503)

    # when it is sent twice
    for _ in range(2):
        response = await idempotency(
            keyed_request(api.client.app, agency.account_id, "flaky", await client_of(api, agency)),
            unavailable,
        )
        assert response.status == 503

    # then both ran and nothing is kept
    assert calls == 2
    assert await record(api, agency, "flaky") is None
