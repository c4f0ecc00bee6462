"""The caregiver's day on a phone: today's visits, clocking in and out with the phone's
position (and without it, flagged), the visit's note; what the page shows and what the API
stored; one request for the first paint; the office's changes shown live; accessibility and
screenshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.helpers import PHONE, assert_accessible, graphql_requests, screenshots
from tests.browser.server import WebServer
from tests.browser.visits import HOME, caregiver_id, make_patient, make_visit

VISIT = """query($id: ID!) { event(id: $id) { status punchcard { id
  actual { clockIn clockOut notes clockInDistanceMeters clockInLocation { latitude longitude }
           clockOutLocation { latitude longitude } }
  flags { kind punch } } } }"""

NEAR = {"latitude": HOME["latitude"] + 0.0003, "longitude": HOME["longitude"]}
"""About 33 m north of the patient's door."""


def todays_visit(web_server: WebServer, tasks: list[str] | None = None) -> tuple[str, str]:
    """A visit of the demo caregiver starting now (today in any zone but a minute before
    midnight), with a patient of its own: (visit id, patient's name)."""
    patient, name = make_patient(web_server, tasks)
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return make_visit(web_server, caregiver_id(web_server), patient, start), name


def stored(web_server: WebServer, visit: str) -> dict[str, Any]:
    answer = web_server.graphql(VISIT, {"id": visit}, role="administrator")
    assert not answer.get("errors"), answer
    return dict(answer["data"]["event"])


