"""Probes of a new series' visits made from the records the series read (Tx.insert gathering
the insert with the audit entries; the series handing its visits the records it read)."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from decimal import Decimal
from typing import Any

import pytest
from bson import Decimal128
from pymongo.errors import OperationFailure

import app.data.unit as unit
from app.data.collections import ScopedCollection
from app.graphql.relay import from_global_id, to_global_id
from tests.factories import Agency, Api, create_patient, create_user, location, person_name
from tests.factories_live import published, receiving
from tests.factories_scheduling import (
    CREATE_GROUP,
    EXTEND_GROUP,
    UPDATE_EVENT,
    next_monday,
    scheduling_agency,
    series_input,
)
from tests.test_webhooks import webhook_for

IMPORT_GROUPS = """mutation($input: [EventGroupCreateInput!]!) { eventGroupImport(input: $input) {
  eventGroups { id } userErrors { field code message } } }"""


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


def plain(value: Any) -> Any:
    """A stored value without BSON's decimals (compared as Decimal)."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


SHOWN = ("patient", "attendees", "service", "billing", "location", "notes")


async def stored_series(api: Api, agency: Agency, group_id: Any) -> tuple[dict, list[dict]]:
    db = api.database.db
    group = await db.eventsgroups.find_one({"_id": group_id})
    visits = [v async for v in db.events.find({"_group": group_id}, sort=[("start", 1)])]
    return plain(group), [plain(v) for v in visits]


async def test_imported_series_each_copy_their_own_records_into_their_visits(api: Api) -> None:
    # given two caregivers (Ana with her own PSW rate) and two patients far apart
    agency = await scheduling_agency(api)
    ana = await create_user(
        agency, name=person_name("Ana", "Lopez"), services=[{"code": "PSW", "payRate": "30.00"}]
    )
    bo = await create_user(agency, name=person_name("Bo", "Chen"))
    walter = await create_patient(agency, name=person_name("Walter", "Green"))
    edith = await create_patient(
        agency, name=person_name("Edith", "Piaf"), locations=[location(city="Ottawa")]
    )
    first = next_monday()

    # when three series are imported at once: Ana for Walter, Bo for Edith (nursing, billed
    # ), both for Walter in the evening
    batch = [
        series_input(walter, ana, first),
        series_input(edith, bo, first, service={"code": "RN"}),
        {
            **series_input(walter, ana, first + dt.timedelta(hours=4)),
            "attendees": [{"user": ana["id"]}, {"user": bo["id"], "payRate": "19.00"}],
        },
    ]  # fmt: skip
    payload = (await agency.ok(IMPORT_GROUPS, {"input": batch}))["eventGroupImport"]
    assert payload["userErrors"] == [], payload

    # then each series' visits show that series' patient, people and rates
    groups = [key(g["id"]) for g in payload["eventGroups"]]
    expected = [
        ("Walter", "Toronto", [("Ana", Decimal("30.00"))], "PSW"),
        ("Edith", "Ottawa", [("Bo", Decimal("52.00"))], "RN"),
        ("Walter", "Toronto", [("Ana", Decimal("30.00")), ("Bo", Decimal("19.00"))], "PSW"),
    ]
    for group_id, (patient, city, people, code) in zip(groups, expected, strict=True):
        group, visits = await stored_series(api, agency, group_id)
        assert visits, group
        assert group["patient"]["name"]["first"] == patient
        assert [(a["name"]["first"], a["pay_rate"]) for a in group["attendees"]] == people
        for visit in visits:
            for field in SHOWN:
                assert visit.get(field) == group.get(field), (field, visit.get(field))
            assert visit["patient"]["name"]["first"] == patient
            assert visit["location"]["city"] == city
            assert visit["service"]["code"] == code
        # and each visit has exactly one CREATE entry, at revision 1, in booking order
        entries = [
            e
            async for e in api.database.db.audit_events.find(
                {"record_id": {"$in": [v["_id"] for v in visits]}}, sort=[("_id", 1)]
            )
        ]
        assert [(e["action"], e.get("revision")) for e in entries] == [("create", 1)] * len(visits)
        assert [e["record_id"] for e in entries] == [v["_id"] for v in visits]


