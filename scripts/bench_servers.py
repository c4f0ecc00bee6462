"""The server processes a bench measures: the app (`python -m app serve`) and the floor.

Each is a real child process with its own port and a log file in the bench's folder; it is
stopped with SIGTERM (aiohttp finishes its requests and closes) and killed only if it hangs.
Started in a scratch working directory, so a developer's `.env` does not reach it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 60.0


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREGRAPH_", "MONGODB_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(values)
    return env


@contextlib.contextmanager
def _serving(name: str, command: list[str], folder: Path, env: dict[str, str]) -> Iterator[Server]:
    port = int(env["PORT"])
    log = folder / f"{name}.log"
    work = folder / f"{name}-cwd"
    work.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=work, env=env, stdout=out, stderr=out)
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(server)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {_tail(server.log)}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(server.base + "/healthz", timeout=1) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer in {READY_SECONDS:.0f}s: {_tail(server.log)}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


def start_app(folder: Path, database_name: str) -> contextlib.AbstractContextManager[Server]:
    """`python -m app serve` over the embedded database already running for `folder`."""
    env = _environment(
        CAREGRAPH_DATA_DIR=str(folder),
        CAREGRAPH_DB=database_name,
        PORT=str(free_port()),
        CAREGRAPH_DEMO_DATA="false",
        CAREGRAPH_SERIES_JOB_MINUTES="0",  # no background booking while we measure
    )
    return _serving("app", [sys.executable, "-m", "app", "serve"], folder, env)


def start_floor(
    folder: Path, uri: str, database_name: str
) -> contextlib.AbstractContextManager[Server]:
    """The hand-written floor (scripts/bench_floor.py) on the same database."""
    env = _environment(MONGODB_URI=uri, CAREGRAPH_DB=database_name, PORT=str(free_port()))
    command = [sys.executable, str(ROOT / "scripts" / "bench_floor.py")]
    return _serving("floor", command, folder, env)


def py_spy() -> str | None:
    """The py-spy beside this interpreter, or on PATH."""
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")


@contextlib.contextmanager
def start_profiler(server: Server, output: Path) -> Iterator[None]:
    """py-spy sampling the server while the block runs; collapsed stacks when it ends."""
    command = [str(py_spy()), "record", "--pid", str(server.pid), "--rate", "250", "--format",
               "raw", "--output", str(output)]  # fmt: skip
    profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # let it attach
    try:
        yield
    finally:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(timeout=60)
