"""The real server for the browser tests: `python -m app serve` on a free port, its own data
folder and embedded database, loaded with the full demo data (two agencies, 40 caregivers and
120 patients each) and one sign-in per built-in role of the first agency."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 240


@dataclass
class WebServer:
    """A running server: its address, and the demo agency's sign-ins by role."""

    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    passwords: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, role: str | None = None
    ) -> dict[str, Any]:
        """The API's answer (the whole body) to a query, sent as the role's demo person (or
        without credentials): for checking what the screens stored."""
        headers = {"Content-Type": "application/json"}
        if role is not None:
            headers["Authorization"] = f"Bearer {self.token(role)}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(self.url("/graphql"), body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return dict(json.load(response))
        except urllib.error.HTTPError as error:
            return dict(json.load(error))

    def token(self, role: str) -> str:
        """An access token of the role's demo person (signed in once, through the API)."""
        if role not in self._tokens:
            answer = self.graphql(
                "mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) "
                "{ accessToken userErrors { message } } }",
                {"e": self.emails[role], "p": self.passwords[role]},
            )
            token = answer["data"]["signIn"]["accessToken"]
            assert token, answer
            self._tokens[role] = token
        return self._tokens[role]

    def password_changed(self, role: str, password: str) -> None:
        """Keep the role's new password (a test changed it); its API token is signed in again."""
        self.passwords[role] = password
        self._tokens.pop(role, None)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(data_dir: Path, web_dist: Path) -> WebServer:
    """Start the server and wait until it answers (after the demo data is loaded)."""
    port = free_port()
    env = {
        **os.environ,
        "CAREGRAPH_ENV": "development",
        "CAREGRAPH_DATA_DIR": str(data_dir),
        "CAREGRAPH_WEB_DIST": str(web_dist),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CAREGRAPH_WORKERS": "1",
        # the tests sign in wrongly on purpose, all from 127.0.0.1
        "CAREGRAPH_THROTTLE_ADDRESS": "100000",
        "CAREGRAPH_THROTTLE": "100000",
    }
    env.pop("MONGODB_URI", None)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    server = WebServer(f"http://127.0.0.1:{port}", data_dir, process, log)
    _wait_until_up(server)
    credentials = json.loads((data_dir / "demo-credentials.json").read_text())
    for sign_in in credentials["accounts"]["1"]["sign_ins"]:
        server.emails[sign_in["role"]] = sign_in["email"]
        server.passwords[sign_in["role"]] = sign_in["password"]
    return server


def _wait_until_up(server: WebServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    server.stop()
    tail = server.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"the server did not start; its log ends:\n{tail}")
