"""The browser tests: one server (with the demo data) and one Chromium for all of them;
a fresh browser context (cookies, storage) per page. Every test here is marked `browser`:
`pytest -m "not browser"` leaves them out.

Chromium is Debian's (/usr/bin/chromium, `apt-get install chromium`), driven by Playwright for
Python; Playwright's own browsers are never downloaded. The app must be built (web/dist, as
./scripts/test does first); without npm, a build, Chromium or Playwright these tests skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import DESKTOP, ROOT, sign_in
from tests.browser.server import WebServer, start_server

CHROMIUM = os.environ.get("CAREGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEB_DIST = ROOT / "web" / "dist"
HERE = Path(__file__).parent

ROLES = ["administrator", "scheduler", "billing", "payroll", "caregiver", "auditor"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def web_server() -> Iterator[WebServer]:
    """The real server on a free port, serving web/dist, with the demo data loaded."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.skip("the web app is not built (cd web && npm ci && npm run build)")
    with tempfile.TemporaryDirectory(prefix="caregraph-browser-") as folder:
        server = start_server(Path(folder), WEB_DIST)
        yield server
        server.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the browser tests. Package-scoped: Playwright's sync API
    holds an event loop while it runs, so it must be gone before the suite's asyncio tests
    (which follow tests/browser/ in the run) start."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any, web_server: WebServer) -> Iterator[Callable[..., Any]]:
    """`new_page(**context_options)`: a page in a fresh context (desktop size unless told;
    pass `geolocation=..., permissions=["geolocation"]` or `viewport=PHONE` as needed), closed
    after the test. Console errors are kept in `page.console_errors`."""
    contexts = []

    def make(**options: Any) -> Any:
        context = browser.new_context(
            base_url=web_server.base_url, viewport=options.pop("viewport", DESKTOP), **options
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda m: m.type == "error" and page.console_errors.append(m.text),
        )
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page_as(new_page: Callable[..., Any], web_server: WebServer) -> Callable[..., Any]:
    """`page_as(role, **context_options)`: a page signed in, through the sign-in page, as the
    demo agency's person of that role (one of ROLES), showing the layout."""

    def make(role: str, **options: Any) -> Any:
        page = new_page(**options)
        sign_in(page, web_server.base_url, web_server.emails[role], web_server.passwords[role])
        return page

    return make
