"""Payroll in the browser: the payroll clerk previews a pay period (nothing stored) and then
generates it, generates a pay period, reviews its lines with their hours split, adds an
adjustment and closes it; what the page shows and what the API stored; one request for the
first paint; accessibility, a phone's width and screenshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tests.browser.helpers import PHONE, assert_accessible, graphql_requests, screenshots
from tests.browser.server import WebServer
from tests.browser.visits import (
    HOME,
    caregiver_id,
    make_patient,
    punched_visit,
)

WEEK = (dt.date(2024, 1, 8), dt.date(2024, 1, 14))
"""A week of the past no demo data touches (Monday to Sunday)."""

PAYROLLS = """query($start: Date!, $end: Date!) {
  payrolls(filter: {period: {start: $start, end: $end}}) { nodes { id closed net
    users { nodes { user { record { id } name { first last } } hours regularHours overtimeHours
      holidayHours net adjustmentsTotal adjustments { kind amount description } } } } } }"""


def payrolls_of_the_week(
    web_server: WebServer, week: tuple[dt.date, dt.date] = WEEK
) -> list[dict[str, Any]]:
    variables = {"start": week[0].isoformat(), "end": week[1].isoformat()}
    answer = web_server.graphql(PAYROLLS, variables, role="payroll")
    assert not answer.get("errors"), answer
    return list(answer["data"]["payrolls"]["nodes"])


PREVIEW_WEEK = (dt.date(2024, 3, 4), dt.date(2024, 3, 10))
"""Another week of the past no demo data touches, for the preview."""

DRY_RUN = """mutation($period: PayrollPeriodInput!) {
  payrollGenerate(period: $period, options: {dryRun: true}) { dryRun
    payroll { hours gross net } lines { user { name { first last } } regularHours gross net }
    heldForReview { punchcard { id } } userErrors { message } } }"""

PUNCHCARDS = """query($event: ID!) { punchcards(filter: {event: $event}) { nodes { id
  payroll { record { id } } pay { amount } } } }"""

LINES_OF = """query($caregiver: ID!) { payrollUsers(filter: {caregiver: $caregiver}) {
  totalCount } }"""


def punchcards_of(web_server: WebServer, events: list[str]) -> list[dict[str, Any]]:
    """The punchcards of these visits as stored: which payroll each is in, and its pay."""
    cards = []
    for event in events:
        answer = web_server.graphql(PUNCHCARDS, {"event": event}, role="payroll")
        assert not answer.get("errors"), answer
        cards += answer["data"]["punchcards"]["nodes"]
    return cards


def payroll_lines_of(web_server: WebServer, caregiver: str) -> int:
    answer = web_server.graphql(LINES_OF, {"caregiver": caregiver}, role="payroll")
    assert not answer.get("errors"), answer
    return int(answer["data"]["payrollUsers"]["totalCount"])


def far_punched_visit(
    web_server: WebServer, caregiver: str, patient: str, start: dt.datetime, hours: int
) -> str:
    """A past visit clocked in some 10 km from the patient's door: it waits for review."""
    far = {"latitude": HOME["latitude"] + 0.09, "longitude": HOME["longitude"]}
    return punched_visit(web_server, caregiver, patient, start, hours, clocked_in_at=far)


