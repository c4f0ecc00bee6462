"""One request walks the graph, and what it costs depends on its depth, not on its rows.

An account's patients, each with next week's visits, each visit's caregivers and punchcard,
and the invoice that billed it: five levels of records, answered with one database command per
level however many patients, visits and punchcards there are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import Agency, Api, create_patient, create_user
from tests.factories_billing import billing_agency, create_invoice
from tests.factories_scheduling import MONDAY as NEXT_WEEK
from tests.factories_scheduling import create_event, event_input
from tests.factories_visits import create_punchcard, invoice_punchcards, key

WALK = """query($from: DateTime!, $to: DateTime!) { patients(first: 50) { nodes { fullName
  events(filter: {start: {start: $from, end: $to}}) { totalCount nodes { start
    caregivers { fullName }
    punchcard { actual { clockIn } invoice { record { number total } } } } } } } }"""


async def agency_with_patients(api: Api, patients: int) -> Agency:
    """Each patient has two visits next week by a caregiver, clocked and invoiced."""
    agency = await billing_agency(api)
    caregiver = await create_user(agency, name={"first": "Ana", "last": "Lopez"})
    for number in range(patients):
        patient = await create_patient(agency, name={"first": "Pat", "last": f"P{number}"})
        invoice = await create_invoice(agency, patient["id"])
        cards = []
        for day in (0, 2):
            # one caregiver: each patient's visits at their own hour, or they would clash
            visit = event_input(patient, caregiver, day=day, hour=8 + number)
            event = await create_event(agency, visit)
            cards.append(
                await create_punchcard(agency, caregiver["id"], patient["id"], event=event["id"])
            )
        await invoice_punchcards(agency, key(invoice["id"]), cards)
    return agency


async def walk(agency: Agency) -> tuple[Any, int]:
    response = await agency.gql(
        WALK, {"from": NEXT_WEEK.isoformat(), "to": (NEXT_WEEK + dt.timedelta(days=7)).isoformat()}
    )
    assert response.status == 200 and not response.errors, response.body
    return response.data, response.db_commands


async def test_walking_the_graph_costs_a_command_per_level_not_per_row(api: Api) -> None:
    # given one agency with 2 patients and another with 6, each patient with 2 invoiced visits
    small, large = await agency_with_patients(api, 2), await agency_with_patients(api, 6)
    # when both walk from patients to visits, caregivers, punchcards and invoices
    _, small_commands = await walk(small)
    large_data, large_commands = await walk(large)
    # then every level is there for every row
    patients = large_data["patients"]["nodes"]
    assert len(patients) == 6
    for patient in patients:
        visits = patient["events"]["nodes"]
        assert patient["events"]["totalCount"] == 2 and len(visits) == 2
        for visit in visits:
            assert visit["caregivers"] == [{"fullName": "Ana Lopez"}]
            assert visit["punchcard"]["invoice"]["record"]["total"] is not None
    # and the number of database commands is the same for 3 times the rows: one per level
    assert small_commands == large_commands == 5
