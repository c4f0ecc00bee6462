"""Proof under faults: a server killed mid-write, restarted on the same data, holds whole units.

These tests run the real `python -m app serve` as a child process with its own data folder, so
the kill takes the process (and its embedded database) down exactly as a crash would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pymongo import MongoClient

from tests.factories import patient_input

pytestmark = pytest.mark.crash

ROOT = Path(__file__).parent.parent
IMPORT_SIZE = 4000
IMPORT = """mutation($input: [PatientCreateInput!]!) { patientImport(input: $input) {
  patients { id } userErrors { code } } }"""
COUNTS = """{ patients { totalCount }
  auditEvents(filter: {action: [CREATE]}) { totalCount } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`python -m app serve` on a data folder, its log on a pipe."""

    started: list[ServerProcess] = []  # killed at the end of each test, even a failed one

    def __init__(self, data_dir: Path, workers: int = 1) -> None:
        ServerProcess.started.append(self)
        self.data_dir = data_dir
        self.port = free_port()
        env = {
            **os.environ,
            "CAREGRAPH_DATA_DIR": str(data_dir),
            "PORT": str(self.port),
            "CAREGRAPH_ENV": "test",
            "CAREGRAPH_DEMO_DATA": "false",
            "CAREGRAPH_WORKERS": str(workers),  # one process: a kill takes the server down
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_until(self, text: str, timeout: float = 60) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if text in line:
                return
            if not line and self.process.poll() is not None:
                raise AssertionError(f"the server exited before saying {text!r}")
        raise AssertionError(f"the server did not say {text!r} in {timeout} s")

    def wait_until_serving(self, timeout: float = 60) -> None:
        """The start-up banner comes before the socket listens: wait for /healthz to answer."""
        self.wait_until("Caregraph GraphQL", timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"the server did not answer /healthz in {timeout} s")

    def database_pid(self) -> int:
        return int(json.loads((self.data_dir / "embedded.json").read_text())["pid"])

    def crash(self) -> None:
        """SIGKILL the server and its embedded database: no cleanup of any kind runs."""
        database = self.database_pid()
        self.process.kill()
        os.kill(database, signal.SIGKILL)
        self.process.wait()
        wait_for_exit(database)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def wait_for_exit(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not exit")


@pytest.fixture
def data_folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    while ServerProcess.started:  # a failed test may leave a server running
        left = ServerProcess.started.pop().process
        left.kill()
        left.wait()
    record = tmp_path / "data" / "embedded.json"
    if record.exists():  # a failed test may leave its database running
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(json.loads(record.read_text())["pid"]), signal.SIGKILL)


def settle(data_dir: Path) -> None:
    """Everything committed so far written to the data files (`fsync`: a checkpoint).

    Call it before starting the write a test crashes: the embedded server writes its log
    lazily, and while a long write runs a commit made just before it can stay in memory for
    seconds, so a kill loses it (README, "Durability of the embedded server"). The tests
    prove the long write whole or absent, on set-up that is surely there."""
    uri = json.loads((data_dir / "embedded.json").read_text())["uri"]
    with MongoClient(uri) as client:
        client.admin.command("fsync")


def create_account(data_dir: Path) -> str:
    """An account and its key, made by the CLI against the running server's database."""
    env = {**os.environ, "CAREGRAPH_DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "app", "account", "create", "--name", "Crash"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(out.stdout.strip().splitlines()[-1])["api_key"])


async def post(
    url: str, key: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {key}"},
        ) as response,
    ):
        return await response.json()  # type: ignore[no-any-return]


async def test_a_crash_in_the_middle_of_an_import_leaves_whole_units_only(
    data_folder: Path,
) -> None:
    # given a running server and an account
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    key = create_account(data_folder)
    rows = [patient_input(name={"first": "Row", "last": str(i)}) for i in range(IMPORT_SIZE)]
    settle(data_folder)

    # when the server and its database are killed once the import has started writing
    request = asyncio.create_task(post(server.url, key, IMPORT, {"input": rows}))
    await asyncio.to_thread(server.wait_until, f"writing {IMPORT_SIZE} patient records")
    server.crash()
    with pytest.raises(aiohttp.ClientError):
        await request

    # then, restarted on the same folder, it holds all of the import or none of it,
    # and the trail describes exactly what is there
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    data = (await post(server.url, key, COUNTS))["data"]
    patients = data["patients"]["totalCount"]
    assert patients in (0, IMPORT_SIZE)
    assert data["auditEvents"]["totalCount"] == patients
    # and the server still works: the same import now goes through whole
    answer = await post(server.url, key, IMPORT, {"input": rows[:50]})
    assert len(answer["data"]["patientImport"]["patients"]) == 50
    assert server.stop() == 0


async def test_sigterm_stops_the_server_and_its_database_cleanly(data_folder: Path) -> None:
    # given a running server with its embedded database
    server = ServerProcess(data_folder)
    server.wait_until_serving()
    database = server.database_pid()
    # when it is sent SIGTERM
    code = server.stop()
    # then it exits cleanly, its database stops too, and the address record is gone
    assert code == 0
    wait_for_exit(database)
    assert not (data_folder / "embedded.json").exists()
