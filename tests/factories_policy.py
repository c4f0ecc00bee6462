"""An agency where two caregivers each have a patient, visits around now, punchcards, payroll
lines and notes, and an invoice: what each role may see of it is the policy table's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from app.common.services import Actor
from app.data.policy import BUILT_IN
from app.graphql.relay import to_global_id
from tests.factories import Agency, Api, create_patient, create_user, person_name
from tests.factories_billing import create_invoice, line
from tests.factories_payroll import create_line, create_payroll
from tests.factories_progress_notes import create_note
from tests.factories_visits import (
    booked_visit,
    clock_agency,
    clock_in_ok,
    clock_out_ok,
    key,
    near,
)

PATIENT_SECRETS = {
    "ssn": "046-454-286",
    "dateOfBirth": "1937-01-21",
    "billing": [{"payer": "Sun Life", "policyNumber": "SL-99", "rate": "41.00"}],
    "problems": [{"title": "Type 2 diabetes"}],
}


def office_actor(role: str) -> Actor:
    """An actor of a built-in role, as the policy sees one (no account needed)."""
    found = BUILT_IN[role]
    return Actor(account_id=0, permissions=found.permissions, role_type=found.type)


@dataclass
class Household:
    """Ada and Ben, caregivers, each with a patient visited two days ago (punched, on a payroll
    line) and booked again tomorrow; a progress note on each patient, an invoice for Ada's."""

    agency: Agency
    ada: str
    ben: str
    patients: dict[str, str] = field(default_factory=dict)
    visits: dict[str, ObjectId] = field(default_factory=dict)
    tomorrow: dict[str, ObjectId] = field(default_factory=dict)
    punchcards: dict[str, str] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    payroll: str = ""
    invoice: str = ""

    def event(self, who: str, tomorrow: bool = False) -> str:
        return to_global_id("Event", (self.tomorrow if tomorrow else self.visits)[who])


async def household(api: Api) -> Household:
    agency = await clock_agency(api)
    ada = (await create_user(agency, name=person_name("Ada", "Osei"), ssn="111-22-3333"))["id"]
    ben = (await create_user(agency, name=person_name("Ben", "Abe")))["id"]
    home = Household(agency, ada, ben)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    payroll = await create_payroll(
        agency, start=str((now - dt.timedelta(days=7)).date()), end=str(now.date())
    )
    home.payroll = payroll["id"]
    for who, first in (("ada", "Walter"), ("ben", "Rita")):
        caregiver = key(getattr(home, who))
        patient = await create_patient(agency, name=person_name(first, "Green"), **PATIENT_SECRETS)
        home.patients[who] = patient["id"]
        start = now - dt.timedelta(days=2)
        home.visits[who] = await booked_visit(agency, [caregiver], key(patient["id"]), start=start)
        home.tomorrow[who] = await booked_visit(
            agency, [caregiver], key(patient["id"]), start=now + dt.timedelta(days=1)
        )
        card = await clock_in_ok(agency, home.visits[who], at=start.isoformat(), location=near(5))
        end = (start + dt.timedelta(hours=2)).isoformat()
        await clock_out_ok(agency, card["id"], at=end, location=near(5))
        home.punchcards[who] = card["id"]
        made = await create_line(agency, home.payroll, getattr(home, who), [card["id"]])
        home.lines[who] = made["id"]
        note = await create_note(agency, patient["id"], note=f"{first} had a fall.")
        home.notes[who] = note["id"]
    services = [line("PSW", "2", "34.00")]
    home.invoice = (await create_invoice(agency, home.patients["ada"], services=services))["id"]
    await agency.person_key(ada, "ada")
    await agency.person_key(ben, "ben")
    return home


def forbidden_paths(response: Any) -> list[list[Any]]:
    """The paths of the response's FORBIDDEN errors."""
    return [e.get("path") for e in response.errors if e["extensions"]["code"] == "FORBIDDEN"]


def ids(connection: dict[str, Any]) -> set[str]:
    return {node["id"] for node in connection["nodes"]}
