"""The patients list and the patient chart in a real browser: each role sees the parts of the
chart its policy gives it (a billing clerk no clinical note, and the API refuses it too), a
progress note added from the chart is stored, the list searches, sorts and pages, and each
screen's first paint is one request."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.helpers import PHONE, assert_accessible, graphql_requests, screenshots
from tests.browser.server import WebServer
from tests.browser.visits import caregiver_id, make_patient, make_visit

CHART = """query($id: ID!, $now: DateTime!) { patient(id: $id) { id fullName
  progressNotes(first: 1) { totalCount nodes { title } }
  tickets(first: 1) { totalCount nodes { title } }
  invoices(first: 1) { totalCount nodes { number } }
  events(filter: {start: {start: $now}}, first: 1) { totalCount } } }"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@pytest.fixture(scope="module")
def full_chart(web_server: WebServer) -> dict[str, Any]:
    """A demo patient with a progress note, a care ticket, an invoice and a visit to come, as
    the administrator reads them."""
    invoices = web_server.graphql(
        "{ invoices(first: 50) { nodes { patient { record { id } } } } }", role="administrator"
    )["data"]["invoices"]["nodes"]
    for record in {i["patient"]["record"]["id"] for i in invoices if i["patient"]["record"]}:
        patient = web_server.graphql(CHART, {"id": record, "now": _now()}, role="administrator")[
            "data"
        ]["patient"]
        counts = [patient[k]["totalCount"] for k in ("progressNotes", "tickets", "invoices")]
        if all(counts) and patient["events"]["totalCount"]:
            return dict(patient)
    pytest.fail("no demo patient has notes, tickets, invoices and visits to come")


def settle(page: Any) -> None:
    """Time for any further request of a first paint to start (after a navigation inside the
    app, Playwright's "networkidle" load state does not come again)."""
    page.wait_for_timeout(400)


def open_from_list(page: Any, name: str) -> list[Any]:
    """Open the patients list from the navigation, search the name, open the chart; the
    requests of the chart's first paint."""
    page.get_by_role("navigation").get_by_role("link", name="Patients").click()
    page.get_by_label("Search by name").fill(name)
    page.get_by_role("link", name=name).first.wait_for()
    with graphql_requests(page) as requests:
        page.get_by_role("link", name=name).first.click()
        page.get_by_role("heading", name=name, level=1).wait_for()
        page.get_by_role("heading", name="Next visits").wait_for()
        settle(page)
    return requests


def test_the_administrator_reads_the_whole_chart_in_one_request(
    page_as: Callable[..., Any], full_chart: dict[str, Any]
) -> None:
    # given the administrator, on the patients list
    page = page_as("administrator")

    # when they search the patient and open the chart
    requests = open_from_list(page, full_chart["fullName"])

    # then the chart shows details, needs, next visits, notes, invoices and tickets, after
    # one request, which asked for every part
    assert [r.name for r in requests] == ["PatientChartScreenQuery"]
    assert requests[0].variables["canReadClinical"] and requests[0].variables["canReadBilling"]
    parts = ("Details", "Needs", "Next visits", "Progress notes", "Invoices", "Care tickets")
    for heading in parts:
        page.get_by_role("heading", name=heading, exact=True).wait_for()
    page.get_by_text(full_chart["progressNotes"]["nodes"][0]["title"]).first.wait_for()
    page.get_by_text(full_chart["tickets"]["nodes"][0]["title"]).first.wait_for()
    invoices = page.get_by_role("table", name="Invoices")
    assert full_chart["invoices"]["nodes"][0]["number"] in invoices.inner_text()
    assert page.get_by_role("table", name="Next visits").get_by_role("row").count() > 1
    assert not page.console_errors
    assert_accessible(page)
    screenshots(page, "patient-chart")


def test_a_billing_clerk_sees_no_clinical_note_and_the_api_refuses_it(
    page_as: Callable[..., Any], web_server: WebServer, full_chart: dict[str, Any]
) -> None:
    # given a billing clerk
    page = page_as("billing")

    # when they open the chart
    requests = open_from_list(page, full_chart["fullName"])

    # then the chart shows its invoices and tickets, no progress note, and the one request
    # did not ask for any: nothing FORBIDDEN broke the page
    assert [r.name for r in requests] == ["PatientChartScreenQuery"]
    assert requests[0].variables["canReadClinical"] is False
    page.get_by_role("heading", name="Invoices", exact=True).wait_for()
    page.get_by_role("heading", name="Care tickets").wait_for()
    assert page.get_by_role("heading", name="Progress notes").count() == 0
    assert page.get_by_text(full_chart["progressNotes"]["nodes"][0]["title"]).count() == 0
    assert page.get_by_role("heading", name="Health problems").count() == 0
    assert not page.console_errors
    # and the API refuses the clerk the notes when asked directly
    answer = web_server.graphql(
        "query($p: ID!) { progressNotes(filter: {patient: $p}) { nodes { title note } } }",
        {"p": full_chart["id"]},
        role="billing",
    )
    assert answer.get("data") is None or answer["data"].get("progressNotes") is None
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_scheduler_adds_a_progress_note_from_the_chart(
    page_as: Callable[..., Any], web_server: WebServer, full_chart: dict[str, Any]
) -> None:
    # given a scheduler on the chart, which shows no invoice to their role
    page = page_as("scheduler")
    open_from_list(page, full_chart["fullName"])
    assert page.get_by_role("heading", name="Invoices", exact=True).count() == 0
    title = f"Fall risk {uuid.uuid4().hex[:6]}"

    # when they add a progress note
    form = page.get_by_role("form", name="Add a progress note")
    form.get_by_label("Note title").fill(title)
    text = "Unsteady on the stairs; walker moved upstairs."
    form.get_by_role("textbox", name="Note", exact=True).fill(text)
    form.get_by_role("button", name="Add note").click()

    # then it is at the top of the notes, and stored with its words
    page.get_by_role("article", name=title).wait_for()
    assert page.get_by_test_id("progress-note").first.get_attribute("aria-label") == title
    assert form.get_by_label("Note title").input_value() == ""
    stored = web_server.graphql(
        "query($p: ID!) { progressNotes(filter: {patient: $p}, first: 100) "
        "{ nodes { title note priority } } }",
        {"p": full_chart["id"]},
        role="scheduler",
    )["data"]["progressNotes"]["nodes"]
    assert {
        "title": title,
        "note": text,
        "priority": "NORMAL",
    } in stored


