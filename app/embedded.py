"""The embedded SecantusDB server: a child process speaking the MongoDB wire protocol.

It runs in its own process so its GPL code stays out of ours and the app's code path is the
same as against production MongoDB. One server per data folder (it locks the folder): the
process that starts it records its address in the folder, and later commands (`seed`,
`account create`) reuse it while it runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

RECORD_NAME = "embedded.json"


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started or reached."""


@dataclass
class EmbeddedServer:
    """Starts (or finds) the server for one data folder and stops it if this process started it."""

    data_dir: Path
    cache_size: str = "512M"
    sync_on_commit: bool = False
    wait_seconds: float = 30.0
    port: int | None = None  # None: any free port; set: this one (e.g. to restart in place)
    process: subprocess.Popen[bytes] | None = None
    uri: str | None = None

    @property
    def record_path(self) -> Path:
        return self.data_dir / RECORD_NAME

    def start(self) -> str:
        """Return the URI of a running server for this folder, starting one if needed."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        running = self._running_uri()
        if running:
            log.info("using the embedded database already running at %s", running)
            self.uri = running
            return running
        port = self.port or _free_port()
        with (self.data_dir / "embedded.log").open("ab") as server_log:
            self.process = subprocess.Popen(
                self._command(port),
                stdout=server_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
            )
        self.uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        self._wait_until_ready()
        self.record_path.write_text(json.dumps({"pid": self.process.pid, "uri": self.uri}))
        return self.uri

    def stop(self) -> None:
        """Stop the server if this process started it; a reused server keeps running."""
        if self.process is None:
            return
        if self._record_pid() == self.process.pid:  # a later server's record stays
            with contextlib.suppress(FileNotFoundError):
                self.record_path.unlink()
        if self.process.poll() is not None:
            log.info("the embedded database had already exited (code %s)", self.process.returncode)
        else:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log.warning("embedded database did not stop in 20 s; killing it")
                self.process.kill()
                self.process.wait()
        self.process = None

    def _command(self, port: int) -> list[str]:
        command = [
            sys.executable,
            "-c",
            "import sys; from secantus.cli import main; sys.exit(main())",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--storage-path", str((self.data_dir / "db").resolve()),
            "--cache-size", self.cache_size,
            "--log-level", "WARNING",
        ]  # fmt: skip
        if self.sync_on_commit:
            command.append("--sync-on-commit")
        return command

    def _record_pid(self) -> int | None:
        try:
            return int(json.loads(self.record_path.read_text()).get("pid", 0))
        except (OSError, ValueError, AttributeError):
            return None

    def _running_uri(self) -> str | None:
        try:
            record = json.loads(self.record_path.read_text())
        except (OSError, ValueError):
            return None
        if not _pid_alive(int(record.get("pid", 0))) or not _answers(record["uri"], 2.0):
            return None
        return str(record["uri"])

    def _wait_until_ready(self) -> None:
        assert self.process is not None and self.uri is not None
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"the embedded database exited with code {self.process.returncode}; "
                    f"see {self.data_dir / 'embedded.log'} (is another server using this folder?)"
                )
            if _answers(self.uri, 1.0):
                return
            time.sleep(0.1)
        self.stop()
        raise EmbeddedServerError(f"the embedded database did not answer in {self.wait_seconds} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(uri: str, timeout: float) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=int(timeout * 1000), connectTimeoutMS=int(timeout * 1000)
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()
