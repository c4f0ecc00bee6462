"""Visits (events) and recurring series (event groups): booking, lists, rules and tenancy."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bson import Decimal128

from app.accounts.services import create_account, create_api_client
from app.common.clock import now
from app.common.demo import DemoAccount
from app.common.services import Actor
from app.graphql.relay import from_global_id, to_global_id
from app.patients.services import patient_store
from app.people.services import client_store, user_store
from app.scheduling import demo as scheduling_demo
from app.scheduling.services import event_store
from app.seed import demo_week
from app.seed_data import account_fields, caregiver_data, office_data, patient_data, place_of
from tests.factories import Agency, Api, create_patient, create_user
from tests.factories_people import create_client
from tests.factories_scheduling import (
    CREATE_EVENT,
    CREATE_GROUP,
    EVENT_FIELDS,
    IMPORT_EVENTS,
    UPDATE_EVENT,
    UPDATE_GROUP,
    at,
    create_event,
    create_group,
    event_input,
    group_input,
    people,
    scheduling_agency,
)

READ_EVENT = f"query($id: ID!) {{ event(id: $id) {{ {EVENT_FIELDS} }} }}"
DELETE_EVENT = """mutation($id: ID!, $reason: String!) { eventDelete(id: $id, reason: $reason) {
  event { deleted } userErrors { field code } } }"""
RESTORE_EVENT = """mutation($id: ID!) { eventRestore(id: $id) {
  event { deleted revision } userErrors { field code } } }"""
DELETE_GROUP = """mutation($id: ID!, $reason: String!) {
  eventGroupDelete(id: $id, reason: $reason) {
    eventGroup { deleted } userErrors { field code } } }"""


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


def errors(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def stored_event(api: Api, global_id: str) -> dict[str, Any]:
    document = await api.database.db.events.find_one({"_id": key(global_id)})
    assert document is not None
    return document


async def stored_group(api: Api, global_id: str) -> dict[str, Any]:
    document = await api.database.db.eventsgroups.find_one({"_id": key(global_id)})
    assert document is not None
    return document


async def notes_of(agency: Agency, query: str) -> dict[str, list[str]]:
    data = await agency.ok(query)
    return {alias: [n["notes"] for n in found["nodes"]] for alias, found in data.items()}


# --- events -------------------------------------------------------------------------------


async def test_a_visit_is_booked_with_copies_of_its_patient_caregiver_and_service(
    api: Api,
) -> None:
    # given an agency selling PSW visits, with a caregiver and a patient
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)

    payer = await create_client(agency)

    # when a 45-minute PSW visit is booked for them, billed to a client, with its expected bill
    expectation = {"amount": "25.50", "currency": "CAD", "hours": "0.75"}
    billing = {"currency": "CAD", "client": payer["id"]}
    event = await create_event(
        agency, event_input(patient, caregiver, expectation=expectation, billing=billing)
    )

    # then it shows the patient's name and home, the caregiver's name and the service's rates
    assert event["patient"] == {
        "record": {"id": patient["id"]},
        "name": {"first": "Walter", "last": "Green"},
        "location": {"city": "Toronto"},
    }
    assert event["service"] == {
        "code": "PSW", "description": "Personal support", "billRate": "34.00", "payRate": "22.50",
    }  # fmt: skip
    assert event["attendees"] == [
        {
            "user": {"id": caregiver["id"]},
            "name": {"first": "Ana", "last": "Lopez"},
            "role": "CAREGIVER",
            "payRate": "22.50",
            "status": "ASSIGNED",
        }
    ]
    assert event["caregivers"] == [{"id": caregiver["id"]}]
    assert event["location"] == {"city": "Toronto"}  # the patient's home, as none was given
    assert (event["status"], event["duration"], event["revision"]) == ("SCHEDULED", "0.7500", 1)
    assert event["expectation"] == {"amount": "25.50", "currency": "CAD", "hours": "0.75"}
    assert event["billing"] == {
        "currency": "CAD", "billRate": None, "payer": None, "billable": True,
        "client": {"id": payer["id"]},
    }  # fmt: skip
    assert (event["group"], event["createdUser"]) == (None, None)  # an API client booked it
    # and reading it by id answers the same
    assert (await agency.ok(READ_EVENT, {"id": event["id"]}))["event"] == event
    # and it is stored under the catalogue's names, money as Decimal128
    document = await stored_event(api, event["id"])
    assert document["_account"] == agency.account_id
    assert document["patient"]["_id"] == key(patient["id"])
    assert document["patient"]["name"] == {"first": "Walter", "last": "Green"}
    assert document["attendees"][0]["user"] == key(caregiver["id"])
    assert document["billing"]["client"] == key(payer["id"])
    assert document["duration"] == Decimal128("0.7500")
    assert document["expectation"]["amount"] == Decimal128("25.50")
    assert document["status"] == "scheduled" and "_created_user" not in document


async def test_visits_are_listed_by_start_and_filtered_as_a_scheduler_needs(api: Api) -> None:
    # given two caregivers, two patients and four visits imported out of date order
    agency = await scheduling_agency(api)
    ana = await create_user(agency, name={"first": "Ana", "last": "Lopez"})
    ben = await create_user(agency, name={"first": "Ben", "last": "Moss"})
    pat = await create_patient(agency, name={"first": "Pat", "last": "Hill"})
    quinn = await create_patient(agency, name={"first": "Quinn", "last": "Dale"})
    visits = [
        event_input(quinn, ana, day=8, hour=10, notes="next week"),
        event_input(quinn, ben, day=1, hour=9, notes="tuesday", status="CONFIRMED",
                    service={"code": "RN"}),
        event_input(pat, ana, day=0, hour=14, notes="monday"),
        event_input(pat, ben, day=2, hour=10, notes="wednesday", status="CANCELLED"),
        event_input(pat, None, day=3, hour=10, notes="open thursday"),
    ]  # fmt: skip
    imported = await agency.ok(IMPORT_EVENTS, {"input": visits})
    assert imported["eventImport"]["userErrors"] == []

    # when they are listed unfiltered, by each filter, and by creation
    found = await notes_of(
        agency,
        f"""{{
      all: events {{ nodes {{ notes }} }}
      week: events(filter: {{start: {{start: "{at(0, 0)}", end: "{at(7, 0)}"}}}}) {{
        nodes {{ notes }} }}
      status: events(filter: {{status: [CONFIRMED, CANCELLED]}}) {{ nodes {{ notes }} }}
      caregiver: events(filter: {{caregiver: "{ana["id"]}"}}) {{ nodes {{ notes }} }}
      patient: events(filter: {{patient: "{quinn["id"]}"}}) {{ nodes {{ notes }} }}
      service: events(filter: {{service: "RN"}}) {{ nodes {{ notes }} }}
      open: events(filter: {{unassigned: true}}) {{ nodes {{ notes }} }}
      staffed: events(filter: {{unassigned: false, patient: "{pat["id"]}"}}) {{
        nodes {{ notes }} }}
      newest: events(orderBy: {{field: CREATED_DATE, direction: DESC}}) {{ nodes {{ notes }} }}
      latest: events(orderBy: {{field: START, direction: DESC}}, first: 1) {{ nodes {{ notes }} }}
    }}""",
    )

    # then each list holds the right visits, earliest first unless told
    assert found == {
        "all": ["monday", "tuesday", "wednesday", "open thursday", "next week"],
        "week": ["monday", "tuesday", "wednesday", "open thursday"],
        "status": ["tuesday", "wednesday"],
        "caregiver": ["monday", "next week"],
        "patient": ["tuesday", "next week"],
        "service": ["tuesday"],
        "open": ["open thursday"],
        "staffed": ["monday", "wednesday"],
        "newest": ["open thursday", "wednesday", "monday", "tuesday", "next week"],
        "latest": ["next week"],
    }


async def test_visits_page_forwards_by_start_with_cursors(api: Api) -> None:
    # given three visits
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    days = [event_input(patient, caregiver, day=d, notes=f"day {d}") for d in (2, 0, 1)]
    assert (await agency.ok(IMPORT_EVENTS, {"input": days}))["eventImport"]["userErrors"] == []
    page = "query($after: String) { events(first: 2, after: $after) { totalCount nodes { notes } "
    page += "pageInfo { hasNextPage endCursor } } }"

    # when they are read two at a time
    first = (await agency.ok(page))["events"]
    second = (await agency.ok(page, {"after": first["pageInfo"]["endCursor"]}))["events"]

    # then the pages follow the start times without overlap
    assert [n["notes"] for n in first["nodes"]] == ["day 0", "day 1"]
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 3
    assert [n["notes"] for n in second["nodes"]] == ["day 2"]
    assert not second["pageInfo"]["hasNextPage"]


async def test_an_update_keeps_the_patient_copy_and_duration_in_step(api: Api) -> None:
    # given a visit, and then the patient's name corrected on their record
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    event = await create_event(agency, event_input(patient, caregiver))
    renamed = await agency.ok(
        """mutation($id: ID!) { patientUpdate(id: $id, revision: 1, input: {
          name: {first: "Walter", last: "Greene"}}) { userErrors { field } } }""",
        {"id": patient["id"]},
    )
    assert renamed["patientUpdate"]["userErrors"] == []

    # when the visit is updated with its patient and a longer end, at its revision
    changes = {"patient": {"record": patient["id"]}, "end": at(0, 16), "notes": "Two hours"}
    data = await agency.ok(UPDATE_EVENT, {"id": event["id"], "revision": 1, "input": changes})

    # then the copy of the name is refreshed and the duration follows the new end
    updated = data["eventUpdate"]["event"]
    assert data["eventUpdate"]["userErrors"] == []
    assert updated["patient"]["name"] == {"first": "Walter", "last": "Greene"}
    assert (updated["duration"], updated["revision"], updated["notes"]) == (
        "2.0000",
        2,
        "Two hours",
    )
    assert updated["attendees"] == event["attendees"]  # left out, so unchanged
    document = await stored_event(api, event["id"])
    assert document["duration"] == Decimal128("2.0000")
    assert document["patient"]["name"]["last"] == "Greene"

    # and an update still based on revision 1 is a conflict that changes nothing
    stale = await agency.ok(
        UPDATE_EVENT, {"id": event["id"], "revision": 1, "input": {"notes": "Lost"}}
    )
    assert errors(stale["eventUpdate"]) == [("revision", "CONFLICT")]
    assert await stored_event(api, event["id"]) == document


async def test_a_deleted_visit_leaves_the_list_until_restored(api: Api) -> None:
    # given two visits
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    gone = await create_event(agency, event_input(patient, caregiver, notes="gone"))
    await create_event(agency, event_input(patient, caregiver, day=1, notes="kept"))
    lists = """{ active: events { nodes { notes } }
      deleted: events(filter: {deleted: DELETED}) { nodes { notes } }
      all: events(filter: {deleted: ALL}) { nodes { notes } } }"""

    # when one is deleted with a reason
    deleted = await agency.ok(DELETE_EVENT, {"id": gone["id"], "reason": "Patient in hospital"})

    # then it is kept, marked deleted, and shown only when deleted visits are asked for
    assert deleted["eventDelete"] == {"event": {"deleted": True}, "userErrors": []}
    assert await notes_of(agency, lists) == {
        "active": ["kept"], "deleted": ["gone"], "all": ["gone", "kept"],
    }  # fmt: skip
    document = await stored_event(api, gone["id"])
    assert document["_deleted"] and document["_deleted_dates"][0]["reason"] == "Patient in hospital"

    # and once restored it is listed again
    restored = await agency.ok(RESTORE_EVENT, {"id": gone["id"]})
    assert restored["eventRestore"] == {
        "event": {"deleted": False, "revision": 3},
        "userErrors": [],
    }
    assert (await notes_of(agency, lists))["active"] == ["gone", "kept"]


async def test_each_rule_of_a_visit_refuses_it_and_writes_nothing(api: Api) -> None:
    # given a caregiver and a patient
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    twice = [{"user": caregiver["id"]}, {"user": caregiver["id"], "role": "TRAINEE"}]
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"end": at(0, 13)}, ("input.end", "INVALID")),
        ({"end": at(0, 14)}, ("input.end", "INVALID")),
        ({"end": at(1, 14, 1)}, ("input.end", "INVALID")),
        ({"attendees": [{"user": caregiver["id"], "payRate": "-1"}]},
         ("input.attendees.0.payRate", "INVALID")),
        ({"attendees": twice}, ("input.attendees", "INVALID")),
        ({"expectation": {"amount": "-0.01"}}, ("input.expectation.amount", "INVALID")),
        ({"service": {"code": "PSW", "billRate": "-5"}}, ("input.service.billRate", "INVALID")),
        ({"billing": {"billRate": "-5"}}, ("input.billing.billRate", "INVALID")),
        ({"billing": {"currency": "cad"}}, ("input.billing.currency", "INVALID")),
        ({"service": {"code": "XYZ"}}, ("input.service.code", "NOT_FOUND")),
        ({"service": {"code": "OLD"}}, ("input.service.code", "INVALID")),
    ]  # fmt: skip

    # when a visit breaking each rule is booked
    refused = []
    for overrides, _ in cases:
        data = await agency.ok(
            CREATE_EVENT, {"input": event_input(patient, caregiver, **overrides)}
        )
        assert data["eventCreate"]["event"] is None
        refused.append(errors(data["eventCreate"])[0])

    # then each is refused on the field that breaks it, and no visit is stored
    assert refused == [expected for _, expected in cases]
    assert await api.count("events", _account=agency.account_id) == 0
    assert await api.count("audit_events", _account=agency.account_id, record_type="Event") == 0


async def test_an_update_that_moves_the_start_past_the_end_is_refused(api: Api) -> None:
    # given a visit from 14:00 to 14:45
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    event = await create_event(agency, event_input(patient, caregiver))
    before = await stored_event(api, event["id"])

    # when its start alone is moved to 15:00
    data = await agency.ok(
        UPDATE_EVENT, {"id": event["id"], "revision": 1, "input": {"start": at(0, 15)}}
    )

    # then the end is named as wrong and nothing changes
    assert errors(data["eventUpdate"]) == [("input.end", "INVALID")]
    assert await stored_event(api, event["id"]) == before


async def test_an_import_is_all_or_nothing_and_names_the_bad_item(api: Api) -> None:
    # given three visits, the second of which ends before it starts
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    items = [event_input(patient, caregiver, day=d) for d in range(3)]
    items[1]["end"] = at(1, 13)

    # when they are imported
    data = await agency.ok(IMPORT_EVENTS, {"input": items})

    # then all are refused, the error names the second, and nothing is stored
    assert data["eventImport"]["events"] == []
    assert errors(data["eventImport"]) == [("input.1.end", "INVALID")]
    assert await api.count("events", _account=agency.account_id) == 0


async def test_references_to_another_agencys_records_are_refused(api: Api) -> None:
    # given a caregiver, patient, series and client of another agency, and our own people
    agency, other = await scheduling_agency(api), await scheduling_agency(api)
    caregiver, patient = await people(agency)
    their_caregiver, their_patient = await people(other)
    their_group = await create_group(other, group_input(their_patient, their_caregiver))
    their_client = await create_client(other)
    cases = [
        (event_input(their_patient, caregiver), "input.patient.record"),
        (event_input(patient, their_caregiver), "input.attendees.0.user"),
        (event_input(patient, caregiver, group=their_group["id"]), "input.group"),
        (
            event_input(patient, caregiver, billing={"client": their_client["id"]}),
            "input.billing.client",
        ),
    ]

    # when our agency books visits pointing at each of them
    refused = []
    for data, _ in cases:
        response = await agency.ok(CREATE_EVENT, {"input": data})
        refused.append(errors(response["eventCreate"]))

    # then each is not found, and nothing is written
    assert refused == [[(field, "NOT_FOUND")] for _, field in cases]
    assert await api.count("events", _account=agency.account_id) == 0

    # and updates pointing our visit at their patient or client are refused, changing nothing
    event = await create_event(agency, event_input(patient, caregiver))
    before = await stored_event(api, event["id"])
    for changes, field in [
        ({"patient": {"record": their_patient["id"]}}, "input.patient.record"),
        ({"billing": {"client": their_client["id"]}}, "input.billing.client"),
    ]:
        data = await agency.ok(UPDATE_EVENT, {"id": event["id"], "revision": 1, "input": changes})
        assert errors(data["eventUpdate"]) == [(field, "NOT_FOUND")]
    assert await stored_event(api, event["id"]) == before


async def test_another_agencys_visits_and_series_read_as_null(api: Api) -> None:
    # given a visit and a series of one agency
    agency, other = await scheduling_agency(api), await scheduling_agency(api)
    caregiver, patient = await people(agency)
    event = await create_event(agency, event_input(patient, caregiver))
    group = await create_group(agency, group_input(patient, caregiver))

    # when the other agency reads them by id, lists them, and tries to change the visit
    seen = await other.ok(
        """query($e: ID!, $g: ID!) { event(id: $e) { id } eventGroup(id: $g) { id }
        events { totalCount } eventGroups { totalCount } }""",
        {"e": event["id"], "g": group["id"]},
    )
    changed = await other.ok(UPDATE_EVENT, {"id": event["id"], "revision": 1, "input": {}})

    # then nothing of it is there, and the change is not found
    assert seen == {
        "event": None, "eventGroup": None,
        "events": {"totalCount": 0}, "eventGroups": {"totalCount": 0},
    }  # fmt: skip
    assert errors(changed["eventUpdate"]) == [("id", "NOT_FOUND")]
    assert (await stored_event(api, event["id"]))["_revision"] == 1


async def test_booking_needs_manage_schedule(api: Api) -> None:
    # given a billing clerk's key
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    await agency.key_for("billing")

    # when the clerk books a visit
    response = await agency.gql(
        CREATE_EVENT, {"input": event_input(patient, caregiver)}, role="billing"
    )

    # then it is forbidden and nothing is written
    assert errors(response.data["eventCreate"]) == [(None, "FORBIDDEN")]
    assert await api.count("events", _account=agency.account_id) == 0


async def test_the_users_who_book_and_change_a_visit_are_kept(api: Api) -> None:
    # given two office users of an agency
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    booker = await create_user(agency, roleType="OFFICE", role="scheduler")
    changer = await create_user(agency, roleType="OFFICE", role="scheduler")
    store = event_store(api.database)

    # when one books a visit and the other changes it (through the service, as users)
    data = {
        "start": dt.datetime(2030, 3, 4, 14, tzinfo=dt.UTC),
        "end": dt.datetime(2030, 3, 4, 15, tzinfo=dt.UTC),
        "patient": {"record": key(patient["id"])},
        "attendees": [{"user": key(caregiver["id"])}],
    }
    made = await store.create(Actor(agency.account_id, user_id=key(booker["id"])), data)
    await store.update(
        Actor(agency.account_id, user_id=key(changer["id"])), made["_id"], 1, {"notes": "Moved"}
    )

    # then the visit names who created it and who last changed it
    read = await agency.ok(READ_EVENT, {"id": to_global_id("Event", made["_id"])})
    assert read["event"]["createdUser"] == {"id": booker["id"]}
    assert read["event"]["lastUpdatedUser"] == {"id": changer["id"]}
    document = await stored_event(api, to_global_id("Event", made["_id"]))
    assert document["_created_user"] == key(booker["id"])
    assert document["_last_updated_user"] == key(changer["id"])


# --- event groups -----------------------------------------------------------------------------


async def test_a_series_is_stored_with_its_rule_and_lists_its_visits(api: Api) -> None:
    # given a caregiver and a patient of an agency in Toronto
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)

    # when a weekly series is created whose first visit starts at 03:00 UTC (22:00 in Toronto)
    group = await create_group(
        agency,
        group_input(
            patient, caregiver, start=at(0, 3), end=at(0, 4), byweekday=["su", "fr"], count=10
        ),
    )
    # and two visits are booked in it, and one outside it
    for day in (6, 13):
        await create_event(agency, event_input(patient, caregiver, day=day, group=group["id"]))
    await create_event(agency, event_input(patient, caregiver, day=20, notes="alone"))

    # then the rule is stored as given, in the account's time zone, with how it ends
    assert {k: group[k] for k in ("freq", "interval", "byweekday", "wkst", "timezone")} == {
        "freq": "WEEKLY", "interval": 1, "byweekday": ["SU", "FR"], "wkst": "MONDAY",
        "timezone": "America/Toronto",
    }  # fmt: skip
    assert (group["dtstart"], group["duration"]) == ("2030-03-03", "1.0000")
    assert group["ends"] == {"mode": "AFTER_COUNT", "count": 10, "until": None}
    assert group["patient"]["name"] == {"first": "Walter", "last": "Green"}
    assert group["attendees"] == [
        {"user": {"id": caregiver["id"]}, "name": {"first": "Ana"}, "payRate": "22.50"}
    ]
    document = await stored_group(api, group["id"])
    assert document["freq"] == "WEEKLY" and document["ends"] == {"mode": "after_count", "count": 10}
    assert "events" not in document  # the visits point at the series, not the other way
    # and the series lists its visits, each of which names the series
    data = await agency.ok(
        """query($id: ID!) {
        eventGroup(id: $id) { events { totalCount nodes { start group { id } } } }
        events(filter: {group: $id}) { totalCount } }""",
        {"id": group["id"]},
    )
    visits = data["eventGroup"]["events"]
    assert visits["totalCount"] == 2 and data["events"]["totalCount"] == 2
    assert [n["start"] for n in visits["nodes"]] == [
        "2030-03-10T14:00:00+00:00", "2030-03-17T14:00:00+00:00",
    ]  # fmt: skip
    assert {n["group"]["id"] for n in visits["nodes"]} == {group["id"]}


async def test_each_rule_of_a_series_refuses_it_and_writes_nothing(api: Api) -> None:
    # given a caregiver and a patient, and a patient of another agency
    agency, other = await scheduling_agency(api), await scheduling_agency(api)
    caregiver, patient = await people(agency)
    _, their_patient = await people(other)
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"count": 5, "until": at(30, 0)}, ("input.until", "INVALID")),
        ({"until": at(0, 13)}, ("input.until", "INVALID")),
        ({"interval": 0}, ("input.interval", "INVALID")),
        ({"count": 0}, ("input.count", "INVALID")),
        ({"bymonthday": [1, 0]}, ("input.bymonthday.1", "INVALID")),
        ({"bymonthday": [-32]}, ("input.bymonthday.0", "INVALID")),
        ({"byweekday": ["MO", "1XX"]}, ("input.byweekday.1", "INVALID")),
        ({"byweekday": ["0MO"]}, ("input.byweekday.0", "INVALID")),
        ({"byweekday": ["54MO"]}, ("input.byweekday.0", "INVALID")),
        ({"timezone": "Mars/Olympus"}, ("input.timezone", "INVALID")),
        ({"end": at(0, 13)}, ("input.end", "INVALID")),
        ({"end": at(2, 14)}, ("input.end", "INVALID")),
        ({"patient": {"record": their_patient["id"]}}, ("input.patient.record", "NOT_FOUND")),
        ({"service": {"code": "XYZ"}}, ("input.service.code", "NOT_FOUND")),
    ]

    # when a series breaking each rule is created
    refused = []
    for overrides, _ in cases:
        data = await agency.ok(
            CREATE_GROUP, {"input": group_input(patient, caregiver, **overrides)}
        )
        assert data["eventGroupCreate"]["eventGroup"] is None
        refused.append(errors(data["eventGroupCreate"])[0])

    # then each is refused on the field that breaks it, and no series is stored
    assert refused == [expected for _, expected in cases]
    assert await api.count("eventsgroups", _account=agency.account_id) == 0


async def test_series_are_filtered_by_patient_caregiver_activity_and_deletion(api: Api) -> None:
    # given a series that ended in 2020, one without an end date and one ending in 2031
    agency = await scheduling_agency(api)
    ana = await create_user(agency, name={"first": "Ana", "last": "Lopez"})
    ben = await create_user(agency, name={"first": "Ben", "last": "Moss"})
    pat = await create_patient(agency, name={"first": "Pat", "last": "Hill"})
    quinn = await create_patient(agency, name={"first": "Quinn", "last": "Dale"})
    ended = await create_group(agency, group_input(
        pat, ana, start="2020-01-06T14:00:00Z", end="2020-01-06T15:00:00Z",
        until="2020-06-01T00:00:00Z", notes="ended",
    ))  # fmt: skip
    open_ended = await create_group(agency, group_input(quinn, ben, notes="open", count=None))
    await create_group(
        agency, group_input(pat, ben, start=at(1, 14), end=at(1, 15), until=at(400, 0), notes="31")
    )
    lists = f"""{{
      all: eventGroups {{ nodes {{ notes }} }}
      patient: eventGroups(filter: {{patient: "{pat["id"]}"}}) {{ nodes {{ notes }} }}
      caregiver: eventGroups(filter: {{caregiver: "{ben["id"]}"}}) {{ nodes {{ notes }} }}
      active: eventGroups(filter: {{active: true}}) {{ nodes {{ notes }} }}
      over: eventGroups(filter: {{active: false}}) {{ nodes {{ notes }} }}
      newest: eventGroups(orderBy: {{field: CREATED_DATE, direction: DESC}}) {{ nodes {{ notes }} }}
      deleted: eventGroups(filter: {{deleted: DELETED}}) {{ nodes {{ notes }} }}
    }}"""

    # when the open-ended one is deleted, and the series are listed by each filter
    deleted = await agency.ok(DELETE_GROUP, {"id": open_ended["id"], "reason": "Discharged"})
    found = await notes_of(agency, lists)

    # then each list holds the right series, by first visit unless told
    assert deleted["eventGroupDelete"]["userErrors"] == []
    assert ended["ends"] == {"mode": "ON_DATE", "count": None, "until": "2020-06-01T00:00:00+00:00"}
    assert found == {
        "all": ["ended", "31"],
        "patient": ["ended", "31"],
        "caregiver": ["31"],
        "active": ["31"],
        "over": ["ended"],
        "newest": ["31", "ended"],
        "deleted": ["open"],
    }
    document = await stored_group(api, open_ended["id"])
    assert document["_deleted"] and document["ends"] == {"mode": "never"}


async def test_a_series_update_moves_how_it_ends_and_respects_revisions(api: Api) -> None:
    # given a series of 10 visits
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    group = await create_group(agency, group_input(patient, caregiver, count=10))
    ident = group["id"]

    # when it is changed to end on a date instead, at its revision
    changes = {"count": None, "until": at(60, 0), "bymonthday": [1, -1], "freq": "MONTHLY"}
    data = await agency.ok(UPDATE_GROUP, {"id": ident, "revision": 1, "input": changes})

    # then the rule and how it ends are both changed, and stored
    updated = data["eventGroupUpdate"]["eventGroup"]
    assert data["eventGroupUpdate"]["userErrors"] == []
    assert (updated["revision"], updated["freq"], updated["bymonthday"]) == (2, "MONTHLY", [1, -1])
    assert updated["ends"] == {
        "mode": "ON_DATE",
        "count": None,
        "until": "2030-05-03T00:00:00+00:00",
    }
    document = await stored_group(api, ident)
    assert "count" not in document and document["ends"]["mode"] == "on_date"

    # and giving a count again while the date stays is refused, as is a stale revision
    both = await agency.ok(UPDATE_GROUP, {"id": ident, "revision": 2, "input": {"count": 3}})
    stale = await agency.ok(UPDATE_GROUP, {"id": ident, "revision": 1, "input": {"interval": 2}})
    assert errors(both["eventGroupUpdate"]) == [("input.until", "INVALID")]
    assert errors(stale["eventGroupUpdate"]) == [("revision", "CONFLICT")]
    assert await stored_group(api, ident) == document


# --- demo data --------------------------------------------------------------------------------


async def demo_account(api: Api) -> DemoAccount:
    """A small agency built as the seed builds one: staff, 6 caregivers, 8 patients, an insurer."""
    rng, place = random.Random(7), place_of(1)
    fields = {k: v for k, v in account_fields(1).items() if k != "ext_id"}
    account = await create_account(api.database, "Demo scheduling agency", **fields)
    actor = Actor(account_id=account["_id"])
    users, patients = user_store(api.database), patient_store(api.database)
    office = await users.create_many(actor, [office_data(rng, place, 0)])
    managers = [office[0]["_id"]]
    carers = await users.create_many(
        actor, [caregiver_data(rng, place, managers) for _ in "123456"]
    )
    cared = await patients.create_many(
        actor, [patient_data(rng, place, managers) for _ in range(8)]
    )
    demo = DemoAccount(api.database, actor, rng, account, office, carers, cared, demo_week())
    insurer = {"type": "company", "company": {"name": "Blue Cross"}}
    demo.made["clients"] = [await client_store(api.database).create(actor, insurer)]
    return demo


async def test_the_demo_books_two_weeks_of_visits_with_five_weekly_series(api: Api) -> None:
    # given a small demo agency
    demo = await demo_account(api)
    started = now()

    # when the scheduling demo runs
    await scheduling_demo.seed(demo)

    # then every active patient has visits last week and this week, five of them in series
    booked, groups = demo.made["events"], demo.made["eventsgroups"]
    zone = ZoneInfo(demo.timezone)
    monday = dt.datetime.combine(demo.week_start - dt.timedelta(days=7), dt.time(), zone)
    this_monday = monday + dt.timedelta(days=7)
    # the series book up to the horizon (tests/test_series.py); this test reads the demo weeks
    events = [e for e in booked if e["start"] < monday + dt.timedelta(days=14)]
    active = {p["_id"] for p in demo.patients if p["status"] == "active"}
    for week in (monday, this_monday):
        within = [e for e in events if week <= e["start"] < week + dt.timedelta(days=7)]
        assert {e["patient"]["_id"] for e in within} == active
    assert len(groups) == min(5, len(active))
    for event in events:
        start, end = event["start"].astimezone(zone), event["end"].astimezone(zone)
        assert monday <= start < monday + dt.timedelta(days=14)
        assert dt.time(8) <= start.time() and end.time() <= dt.time(19)
        assert dt.timedelta(minutes=30) <= end - start <= dt.timedelta(hours=4)
        assert len(event["attendees"]) == 1 and event["service"]["code"] in {
            "PSW",
            "RN",
            "COMP",
            "RESP",
        }
        if end <= started:
            assert event["status"] == "completed"
        elif end > now():
            assert event["status"] == "scheduled"
    # and last week is all over, so all of it is done
    assert all(e["status"] == "completed" for e in events if e["start"] < this_monday)
    # and no caregiver is booked twice at once: every visit passed the conflict check
    assert not any(e.get("conflict_override") for e in booked)
    for first in booked:
        for second in booked:
            same = first["attendees"][0]["user"] == second["attendees"][0]["user"]
            overlap = first["start"] < second["end"] and second["start"] < first["end"]
            assert first is second or not (same and overlap)
    for group in groups:
        linked = [e for e in events if e.get("_group") == group["_id"]]
        codes = {event["start"].astimezone(zone).strftime("%a")[:2].upper() for event in linked}
        assert group["freq"] == "WEEKLY" and set(group["byweekday"]) == codes
        assert linked[0]["start"] == group["start"]
        assert {e["patient"]["_id"] for e in linked} == {group["patient"]["_id"]}
    # and the series list their visits through the API
    key_, _ = await create_api_client(api.database, demo.actor.account_id, "Demo admin")
    agency = Agency(api, demo.actor.account_id, key_, "")
    data = await agency.ok("{ eventGroups { nodes { events { totalCount } } } }")
    assert [n["events"]["totalCount"] for n in data["eventGroups"]["nodes"]] == [
        sum(1 for e in booked if e.get("_group") == g["_id"])
        for g in sorted(groups, key=lambda g: (g["start"], g["_id"]))
    ]
    assert await api.count("events", _account=demo.actor.account_id) == len(booked)
    # visits booked by a series carry its template, which has no billing or expectation
    events = [e for e in events if e.get("billing")]
    assert all(e["expectation"]["amount"].to_decimal() > Decimal(0) for e in events)
    # and visits of patients the insurer pays for are billed to it
    insured = {p["_id"] for p in demo.patients if p["billing"][0]["payer"] == "Blue Cross"}
    insurer = demo.made["clients"][0]["_id"]
    assert {e["billing"].get("client") == insurer for e in events} == {True, False}
    assert all((e["billing"].get("client") == insurer) == (e["patient"]["_id"] in insured)
               for e in events)  # fmt: skip
