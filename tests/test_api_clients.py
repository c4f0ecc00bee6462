"""API clients as managed credentials: made, listed, changed, rotated and revoked by an
administrator; key-only or exchanged for tokens; and changes seen by every server process."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from app.accounts.auth import lookup_hash
from app.graphql.relay import from_global_id
from app.tickets import examples
from app.tickets.examples import seed_examples
from tests.factories import Api, audit_entries, create_patient
from tests.factories_credentials import (
    ACCOUNT,
    AUTHORIZE,
    CLIENT_FIELDS,
    CREATE_CLIENT,
    REVOKE_CLIENT,
    ROOT,
    ROTATE_CLIENT,
    UPDATE_CLIENT,
    SecondServer,
    make_client,
    seconds_until,
    token_for,
)
from tests.factories_identity import DEACTIVATE, SIGN_OUT, VIEWER, person

LIST_CLIENTS = f"""query($filter: ApiClientFilter, $order: ApiClientOrder, $first: Int) {{
  apiClients(filter: $filter, orderBy: $order, first: $first) {{
    totalCount nodes {{ {CLIENT_FIELDS} }} }} }}"""
NEW_PATIENT = """mutation { patientCreate(input: {name: {first: "Ada", last: "Byrd"},
  status: ACTIVE}) { patient { id } userErrors { code } } }"""


def stored_id(global_id: str) -> ObjectId:
    decoded = from_global_id(global_id)
    assert decoded is not None and decoded[0] == "ApiClient"
    return decoded[1]  # type: ignore[no-any-return]


async def stored(api: Api, global_id: str) -> dict[str, Any]:
    client = await api.database.db.api_clients.find_one({"_id": stored_id(global_id)})
    assert client is not None
    return client  # type: ignore[no-any-return]


async def test_a_new_client_shows_its_key_and_secret_once_and_stores_them_hashed(
    api: Api,
) -> None:
    # given an administrator
    agency = await api.agency()

    # when it makes a client
    issued = await make_client(agency, "scheduler", name="Payroll export")

    # then the answer holds the key and secret; the database only their hashes
    assert len(issued.key) == 32 and len(issued.secret) == 25
    assert issued.client["name"] == "Payroll export" and issued.client["role"] == "scheduler"
    assert issued.client["keyOnly"] is False and issued.client["active"] is True
    client = await stored(api, issued.id)
    assert client["key_hash"] == lookup_hash(issued.key)
    assert issued.key not in str(client) and issued.secret not in str(client)
    assert client["key_only"] is False and client["_account"] == agency.account_id
    # and the client as read later never shows them again
    read = await agency.ok(f'{{ apiClient(id: "{issued.id}") {{ {CLIENT_FIELDS} }} }}')
    assert read["apiClient"] == issued.client
    assert issued.key not in str(read)
    # and the trail names who made it, with its hashes masked
    (entry,) = await audit_entries(agency, record_type="ApiClient", action="create")
    assert entry["record_id"] == client["_id"]
    assert entry["actor"]["kind"] == "api_client"
    changes = {change["field"]: change["after"] for change in entry["changes"]}
    assert changes["name"] == "Payroll export" and changes["keyHash"] == "***"


async def test_a_client_that_is_not_key_only_must_exchange_its_key_for_a_token(api: Api) -> None:
    # given a client made with the defaults
    agency = await api.agency("Exchange Care")
    issued = await make_client(agency, "scheduler")

    # when its key alone is sent, with or without Bearer
    bearer = await api.gql(ACCOUNT, authorization=f"Bearer {issued.key}")
    bare = await api.gql(ACCOUNT, authorization=issued.key)

    # then both are refused
    assert bearer.status == 401 and bare.status == 401
    assert "authorize" in bearer.errors[0]["message"]
    # and its key and secret give a token that works
    token = await token_for(agency, issued.key, issued.secret)
    read = await api.gql(ACCOUNT, authorization=f"Bearer {token}")
    assert read.status == 200 and read.data == {"account": {"name": {"legal": "Exchange Care"}}}


async def test_a_key_only_client_works_with_its_key_alone_as_seed_000_clients_do(
    api: Api,
) -> None:
    # given a key-only client
    agency = await api.agency("Key Care")
    issued = await make_client(agency, "scheduler", key_only=True)

    # when its key is sent bare (seed 000's form)
    response = await api.gql(ACCOUNT, authorization=issued.key)

    # then it is the client
    assert response.status == 200, response.body
    assert response.data == {"account": {"name": {"legal": "Key Care"}}}


async def test_a_client_made_before_the_setting_existed_stays_key_only(api: Api) -> None:
    # given a client stored without key_only (an install from before)
    agency = await api.agency("Old Care")
    await api.database.db.api_clients.update_many(
        {"_account": agency.account_id}, {"$unset": {"key_only": ""}}
    )

    # when its key is sent alone
    response = await agency.gql(ACCOUNT)

    # then it works as it always did
    assert response.status == 200, response.body


async def test_only_an_administrator_manages_clients(api: Api) -> None:
    # given a scheduler key and an administrator's client
    agency = await api.agency()
    await agency.key_for("scheduler")
    issued = await make_client(agency, "billing")
    before = await api.count("api_clients", _account=agency.account_id)

    # when the scheduler makes, lists, reads, rotates and revokes clients
    made = await agency.gql(CREATE_CLIENT, {"name": "Mine", "role": "administrator"}, "scheduler")
    listed = await agency.gql(LIST_CLIENTS, role="scheduler")
    node = await agency.gql(f'{{ node(id: "{issued.id}") {{ id }} }}', role="scheduler")
    rotated = await agency.gql(ROTATE_CLIENT, {"id": issued.id}, "scheduler")
    revoked = await agency.gql(REVOKE_CLIENT, {"id": issued.id}, "scheduler")

    # then each is refused and nothing changed
    assert made.data["apiClientCreate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert made.data["apiClientCreate"]["apiKey"] is None
    assert listed.errors[0]["extensions"]["code"] == "FORBIDDEN" and listed.data is None
    assert node.data == {"node": None}
    assert rotated.data["apiClientRotate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert revoked.data["apiClientRevoke"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert await api.count("api_clients", _account=agency.account_id) == before
    client = await stored(api, issued.id)
    assert client["key_hash"] == lookup_hash(issued.key) and not client.get("revoked")


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"name": " ", "role": "scheduler"}, "name", "INVALID"),
        ({"name": "x" * 101, "role": "scheduler"}, "name", "INVALID"),
        ({"name": "Ok", "role": "astronaut"}, "role", "INVALID"),
        ({"name": "Ok", "role": "scheduler", "expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt",
         "INVALID"),
    ],
)  # fmt: skip
async def test_a_bad_client_is_refused_and_nothing_is_stored(
    api: Api, variables: dict[str, Any], field: str, code: str
) -> None:
    # given an administrator
    agency = await api.agency()
    before = await api.count("api_clients", _account=agency.account_id)

    # when it asks for a client with a bad name, role or expiry
    payload = (await agency.ok(CREATE_CLIENT, variables))["apiClientCreate"]

    # then it is refused on that field and nothing is stored
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert payload["apiKey"] is None and payload["apiClient"] is None
    assert await api.count("api_clients", _account=agency.account_id) == before


async def test_clients_are_listed_filtered_and_ordered(api: Api) -> None:
    # given clients of several roles, one key-only, one revoked, one used
    agency = await api.agency()
    billing = await make_client(agency, "billing", name="Billing sync")
    caregiver = await make_client(agency, "caregiver", key_only=True, name="Clock app")
    gone = await make_client(agency, "scheduler", name="Old roster")
    await agency.ok(REVOKE_CLIENT, {"id": gone.id})
    assert (await api.gql(ACCOUNT, authorization=caregiver.key)).status == 200

    async def names(filter: dict[str, Any] | None = None, order: Any = None) -> list[str]:
        data = await agency.ok(LIST_CLIENTS, {"filter": filter, "order": order})
        return [node["name"] for node in data["apiClients"]["nodes"]]

    # when they are listed in different ways
    # then each list holds what it names (the administrator's own client is "Administrator")
    assert await names() == ["Administrator", "Billing sync", "Clock app"]
    assert await names({"revoked": True}) == ["Old roster"]
    assert await names({"revoked": None}) == ["Administrator", "Billing sync", "Clock app",
                                              "Old roster"]  # fmt: skip
    assert await names({"role": ["billing", "caregiver"]}) == ["Billing sync", "Clock app"]
    assert await names({"keyOnly": False}) == ["Billing sync"]
    assert await names({"keyOnly": True}) == ["Administrator", "Clock app"]
    assert await names({"search": "clo"}) == ["Clock app"]
    since = {"start": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()}
    assert await names({"lastUsedAt": since}) == ["Administrator", "Clock app"]
    newest = {"field": "CREATED_DATE", "direction": "DESC"}
    assert await names(None, newest) == ["Clock app", "Billing sync", "Administrator"]
    assert billing.client["lastUsedAt"] is None


async def test_last_used_at_is_written_once_a_minute_not_on_every_request(api: Api) -> None:
    # given a key-only client never used
    agency = await api.agency()
    issued = await make_client(agency, "scheduler", key_only=True)
    assert (await stored(api, issued.id)).get("last_used_at") is None

    # when it makes a request
    started = dt.datetime.now(dt.UTC)
    assert (await api.gql(ACCOUNT, authorization=issued.key)).status == 200

    # then its last use is stored, and the list shows it
    first = (await stored(api, issued.id))["last_used_at"]
    assert first >= started - dt.timedelta(seconds=1)
    listed = await agency.ok(f'{{ apiClient(id: "{issued.id}") {{ lastUsedAt }} }}')
    assert listed["apiClient"]["lastUsedAt"] is not None

    # and more requests within the minute write nothing more
    for _ in range(3):
        assert (await api.gql(ACCOUNT, authorization=issued.key)).status == 200
    assert (await stored(api, issued.id))["last_used_at"] == first


async def test_rotation_replaces_the_key_and_secret_and_ends_the_old_ones_and_tokens(
    api: Api,
) -> None:
    # given a client with a token in use
    agency = await api.agency()
    issued = await make_client(agency, "scheduler")
    token = await token_for(agency, issued.key, issued.secret)
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 200

    # when it is rotated
    payload = (await agency.ok(ROTATE_CLIENT, {"id": issued.id}))["apiClientRotate"]

    # then a new key and secret are shown, and only they work
    assert payload["userErrors"] == []
    key, secret = payload["apiKey"], payload["apiSecret"]
    assert key != issued.key and secret != issued.secret
    assert payload["apiClient"]["rotatedAt"] is not None
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 401
    old = (await api.gql(AUTHORIZE, {"key": issued.key, "secret": issued.secret})).data
    assert old["authorize"]["userErrors"][0]["code"] == "FORBIDDEN"
    fresh = await token_for(agency, key, secret)
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {fresh}")).status == 200
    # and the stored hashes, the tokens and the trail say so
    client = await stored(api, issued.id)
    assert client["key_hash"] == lookup_hash(key)
    assert await api.count("access_tokens", token_hash=lookup_hash(token)) == 0
    (entry,) = await audit_entries(agency, record_type="ApiClient", action="rotate")
    assert {c["field"] for c in entry["changes"]} == {"keyHash", "secretHash", "rotatedAt"}


async def test_a_revoked_client_stops_working_at_once_with_its_tokens(api: Api) -> None:
    # given a key-only client and a token of another, both just used (so cached)
    agency = await api.agency()
    keyed = await make_client(agency, "scheduler", key_only=True)
    exchanged = await make_client(agency, "billing")
    token = await token_for(agency, exchanged.key, exchanged.secret)
    assert (await api.gql(ACCOUNT, authorization=keyed.key)).status == 200
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 200

    # when both are revoked
    for issued in (keyed, exchanged):
        payload = await agency.ok(REVOKE_CLIENT, {"id": issued.id, "reason": "left"})
        assert payload["apiClientRevoke"]["apiClient"]["revoked"] is True

    # then neither works on the next request, nor can be exchanged again
    assert (await api.gql(ACCOUNT, authorization=keyed.key)).status == 401
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 401
    again = await api.gql(AUTHORIZE, {"key": exchanged.key, "secret": exchanged.secret})
    assert again.data["authorize"]["accessToken"] is None
    # and what is stored says so
    client = await stored(api, keyed.id)
    assert client["revoked"] is True and client["revoked_at"] is not None
    assert await api.count("access_tokens", api_client=stored_id(exchanged.id)) == 0
    entries = await audit_entries(agency, record_type="ApiClient", action="revoke")
    assert [e["reason"] for e in entries] == ["left", "left"]
    # and a revoked client cannot be rotated back to life
    rotated = (await agency.ok(ROTATE_CLIENT, {"id": keyed.id}))["apiClientRotate"]
    assert rotated["userErrors"][0]["code"] == "INVALID_STATE" and rotated["apiKey"] is None


async def test_a_role_change_applies_to_the_clients_next_request(api: Api) -> None:
    # given a scheduler client that has just created a patient
    agency = await api.agency()
    issued = await make_client(agency, "scheduler", key_only=True)
    made = await api.gql(NEW_PATIENT, authorization=issued.key)
    assert made.data["patientCreate"]["userErrors"] == []

    # when it is made a caregiver client, renamed
    input_ = {"role": "caregiver", "name": "Clock app"}
    payload = await agency.ok(UPDATE_CLIENT, {"id": issued.id, "input": input_})
    assert payload["apiClientUpdate"]["userErrors"] == []

    # then its next request has the caregiver's permissions only
    refused = await api.gql(NEW_PATIENT, authorization=issued.key)
    assert refused.data["patientCreate"]["userErrors"][0]["code"] == "FORBIDDEN"
    client = await stored(api, issued.id)
    assert (client["role"], client["name"]) == ("caregiver", "Clock app")
    (entry,) = await audit_entries(agency, record_type="ApiClient", action="update")
    assert {c["field"]: c["after"] for c in entry["changes"]} == {
        "role": "caregiver",
        "name": "Clock app",
    }


async def test_a_client_stops_working_when_it_expires(api: Api) -> None:
    # given a key-only client that expires in a moment, used now
    agency = await api.agency()
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5)).isoformat()
    variables = {"name": "Temp", "role": "scheduler", "expiresAt": soon, "keyOnly": True}
    payload = (await agency.ok(CREATE_CLIENT, variables))["apiClientCreate"]
    key = payload["apiKey"]
    assert (await api.gql(ACCOUNT, authorization=key)).status == 200

    # when its expiry passes
    await asyncio.sleep(1.7)

    # then it is refused, and shown as no longer active
    assert (await api.gql(ACCOUNT, authorization=key)).status == 401
    data = await agency.ok(f'{{ apiClient(id: "{payload["apiClient"]["id"]}") {{ active }} }}')
    assert data["apiClient"]["active"] is False


# A second server process on the same database --------------------------------------------


@pytest.fixture(scope="module", params=["stream", "poll"])
def second_server(
    request: pytest.FixtureRequest, data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SecondServer]:
    """Another `python -m app serve`, following credential changes by change stream or, as
    where the database has none, by polling credential_changes."""
    log = tmp_path_factory.mktemp(f"second-{request.param}") / "server.log"
    server = SecondServer(data_dir, "caregraph_test", log, CAREGRAPH_CREDENTIAL_WATCH=request.param)
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


async def refused_there(server: SecondServer, credential: str) -> float:
    async def refused() -> bool:
        return (await server.gql(ACCOUNT, credential)).status == 401

    return await seconds_until(refused)


async def test_a_revoked_key_is_refused_by_another_server_process_within_a_second(
    api: Api, second_server: SecondServer
) -> None:
    # given a key-only client and a token of another, both in use on the second server
    agency = await api.agency()
    keyed = await make_client(agency, "scheduler", key_only=True)
    exchanged = await make_client(agency, "billing")
    token = await token_for(agency, exchanged.key, exchanged.secret)
    for credential in (keyed.key, token):
        for _ in range(2):  # the second answer comes from its cache
            assert (await second_server.gql(ACCOUNT, credential)).status == 200

    # when this server revokes them
    await agency.ok(REVOKE_CLIENT, {"id": keyed.id})
    await agency.ok(REVOKE_CLIENT, {"id": exchanged.id})

    # then the second server refuses both within a second
    assert await refused_there(second_server, keyed.key) < 1.0
    assert await refused_there(second_server, token) < 1.0


async def test_a_rotation_and_a_role_change_reach_another_server_process_within_a_second(
    api: Api, second_server: SecondServer
) -> None:
    # given a key-only scheduler client in use on the second server
    agency = await api.agency()
    issued = await make_client(agency, "scheduler", key_only=True)
    patients = "{ patients { totalCount } }"
    await create_patient(agency)
    assert (await second_server.gql(patients, issued.key)).data == {"patients": {"totalCount": 1}}

    # when its role here loses the right to add patients
    await agency.ok(UPDATE_CLIENT, {"id": issued.id, "input": {"role": "caregiver"}})

    # then the second server applies the caregiver's role within a second
    async def caregiver_there() -> bool:
        answer = await second_server.gql(NEW_PATIENT, issued.key)
        return answer.data["patientCreate"]["userErrors"] == [{"code": "FORBIDDEN"}]

    assert await seconds_until(caregiver_there) < 1.0

    # and when its key is rotated here, the old key is refused there within a second
    await agency.ok(ROTATE_CLIENT, {"id": issued.id})
    assert await refused_there(second_server, issued.key) < 1.0


async def test_an_account_deactivated_here_is_refused_there_within_a_second(
    api: Api, second_server: SecondServer
) -> None:
    # given an account's key in use on the second server
    agency = await api.agency()
    assert (await second_server.gql(ACCOUNT, agency.key)).status == 200

    # when the account is deactivated here
    data = await agency.ok(
        "mutation { accountUpdate(revision: 1, input: {active: 0}) { userErrors { code } } }"
    )
    assert data["accountUpdate"]["userErrors"] == []

    # then the second server refuses its key within a second
    assert await refused_there(second_server, agency.key) < 1.0


async def test_the_clients_of_account_create_and_of_the_examples_keep_working_with_their_key(
    api: Api, data_dir: Path
) -> None:
    # given the administrator client `python -m app account create` prints (seed 000's
    # clients send their key alone), and seed 001's documented example client
    env = {**os.environ, "CAREGRAPH_DATA_DIR": str(data_dir), "CAREGRAPH_DB": "caregraph_test"}
    command = [sys.executable, "-m", "app", "account", "create", "--name", "Cli Care"]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    printed = json.loads(out.stdout.strip().splitlines()[-1])
    await seed_examples(api.database)

    # when they are used as their integrators use them
    bare = await api.gql(ACCOUNT, authorization=printed["api_key"])
    exchanged = await api.client.post(
        "/api/authorize", headers={"api_key": examples.API_KEY, "api_secret": examples.API_SECRET}
    )

    # then both work unchanged, and both clients are stored key-only
    assert bare.status == 200 and bare.data == {"account": {"name": {"legal": "Cli Care"}}}
    assert exchanged.status == 200 and (await exchanged.json())["status"] is True
    for key in (printed["api_key"], examples.API_KEY):
        client = await api.database.db.api_clients.find_one({"key_hash": lookup_hash(key)})
        assert client is not None and client["key_only"] is True


async def test_a_signed_out_session_is_refused_by_another_server_process_within_a_second(
    api: Api, second_server: SecondServer
) -> None:
    # given a person signed in twice, both sessions in use on the second server
    agency = await api.agency()
    joan = await person(agency)
    other = await joan.new_session()
    for token in (joan.token, other):
        assert (await second_server.gql(VIEWER, token)).status == 200

    # when one session signs out here, and the person is then turned off
    assert (await joan.ok(SIGN_OUT))["signOut"]["signedOut"] is True
    # then the second server refuses that session within a second, and the other still works
    assert await refused_there(second_server, joan.token) < 1.0
    assert (await second_server.gql(VIEWER, other)).status == 200

    # and when the person is turned off here, their other session is refused there too
    deactivated = await agency.ok(DEACTIVATE, {"user": joan.user_id})
    assert deactivated["userDeactivate"]["userErrors"] == []
    assert await refused_there(second_server, other) < 1.0


async def test_a_persons_new_role_reaches_another_server_process_within_a_second(
    api: Api, second_server: SecondServer
) -> None:
    # given a scheduler signed in, to whom the second server refuses the invoices
    agency = await api.agency()
    clerk = await person(agency, role="scheduler", role_type="OFFICE", first="Ola")
    invoices = "{ invoices { totalCount } }"
    refused = await second_server.gql(invoices, clerk.token)
    assert refused.data is None and refused.errors[0]["extensions"]["code"] == "FORBIDDEN"

    # when their user is given the billing role here
    user = await agency.ok(f'{{ user(id: "{clerk.user_id}") {{ revision }} }}')
    changed = await agency.ok(
        """mutation($id: ID!, $revision: Int!) { userUpdate(id: $id, revision: $revision,
        input: {role: "billing"}) { userErrors { field code } } }""",
        {"id": clerk.user_id, "revision": user["user"]["revision"]},
    )
    assert changed["userUpdate"]["userErrors"] == []

    # then the second server lets them read the invoices within a second
    async def billing_there() -> bool:
        answer = await second_server.gql(invoices, clerk.token)
        return answer.data == {"invoices": {"totalCount": 0}}

    assert await seconds_until(billing_there) < 1.0
