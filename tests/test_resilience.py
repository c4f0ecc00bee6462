"""Graceful operation: a lost database is a 503 until it returns; start-up waits, then explains.

These tests run their own server on their own embedded database, since they stop it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app.accounts.services import create_account, create_api_client
from app.db import open_database
from app.embedded import EmbeddedServer
from app.keys import AUTHENTICATOR, DATABASE
from app.main import create_app
from app.settings import Settings
from tests.factories import Api, Response

pytestmark = pytest.mark.crash

UNAVAILABLE = "The database is unavailable; try again shortly."
ACCOUNT_NAME = "{ account { name { legal } } }"
STEADY_CARE = {"account": {"name": {"legal": "Steady Care"}}}
TIMEOUT = 2.0


def error_codes(response: Response) -> list[tuple[str, str]]:
    return [(e["message"], e["extensions"]["code"]) for e in response.errors]


async def test_a_lost_database_is_a_503_and_the_server_recovers_when_it_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given a server of its own, and an agency with two keys: one just used (so it is cached),
    # one never used (so it is looked up in the database when it comes)
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        database_name="resilience",
        mongodb_uri=None,
        database_timeout_seconds=TIMEOUT,
    )
    restarted: EmbeddedServer | None = None
    try:
        async with TestClient(TestServer(create_app(settings))) as client:
            database = client.app[DATABASE]
            api = Api(client, database)
            account = await create_account(database, "Steady Care")
            key, _ = await create_api_client(database, account["_id"], "Administrator")
            other_key, _ = await create_api_client(database, account["_id"], "Second key")
            client.app[AUTHENTICATOR].forget()
            before = await api.gql(ACCOUNT_NAME, authorization=f"Bearer {key}")
            assert before.status == 200, before.body
            assert before.data == STEADY_CARE

            # when its database stops under it
            record = json.loads((tmp_path / "embedded.json").read_text())
            port = urlsplit(record["uri"]).port
            assert port is not None
            await terminate(int(record["pid"]))

            # then, within the timeout, a query with the cached credential is 503 from GraphQL,
            # one whose credential must be looked up is 503 before GraphQL runs, health is 503
            started = time.monotonic()
            cached, uncached, health = await asyncio.gather(
                api.gql(ACCOUNT_NAME, authorization=f"Bearer {key}"),
                api.gql(ACCOUNT_NAME, authorization=f"Bearer {other_key}"),
                client.get("/healthz"),
            )
            assert time.monotonic() - started < TIMEOUT + 3
            assert cached.status == 503, cached.body
            assert error_codes(cached) == [(UNAVAILABLE, "DATABASE_UNAVAILABLE")]
            assert cached.headers["Retry-After"] == "5"
            assert uncached.status == 503, uncached.body
            assert uncached.body == {
                "errors": [{"message": UNAVAILABLE, "extensions": {"code": "DATABASE_UNAVAILABLE"}}]
            }
            assert uncached.headers["Retry-After"] == "5"
            assert "x-request-id" in {name.lower() for name in uncached.headers}
            assert health.status == 503
            assert await health.json() == {"status": "unavailable", "database": "down"}
            assert not [m for m in caplog.messages if m.startswith("unexpected error")]

            # when the database comes back on the same folder and address
            restarted = EmbeddedServer(tmp_path, port=port)
            await asyncio.to_thread(restarted.start)

            # then the same server answers again, without a restart, and nothing was lost
            client.app[AUTHENTICATOR].forget()
            for credential in (key, other_key):
                after = await api.gql(ACCOUNT_NAME, authorization=f"Bearer {credential}")
                assert after.status == 200, after.body
                assert after.data == STEADY_CARE
            assert (await client.get("/healthz")).status == 200
            assert await api.count("accounts", _id=account["_id"]) == 1
        # (leaving the block stops the app, whose own database process is already gone)
    finally:
        if restarted is not None:
            await asyncio.to_thread(restarted.stop)


async def test_start_up_gives_up_on_a_missing_database_and_names_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given an address where nothing listens, in a URI with credentials
    port = free_port()
    settings = Settings(
        environment="test",
        mongodb_uri=f"mongodb://caregraph:s3cret@127.0.0.1:{port}/?authSource=admin",
        database_wait_seconds=1.5,
        database_timeout_seconds=0.5,
    )

    # when the app opens its database
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="app.db"), pytest.raises(RuntimeError) as raised:
        async with open_database(settings):
            pytest.fail("the database should not have opened")
    elapsed = time.monotonic() - started

    # then it waited for it, saying so, and gave up with the address and the wait, no password
    assert 1.4 <= elapsed < 5
    message = str(raised.value)
    assert f"the database at 127.0.0.1:{port} did not answer within 1.5 s" in message
    assert "s3cret" not in message and "caregraph:" not in message
    assert f"waiting for the database at 127.0.0.1:{port}..." in caplog.messages


async def terminate(pid: int) -> None:
    """SIGTERM a process and wait until it has exited (and reap it, when it is our child)."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return
        except ChildProcessError:  # not our child: wait for the pid to disappear
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"process {pid} did not exit after SIGTERM")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
