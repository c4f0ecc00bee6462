"""One embedded database and one server for the whole session; each test makes its own accounts.

Tenancy is what keeps tests apart: every test works in accounts it created, so no cleanup is
needed between tests and a leak across accounts would show up as a failure.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app.db import Database
from app.keys import AUTHENTICATOR, DATABASE
from app.main import create_app
from app.settings import Settings
from tests.factories import Api


@pytest.fixture(scope="session")
def data_dir() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="caregraph-test-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_name="caregraph_test",
        mongodb_uri=None,
        cors_origins=["https://app.example.com"],
        # webhooks retry and sockets check their credentials within a test's patience
        webhook_retry_seconds=0.2,
        live_recheck_seconds=1.0,
        # every test calls from 127.0.0.1: failures of one test must not throttle the next
        # (tests/test_throttle.py checks the per-address limit on a database of its own)
        throttle_address_failures=100_000,
    )


@pytest.fixture(scope="session")
async def client(settings: Settings) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def database(client: TestClient) -> Database:  # type: ignore[type-arg]
    return client.app[DATABASE]


@pytest.fixture
def api(client: TestClient, database: Database) -> Api:  # type: ignore[type-arg]
    client.app[AUTHENTICATOR].forget()
    return Api(client, database)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist with `--dist loadfile` (as scripts/test runs it) a test file stays on
    one worker, so its module fixtures start once, and the browser tests all go to one worker:
    they share one demo server and one Chromium, which take a minute to start. (Not
    `--dist loadgroup` with xdist_group marks: pytest 9 ignores the node id xdist 3.8 rewrites
    for them, so the marks group nothing.)"""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ByFileAndBrowser(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return "tests/browser/" if path.startswith("tests/browser/") else path

    return ByFileAndBrowser(config, log)
