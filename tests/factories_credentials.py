"""API clients made through the API, and a second server process on the tests' database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.factories import Agency, Response

ROOT = Path(__file__).parent.parent

CLIENT_FIELDS = "id name role keyOnly expiresAt lastUsedAt rotatedAt revoked revokedAt active"
CREATE_CLIENT = f"""mutation($name: String!, $role: String!, $expiresAt: DateTime,
  $keyOnly: Boolean! = false) {{
  apiClientCreate(name: $name, role: $role, expiresAt: $expiresAt, keyOnly: $keyOnly) {{
    apiClient {{ {CLIENT_FIELDS} }} apiKey apiSecret userErrors {{ field message code }} }} }}"""
ROTATE_CLIENT = f"""mutation($id: ID!) {{ apiClientRotate(id: $id) {{
  apiClient {{ {CLIENT_FIELDS} }} apiKey apiSecret userErrors {{ field message code }} }} }}"""
REVOKE_CLIENT = f"""mutation($id: ID!, $reason: String) {{
  apiClientRevoke(id: $id, reason: $reason) {{
    apiClient {{ {CLIENT_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_CLIENT = f"""mutation($id: ID!, $input: ApiClientUpdateInput!) {{
  apiClientUpdate(id: $id, input: $input) {{
    apiClient {{ {CLIENT_FIELDS} }} userErrors {{ field message code }} }} }}"""
AUTHORIZE = """mutation($key: String!, $secret: String!) {
  authorize(apiKey: $key, apiSecret: $secret) {
    accessToken expiresAt userErrors { field message code } } }"""
ACCOUNT = "{ account { name { legal } } }"


@dataclass
class Issued:
    """A client made through apiClientCreate, with the key and secret shown once."""

    id: str
    key: str
    secret: str
    client: dict[str, Any]


async def make_client(
    agency: Agency, role: str = "scheduler", key_only: bool = False, name: str | None = None
) -> Issued:
    variables = {"name": name or f"{role} integration", "role": role, "keyOnly": key_only}
    data = (await agency.ok(CREATE_CLIENT, variables))["apiClientCreate"]
    assert data["userErrors"] == [], data
    client = data["apiClient"]
    return Issued(client["id"], data["apiKey"], data["apiSecret"], client)


async def token_for(agency: Agency, key: str, secret: str) -> str:
    response = await agency.api.gql(AUTHORIZE, {"key": key, "secret": secret})
    payload = response.data["authorize"]
    assert payload["userErrors"] == [], response.body
    return str(payload["accessToken"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_uri(data_dir: Path) -> str:
    """The address of the tests' embedded database (recorded in its data folder)."""
    return str(json.loads((data_dir / "embedded.json").read_text())["uri"])


class SecondServer:
    """`python -m app serve` on another port, on the same database as the tests' server: a
    process of its own, with its own credential cache. Its log goes to a file (a pipe left
    unread would block it)."""

    def __init__(self, data_dir: Path, database: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        environment = {
            **os.environ,
            "MONGODB_URI": embedded_uri(data_dir),
            "CAREGRAPH_DB": database,
            "CAREGRAPH_DATA_DIR": str(log.parent / "second-data"),
            "PORT": str(self.port),
            "CAREGRAPH_ENV": "test",
            "CAREGRAPH_DEMO_DATA": "false",
            "CAREGRAPH_SERIES_JOB_MINUTES": "0",
            **env,
        }
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve"],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_until_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the second server exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the second server did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def gql(self, query: str, credential: str) -> Response:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.url}/graphql",
                json={"query": query},
                headers={"Authorization": f"Bearer {credential}"},
            ) as answer,
        ):
            body = await answer.json(content_type=None)
            return Response(answer.status, body, dict(answer.headers))


async def seconds_until(
    check: Callable[[], Awaitable[bool]], timeout: float = 5.0, every: float = 0.02
) -> float:
    """How long until `check` holds (polled); fails past `timeout`."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(every)
    return time.monotonic() - started
