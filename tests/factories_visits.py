"""Punchcards made through the API, and the visits and invoices they point at."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson import ObjectId

from app.common.services import Actor
from app.graphql.relay import from_global_id, to_global_id
from app.visits.services import mark_punchcards
from tests.factories import Agency, create_patient, create_user

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
    actor = Actor(account_id=agency.account_id)
    ids = [key(p["id"]) for p in punchcards]
    return await mark_punchcards(agency.api.database, actor, "invoice", snapshot, ids)


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
