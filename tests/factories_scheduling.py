"""Visits and series made through the API, in agencies that sell a few services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from app.accounts.services import create_account, create_api_client
from app.graphql.relay import to_global_id
from tests.factories import Agency, Api, create_patient, create_user

_numbers = itertools.count(1)
MONDAY = dt.datetime(2030, 3, 4, tzinfo=dt.UTC)
"""A Monday far enough ahead that every visit the tests book is in the future."""

SERVICES = [
    {"code": "PSW", "description": "Personal support", "bill_rate": Decimal("34.00"),
     "pay_rate": Decimal("22.50")},
    {"code": "RN", "description": "Nursing visit", "bill_rate": Decimal("85.00"),
     "pay_rate": Decimal("52.00")},
    {"code": "OLD", "description": "Retired service", "bill_rate": Decimal("10.00"),
     "pay_rate": Decimal("8.00"), "active": False},
]  # fmt: skip

EVENT_FIELDS = """id revision status start end duration notes statHoliday location { city }
  patient { record { id } name { first last } location { city } }
  service { code description billRate payRate }
  attendees { user { id } name { first last } role payRate status }
  billing { currency billRate payer billable client { id } } expectation { amount currency hours }
  group { id } createdUser { id } lastUpdatedUser { id } caregivers { id }"""
GROUP_FIELDS = """id revision freq interval byweekday bymonthday wkst timezone start end duration
  dtstart count until ends { mode count until } notes
  patient { record { id } name { first last } } service { code billRate }
  attendees { user { id } name { first } payRate }"""

CREATE_EVENT = f"""mutation($input: EventCreateInput!) {{ eventCreate(input: $input) {{
  event {{ {EVENT_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_EVENT = f"""mutation($id: ID!, $revision: Int!, $input: EventUpdateInput!) {{
  eventUpdate(id: $id, revision: $revision, input: $input) {{
  event {{ {EVENT_FIELDS} }} userErrors {{ field message code }} }} }}"""
IMPORT_EVENTS = """mutation($input: [EventCreateInput!]!) { eventImport(input: $input) {
  events { id start } userErrors { field message code } } }"""
CREATE_GROUP = f"""mutation($input: EventGroupCreateInput!) {{ eventGroupCreate(input: $input) {{
  eventGroup {{ {GROUP_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_GROUP = f"""mutation($id: ID!, $revision: Int!, $input: EventGroupUpdateInput!) {{
  eventGroupUpdate(id: $id, revision: $revision, input: $input) {{
  eventGroup {{ {GROUP_FIELDS} }} userErrors {{ field message code }} }} }}"""


async def scheduling_agency(api: Api, timezone: str = "America/Toronto") -> Agency:
    """An agency selling PSW and RN visits (and a retired service), in a time zone."""
    account = await create_account(
        api.database,
        f"Scheduling agency {next(_numbers)}",
        services=SERVICES,
        settings={"timezone": timezone, "currency": "CAD"},
    )
    key, secret = await create_api_client(api.database, account["_id"], "Administrator")
    return Agency(api, account["_id"], key, secret, to_global_id("Account", account["_id"]))


def at(day: int, hour: int, minute: int = 0) -> str:
    """An ISO time, `day` days after the test Monday, in UTC."""
    moment = MONDAY + dt.timedelta(days=day, hours=hour, minutes=minute)
    return moment.isoformat().replace("+00:00", "Z")


async def people(agency: Agency) -> tuple[dict[str, Any], dict[str, Any]]:
    """A caregiver and a patient of the agency."""
    caregiver = await create_user(agency, name={"first": "Ana", "last": "Lopez"})
    patient = await create_patient(agency, name={"first": "Walter", "last": "Green"})
    return caregiver, patient


def event_input(
    patient: dict[str, Any] | None,
    caregiver: dict[str, Any] | None,
    /,
    day: int = 0,
    hour: int = 14,
    minutes: int = 45,
    **overrides: Any,
) -> dict[str, Any]:
    """A PSW visit of `minutes` for the patient by the caregiver."""
    start = MONDAY + dt.timedelta(days=day, hours=hour)
    end = start + dt.timedelta(minutes=minutes)
    base: dict[str, Any] = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "service": {"code": "PSW"},
        "notes": "Help with lunch.",
    }
    if patient is not None:
        base["patient"] = {"record": patient["id"]}
    if caregiver is not None:
        base["attendees"] = [{"user": caregiver["id"]}]
    return {**base, **overrides}


async def create_event(agency: Agency, data: dict[str, Any]) -> dict[str, Any]:
    response = await agency.ok(CREATE_EVENT, {"input": data})
    assert response["eventCreate"]["userErrors"] == [], response
    return response["eventCreate"]["event"]


def group_input(
    patient: dict[str, Any] | None, caregiver: dict[str, Any] | None, /, **overrides: Any
) -> dict[str, Any]:
    """Weekly Monday and Wednesday hour-long PSW visits at 14:00 UTC."""
    base: dict[str, Any] = {
        "freq": "WEEKLY",
        "byweekday": ["MO", "WE"],
        "start": at(0, 14),
        "end": at(0, 15),
        "service": {"code": "PSW"},
    }
    if patient is not None:
        base["patient"] = {"record": patient["id"]}
    if caregiver is not None:
        base["attendees"] = [{"user": caregiver["id"]}]
    return {**base, **overrides}


async def create_group(agency: Agency, data: dict[str, Any]) -> dict[str, Any]:
    response = await agency.ok(CREATE_GROUP, {"input": data})
    assert response["eventGroupCreate"]["userErrors"] == [], response
    return response["eventGroupCreate"]["eventGroup"]


# --- series booked from now on (tests/test_series.py) ----------------------------------------

SERIES_EVENT_FIELDS = "id revision start end notes status seriesStart seriesException group { id }"
SERIES_PAYLOAD = f"""eventGroup {{ id revision until count excluded materialisedUntil }}
  newEventGroup {{ id start notes }} booked {{ {SERIES_EVENT_FIELDS} }}
  removed {{ {SERIES_EVENT_FIELDS} deleted }} kept {{ reason event {{ {SERIES_EVENT_FIELDS} }} }}
  userErrors {{ field message code }}"""
SERIES_GROUP = """query($id: ID!) { eventGroup(id: $id) { id revision materialisedUntil excluded
  until notes events(first: 100) { totalCount nodes { id start notes seriesStart
  seriesException group { id } } } } }"""
CHANGE_GROUP = f"""mutation($id: ID!, $revision: Int!, $input: EventGroupUpdateInput!) {{
  eventGroupUpdate(id: $id, revision: $revision, input: $input) {{ {SERIES_PAYLOAD} }} }}"""
SPLIT_GROUP = f"""mutation($id: ID!, $revision: Int!, $at: DateTime!,
  $input: EventGroupUpdateInput!) {{
  eventGroupSplit(id: $id, revision: $revision, at: $at, input: $input) {{ {SERIES_PAYLOAD} }} }}"""
CANCEL_OCCURRENCE = f"""mutation($id: ID!, $revision: Int!, $start: DateTime!) {{
  eventGroupCancelOccurrence(id: $id, revision: $revision, start: $start) {{
  {SERIES_PAYLOAD} }} }}"""
CANCEL_FROM = f"""mutation($id: ID!, $revision: Int!, $from: DateTime!) {{
  eventGroupCancelFrom(id: $id, revision: $revision, from: $from) {{ {SERIES_PAYLOAD} }} }}"""
EXTEND_GROUP = f"""mutation($id: ID!, $until: DateTime!) {{
  eventGroupExtend(id: $id, until: $until) {{ {SERIES_PAYLOAD} }} }}"""


def next_monday(weeks: int = 1, hour: int = 14) -> dt.datetime:
    """A Monday `weeks` weeks from now (at least one day ahead), at `hour` UTC."""
    today = dt.datetime.now(dt.UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    return monday + dt.timedelta(weeks=weeks - 1)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def series_input(
    patient: dict[str, Any] | None,
    caregiver: dict[str, Any] | None,
    first: dt.datetime,
    /,
    **overrides: Any,
) -> dict[str, Any]:
    """An hour-long series (weekly on Monday and Wednesday unless told) from `first`."""
    base = group_input(patient, caregiver, start=iso(first), end=iso(first + dt.timedelta(hours=1)))
    return {**base, "notes": "Weekly help.", **overrides}


async def stored_punchcard(
    agency: Agency, event: Any, caregiver: Any, clocked: bool = True, invoice: Any = None
) -> Any:
    """A punchcard of a visit, clocked in and/or on an invoice, stored as the visits package
    stores it."""
    doc: dict[str, Any] = {
        "_account": agency.account_id,
        "_revision": 1,
        "_deleted": False,
        "event": event,
        "user": {"_id": caregiver},
    }
    if clocked:
        doc["actual"] = {"clock_in": dt.datetime.now(dt.UTC), "method": "gps"}
    if invoice is not None:
        doc["invoice"] = {"_id": invoice, "number": "INV-1"}
    return (await agency.api.database.db.punchcards.insert_one(doc)).inserted_id
