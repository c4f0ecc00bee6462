"""The scheduler's week board in a real browser: the week in one request and under a second,
creating a visit (and a conflicting one, booked with an override), moving one with the
keyboard, an open visit's matches, a series edited "this and following", who may open it,
accessibility and screenshots. Each test books in a week of its own, far from the demo's."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.helpers import SCREENSHOTS, assert_accessible, graphql_requests, screenshots
from tests.browser.server import WebServer

CREATE = """mutation($input: EventCreateInput!) { eventCreate(input: $input) {
  event { id } userErrors { field message code } } }"""
VISITS = """query($caregiver: ID, $patient: ID, $from: DateTime!, $to: DateTime!) {
  events(filter: {caregiver: $caregiver, patient: $patient, start: {start: $from, end: $to}}) {
    nodes { id start end caregivers { id } conflictOverride { reason conflicts { kind } }
      group { id } } } }"""


class Week:
    """A week of the demo agency, in its time zone, with a patient to book (names that are
    unique in the demo, so a person picking by name picks them)."""

    def __init__(self, server: WebServer, weeks_ahead: int, which: int) -> None:
        data = server.graphql(
            """{ account { settings { timezone } }
              users(filter: {roleType: CAREGIVER, suspended: false}, first: 100) {
                nodes { id fullName } }
              patients(first: 100) { nodes { id fullName } } }""",
            role="scheduler",
        )["data"]
        self.zone = ZoneInfo(data["account"]["settings"]["timezone"])
        today = dt.datetime.now(self.zone).date()
        self.monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks_ahead)
        self.caregivers = unique(data["users"]["nodes"])
        self.patient = unique(data["patients"]["nodes"])[which]
        self.server = server

    def free_caregiver(self, *slots: tuple[int, int, int]) -> dict[str, Any]:
        """A caregiver free for the patient at each (day, from hour, to hour): available,
        not booked, with the skills and certifications asked (the API's matches say)."""
        fit: set[str] | None = None
        for day, start, end in slots:
            ranked = self.server.graphql(
                """query($p: ID!, $from: DateTime!, $to: DateTime!) {
                  caregiverMatches(patient: $p, from: $from, to: $to, first: 100) {
                    caregiver { id } criteria { criterion score } } }""",
                {"p": self.patient["id"], "from": iso(self.at(day, start)),
                 "to": iso(self.at(day, end))},
                role="scheduler",
            )["data"]["caregiverMatches"]  # fmt: skip
            free = {
                m["caregiver"]["id"]
                for m in ranked
                if all(
                    c["score"] == 1
                    for c in m["criteria"]
                    if c["criterion"] in ("FREE", "SKILLS", "CERTIFICATIONS")
                )
            }
            fit = free if fit is None else fit & free
        found = [c for c in self.caregivers if c["id"] in (fit or set())]
        assert found, f"no caregiver free at {slots}"
        return found[0]

    def at(self, day: int, hour: int, minute: int = 0) -> dt.datetime:
        moment = dt.datetime.combine(self.monday + dt.timedelta(days=day), dt.time(hour, minute))
        return moment.replace(tzinfo=self.zone)

    @property
    def path(self) -> str:
        return f"/board?week={self.monday.isoformat()}"

    def visits(self, **filter: str | None) -> list[dict[str, Any]]:
        answer = self.server.graphql(
            VISITS,
            {
                "caregiver": None,
                "patient": None,
                **filter,
                "from": iso(self.at(0, 0)),
                "to": iso(self.at(14, 0)),
            },
            role="scheduler",
        )
        return list(answer["data"]["events"]["nodes"])

    def book(self, day: int, hour: int, caregiver: dict[str, Any] | None) -> str:
        answer = self.server.graphql(
            CREATE,
            {
                "input": {
                    "start": iso(self.at(day, hour)),
                    "end": iso(self.at(day, hour + 1)),
                    "patient": {"record": self.patient["id"]},
                    "service": {"code": "PSW"},
                    "attendees": [{"user": caregiver["id"]}] if caregiver else [],
                }
            },
            role="scheduler",
        )
        assert answer["data"]["eventCreate"]["userErrors"] == [], answer
        return str(answer["data"]["eventCreate"]["event"]["id"])


def unique(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The people whose name nobody else has."""
    names = [p["fullName"] for p in people]
    return [p for p in people if names.count(p["fullName"]) == 1]


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def open_board(page: Any, week: Week) -> None:
    page.goto(week.path)
    page.get_by_test_id("week-calendar").locator(".ec-body").wait_for()


def pick(page: Any, label: str, typed: str, option: str) -> None:
    """Choose in one of the form's searchable selects, as a person types and picks."""
    page.get_by_role("dialog").get_by_label(label).fill(typed)
    page.get_by_role("option", name=option, exact=True).click()


def fill_new_visit(page: Any, week: Week, caregiver: dict[str, Any], day: int, hours: str) -> None:
    page.get_by_role("button", name="New visit").click()
    dialog = page.get_by_role("dialog", name="New visit")
    pick(page, "Patient", week.patient["fullName"], week.patient["fullName"])
    pick(page, "Caregiver", caregiver["fullName"], caregiver["fullName"])
    dialog.get_by_label("Day").fill((week.monday + dt.timedelta(days=day)).isoformat())
    start, end = hours.split("-")
    dialog.get_by_label("Start").fill(start)
    dialog.get_by_label("End").fill(end)


def test_the_scheduler_sees_the_demo_week_in_one_request_under_a_second(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a scheduler signed in, on another screen, and the demo's visits of this week
    page = page_as("scheduler")
    week = Week(web_server, 0, 0)
    stored = web_server.graphql(
        """query($from: DateTime!, $to: DateTime!) {
          events(filter: {start: {start: $from, end: $to}}, first: 100) { totalCount } }""",
        {"from": iso(week.at(0, 0)), "to": iso(week.at(7, 0))},
        role="scheduler",
    )["data"]["events"]["totalCount"]
    assert stored > 20
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("table", name="Patients").wait_for()  # its query is not the board's

    # when they open the board from the navigation, then load it afresh
    with graphql_requests(page) as requests:
        started = time.perf_counter()
        page.get_by_role("link", name="Schedule").click()
        page.locator("[data-visit]").first.wait_for()
        navigated = time.perf_counter() - started
    loads = []
    for _ in range(3):
        started = time.perf_counter()
        page.goto("/board")
        page.wait_for_function(
            "n => document.querySelectorAll('[data-visit]').length >= n", arg=stored
        )
        loads.append(time.perf_counter() - started)
    loaded = min(loads)

    # then the week is painted after one query, with a block for each of the week's visits;
    # the load time (the best of three page loads, each: the session's refresh, the shell's
    # query, the board's query and its painting) is written down, not asserted: a shared
    # machine's timing would make the test fail for the neighbours' sake (the README gives it)
    assert [r.name for r in requests] == ["BoardScreenQuery"]
    assert page.locator("[data-visit]").count() == stored
    caregivers = page.get_by_test_id("week-calendar").get_by_text(week.caregivers[0]["fullName"])
    assert caregivers.count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    figure = (
        f"board first load: {loaded:.3f} s (page load, best of "
        f"{', '.join(f'{t:.3f}' for t in loads)}), {navigated:.3f} s (from the navigation)"
    )
    (SCREENSHOTS / "board-first-load.txt").write_text(figure + "\n")
    print(figure)


def test_a_visit_is_created_and_a_conflicting_one_booked_with_a_reason(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a scheduler on the board of a week of their own
    page = page_as("scheduler")
    week = Week(web_server, 30, 2)
    caregiver = week.free_caregiver((1, 10, 12))
    open_board(page, week)

    # when they create a visit on Tuesday 10-11 for a caregiver free then
    fill_new_visit(page, week, caregiver, 1, "10:00-11:00")
    page.get_by_role("dialog").get_by_role("button", name="Create visit").click()
    page.get_by_role("dialog").wait_for(state="detached")

    # then it is stored at that time in the agency's zone, and shown
    [stored] = week.visits(caregiver=caregiver["id"])
    assert utc(stored["start"]) == week.at(1, 10)
    assert utc(stored["end"]) == week.at(1, 11)
    page.locator(f"[data-visit='{stored['id']}']").wait_for()

    # when they book the same caregiver 10:30-11:30 that day
    fill_new_visit(page, week, caregiver, 1, "10:30-11:30")
    page.get_by_role("dialog").get_by_role("button", name="Create visit").click()

    # then the API's conflict is shown, and nothing is stored
    conflict = page.get_by_test_id("schedule-conflicts")
    conflict.wait_for()
    assert caregiver["fullName"] in conflict.inner_text()
    assert len(week.visits(caregiver=caregiver["id"])) == 1

    # when they give a reason and book anyway
    conflict.get_by_label("Reason to book anyway").fill("Family asked for two carers")
    conflict.get_by_role("button", name="Book anyway").click()
    page.get_by_role("dialog").wait_for(state="detached")
    page.get_by_test_id("board-notice").get_by_text("Visit created.").wait_for()

    # then the visit is stored with the override, its reason and the conflict it overrode
    visits = week.visits(caregiver=caregiver["id"])
    overridden = [v for v in visits if v["conflictOverride"]]
    assert len(visits) == 2 and len(overridden) == 1
    assert overridden[0]["conflictOverride"]["reason"] == "Family asked for two carers"
    assert overridden[0]["conflictOverride"]["conflicts"][0]["kind"] == "DOUBLE_BOOKED"
    assert "Conflicting" in (
        page.locator(f"[data-visit='{overridden[0]['id']}']").get_attribute("aria-label") or ""
    )


def test_a_visit_is_moved_with_the_keyboard(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a visit on Wednesday 9-10 in a week of its own, on the scheduler's board
    page = page_as("scheduler")
    week = Week(web_server, 31, 4)
    caregiver = week.free_caregiver((2, 9, 10), (3, 13, 15))
    visit = week.book(2, 9, caregiver)
    open_board(page, week)

    # when they reach its block with the keyboard, open it, and move it to Thursday 13-14:30
    block = page.locator(f"[data-visit='{visit}']")
    block.focus()
    page.keyboard.press("Enter")
    form = page.get_by_role("form", name="Move visit")
    form.get_by_label("Day").fill((week.monday + dt.timedelta(days=3)).isoformat())
    form.get_by_label("Start").fill("13:00")
    form.get_by_label("End").fill("14:30")
    form.get_by_role("button", name="Move").focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("board-notice").get_by_text("Visit moved.").wait_for()

    # then the store has the new time, and the block shows it
    [stored] = week.visits(caregiver=caregiver["id"])
    assert (utc(stored["start"]), utc(stored["end"])) == (week.at(3, 13), week.at(3, 14, 30))
    page.wait_for_function(
        "id => (document.querySelector(`[data-visit='${id}']`)?.getAttribute('aria-label') ?? '')"
        ".includes('1:00')",
        arg=visit,
    )


def test_an_open_visits_matches_are_listed_with_reasons_and_one_assigned(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given an open visit (nobody booked) on Thursday of a week of its own
    page = page_as("scheduler")
    week = Week(web_server, 32, 6)
    visit = week.book(3, 10, None)
    ranked = web_server.graphql(
        """query($e: ID!) { caregiverMatches(event: $e, first: 5) {
          caregiver { id fullName } criteria { reason } } }""",
        {"e": visit},
        role="scheduler",
    )["data"]["caregiverMatches"]
    open_board(page, week)

    # when the scheduler opens it from the open visits' row
    page.locator(f"[data-visit='{visit}']").click()
    matches = page.get_by_role("region", name="Caregiver matches")
    matches.get_by_test_id("caregiver-match").first.wait_for()

    # then the API's ranking is listed, each criterion with its reason
    shown = matches.get_by_test_id("caregiver-match")
    assert shown.count() == len(ranked)
    best = ranked[0]
    assert best["caregiver"]["fullName"] in shown.first.inner_text()
    for criterion in best["criteria"]:
        assert criterion["reason"] in shown.first.inner_text()

    # when they assign the best match
    matches.get_by_role("button", name=f"Assign {best['caregiver']['fullName']}").click()
    page.get_by_test_id("board-notice").wait_for()

    # then the visit is stored with that caregiver
    [stored] = [v for v in week.visits(patient=week.patient["id"]) if v["id"] == visit]
    assert stored["caregivers"] == [{"id": best["caregiver"]["id"]}]


def test_a_series_is_created_and_changed_this_and_following(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a scheduler on the board of a week of their own
    page = page_as("scheduler")
    # (a series books its visits some weeks ahead, so its week is within them)
    week = Week(web_server, 5, 8)
    caregiver = week.free_caregiver(
        *[(day, 9, 10) for day in (0, 2, 7, 9, 14, 16)], *[(day, 14, 15) for day in (2, 9, 16)]
    )
    open_board(page, week)

    # when they create a weekly series on Mondays and Wednesdays, 9-10, for three weeks
    fill_new_visit(page, week, caregiver, 0, "09:00-10:00")
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Repeat weekly (a series)").check()
    dialog.get_by_label("Monday").check()
    dialog.get_by_label("Wednesday").check()
    dialog.get_by_label("Until (optional)").fill((week.monday + dt.timedelta(days=16)).isoformat())
    dialog.get_by_role("button", name="Create series").click()
    page.get_by_test_id("board-notice").get_by_text("Series created.").wait_for()

    # then its visits are stored: Mon and Wed of both weeks shown by `visits`, 9-10
    visits = week.visits(caregiver=caregiver["id"])
    assert [utc(v["start"]) for v in visits] == [
        week.at(0, 9), week.at(2, 9), week.at(7, 9), week.at(9, 9),
    ]  # fmt: skip
    series = visits[0]["group"]["id"]
    assert {v["group"]["id"] for v in visits} == {series}

    # when they move the first Wednesday's visit to 14-15, "this and following"
    page.locator(f"[data-visit='{visits[1]['id']}']").click()
    form = page.get_by_role("form", name="Move visit")
    form.get_by_label("Start").fill("14:00")
    form.get_by_label("End").fill("15:00")
    form.get_by_label("This and following visits").check()
    form.get_by_role("button", name="Move").click()
    page.get_by_test_id("board-notice").get_by_text("Visit moved.").wait_for()

    # then the first Monday stays at 9 in the old series; from that Wednesday on the visits are
    # at 14 in a new series
    after = week.visits(caregiver=caregiver["id"])
    assert [(utc(v["start"]), v["group"]["id"] == series) for v in after] == [
        (week.at(0, 9), True),
        (week.at(2, 14), False),
        (week.at(7, 14), False),
        (week.at(9, 14), False),
    ]


def test_a_caregiver_cannot_open_the_board_and_an_auditor_only_reads_it(
    page_as: Callable[..., Any],
) -> None:
    # given a caregiver and an auditor signed in
    caregiver = page_as("caregiver")
    auditor = page_as("auditor")

    # when each opens the board's address
    caregiver.goto("/board")
    auditor.goto("/board")

    # then the caregiver is refused; the auditor sees the week, read only, with nothing to change
    caregiver.get_by_role("heading", name="Not for your role").wait_for()
    auditor.locator("[data-visit]").first.wait_for()
    assert auditor.get_by_text("Read only").is_visible()
    assert auditor.get_by_role("button", name="New visit").count() == 0
    auditor.locator("[data-visit]").first.click()
    auditor.get_by_test_id("visit-summary").wait_for()
    assert auditor.get_by_role("form", name="Move visit").count() == 0


@pytest.mark.parametrize("role", ["scheduler"])
def test_the_board_is_accessible(
    page_as: Callable[..., Any], web_server: WebServer, role: str
) -> None:
    # given the scheduler's board of the demo week, and a visit opened on it
    page = page_as(role)
    page.goto("/board")
    page.locator("[data-visit]").first.wait_for()

    # then axe-core finds no serious or critical violation, with or without the visit open,
    # and the board is saved at desktop and phone widths
    assert_accessible(page)
    screenshots(page, "board")
    page.locator("[data-visit]").first.click()
    page.get_by_test_id("visit-summary").wait_for()
    assert_accessible(page)
    screenshots(page, "board-visit")
    assert page.console_errors == []


def test_a_clock_in_through_the_api_shows_on_an_open_board_within_seconds(
    page_as: Callable[..., Any], web_server: WebServer
) -> None:
    # given a visit of the demo caregiver starting now, and a scheduler's board of this week
    # following the changes
    me = web_server.graphql("{ viewer { user { id } } }", role="caregiver")["data"]["viewer"]
    week = Week(web_server, 0, 10)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # the board of the visit's own week: in a Monday's first minutes it began the week before
    day = (now - dt.timedelta(minutes=5)).astimezone(week.zone).date()
    board = f"/board?week={(day - dt.timedelta(days=day.weekday())).isoformat()}"
    created = web_server.graphql(
        CREATE,
        {
            "input": {
                "start": iso(now - dt.timedelta(minutes=5)),
                "end": iso(now + dt.timedelta(minutes=55)),
                "patient": {"record": week.patient["id"]},
                "service": {"code": "PSW"},
                "attendees": [{"user": me["user"]["id"]}],
                "conflictOverride": {"reason": "Covering a colleague today"},
            }
        },
        role="scheduler",
    )["data"]["eventCreate"]
    assert created["userErrors"] == []
    visit = created["event"]["id"]
    page = page_as("scheduler")
    page.goto(board)
    page.locator(f"[data-visit='{visit}']").wait_for()
    page.get_by_test_id("board-footer").get_by_text("Live").wait_for()
    before = page.locator(f"[data-visit='{visit}']").get_attribute("aria-label") or ""

    # when the caregiver clocks in through the API
    with graphql_requests(page) as requests:
        started = time.perf_counter()
        clocked = web_server.graphql(
            """mutation($e: ID!) { punchcardClockIn(event: $e) {
              punchcard { flags { kind } event { status } } userErrors { message } } }""",
            {"e": visit},
            role="caregiver",
        )["data"]["punchcardClockIn"]
        assert clocked["userErrors"] == []
        # then within a few seconds, with no reload, the block says what the API stored:
        # under way, or flagged when the punch was (here: no position sent)
        expected = "Flagged" if clocked["punchcard"]["flags"] else "In progress"
        page.wait_for_function(
            """([id, word]) => (document.querySelector(`[data-visit='${id}']`)
                ?.getAttribute('aria-label') ?? '').endsWith(word)""",
            arg=[visit, expected],
            timeout=5_000,
        )
        shown_after = time.perf_counter() - started
    assert expected not in before
    assert clocked["punchcard"]["event"]["status"] == "IN_PROGRESS"
    assert [r.name for r in requests] == ["BoardScreenQuery"]
    print(f"clock-in shown on the board after {shown_after:.3f} s")


@pytest.mark.parametrize(
    ("timezone_id", "weeks_ahead", "which"),
    [("Asia/Tokyo", 33, 1), ("Pacific/Honolulu", 34, 3)],
)
def test_the_board_shows_the_accounts_week_whatever_the_browsers_zone(
    page_as: Callable[..., Any],
    web_server: WebServer,
    timezone_id: str,
    weeks_ahead: int,
    which: int,
) -> None:
    # given visits of my own on a week's Monday and Sunday, and a scheduler whose browser
    # runs in a zone far east or west of the account's
    week = Week(web_server, weeks_ahead, which)
    monday = week.book(0, 10, None)
    sunday = week.book(6, 20, None)
    page = page_as("scheduler", timezone_id=timezone_id)

    # when the board of that week is opened
    open_board(page, week)
    page.locator(f"[data-visit='{monday}']").wait_for()

    # then its columns are the week's Monday to Sunday, and each visit sits in its own day's
    calendar = page.get_by_test_id("week-calendar")
    headers = []
    for offset in range(7):
        day = week.monday + dt.timedelta(days=offset)
        name = f"{day:%a}, {day:%b} {day.day}"
        header = calendar.locator(".ec-header").get_by_text(name, exact=True)
        assert header.count() == 1, f"no column {name!r} in {timezone_id}"
        headers.append(header.bounding_box())
    assert [h["x"] for h in headers] == sorted(h["x"] for h in headers)
    for visit, offset in ((monday, 0), (sunday, 6)):
        box = page.locator(f"[data-visit='{visit}']").bounding_box()
        column = headers[offset]
        middle = box["x"] + box["width"] / 2
        assert column["x"] <= middle <= column["x"] + column["width"], (timezone_id, offset)
