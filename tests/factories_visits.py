"""Punchcards made through the API, and the visits and invoices they point at."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from bson import ObjectId

from app.accounts.services import create_account, create_api_client
from app.common.services import Actor, encode
from app.data.scope import Scope
from app.graphql.relay import from_global_id, to_global_id
from app.scheduling.documents import Event
from app.visits.marking import mark_punchcards
from tests.factories import Agency, Api, create_patient, create_user

_clock_numbers = itertools.count(1)

PUNCHCARD_FIELDS = """id revision statHoliday
  event { id } eventSnapshot { start end serviceCode status }
  actual { clockIn clockOut method notes clockInLocation { latitude longitude } }
  bill { hours rate amount billable } pay { hours rate amount overtimeHours holiday }
  billing { periodStart periodEnd payer } service { code description billRate payRate }
  invoice { number date record { id } } payroll { start end record { id } }
  patient { name { first last } record { id } } user { name { first last } record { id } }
  location { city } locationEnd { city }"""
CREATE_PUNCHCARD = f"""mutation($input: PunchcardCreateInput!) {{ punchcardCreate(input: $input) {{
  punchcard {{ {PUNCHCARD_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_PUNCHCARD = """mutation($id: ID!, $revision: Int!, $input: PunchcardUpdateInput!) {
  punchcardUpdate(id: $id, revision: $revision, input: $input) {
  punchcard { id revision actual { notes } } userErrors { field message code } } }"""
DELETE_PUNCHCARD = """mutation($id: ID!) { punchcardDelete(id: $id, reason: "Punched twice") {
  punchcard { id deleted } userErrors { field message code } } }"""

MONDAY = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)


def at(day: int, hour: int, minute: int = 0) -> str:
    """An ISO time `day` days after a fixed Monday."""
    return (MONDAY + dt.timedelta(days=day, hours=hour, minutes=minute)).isoformat()


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


def event_id(event: ObjectId) -> str:
    return to_global_id("Event", event)


def invoice_id(invoice: ObjectId) -> str:
    return to_global_id("Invoice", invoice)


async def stored_event(agency: Agency, day: int = 0, **fields: Any) -> ObjectId:
    """A scheduled visit stored as the scheduling package stores it (start, end, status...)."""
    start = MONDAY + dt.timedelta(days=day, hours=9)
    doc = {
        "_account": agency.account_id,
        "_revision": 1,
        "start": start,
        "end": start + dt.timedelta(hours=2),
        "status": "completed",
        "service": {"code": "PSW"},
        **fields,
    }
    return (await agency.api.database.db.events.insert_one(doc)).inserted_id


INVOICE_DATE = dt.datetime(2025, 3, 31)


async def stored_invoice(agency: Agency, number: str = "INV-7") -> ObjectId:
    doc = {
        "_account": agency.account_id,
        "_revision": 1,
        "number": number,
        "_search": {"number": number},
    }
    doc["invoice_date"] = INVOICE_DATE
    return (await agency.api.database.db.invoices.insert_one(doc)).inserted_id


async def invoice_punchcards(
    agency: Agency, invoice: ObjectId, punchcards: list[dict[str, Any]], number: str = "INV-7"
) -> int:
    """Bill punchcards on an invoice as the billing package does: a system step."""
    snapshot = {"_id": invoice, "number": number, "date": INVOICE_DATE}
    scope = Scope(agency.api.database, Actor(account_id=agency.account_id))
    ids = [key(p["id"]) for p in punchcards]
    return await mark_punchcards(scope, "invoice", snapshot, ids)


async def people(agency: Agency) -> tuple[str, str]:
    """A caregiver and a patient's global IDs."""
    caregiver = await create_user(agency, name={"first": "Ada", "last": "Osei"})
    patient = await create_patient(agency)
    return caregiver["id"], patient["id"]


def punchcard_input(caregiver: str, patient: str | None = None, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "user": {"record": caregiver},
        "actual": {
            "clockIn": at(0, 9, 3),
            "clockOut": at(0, 11, 1),
            "method": "GPS",
            "clockInLocation": {"latitude": 43.65, "longitude": -79.38},
        },
        "bill": {"hours": "2", "rate": "34.00"},
        "pay": {"hours": "2", "rate": "22.50"},
        "service": {"code": "PSW", "billRate": "34.00", "payRate": "22.50"},
    }
    if patient is not None:
        base["patient"] = {"record": patient}
    return {**base, **fields}


async def create_punchcard(
    agency: Agency, caregiver: str, patient: str | None = None, **fields: Any
) -> dict[str, Any]:
    data = await agency.ok(
        CREATE_PUNCHCARD, {"input": punchcard_input(caregiver, patient, **fields)}
    )
    assert data["punchcardCreate"]["userErrors"] == [], data
    return data["punchcardCreate"]["punchcard"]


# --- clocking in and out -------------------------------------------------------------------

CLOCK_FIELDS = """id statHoliday event { id status } eventSnapshot { start end status }
  actual { clockIn clockOut method notes clockInDistanceMeters clockOutDistanceMeters
    clockInLocation { latitude longitude } clockOutLocation { latitude longitude } }
  bill { hours rate amount billable } pay { hours rate amount holiday }
  billing { periodStart periodEnd payer } service { code billRate payRate }
  flags { kind punch reason distanceMeters minutes }
  patient { name { first last } } user { name { first last } record { id } } location { city }"""
# the office records these punches for the caregiver (an API key is nobody's own), so they
# carry a reason unless a test says otherwise; a caregiver's own punch needs none
CLOCK_IN = f"""mutation($event: ID!, $at: DateTime, $location: GeoPointInput, $caregiver: ID,
  $method: ClockMethod, $notes: String, $reason: CorrectionReason = DEVICE_PROBLEM) {{
  punchcardClockIn(event: $event, at: $at, location: $location, caregiver: $caregiver,
    method: $method, notes: $notes, reason: $reason) {{
  punchcard {{ {CLOCK_FIELDS} }} userErrors {{ field message code }} }} }}"""
CLOCK_OUT = f"""mutation($punchcard: ID, $event: ID, $caregiver: ID, $at: DateTime,
  $location: GeoPointInput, $notes: String, $reason: CorrectionReason = DEVICE_PROBLEM) {{
  punchcardClockOut(punchcard: $punchcard, event: $event, caregiver: $caregiver, at: $at,
    location: $location, notes: $notes, reason: $reason) {{
  punchcard {{ {CLOCK_FIELDS} }} userErrors {{ field message code }} }} }}"""

HOME = (-79.3832, 43.6532)
"""The patient's door (longitude, latitude), in Toronto."""
VISIT_DAY = dt.datetime(2025, 3, 3, 14, tzinfo=dt.UTC)
"""09:00 in Toronto (EST) on a Monday: the clock tests' visits start then."""
CLOCK_SERVICES = [
    {"code": "PSW", "description": "Personal support", "bill_rate": Decimal("34.00"),
     "pay_rate": Decimal("22.50")},
]  # fmt: skip


def near(metres_north: float) -> dict[str, float]:
    """A position about this many metres north of the patient's door."""
    return {"longitude": HOME[0], "latitude": HOME[1] + metres_north / 111_195}


def local(hour: int, minute: int = 0, day: dt.datetime = VISIT_DAY) -> str:
    """An ISO time on the visit's day, `hour` counted from 09:00 Toronto = 9."""
    return (day + dt.timedelta(hours=hour - 9, minutes=minute)).isoformat()


async def clock_agency(api: Api, **settings: Any) -> Agency:
    """An agency in Toronto selling PSW visits, with Canada Day 2025 as a holiday, and the
    account settings given (visit_settings, billing_settings...) over the defaults."""
    account = await create_account(
        api.database,
        f"Clock agency {next(_clock_numbers)}",
        services=CLOCK_SERVICES,
        settings={"timezone": "America/Toronto"},
        holidays=[{"date": dt.date(2025, 7, 1), "name": "Canada Day"}],
        **settings,
    )
    key, secret = await create_api_client(api.database, account["_id"], "Administrator")
    return Agency(api, account["_id"], key, secret, to_global_id("Account", account["_id"]))


async def caregiver_and_patient(agency: Agency) -> tuple[ObjectId, ObjectId]:
    caregiver = await create_user(agency, name={"first": "Ada", "last": "Osei"})
    patient = await create_patient(agency)
    return key(caregiver["id"]), key(patient["id"])


async def booked_visit(
    agency: Agency,
    caregivers: list[ObjectId],
    patient: ObjectId,
    start: dt.datetime = VISIT_DAY,
    hours: int = 2,
    **fields: Any,
) -> ObjectId:
    """A visit at the patient's door, booked for these caregivers, stored as the Event model
    stores it (written directly, so scheduling rules of other tests do not get in the way)."""
    data = {
        "account": agency.account_id,
        "start": start,
        "end": start + dt.timedelta(hours=hours),
        "status": "scheduled",
        "patient": {"_id": patient, "name": {"first": "Walter", "last": "Green"}},
        "attendees": [{"user": user, "role": "caregiver"} for user in caregivers],
        "service": {"code": "PSW"},
        "location": {"city": "Toronto", "geo": {"type": "Point", "coordinates": list(HOME)}},
        **fields,
    }
    raw = encode(Event.model_validate(data))
    return (await agency.api.database.db.events.insert_one(raw)).inserted_id


async def clock_in_ok(agency: Agency, event: ObjectId, **variables: Any) -> dict[str, Any]:
    data = await agency.ok(CLOCK_IN, {"event": event_id(event), **variables})
    assert data["punchcardClockIn"]["userErrors"] == [], data
    return data["punchcardClockIn"]["punchcard"]  # type: ignore[no-any-return]


async def clock_out_ok(agency: Agency, punchcard: str, **variables: Any) -> dict[str, Any]:
    data = await agency.ok(CLOCK_OUT, {"punchcard": punchcard, **variables})
    assert data["punchcardClockOut"]["userErrors"] == [], data
    return data["punchcardClockOut"]["punchcard"]  # type: ignore[no-any-return]
