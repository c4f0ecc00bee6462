"""`python -m app serve`: the server on HOST:PORT, with demo data when the database is empty."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import os
import re
import socket
from collections.abc import AsyncIterator

from aiohttp import web

from app.data.system import System
from app.db import Database
from app.keys import DATABASE, SETTINGS
from app.main import create_app
from app.settings import Settings

log = logging.getLogger("app.server")
TOKEN_IN_PATH = re.compile(r"/api/(?!authorize(?:[/?\s]|$))[^/?\s]+")
SECRET_PARAMETER = re.compile(r"\b(api_key|api_secret|access_token)=[^&\s\"]+")
GRAPHQL_QUERY_STRING = re.compile(r"(/graphql\?)([^\s\"]*)")
GRAPHQL_PARAMETER = re.compile(r"(?:^|&)([^=&]*)(=[^&]*)?")
KEPT_GRAPHQL_PARAMETERS = frozenset({"operationName"})


async def _demo_data_when_empty(app: web.Application) -> None:
    await announce(app[DATABASE], app[SETTINGS])


async def announce(database: Database, settings: Settings) -> None:
    """Load the demo data into an empty embedded database, and print where to connect."""
    from app.demo_credentials import NOT_RECORDED, DemoCredentials, credentials_path
    from app.seed import seed_demo

    system = System(database)
    # Demo people and agencies: never on a real MongoDB, never in production.
    wanted = settings.demo_data and not settings.mongodb_uri and not settings.production
    if wanted and not await system.has_accounts():
        log.info("empty database: loading the demo data")
        await seed_demo(database, settings=settings)
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"Caregraph GraphQL: {base}/graphql"
        + (" (GraphiQL in a browser)" if settings.graphiql_enabled else ""),
        f"The agency's web app: {base}/"
        + ("" if (settings.web_dist / "index.html").is_file() else " (not built: see README)"),
    ]
    if not settings.production and await system.account_by_ext_id("demo-1"):
        credentials = DemoCredentials.load(credentials_path(settings))
        lines += credentials.key_lines() + credentials.sign_in_lines()
        if not credentials.accounts:
            lines.append(NOT_RECORDED)
    print("\n".join(lines), flush=True)


async def _series_horizon_job(app: web.Application) -> AsyncIterator[None]:
    """Every series of every account booked up to its horizon, now and then periodically."""
    from app.scheduling.series_horizon import run_job
    from app.scheduling.services import event_store

    minutes = app[SETTINGS].series_job_minutes
    task = None
    if minutes:
        database = app[DATABASE]
        every = dt.timedelta(minutes=minutes)
        # the job books what series already promise; clashes that arose since (visits booked
        # later) are not a caller's write to refuse: scheduleConflicts lists them
        events = event_store(database, check_conflicts=False)
        holder = f"{socket.gethostname()}:{os.getpid()}"  # one worker at a time runs it
        task = asyncio.create_task(run_job(database, events, every, holder))
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _freeze_startup_objects(app: web.Application) -> None:
    freeze_startup_objects()


def freeze_startup_objects() -> None:
    """Keep what start-up built (modules, the schema, models) out of every later collection.

    The cyclic collector's full passes walked those long-lived objects again and again while
    requests ran: `scripts/bench patients` measured about a fifth of the app's CPU per page
    spent so; after this it is mostly young objects it looks at. The write benchmarks call it
    after their set-up, so that they measure the service as `serve` runs it.
    """
    gc.collect()
    gc.freeze()


def mask_credentials(line: str) -> str:
    """A log line without live credentials or health information: the care-ticket API puts
    its access token in the path, clients may send api_key and api_secret as query parameters,
    and a GraphQL query sent by GET carries its document and variables (names, dates of birth)
    in the query string, of which only the operation's name is kept."""
    line = GRAPHQL_QUERY_STRING.sub(_graphql_parameters_masked, line)
    return SECRET_PARAMETER.sub(r"\1=***", TOKEN_IN_PATH.sub("/api/***", line))


def _graphql_parameters_masked(found: re.Match[str]) -> str:
    masked = [
        f"{name}{value or ''}" if name in KEPT_GRAPHQL_PARAMETERS else f"{name}=***"
        for name, value in GRAPHQL_PARAMETER.findall(found.group(2))
        if name
    ]
    return found.group(1) + "&".join(masked)


class CredentialMask(logging.Filter):
    """Masks credentials in every access-log line, whatever the line's format."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_credentials(record.getMessage()), ()
        return True


def application(settings: Settings, worker: bool = False) -> web.Application:
    """The served application; a `worker` of several leaves the demo data and the banner to
    the parent (app/workers.py)."""
    app = create_app(settings)
    if not worker:
        app.on_startup.append(_demo_data_when_empty)
    app.on_startup.append(_freeze_startup_objects)  # last: after the demo data is loaded
    # a background task: it may overlap the demo loading, which books its series itself
    app.cleanup_ctx.append(_series_horizon_job)
    logging.getLogger("aiohttp.access").addFilter(CredentialMask())
    return app


def serve(settings: Settings) -> int:
    """Serve on HOST:PORT with `settings.worker_count` processes (app/workers.py for more
    than one)."""
    count = settings.worker_count
    if count > 1:
        from app.workers import serve_workers

        return serve_workers(settings, count, application, announce)
    # run_app handles SIGINT and SIGTERM: in-flight requests finish, then the database stops.
    web.run_app(
        application(settings), host=settings.host, port=settings.port, print=None,
        shutdown_timeout=15,
    )  # fmt: skip
    return 0
