"""Data the browser tests (day, payroll, billing, chart) make for themselves through the API
(as the demo agency's administrator), so that they
depend neither on the demo's clock nor on each other."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from tests.browser.server import WebServer

HOME = {"latitude": 43.6532, "longitude": -79.3832}
"""The patients' door, in Toronto."""

PATIENT_CREATE = """mutation($input: PatientCreateInput!) { patientCreate(input: $input) {
  patient { id name { first last } } userErrors { field message } } }"""
EVENT_CREATE = """mutation($input: EventCreateInput!) { eventCreate(input: $input) {
  event { id } userErrors { field message code } } }"""
CLOCK_IN = """mutation($event: ID!, $at: DateTime, $location: GeoPointInput) {
  punchcardClockIn(event: $event, at: $at, location: $location, reason: FORGOT_TO_CLOCK) {
  punchcard { id } userErrors { field message } } }"""
CLOCK_OUT = """mutation($punchcard: ID!, $at: DateTime, $location: GeoPointInput) {
  punchcardClockOut(punchcard: $punchcard, at: $at, location: $location, reason: FORGOT_TO_CLOCK) {
  punchcard { id } userErrors { field message } } }"""


def ok(server: WebServer, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
    """The payload of a mutation the administrator makes, which must succeed."""
    answer = server.graphql(query, variables, role="administrator")
    assert not answer.get("errors"), answer
    payload: dict[str, Any] = answer["data"][field]
    assert payload["userErrors"] == [], payload
    return payload


def caregiver_id(server: WebServer) -> str:
    """The demo caregiver's User id (who signs in as the caregiver role)."""
    answer = server.graphql("{ viewer { user { id fullName } } }", role="caregiver")
    return str(answer["data"]["viewer"]["user"]["id"])


def make_patient(server: WebServer, tasks: list[str] | None = None) -> tuple[str, str]:
    """A new patient at HOME, with these tasks at every visit: (id, full name)."""
    last = f"Tester{secrets.token_hex(3)}"
    location = {"label": "Home", "address1": "12 Elm Street", "city": "Toronto",
                "region": "ON", "postalCode": "M5H 2N2", "country": "CA", "primary": True,
                "geo": HOME}  # fmt: skip
    patient = {
        "name": {"first": "Dayla", "last": last},
        "locations": [location],
        "checklist": {
            "items": [{"title": t, "required": i == 0} for i, t in enumerate(tasks or [])]
        },
    }
    made = ok(server, PATIENT_CREATE, {"input": patient}, "patientCreate")["patient"]
    return str(made["id"]), f"Dayla {last}"


def make_visit(
    server: WebServer, caregiver: str, patient: str, start: dt.datetime, hours: int = 1
) -> str:
    """A PSW visit of the patient at HOME for the caregiver, booked over any conflict."""
    visit = {
        "patient": {"record": patient},
        "service": {"code": "PSW", "payRate": "22.50"},
        "attendees": [{"user": caregiver, "role": "CAREGIVER"}],
        "location": {"address1": "12 Elm Street", "city": "Toronto", "geo": HOME},
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=hours)).isoformat(),
        "conflictOverride": {"reason": "A browser test's own visit"},
    }
    return str(ok(server, EVENT_CREATE, {"input": visit}, "eventCreate")["event"]["id"])


def punched_visit(
    server: WebServer,
    caregiver: str,
    patient: str,
    start: dt.datetime,
    hours: int,
    clocked_in_at: dict[str, float] = HOME,
) -> str:
    """A past visit the office clocked in and out at its times, at the door: payable (clocked
    in elsewhere, `clocked_in_at`, it waits for review)."""
    event = make_visit(server, caregiver, patient, start, hours)
    clock_in = {"event": event, "at": start.isoformat(), "location": clocked_in_at}
    card = ok(server, CLOCK_IN, clock_in, "punchcardClockIn")["punchcard"]
    end = start + dt.timedelta(hours=hours)
    ok(server, CLOCK_OUT, {"punchcard": card["id"], "at": end.isoformat(), "location": HOME},
       "punchcardClockOut")  # fmt: skip
    return event
