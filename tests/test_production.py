"""Production is safe by default: introspection for administrators only (or off), no "Did you
mean" hints, no caching of answers, no health data in access logs, no demo data, and demo
credentials that are drawn per install rather than fixed."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app.data.policy import BUILT_IN_ROLES
from app.keys import DATABASE
from app.main import create_app
from app.server import mask_credentials
from app.settings import Settings
from tests.factories import Api
from tests.factories_credentials import ROOT, free_port

SCHEMA = "{ __schema { queryType { name } } }"
TYPE_BY_FRAGMENT = 'query { ...F } fragment F on Query { __type(name: "Patient") { name } }'
MISSPELT = "{ acount { name { legal } } }"
OLD_FIXED_KEY = hashlib.sha256(b"caregraph demo 1 administrator key").hexdigest()[:32]
"""The first demo agency's administrator key, the same on every install until now."""


def production(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        environment="production",
        data_dir=data_dir,
        database_name="caregraph_test",
        mongodb_uri=None,
        **overrides,
    )


@pytest.fixture(scope="module")
async def live(data_dir: Path) -> AsyncIterator[Api]:
    """The API as production runs it, on the tests' database."""
    async with TestClient(TestServer(create_app(production(data_dir)))) as client:
        yield Api(client, client.app[DATABASE])


async def test_production_lets_only_administrators_introspect(live: Api) -> None:
    # given an agency with an administrator's key and a scheduler's key
    agency = await live.agency()
    scheduler = await agency.key_for("scheduler")

    # when each, and someone without credentials, introspect
    admin = await live.gql(SCHEMA, authorization=f"Bearer {agency.key}")
    office = await live.gql(SCHEMA, authorization=f"Bearer {scheduler}")
    stranger = await live.gql(SCHEMA)
    by_fragment = await live.gql(TYPE_BY_FRAGMENT, authorization=f"Bearer {scheduler}")

    # then only the administrator gets the schema
    assert admin.status == 200 and admin.data == {"__schema": {"queryType": {"name": "Query"}}}
    assert office.status == 403 and office.data is None
    assert office.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert stranger.status == 401 and stranger.data is None
    assert by_fragment.status == 403 and by_fragment.data is None
    # and a plain query of the scheduler's is answered as usual
    assert (await live.gql("{ account { id } }", authorization=f"Bearer {scheduler}")).status == 200


async def test_introspection_can_be_turned_off_for_everyone(data_dir: Path, api: Api) -> None:
    # given a production server with introspection off, and an administrator
    agency = await api.agency()
    settings = production(data_dir, introspection="off")
    async with TestClient(TestServer(create_app(settings))) as client:
        off = Api(client, client.app[DATABASE])

        # when the administrator introspects
        response = await off.gql(SCHEMA, authorization=f"Bearer {agency.key}")

    # then it is refused
    assert response.status == 403 and response.data is None
    assert "turned off" in response.errors[0]["message"]


async def test_production_gives_no_did_you_mean_hints(live: Api, api: Api) -> None:
    # given an administrator
    agency = await live.agency()
    bearer = f"Bearer {agency.key}"
    status_query = "query($s: [PatientStatus!]) { patients(filter: {status: $s}) { totalCount } }"

    # when a field and an enum value are misspelt, in development and in production
    developed = await api.gql(MISSPELT, authorization=bearer)
    produced = await live.gql(MISSPELT, authorization=bearer)
    variable = await live.gql(status_query, {"s": ["ACTIV"]}, authorization=bearer)

    # then development suggests, production does not (the error itself stays)
    assert "Did you mean" in developed.errors[0]["message"]
    assert "Did you mean" not in json.dumps(produced.body)
    assert produced.errors[0]["message"].startswith("Cannot query field 'acount'")
    assert variable.errors and "Did you mean" not in json.dumps(variable.body)
    assert "ACTIV" in variable.errors[0]["message"]