def test_a_caregiver_clocks_in_notes_and_clocks_out_with_their_position(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a visit of the caregiver's today, and their phone near the patient's door
    visit, name = todays_visit(web_server, ["Help with lunch", "A short walk"])
    page = page_as("caregiver", viewport=PHONE, geolocation=NEAR, permissions=["geolocation"])

    # when their day loads
    with graphql_requests(page) as requests:
        page.goto("/day")
        card = page.get_by_role("region", name=name)
        card.get_by_role("button", name="Clock in").wait_for()

    # then it shows the visit with its tasks and its patient's chart, after one query
    assert [r.name for r in requests] == ["LayoutQuery", "DayScreenQuery"]
    assert "12 Elm Street" in card.inner_text() and "Help with lunch" in card.inner_text()
    chart = card.get_by_role("link", name=f"Open {name}'s chart")
    assert "/patients/" in (chart.get_attribute("href") or "")
    assert card.get_by_test_id("visit-status").text_content() == "Scheduled"

    # when they clock in
    card.get_by_role("button", name="Clock in").click()
    card.get_by_test_id("clocked-in").wait_for()

    # then the visit is in progress, and the punchcard holds their position, near the door
    assert card.get_by_test_id("visit-status").text_content() == "In progress"
    after_in = stored(web_server, visit)
    assert after_in["status"] == "IN_PROGRESS"
    actual = after_in["punchcard"]["actual"]
    assert actual["clockInLocation"] == pytest.approx(NEAR)
    assert 25 < actual["clockInDistanceMeters"] < 40
    flags = {f["kind"] for f in after_in["punchcard"]["flags"]}
    assert not flags & {"FAR_FROM_VISIT", "NO_LOCATION"}
    assert f"{round(actual['clockInDistanceMeters'])} m from the address" in card.inner_text()

    # when they write a note for the visit
    note = "Walter ate well; we walked to the corner and back."
    card.get_by_label("Note for the visit").fill(note)
    card.get_by_role("button", name="Save note").click()
    card.get_by_test_id("note-saved").wait_for()

    # then it is stored on the visit's punchcard
    assert stored(web_server, visit)["punchcard"]["actual"]["notes"] == note

    # when they clock out
    assert_accessible(page)
    card.get_by_role("button", name="Clock out").click()
    card.get_by_text("Clocked out at").wait_for()

    # then the punchcard is clocked out where they were, and the visit done
    done = stored(web_server, visit)
    assert done["status"] == "COMPLETED" and done["punchcard"]["actual"]["clockOut"]
    assert done["punchcard"]["actual"]["clockOutLocation"] == pytest.approx(NEAR)
    assert card.get_by_test_id("visit-status").text_content() == "Done"
    assert card.get_by_role("button", name="Clock out").count() == 0
    assert_accessible(page)
    screenshots(page, "day")
    assert page.console_errors == []


def test_without_location_a_caregiver_still_punches_and_the_punch_is_flagged(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a visit of the caregiver's today, and a phone that does not share its location
    visit, name = todays_visit(web_server)
    page = page_as("caregiver", viewport=PHONE)
    page.context.clear_permissions()
    page.goto("/day")
    card = page.get_by_role("region", name=name)

    # when they clock in
    card.get_by_role("button", name="Clock in").click()

    # then they are told the punch goes without their location and is flagged, and it is stored
    # so: no position, flagged NO_LOCATION, the visit in progress
    no_position = card.get_by_test_id("no-position")
    no_position.wait_for(timeout=20_000)
    assert "flagged" in no_position.inner_text()
    card.get_by_test_id("punch-flags").wait_for()
    after = stored(web_server, visit)
    assert after["status"] == "IN_PROGRESS"
    assert after["punchcard"]["actual"]["clockInLocation"] is None
    assert ("NO_LOCATION", "IN") in {(f["kind"], f["punch"]) for f in after["punchcard"]["flags"]}
    assert "Clock-in" in card.get_by_test_id("punch-flags").inner_text()
    assert_accessible(page)


def test_a_visit_that_started_last_night_is_on_todays_day_and_one_that_ended_is_not(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given, in the agency's time zone, a visit of the caregiver's from 22:00 last night to
    # 01:00 today, and one that ended at 21:00 last night
    answer = web_server.graphql("{ account { settings { timezone } } }", role="caregiver")
    zone = ZoneInfo(answer["data"]["account"]["settings"]["timezone"])
    midnight = dt.datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    caregiver = caregiver_id(web_server)
    overnight, overnight_name = make_patient(web_server)
    evening, evening_name = make_patient(web_server)
    make_visit(web_server, caregiver, overnight, midnight - dt.timedelta(hours=2), hours=3)
    make_visit(web_server, caregiver, evening, midnight - dt.timedelta(hours=4), hours=1)

    # when their day loads on their phone
    page = page_as("caregiver", viewport=PHONE)
    page.goto("/day")
    page.get_by_role("region", name=overnight_name).wait_for()

    # then the night's visit is there, and the one over before midnight is not
    assert page.get_by_role("region", name=evening_name).count() == 0
    assert page.console_errors == []


MOVE = """mutation($id: ID!, $revision: Int!, $input: EventUpdateInput!) {
  eventUpdate(id: $id, revision: $revision, input: $input) {
  event { id start } userErrors { field message code } } }"""


def test_a_visit_the_office_books_today_shows_on_an_open_day_and_leaves_it_when_moved(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given the caregiver's day open on their phone, following the changes
    answer = web_server.graphql("{ account { settings { timezone } } }", role="caregiver")
    zone = ZoneInfo(answer["data"]["account"]["settings"]["timezone"])
    now = dt.datetime.now(zone).replace(second=0, microsecond=0)
    tonight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0)
    patient, name = make_patient(web_server)
    page = page_as("caregiver", viewport=PHONE)
    page.goto("/day")
    page.get_by_test_id("day-footer").get_by_text("Live").wait_for()

    # when the office books them on a new visit later today
    start = min(now + dt.timedelta(minutes=30), tonight - dt.timedelta(hours=1))
    visit = make_visit(web_server, caregiver_id(web_server), patient, start)

    # then it appears on the open day within a few seconds, with no reload
    card = page.get_by_role("region", name=name)
    card.wait_for(timeout=5_000)

    # when the office moves it to tomorrow
    revision = web_server.graphql(
        "query($id: ID!) { event(id: $id) { revision } }", {"id": visit}, role="administrator"
    )["data"]["event"]["revision"]
    tomorrow = start + dt.timedelta(days=1)
    moved = web_server.graphql(
        MOVE,
        {
            "id": visit,
            "revision": revision,
            "input": {
                "start": tomorrow.isoformat(),
                "end": (tomorrow + dt.timedelta(hours=1)).isoformat(),
                "conflictOverride": {"reason": "A browser test's own visit"},
            },
        },
        role="administrator",
    )["data"]["eventUpdate"]
    assert moved["userErrors"] == []

    # then it leaves the open day within a few seconds, and is stored for tomorrow
    card.wait_for(state="detached", timeout=5_000)
    assert dt.datetime.fromisoformat(moved["event"]["start"]) == tomorrow
    assert page.console_errors == []


def test_a_caregiver_cannot_open_payroll(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a caregiver signed in on their phone
    page = page_as("caregiver", viewport=PHONE)

    # when they open the payroll screen's address
    page.goto("/payroll")

    # then it is not for their role, and the API refuses them the payrolls too
    page.get_by_role("heading", name="Not for your role").wait_for()
    answer = web_server.graphql("{ payrolls { totalCount } }", role="caregiver")
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
