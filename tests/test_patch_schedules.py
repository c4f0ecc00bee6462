"""Visits and series patch as every record does: a service given with its code keeps the rates
the visit holds unless the code changes, and "this and following" patches the old series."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.common.services import decode
from app.graphql.relay import from_global_id
from tests.factories import Agency, Api, location
from tests.factories_scheduling import (
    CHANGE_GROUP,
    CREATE_GROUP,
    SPLIT_GROUP,
    UPDATE_EVENT,
    create_event,
    event_input,
    iso,
    next_monday,
    people,
    scheduling_agency,
    series_input,
)

OWN_RATES = {"code": "PSW", "payRate": "25.00"}
"""A PSW visit paid more than the account's 22.50."""
SERIES = """query($id: ID!) { eventGroup(id: $id) { id revision
  location { address1 city notes } service { code description billRate payRate } } }"""


async def stored(agency: Agency, collection: str, global_id: str) -> dict[str, Any]:
    decoded = from_global_id(global_id)
    assert decoded is not None
    document = await agency.api.database.db[collection].find_one({"_id": decoded[1]})
    assert document is not None
    return decode(document)  # type: ignore[no-any-return]


async def series_with_own_rates(agency: Agency) -> dict[str, Any]:
    """A weekly PSW series at home, paying its caregiver 25.00."""
    caregiver, patient = await people(agency)
    first = next_monday()
    data = series_input(patient, caregiver, first, service=OWN_RATES, location=location())
    made = await agency.ok(CREATE_GROUP, {"input": data})
    assert made["eventGroupCreate"]["userErrors"] == []
    return made["eventGroupCreate"]["eventGroup"]  # type: ignore[no-any-return]


async def test_a_visit_given_its_service_code_and_a_rate_keeps_its_other_rate(api: Api) -> None:
    # given a PSW visit paying 25.00
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    visit = await create_event(agency, event_input(patient, caregiver, service=OWN_RATES))

    # when its bill rate alone changes, with the same code
    data = await agency.ok(
        UPDATE_EVENT,
        {"id": visit["id"], "revision": 1,
         "input": {"service": {"code": "PSW", "billRate": "40.00"}}},
    )  # fmt: skip

    # then it keeps its pay rate and description
    assert data["eventUpdate"]["userErrors"] == []
    service = data["eventUpdate"]["event"]["service"]
    assert service == {"code": "PSW", "description": "Personal support", "billRate": "40.00",
                       "payRate": "25.00"}  # fmt: skip
    kept = (await stored(agency, "events", visit["id"]))["service"]
    assert (str(kept["bill_rate"]), str(kept["pay_rate"])) == ("40.00", "25.00")


async def test_a_visit_moved_to_another_service_takes_that_services_rates(api: Api) -> None:
    # given a PSW visit paying 25.00
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    visit = await create_event(agency, event_input(patient, caregiver, service=OWN_RATES))

    # when it becomes a nursing visit
    data = await agency.ok(
        UPDATE_EVENT, {"id": visit["id"], "revision": 1, "input": {"service": {"code": "RN"}}}
    )

    # then the rates and description are the nursing service's, not the old visit's
    assert data["eventUpdate"]["event"]["service"] == {
        "code": "RN", "description": "Nursing visit", "billRate": "85.00", "payRate": "52.00"
    }  # fmt: skip


async def test_a_series_given_its_service_code_and_a_rate_keeps_its_other_rate(
    api: Api,
) -> None:
    # given a PSW series paying 25.00
    agency = await scheduling_agency(api, timezone="UTC")
    series = await series_with_own_rates(agency)

    # when its bill rate alone changes
    data = await agency.ok(
        CHANGE_GROUP,
        {"id": series["id"], "revision": series["revision"],
         "input": {"service": {"code": "PSW", "billRate": "40.00"}}},
    )  # fmt: skip

    # then it keeps its pay rate
    assert data["eventGroupUpdate"]["userErrors"] == []
    found = (await agency.ok(SERIES, {"id": series["id"]}))["eventGroup"]
    assert (found["service"]["billRate"], found["service"]["payRate"]) == ("40.00", "25.00")


async def test_this_and_following_patches_the_old_series(api: Api) -> None:
    # given a PSW series at home paying 25.00
    agency = await scheduling_agency(api, timezone="UTC")
    series = await series_with_own_rates(agency)

    # when it is split a week on with a note on its place and a new bill rate
    at = next_monday(weeks=2)
    data = await agency.ok(
        SPLIT_GROUP,
        {"id": series["id"], "revision": series["revision"], "at": iso(at),
         "input": {"location": {"notes": "Side door"},
                   "service": {"code": "PSW", "billRate": "40.00"}}},
    )  # fmt: skip

    # then the new series is the old one with those changes: its address and pay rate stay
    assert data["eventGroupSplit"]["userErrors"] == []
    successor = data["eventGroupSplit"]["newEventGroup"]["id"]
    found = (await agency.ok(SERIES, {"id": successor}))["eventGroup"]
    assert found["location"] == {"address1": "1 Main St", "city": "Toronto", "notes": "Side door"}
    assert found["service"] == {"code": "PSW", "description": "Personal support",
                                "billRate": "40.00", "payRate": "25.00"}  # fmt: skip
    document = await stored(agency, "eventsgroups", successor)
    assert document["location"]["geo"]["coordinates"] == [-79.38, 43.65]
    assert document["start"] == at.replace(tzinfo=dt.UTC)