async def test_every_answer_of_the_api_says_no_store(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    client = api.client

    # when the API answers successes and refusals, on every path
    answers = [
        await client.post("/graphql", json={"query": "{ account { id } }"},
                          headers={"Authorization": f"Bearer {agency.key}"}),
        await client.post("/graphql", json={"query": "{ account { id } }"}),
        await client.get("/graphql", params={"query": "{ __typename }"}),
        await client.post("/api/authorize", headers={"api_key": "x", "api_secret": "y"}),
        await client.get("/files/nothing", headers={"Authorization": f"Bearer {agency.key}"}),
        await client.get("/healthz"),
        await client.get("/no/such/path"),
    ]  # fmt: skip

    # then none may be cached
    assert [a.headers.get("Cache-Control") for a in answers] == ["no-store"] * len(answers)


def test_a_query_sent_by_get_is_logged_without_its_document_and_variables() -> None:
    # given the access-log line of a GET query with a name and a date of birth
    query = '{ patients(filter: {search: "Walter Green"}) { nodes { dateOfBirth } } }'
    parameters = urllib.parse.urlencode(
        {"query": query, "variables": '{"dob": "1937-01-21"}', "operationName": "Find"}
    )
    line = f'127.0.0.1 [05/Dec/2026:10:00:00 +0000] "GET /graphql?{parameters} HTTP/1.1" 200 9'

    # when it is masked as the server's access log masks it
    masked = mask_credentials(line)

    # then only the operation's name is left
    assert "Walter" not in masked and "1937" not in masked
    assert "/graphql?query=***&variables=***&operationName=Find HTTP/1.1" in masked


# The commands, as a person runs them ----------------------------------------------------------


def run(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CAREGRAPH_DATA_DIR": str(folder), **env}
    environment.pop("MONGODB_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("args", [("seed", "--accounts", "1"), ("seed", "--examples")])
def test_the_demo_and_example_seeds_refuse_production(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    # given an empty data folder in production
    folder = tmp_path / "data"

    # when a seed is asked for
    done = run(folder, *args, CAREGRAPH_ENV="production")

    # then it refuses, says why, and nothing was written (no database was even started)
    assert done.returncode == 2, done.stderr
    assert "not for production" in done.stderr
    assert not (folder / "db").exists()


SMALL_DEMO = ("seed", "--accounts", "1", "--caregivers", "6", "--patients", "12")


SIGN_IN = """mutation($email: String!, $password: String!) { signIn(email: $email,
  password: $password) { accessToken userErrors { message } } }"""


def post_json(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def banner(log: Path, port: int, timeout: float = 90) -> list[str]:
    """The lines `serve` printed once it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return log.read_text().splitlines()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(log.read_text())


def test_demo_credentials_are_drawn_per_install_kept_in_the_folder_and_printed(
    tmp_path: Path,
) -> None:
    # given two installs, each seeded with the demo
    first, second = tmp_path / "one", tmp_path / "two"
    seeded = [run(folder, *SMALL_DEMO) for folder in (first, second)]
    assert [done.returncode for done in seeded] == [0, 0], seeded[0].stderr[-2000:]

    # then each drew its own keys, printed them and kept them, for its owner's eyes only
    stored = [json.loads((f / "demo-credentials.json").read_text()) for f in (first, second)]
    keys = [[c["api_key"] for c in s["accounts"]["1"]["api_clients"]] for s in stored]
    assert len(keys[0]) == 2 and not set(keys[0]) & set(keys[1])
    assert OLD_FIXED_KEY not in keys[0]
    assert f"api_key={keys[0][0]}" in seeded[0].stdout
    mode = stat.S_IMODE((first / "demo-credentials.json").stat().st_mode)
    assert mode == 0o600

    # and when the first install is served, its banner shows its keys, which work
    port = free_port()
    log = tmp_path / "serve.log"
    environment = {**os.environ, "CAREGRAPH_DATA_DIR": str(first), "PORT": str(port),
                   "CAREGRAPH_SERIES_JOB_MINUTES": "0"}  # fmt: skip
    environment.pop("MONGODB_URI", None)
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        lines = banner(log, port)
        administrator = stored[0]["accounts"]["1"]["api_clients"][0]
        expected = f"  {administrator['name']}: Authorization: Bearer {administrator['api_key']}"
        assert expected in lines
        # and one sign-in per built-in role, each printed as `  <role>: <email> / <password>`
        sign_ins = stored[0]["accounts"]["1"]["sign_ins"]
        assert [s["role"] for s in sign_ins] == [role.key for role in BUILT_IN_ROLES]
        for sign_in in sign_ins:
            assert f"  {sign_in['role']}: {sign_in['email']} / {sign_in['password']}" in lines
        caregiver = next(s for s in sign_ins if s["role"] == "caregiver")
        signed_in = post_json(
            f"http://127.0.0.1:{port}/graphql",
            {"query": SIGN_IN, "variables": {k: caregiver[k] for k in ("email", "password")}},
        )
        assert signed_in["data"]["signIn"]["accessToken"], signed_in
        url = f"http://127.0.0.1:{port}/graphql?" + urllib.parse.urlencode(
            {"query": "query($x: String) { account { id } }", "variables": '{"x": "Walter"}'}
        )
        headers = {"Authorization": administrator["api_key"]}
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            assert answer.status == 200
        # and its access log holds the request without its variables
        time.sleep(0.3)
        logged = [line for line in log.read_text().splitlines() if "GET /graphql" in line]
        assert logged and "Walter" not in "\n".join(logged)
    finally:
        server.terminate()
        server.wait(timeout=30)
