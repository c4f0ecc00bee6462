"""What every screen's browser tests use: sign in through the page, count the GraphQL
requests of a navigation, save screenshots at desktop and phone widths, scan with axe-core."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Request

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "web" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OPERATION = re.compile(r"\b(query|mutation|subscription)\s+(\w+)")


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Sign in through the sign-in page and wait for the signed-in layout."""
    page.goto(base_url + "/")
    page.get_by_label("Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("user-menu").wait_for()


def sign_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()


@dataclass
class GraphQLRequest:
    """One request to /graphql: its operation's kind and name (Relay names every one)."""

    kind: str
    name: str
    variables: dict[str, Any]


@contextmanager
def graphql_requests(page: Page) -> Iterator[list[GraphQLRequest]]:
    """The GraphQL requests the page sends inside the block; wait in the block for what you
    measure (`page.wait_for_load_state("networkidle")`, or the screen's content)."""
    seen: list[GraphQLRequest] = []

    def record(request: Request) -> None:
        if request.method != "POST" or not request.url.split("?")[0].endswith("/graphql"):
            return
        body = json.loads(request.post_data or "{}")
        found = OPERATION.search(body.get("query") or "")
        kind, name = found.groups() if found else ("query", "")
        seen.append(GraphQLRequest(kind, name, body.get("variables") or {}))

    page.on("request", record)
    try:
        yield seen
    finally:
        page.remove_listener("request", record)


def screenshots(page: Page, name: str) -> list[Path]:
    """Save what the viewport shows at desktop (1280x800) and phone (375x812) sizes under
    web/screenshots/ (ignored by git): `<name>-desktop.png`, `<name>-phone.png`. The viewport
    is put back. Viewport shots, not full-page ones: a full-page capture draws the shell's
    fixed header where the page was scrolled to, partway down the picture."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size or DESKTOP
    saved = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the layout settle (the navigation folds on a phone)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path))
        saved.append(path)
    page.set_viewport_size(before)
    return saved


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """WCAG 2.1 A and AA violations of these impacts on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page: Page) -> None:
    """No serious or critical WCAG 2.1 AA violation on the page (axe-core)."""
    violations = axe_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)