def page_scrolls_sideways(page: Any) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def money(amount: str) -> str:
    """How the page writes an amount of the demo agency's dollars."""
    value = Decimal(amount)
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def test_the_payroll_clerk_generates_adjusts_and_closes_a_pay_period(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given the demo caregiver's four 12-hour visits of a past week, clocked in and out at the
    # door (48 hours: past the weekly overtime threshold)
    caregiver = caregiver_id(web_server)
    patient, _ = make_patient(web_server)
    for day in range(4):
        start = dt.datetime(2024, 1, 8 + day, 12, 0, tzinfo=dt.UTC)
        punched_visit(web_server, caregiver, patient, start, hours=12)
    page = page_as("payroll")

    # when the payroll clerk opens payroll
    with graphql_requests(page) as requests:
        page.goto("/payroll")
        page.get_by_role("button", name="Generate payroll").wait_for()
        page.wait_for_load_state("networkidle")
    assert [r.name for r in requests] == ["LayoutQuery", "PayrollScreenQuery"]

    # and generates the week's payroll
    page.get_by_label("First day").fill(WEEK[0].isoformat())
    page.get_by_label("Last day").fill(WEEK[1].isoformat())
    page.get_by_role("button", name="Generate payroll").click()
    detail = page.get_by_role("region", name="Payroll Jan 8, 2024 \u2013 Jan 14, 2024")
    detail.wait_for()

    # then it is stored, open, with a line for the caregiver whose hours are split
    [payroll] = payrolls_of_the_week(web_server)
    assert payroll["closed"] is False
    [line] = [u for u in payroll["users"]["nodes"] if u["user"]["record"]["id"] == caregiver]
    assert Decimal(line["hours"]) == Decimal(48)
    assert Decimal(line["overtimeHours"]) > 0
    assert Decimal(line["regularHours"]) + Decimal(line["overtimeHours"]) == Decimal(48)
    name = f"{line['user']['name']['first']} {line['user']['name']['last']}"
    row = detail.get_by_test_id("payroll-line").filter(has_text=name)
    cells = row.inner_text()
    assert line["regularHours"] in cells and line["overtimeHours"] in cells
    assert money(line["net"]) in cells
    assert "?payroll=" in page.url

    # and a second generation of the same week is refused in the API's words
    page.get_by_role("button", name="Generate payroll").click()
    refused = page.get_by_test_id("generate-error")
    refused.wait_for()
    assert "payroll" in refused.inner_text().lower()
    assert len(payrolls_of_the_week(web_server)) == 1

    # when they add a bonus to the caregiver's line
    assert_accessible(page)
    row.get_by_role("button", name=f"Adjust {name}'s pay").click()
    dialog = page.get_by_role("dialog", name=f"Adjustment for {name}")
    dialog.get_by_label("Amount").fill("25.50")
    dialog.get_by_label("Description").fill("Covered a weekend")
    assert_accessible(page)
    dialog.get_by_role("button", name="Add adjustment").click()
    dialog.wait_for(state="detached")

    # then it is stored on the line, and the line's net shows it, to the cent
    [payroll] = payrolls_of_the_week(web_server)
    [line_after] = [u for u in payroll["users"]["nodes"] if u["user"]["record"]["id"] == caregiver]
    assert line_after["adjustments"] == [
        {"kind": "BONUS", "amount": "25.50", "description": "Covered a weekend"}
    ]
    assert Decimal(line_after["net"]) == Decimal(line["net"]) + Decimal("25.50")
    row.get_by_text(money(line_after["net"])).wait_for()
    assert "Covered a weekend" in row.inner_text()
    screenshots(page, "payroll")

    # when they add a deduction, then take the bonus off again
    row.get_by_role("button", name=f"Adjust {name}'s pay").click()
    dialog = page.get_by_role("dialog", name=f"Adjustment for {name}")
    dialog.get_by_label("Kind").click()
    page.get_by_role("option", name="Deduction").click()
    dialog.get_by_label("Amount").fill("10.00")
    dialog.get_by_role("button", name="Add adjustment").click()
    dialog.wait_for(state="detached")
    row.get_by_text("Deduction").wait_for()
    row.get_by_role("button", name=f"Remove {name}'s bonus (covered a weekend)").click()
    row.get_by_text("Covered a weekend").wait_for(state="detached")

    # then only the deduction is stored, and the net shows it
    [payroll] = payrolls_of_the_week(web_server)
    [line_after] = [u for u in payroll["users"]["nodes"] if u["user"]["record"]["id"] == caregiver]
    assert line_after["adjustments"] == [
        {"kind": "DEDUCTION", "amount": "10.00", "description": None}
    ]
    assert Decimal(line_after["net"]) == Decimal(line["net"]) - Decimal("10.00")
    row.get_by_text(money(line_after["net"])).wait_for()
    assert_accessible(page)

    # when they close it
    detail.get_by_role("button", name="Close payroll").click()

    # then it is stored closed, and the page says so and offers no more changes
    detail.get_by_test_id("closed-on").wait_for()
    assert detail.get_by_test_id("payroll-status").text_content() == "Closed"
    assert payrolls_of_the_week(web_server)[0]["closed"] is True
    assert row.get_by_role("button", name=f"Adjust {name}'s pay").count() == 0
    assert page.console_errors == []


def test_the_auditor_reads_payroll_and_changes_nothing(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given an open payroll of a past week of its own, with a line for the demo caregiver
    caregiver = caregiver_id(web_server)
    patient, _ = make_patient(web_server)
    start = dt.datetime(2024, 2, 5, 14, 0, tzinfo=dt.UTC)
    punched_visit(web_server, caregiver, patient, start, hours=6)
    answer = web_server.graphql(
        """mutation($period: PayrollPeriodInput!) { payrollGenerate(period: $period) {
          payroll { id } userErrors { message } } }""",
        {"period": {"start": "2024-02-05", "end": "2024-02-11"}},
        role="payroll",
    )["data"]["payrollGenerate"]
    assert answer["userErrors"] == [], answer
    page = page_as("auditor")

    # when the auditor opens it
    page.goto(f"/payroll?payroll={answer['payroll']['id']}")
    detail = page.get_by_role("region", name="Payroll Feb 5, 2024 \u2013 Feb 11, 2024")
    detail.get_by_test_id("payroll-line").first.wait_for()

    # then they read its lines, marked read only, with no form to generate a period nor any
    # button to adjust a line or close it
    assert detail.get_by_test_id("payroll-status").text_content() == "Open"
    assert detail.get_by_test_id("payroll-line").count() >= 1
    assert page.get_by_text("Read only").is_visible()
    assert page.get_by_label("First day").count() == 0
    assert page.get_by_role("button", name="Generate payroll").count() == 0
    assert detail.get_by_role("button", name="Close payroll").count() == 0
    assert detail.get_by_role("button", name="Adjust", exact=False).count() == 0
    assert page.console_errors == []


def test_the_payroll_clerk_previews_a_pay_period_then_generates_it_on_a_phone(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given the demo caregiver's two 8-hour visits of a past week clocked in at the door, and a
    # third clocked in far from it (it waits for the office's review)
    caregiver = caregiver_id(web_server)
    patient, _ = make_patient(web_server)

    def at_one(day: int) -> dt.datetime:
        return dt.datetime(2024, 3, day, 13, 0, tzinfo=dt.UTC)

    paid = [punched_visit(web_server, caregiver, patient, at_one(day), 8) for day in (4, 5)]
    held = far_punched_visit(web_server, caregiver, patient, at_one(6), 4)
    period = {"start": PREVIEW_WEEK[0].isoformat(), "end": PREVIEW_WEEK[1].isoformat()}
    expected = web_server.graphql(DRY_RUN, {"period": period}, role="payroll")["data"]
    expected = expected["payrollGenerate"]
    assert expected["userErrors"] == [] and len(expected["heldForReview"]) == 1, expected
    [line] = expected["lines"]
    name = f"{line['user']['name']['first']} {line['user']['name']['last']}"
    lines_before = payroll_lines_of(web_server, caregiver)
    page = page_as("payroll", viewport=PHONE)
    page.goto("/payroll")

    # when the clerk previews a week with nothing to pay, then it is refused in the API's words
    page.get_by_label("First day").fill("2024-03-18")
    page.get_by_label("Last day").fill("2024-03-24")
    page.get_by_role("button", name="Preview", exact=True).click()
    page.get_by_test_id("generate-error").wait_for()
    assert page.get_by_test_id("payroll-preview").count() == 0

    # when they preview the week of the visits
    page.get_by_label("First day").fill(period["start"])
    page.get_by_label("Last day").fill(period["end"])
    page.get_by_role("button", name="Preview", exact=True).click()
    title = "Preview of the payroll Mar 4, 2024 \u2013 Mar 10, 2024"
    preview = page.get_by_role("region", name=title)
    preview.wait_for()

    # then it shows, marked as a preview, the totals, the caregiver's line and the held
    # punchcard with why, as the dry run computes them
    assert page.get_by_test_id("generate-error").count() == 0
    assert "Nothing is saved yet" in preview.inner_text()
    totals = preview.get_by_test_id("payroll-totals").inner_text()
    assert expected["payroll"]["hours"] in totals
    assert money(expected["payroll"]["gross"]) in totals
    assert money(expected["payroll"]["net"]) in totals
    row = preview.get_by_test_id("payroll-line").filter(has_text=name)
    cells = row.inner_text()
    assert line["regularHours"] in cells and money(line["gross"]) in cells
    assert row.get_by_role("button").count() == 0
    held_list = preview.get_by_test_id("preview-held").inner_text()
    assert name in held_list and "review" in held_list

    # and nothing is stored: no payroll of the week, no line, no punchcard marked
    assert payrolls_of_the_week(web_server, PREVIEW_WEEK) == []
    assert payroll_lines_of(web_server, caregiver) == lines_before
    cards = punchcards_of(web_server, [*paid, held])
    assert len(cards) == 3
    assert all(card["payroll"] is None for card in cards), cards

    # and it fits a phone's width and passes the accessibility checks
    assert not page_scrolls_sideways(page)
    assert_accessible(page)
    preview.scroll_into_view_if_needed()
    screenshots(page, "payroll-preview")

    # when they dismiss it, then it goes; when they preview again, it is back
    preview.get_by_role("button", name="Dismiss preview").click()
    preview.wait_for(state="detached")
    page.get_by_role("button", name="Preview", exact=True).click()
    preview.wait_for()

    # when they generate it for real
    preview.get_by_role("button", name="Generate this payroll").click()
    detail = page.get_by_role("region", name="Payroll Mar 4, 2024 \u2013 Mar 10, 2024", exact=True)
    detail.wait_for()

    # then the payroll is stored with the previewed figures, its punchcards marked (the held one
    # not), and the screen shows it in place of the preview
    [payroll] = payrolls_of_the_week(web_server, PREVIEW_WEEK)
    assert Decimal(payroll["net"]) == Decimal(expected["payroll"]["net"])
    assert payroll_lines_of(web_server, caregiver) == lines_before + 1
    marked = {card["id"]: card["payroll"] for card in punchcards_of(web_server, [*paid, held])}
    held_card = expected["heldForReview"][0]["punchcard"]["id"]
    assert marked.pop(held_card) is None
    assert [m["record"]["id"] for m in marked.values()] == [payroll["id"]] * 2
    assert page.get_by_role("region", name=title).count() == 0
    assert detail.get_by_test_id("payroll-line").filter(has_text=name).count() == 1
    assert f"payroll={payroll['id']}" in page.url.replace("%3D", "=")
    assert not page_scrolls_sideways(page)
    assert page.console_errors == []