async def test_a_transient_error_on_a_series_insert_is_retried_with_one_entry_a_visit(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given an agency whose first insert of visits fails with a transient transaction error
    agency = await scheduling_agency(api)
    ana = await create_user(agency, name=person_name("Ana", "Lopez"))
    walter = await create_patient(agency)
    real = ScopedCollection.insert_many
    failed: list[int] = []

    async def flaky(self: ScopedCollection, documents: Any, **kwargs: Any) -> Any:
        documents = list(documents)
        if self.raw.name == "events" and not failed:
            failed.append(len(documents))
            await asyncio.sleep(0.01)
            raise OperationFailure(
                "WriteConflict", 112, {"errorLabels": ["TransientTransactionError"]}
            )
        return await real(self, documents, **kwargs)

    monkeypatch.setattr(ScopedCollection, "insert_many", flaky)

    # when a series is booked
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        response = await agency.gql(
            CREATE_GROUP, {"input": series_input(walter, ana, next_monday(), freq="DAILY",
                                                  byweekday=[])}
        )  # fmt: skip
        gc.collect()
        await asyncio.sleep(0.05)
        gc.collect()

    # then it is booked once, after one retry, each visit with one CREATE entry
    assert response.data["eventGroupCreate"]["userErrors"] == [], response.body
    assert failed and failed[0] > 64
    group_id = key(response.data["eventGroupCreate"]["eventGroup"]["id"])
    _, visits = await stored_series(api, agency, group_id)
    assert len(visits) == failed[0]
    ids = [v["_id"] for v in visits]
    assert await api.count("audit_events", record_id={"$in": ids}, action="create") == len(ids)
    assert await api.count("audit_events", record_id=group_id, action="create") == 1
    # and nothing in the log about tasks or coroutines left behind
    noise = [r.getMessage() for r in caplog.records if "never" in r.getMessage()]
    assert noise == []


async def test_two_extensions_of_one_series_at_once_book_each_day_once(api: Api) -> None:
    # given a daily series booked to the horizon
    agency = await scheduling_agency(api)
    ana = await create_user(agency, name=person_name("Ana", "Lopez"))
    walter = await create_patient(agency)
    data = series_input(walter, ana, next_monday(), freq="DAILY", byweekday=[])
    made = await agency.ok(CREATE_GROUP, {"input": data})
    group_id = made["eventGroupCreate"]["eventGroup"]["id"]

    # when it is extended twice to the same day at once
    until = (next_monday() + dt.timedelta(weeks=30)).isoformat()
    answers = await asyncio.gather(
        *(agency.gql(EXTEND_GROUP, {"id": group_id, "until": until}) for _ in range(3))
    )

    # then each answer is the extension or a clear user error, never an unexpected one
    for answer in answers:
        assert not answer.errors, answer.body
        errors = answer.data["eventGroupExtend"]["userErrors"]
        assert all(e["code"] in {"CONFLICT", "DUPLICATE"} for e in errors), errors
    assert any(not a.data["eventGroupExtend"]["userErrors"] for a in answers)
    # and each day is booked once
    _, visits = await stored_series(api, agency, key(group_id))
    live = [v["series_start"] for v in visits if not v.get("_deleted")]
    assert len(live) == len(set(live))


IMPORT_SKILLS = """mutation($input: [SkillCreateInput!]!) { skillImport(input: $input) {
  skills { id } userErrors { field code message } } }"""


async def test_an_import_whose_last_row_repeats_the_first_is_refused_whole(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given an agency
    agency = await api.agency()

    # when 150 skills are imported, the last one repeating the first
    rows = [{"title": f"Skill {n}"} for n in range(149)] + [{"title": "skill 0"}]
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        data = await agency.ok(IMPORT_SKILLS, {"input": rows})
        gc.collect()

    # then it is a duplicate, a user error, and nothing is stored, not even a trail entry
    payload = data["skillImport"]
    assert [e["code"] for e in payload["userErrors"]] == ["DUPLICATE"], payload
    assert not payload["skills"]
    assert await api.count("skills", _account=agency.account_id) == 0
    assert await api.count("audit_events", _account=agency.account_id, record_type="Skill") == 0
    assert [r.getMessage() for r in caplog.records if "never" in r.getMessage()] == []


async def test_a_series_visits_reach_a_webhook_created_then_updated(api: Api) -> None:
    # given a webhook for visits, and a caregiver and a patient
    agency = await scheduling_agency(api)
    ana = await create_user(agency, name=person_name("Ana", "Lopez"))
    walter = await create_patient(agency)
    async with receiving() as receiver:
        await webhook_for(agency, receiver, ["event.*"])
        # when a weekly series is booked (12 visits) and its first visit is then moved
        data = series_input(walter, ana, next_monday(), freq="WEEKLY", byweekday=[])
        made = await agency.ok(CREATE_GROUP, {"input": data})
        group_id = key(made["eventGroupCreate"]["eventGroup"]["id"])
        _, visits = await stored_series(api, agency, group_id)
        first = visits[0]
        moved = {"notes": "Moved on its own."}
        answer = await agency.ok(
            UPDATE_EVENT,
            {"id": to_global_id("Event", first["_id"]), "revision": 1, "input": moved},
        )
        assert answer["eventUpdate"]["userErrors"] == [], answer
        await published(agency)
        got = await receiver.until(len(visits) + 1)
        await asyncio.sleep(0.3)

    # then each visit arrives created once, with its patient, and the first then updated
    events = [(g["event"], g["body"]["record"]["id"]) for g in receiver.received]
    ids = [to_global_id("Event", v["_id"]) for v in visits]
    assert sorted(i for e, i in events if e == "event.created") == sorted(ids)
    assert [i for e, i in events if e == "event.updated"] == [ids[0]]
    assert events.index(("event.updated", ids[0])) > events.index(("event.created", ids[0]))
    body = next(g["body"] for g in got if g["event"] == "event.created")
    assert any(c["field"] == "patient" and c["after"] for c in body["changes"]), body


async def test_a_failure_making_the_trail_stops_the_insert_with_its_transaction(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an agency where making a visit's audit entry fails (any bug there), while the
    # visits' insert is still on its way to the database
    agency = await scheduling_agency(api)
    ana = await create_user(agency, name=person_name("Ana", "Lopez"))
    walter = await create_patient(agency)
    real_changes, real_insert = unit.changes_between, ScopedCollection.insert_many
    insert_ended: list[str] = []

    def failing(before: Any, after: Any, keys: Any = None) -> Any:
        if after.get("series_start") is not None:
            raise ValueError("a bug making an entry")
        return real_changes(before, after, keys)

    async def slow(self: ScopedCollection, documents: Any, **kwargs: Any) -> Any:
        if self.raw.name != "events":
            return await real_insert(self, documents, **kwargs)
        try:
            await asyncio.sleep(0.3)
            return await real_insert(self, list(documents), **kwargs)
        except BaseException as error:
            insert_ended.append(type(error).__name__)
            raise

    monkeypatch.setattr(unit, "changes_between", failing)
    monkeypatch.setattr(ScopedCollection, "insert_many", slow)

    # when a series is booked
    data = series_input(walter, ana, next_monday(), freq="DAILY", byweekday=[])
    response = await agency.gql(CREATE_GROUP, {"input": data})
    await asyncio.sleep(0.6)

    # then the request fails and stores nothing, and the insert was stopped with the unit of
    # work, not left to run on the session of a transaction that was aborted and ended
    assert response.errors and response.errors[0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert await api.count("events", _account=agency.account_id) == 0
    assert await api.count("eventsgroups", _account=agency.account_id) == 0
    assert insert_ended == ["CancelledError"]