def test_a_refused_note_shows_the_apis_words_next_to_its_field(
    page_as: Callable[..., Any], web_server: WebServer, full_chart: dict[str, Any]
) -> None:
    # given a scheduler on the chart
    page = page_as("scheduler")
    open_from_list(page, full_chart["fullName"])
    before = web_server.graphql(
        "query($p: ID!) { progressNotes(filter: {patient: $p}) { totalCount } }",
        {"p": full_chart["id"]},
        role="scheduler",
    )["data"]["progressNotes"]["totalCount"]

    # when they send a title longer than the API takes
    form = page.get_by_role("form", name="Add a progress note")
    form.get_by_label("Note title").fill("x" * 201)
    form.get_by_role("textbox", name="Note", exact=True).fill("A note.")
    form.get_by_role("button", name="Add note").click()

    # then the API's refusal is shown under the title, the page stands, nothing is stored
    form.get_by_text("at most 200 characters").wait_for()
    page.get_by_role("heading", name="Progress notes").wait_for()
    after = web_server.graphql(
        "query($p: ID!) { progressNotes(filter: {patient: $p}) { totalCount } }",
        {"p": full_chart["id"]},
        role="scheduler",
    )["data"]["progressNotes"]["totalCount"]
    assert after == before


def test_a_caregiver_opens_the_chart_of_their_own_patient(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a caregiver and a patient of our own they visit tomorrow
    record, name = make_patient(web_server)
    tomorrow = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    make_visit(web_server, caregiver_id(web_server), record, tomorrow + dt.timedelta(days=1))
    patient = {"id": record, "fullName": name}
    page = page_as("caregiver", viewport=PHONE)

    # when they open that patient's chart
    with graphql_requests(page) as requests:
        page.goto(f"/patients/{patient['id']}")
        page.get_by_role("heading", name=patient["fullName"], level=1).wait_for()
        page.wait_for_load_state("networkidle")

    # then they see details, visits and notes (the policy opens them to the patients they
    # visit), and neither invoices nor tickets, which are office records
    assert [r.name for r in requests] == ["LayoutQuery", "PatientChartScreenQuery"]
    for heading in ("Details", "Needs", "Next visits", "Progress notes"):
        page.get_by_role("heading", name=heading, exact=True).wait_for()
    assert page.get_by_role("heading", name="Invoices", exact=True).count() == 0
    assert page.get_by_role("heading", name="Care tickets").count() == 0
    assert page.get_by_role("form", name="Add a progress note").count() == 0
    assert not page.console_errors


def test_the_patients_list_searches_sorts_and_pages(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a scheduler; the list as the API orders it
    page = page_as("scheduler")
    api = web_server.graphql(
        "{ byName: patients(first: 30) { totalCount nodes { fullName } } "
        "desc: patients(first: 1, orderBy: {field: NAME, direction: DESC}) { nodes { fullName } } "
        'ali: patients(filter: {search: "ali"}) { totalCount } }',
        role="scheduler",
    )["data"]

    # when they open the list from the navigation
    with graphql_requests(page) as requests:
        page.get_by_role("navigation").get_by_role("link", name="Patients").click()
        page.get_by_role("table", name="Patients").wait_for()
        settle(page)

    # then one request shows the first page, by name
    assert [r.name for r in requests] == ["PatientsScreenQuery"]
    total = api["byName"]["totalCount"]
    assert page.get_by_test_id("patients-count").inner_text().startswith(f"{total} patients")
    rows = page.get_by_role("table", name="Patients").get_by_role("link")
    assert rows.first.inner_text() == api["byName"]["nodes"][0]["fullName"]

    # when they go to the next page: its first row is the API's 26th
    page.get_by_role("button", name="Next page").click()
    page.get_by_text("Page 2 of").wait_for()
    assert rows.first.inner_text() == api["byName"]["nodes"][25]["fullName"]
    page.get_by_role("button", name="Previous page").click()
    page.get_by_text("Page 1 of").wait_for()
    assert rows.first.inner_text() == api["byName"]["nodes"][0]["fullName"]

    # when they sort from Z to A, then search
    page.get_by_role("combobox", name="Sort by").click()
    page.get_by_role("option", name="Name, Z to A").click()
    page.wait_for_function(
        "name => document.querySelector('table a')?.textContent === name",
        arg=api["desc"]["nodes"][0]["fullName"],
    )
    page.get_by_label("Search by name").fill("ali")
    count = f"{api['ali']['totalCount']} patient"
    page.get_by_test_id("patients-count").filter(has_text=count).wait_for()
    assert_accessible(page)
    screenshots(page, "patients")
