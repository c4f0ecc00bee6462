"""Subscriptions over graphql-transport-ws: the account's change feed as it commits, through the
subscriber's own view, resumable, and closed when the credential behind it goes."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from bson import ObjectId

from app.data.audit import outboxed
from app.data.outbox import Outbox
from app.db import Database
from app.graphql.relay import key_of
from app.keys import DATABASE
from app.live.events import named
from app.live.feed import Publisher, feed_order, seq_of
from app.main import create_app
from app.settings import Settings
from tests.factories import CREATE_PATIENT, Agency, Api, create_patient, patient_input
from tests.factories_identity import SIGN_OUT, person
from tests.factories_live import CHANGES, Closed, open_socket, published, subscribed
from tests.factories_progress_notes import create_note
from tests.factories_visits import booked_visit, caregiver_and_patient, clock_agency, clock_in_ok

IMPORT = """mutation($input: [PatientCreateInput!]!) { patientImport(input: $input) {
  patients { id } userErrors { code } } }"""
UPDATE_PATIENT = """mutation($id: ID!, $revision: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $revision, input: $input) { patient { revision }
  userErrors { code } } }"""


async def new_patients(agency: Agency, count: int, last: str = "Row") -> list[str]:
    rows = [patient_input(name={"first": "P", "last": f"{last} {i}"}) for i in range(count)]
    data = await agency.ok(IMPORT, {"input": rows})
    assert data["patientImport"]["userErrors"] == [], data
    return [p["id"] for p in data["patientImport"]["patients"]]


async def stored_changes(agency: Agency, **query: Any) -> list[dict[str, Any]]:
    cursor = agency.api.database.db.changes.find({"_account": agency.account_id, **query})
    return [change async for change in cursor.sort("seq", 1)]


async def test_a_subscriber_sees_a_clock_in_within_one_second(api: Api) -> None:
    # given an agency with a booked visit, and a board subscribed to punchcards
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    visit = await booked_visit(agency, [caregiver], patient)
    async with subscribed(api.client, agency.key, {"records": ["PUNCHCARD"]}) as board:
        # when the caregiver clocks in
        started = time.monotonic()
        card = await clock_in_ok(agency, visit)
        change = await board.change(timeout=1.0)
        elapsed = time.monotonic() - started
        # (the visit moved to in progress in the same transaction: not a punchcard)
        await board.nothing_for(0.5)
    # then the board hears of it within a second, as a clock-in of that punchcard
    assert elapsed < 1.0
    assert change["event"] == "punchcard.clocked_in"
    assert (change["action"], change["recordKind"]) == ("CLOCKED_IN", "PUNCHCARD")
    assert change["record"] == {"id": card["id"], "revision": 1}
    assert "actual" in change["changedFields"]
    # and the feed holds the clock-in and the visit's status change, in commit order
    stored = await stored_changes(agency, kind={"$in": ["Punchcard", "Event"]})
    assert [c["event"] for c in stored] == ["punchcard.clocked_in", "event.status_changed"]
    assert seq_of(change["id"], agency.account_id) == stored[0]["seq"]


async def test_a_subscription_carries_only_what_the_subscribers_role_may_read(api: Api) -> None:
    # given an administrator and a scheduler (no VIEW_SENSITIVE) subscribed to progress notes
    agency = await api.agency()
    scheduler = await agency.key_for("scheduler")
    patient = await create_patient(agency)
    only_notes = {"records": ["PROGRESS_NOTE"]}
    async with (
        subscribed(api.client, agency.key, only_notes) as office,
        subscribed(api.client, scheduler, only_notes) as limited,
    ):
        # when a private note and then a shared note are written
        secret = await create_note(agency, patient["id"], title="Family finances", private=True)
        shared = await create_note(agency, patient["id"], title="Visit summary")
        # then the administrator hears of both, the scheduler of the shared one only
        seen_by_office = [c["record"]["id"] for c in await office.changes(2)]
        seen_by_scheduler = [(await limited.change())["record"]["id"]]
        await limited.nothing_for(0.5)
    assert seen_by_office == [secret["id"], shared["id"]]
    assert seen_by_scheduler == [shared["id"]]
    # and the feed holds both, the private one marked so
    stored = await stored_changes(agency, kind="ProgressNote")
    assert [c["private"] for c in stored] == [True, False]


async def test_a_caregivers_subscription_carries_only_the_visits_its_role_may_read(
    api: Api,
) -> None:
    # given two caregivers who sign in, each booked on a visit, and the first one subscribed
    agency = await clock_agency(api)
    ada = await person(agency, first="Ada")
    ben = await person(agency, first="Ben")
    patient = await create_patient(agency)
    visits = {
        name: await booked_visit(
            agency, [key_of(who.user_id, "User")], key_of(patient["id"], "Patient")
        )
        for name, who in (("ada", ada), ("ben", ben))
    }
    async with subscribed(api.client, ada.token, {"records": ["PUNCHCARD"]}) as ada_board:
        # when the office clocks both caregivers in
        cards = {name: await clock_in_ok(agency, visit) for name, visit in visits.items()}
        # then Ada's subscription carries exactly the punchcards her role lets her read
        readable = await ada.ok(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            {"ids": [cards["ada"]["id"], cards["ben"]["id"]]},
        )
        visible = [node["id"] for node in readable["nodes"] if node is not None]
        carried = [c["record"]["id"] for c in await ada_board.changes(len(visible))]
        await ada_board.nothing_for(0.5)
    assert cards["ada"]["id"] in visible
    assert carried == visible


async def test_a_socket_is_refused_without_valid_credentials(api: Api) -> None:
    # given no credential, and a key that does not exist
    for authorization in (None, "Bearer not-a-key"):
        # when a socket is opened with it
        socket = await open_socket(api.client, authorization)
        got = await socket.receive(timeout=5)
        # then it is closed as forbidden, before any subscription
        assert got.type.name in ("CLOSE", "CLOSED", "CLOSING")
        assert socket.close_code == 4403
        await socket.close()


async def test_signing_out_closes_the_sessions_socket(api: Api) -> None:
    # given a caregiver signed in, subscribed with her session, and a key subscribed too
    agency = await api.agency()
    joan = await person(agency)
    async with (
        subscribed(api.client, joan.token) as hers,
        subscribed(api.client, agency.key, {"records": ["PATIENT"]}) as office,
    ):
        # when she signs out
        data = await joan.ok(SIGN_OUT)
        assert data["signOut"]["signedOut"] is True
        started = time.monotonic()
        closed = await hers.closed(timeout=5)
        # then her socket is closed as forbidden at once, and the key's socket still works
        assert closed.code == 4403
        assert time.monotonic() - started < 3
        patient = await create_patient(agency)
        assert (await office.change())["record"]["id"] == patient["id"]
    # and the trail says she signed out
    assert await api.count("audit_events", _account=agency.account_id, action="sign_out") == 1


async def test_a_revoked_keys_socket_is_closed(api: Api) -> None:
    # given a key subscribed
    agency = await api.agency()
    key = await agency.key_for("scheduler")
    async with subscribed(api.client, key) as subscriber:
        # when the key is revoked (as the account's administrators do)
        client = await api.database.db.api_clients.find_one_and_update(
            {"_account": agency.account_id, "role": "scheduler"}, {"$set": {"revoked": True}}
        )
        assert client is not None
        # then its socket is closed as forbidden at the next check
        with pytest.raises(Closed) as closed:
            await subscriber.message(timeout=5)
    assert closed.value.code == 4403


async def test_reconnecting_with_the_last_id_receives_the_gap_once(api: Api) -> None:
    # given a subscriber that saw two new patients, then went away
    agency = await api.agency()
    async with subscribed(api.client, agency.key, {"records": ["PATIENT"]}) as first:
        before = [await create_patient(agency) for _ in range(2)]
        seen = await first.changes(2)
    assert [c["record"]["id"] for c in seen] == [p["id"] for p in before]
    # when three more are made while it is away, and it comes back with the last id it saw
    missed = await new_patients(agency, 3, "Missed")
    variables = {"records": ["PATIENT"], "after": seen[-1]["id"]}
    async with subscribed(api.client, agency.key, variables) as again:
        gap = await again.changes(3)
        later = await create_patient(agency)
        live = await again.change()
        await again.nothing_for(0.5)
    # then it receives exactly what it missed, in order, then what happens next
    assert [c["record"]["id"] for c in gap] == missed
    assert live["record"]["id"] == later["id"]
    numbers = [seq_of(c["id"], agency.account_id) for c in [*seen, *gap, live]]
    assert numbers == sorted(set(numbers))


async def test_a_resume_point_must_be_the_accounts_and_within_the_window(api: Api) -> None:
    # given a change in one account, and another account
    agency, other = await api.agency(), await api.agency()
    async with subscribed(api.client, agency.key, {"records": ["PATIENT"]}) as first:
        await create_patient(agency)
        seen = await first.change()
    cases = [
        (other.key, seen["id"], "Not the id of a change of your account."),
        (agency.key, "garbage", "Not the id of a change of your account."),
    ]
    for key, after, message in cases:
        # when it resumes with an id not its own, or not an id at all
        async with subscribed(api.client, key, {"after": after}) as subscriber:
            answer = await subscriber.message()
        # then the subscription is refused, saying why
        assert answer["type"] in ("error", "next"), answer
        errors = answer["payload"] if answer["type"] == "error" else answer["payload"]["errors"]
        assert errors[0]["message"] == message
    # and when the changes after the point have left the feed (the retention window)
    await create_patient(agency)
    await asyncio.sleep(0.5)
    db = api.database.db.changes
    await db.delete_many(
        {"_account": agency.account_id, "seq": {"$gt": seq_of(seen["id"], agency.account_id)}}
    )
    async with subscribed(api.client, agency.key, {"after": seen["id"]}) as late:
        answer = await late.message()
    errors = answer["payload"] if answer["type"] == "error" else answer["payload"]["errors"]
    assert errors[0].get("extensions", {}).get("code") == "CHANGES_EXPIRED", answer


async def test_the_socket_runs_subscriptions_only_and_says_so(api: Api) -> None:
    # given a patient, and a socket whose first operation is a mutation of that patient
    agency = await api.agency()
    patient = await create_patient(agency)
    mutation = """mutation($id: ID!) { patientUpdate(id: $id, revision: 1,
      input: {generalNotes: "Over the socket"}) { userErrors { code } } }"""
    variables = {"id": patient["id"]}
    async with subscribed(api.client, agency.key, variables, query=mutation) as subscriber:
        refused = await subscriber.message()
        # when the next operation does not parse, and the one after is a subscription
        await subscriber.socket.send_json(
            {"id": "2", "type": "subscribe", "payload": {"query": "subscription {"}}
        )
        unparsed = await subscriber.message()
        await subscriber.socket.send_json(
            {"id": "3", "type": "subscribe", "payload": {"query": CHANGES}}
        )
        await asyncio.sleep(0.3)
        await create_patient(agency)
        change = await subscriber.change()
    # then the mutation is refused in words, and nothing was stored
    assert refused["type"] == "error" and refused["id"] == "1", refused
    assert refused["payload"][0]["message"].startswith("Only subscriptions are served")
    stored = await api.database.db.patients.find_one({"_id": key_of(patient["id"], "Patient")})
    assert stored is not None and stored.get("general_notes") is None
    # and the syntax error is told, not met with silence
    assert unparsed["type"] == "error" and unparsed["id"] == "2", unparsed
    assert "Syntax Error" in unparsed["payload"][0]["message"]
    # and the socket still serves its subscription
    assert change["event"] == "patient.created"


async def test_following_an_id_that_names_no_record_is_refused(api: Api) -> None:
    # given an account
    agency = await api.agency()
    # when a subscription follows ids that are not records' ids
    async with subscribed(api.client, agency.key, {"ids": ["zzz", ""]}) as subscriber:
        answer = await subscriber.message()
    # then it is refused, saying which
    errors = answer["payload"] if answer["type"] == "error" else answer["payload"]["errors"]
    assert errors[0]["message"] == "Not the id of a record: 'zzz'.", answer
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_subscription_can_follow_chosen_records(api: Api) -> None:
    # given two patients, and a subscription to one of them
    agency = await api.agency()
    followed, other = await create_patient(agency), await create_patient(agency)
    await published(agency)
    async with subscribed(api.client, agency.key, {"ids": [followed["id"]]}) as subscriber:
        # when both change
        for patient in (other, followed):
            data = await agency.ok(
                UPDATE_PATIENT,
                {
                    "id": patient["id"],
                    "revision": 1,
                    "input": {"generalNotes": "Moved to ground floor"},
                },
            )
            assert data["patientUpdate"]["userErrors"] == [], data
        change = await subscriber.change()
        await subscriber.nothing_for(0.5)
    # then only the followed one's change is sent
    assert (change["event"], change["record"]["id"]) == ("patient.updated", followed["id"])
    assert change["changedFields"] == ["generalNotes"]


async def test_the_publisher_dispatcher_and_hub_stop_with_the_app(
    data_dir: Path, database: Database
) -> None:
    # given an application of its own, leading on a database of its own
    settings = Settings(environment="test", data_dir=data_dir, mongodb_uri=None,
                        database_name="caregraph_live_stop", live_lease_seconds=1)  # fmt: skip
    before = asyncio.all_tasks()
    async with TestClient(TestServer(create_app(settings))) as client:
        for _ in range(50):
            if await client.app[DATABASE].db.leases.find_one({"_id": "live"}):
                break
            await asyncio.sleep(0.1)
        mine = [t for t in asyncio.all_tasks() - before if t.get_name().startswith("live-")]
        names = {t.get_name() for t in mine}
        # when it stops
    # then its hub, lease, publisher and dispatcher ran, and none of them runs on
    assert {"live-hub", "live-lease", "live-feed", "live-webhooks"} <= names
    assert [t.get_name() for t in mine if not t.done()] == []
    # and the lease was given up at once, for another process to take
    assert await database.client["caregraph_live_stop"].leases.find_one({"_id": "live"}) is None


@pytest.mark.slow
async def test_a_burst_of_a_thousand_changes_reaches_a_subscriber_whole_and_in_order(
    api: Api,
) -> None:
    # given a subscriber
    agency = await api.agency()
    async with subscribed(api.client, agency.key, {"records": ["PATIENT"]}) as subscriber:
        # when four imports of 250 patients commit at once, then 20 single creates
        batches = await asyncio.gather(*(new_patients(agency, 250, f"B{i}") for i in range(4)))
        singles = [(await agency.ok(CREATE_PATIENT, {"input": patient_input()}))
                   ["patientCreate"]["patient"]["id"] for _ in range(20)]  # fmt: skip
        received = await subscriber.changes(1020, timeout=120)
        await subscriber.nothing_for(0.5)
    # then every change arrives once, numbered one after another in the account's feed
    made = {patient for batch in batches for patient in batch} | set(singles)
    assert [c["record"]["id"] for c in received if c["record"]["id"] in made] == [
        c["record"]["id"] for c in received
    ]
    assert {c["record"]["id"] for c in received} == made
    numbers = [seq_of(c["id"], agency.account_id) for c in received]
    assert numbers == list(range(numbers[0], numbers[0] + 1020))
    # and each import's patients arrive together, in the order they were written
    for batch in batches:
        positions = [
            next(i for i, c in enumerate(received) if c["record"]["id"] == p) for p in batch
        ]
        assert positions == list(range(positions[0], positions[0] + 250))
    assert [c["record"]["id"] for c in received[-20:]] == singles


def entry(
    record_type: str, action: str, *changes: tuple[str, Any, Any], **more: Any
) -> dict[str, Any]:
    """An audit entry as the trail stores it."""
    fields = [{"field": f, "before": b, "after": a} for f, b, a in changes]
    return {"record_type": record_type, "action": action, "changes": fields, **more}


@pytest.mark.parametrize(
    ("audited", "event"),
    [
        (
            entry("Punchcard", "create", ("actual", None, {"clock_in": 1, "clock_out": None})),
            "punchcard.clocked_in",
        ),
        (
            entry("Punchcard", "create", ("actual", None, {"clock_in": 1, "clock_out": 2})),
            "punchcard.created",
        ),
        (
            entry(
                "Punchcard", "update", ("actual", {"clock_in": 1}, {"clock_in": 1, "clock_out": 2})
            ),
            "punchcard.clocked_out",
        ),
        (
            entry("Punchcard", "update", ("actual", {"clock_out": 2}, {"clock_out": 3})),
            "punchcard.updated",
        ),
        (
            entry("Ticket", "update", ("ticketStatus", "new", "in_progress")),
            "ticket.status_changed",
        ),
        (
            entry("Ticket", "update", ("categories.0.comments", None, {"title": "Hi"})),
            "ticket.commented",
        ),
        (entry("Invoice", "update", ("closed", False, True)), "invoice.closed"),
        (entry("Payment", "update", ("void", False, True)), "payment.voided"),
        (entry("Event", "update", ("status", "scheduled", "in_progress")), "event.status_changed"),
        (entry("Event", "delete", ("deleted", False, True)), "event.deleted"),
        (entry("EventGroup", "restore"), "event_group.restored"),
        (
            entry("Ticket", "update", ("notes", 1, 2), event="ticket.status_changed"),
            "ticket.status_changed",
        ),
        (entry("User", "sign_in"), None),
        (entry("ApiClient", "authorize"), None),
        (entry("Webhook", "create"), None),
    ],
)
def test_each_change_is_named_from_its_audit_entry(
    audited: dict[str, Any], event: str | None
) -> None:
    # given an audit entry, then the feed names its change so (or not at all)
    found = named(audited)
    assert (found.event if found else None) == event


def test_the_feed_keeps_transactions_whole_and_each_records_revisions_in_order() -> None:
    # given three transactions read from the outbox, the later one written by a server whose
    # clock is behind: its change of the patient (revision 3) seems older than revision 2's
    t0 = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    a, b, c = ObjectId(), ObjectId(), ObjectId()
    first = [
        {"_id": ObjectId(), "transaction": a, "at": t0, "record_type": "Patient",
         "record_id": 1, "revision": 2},
        {"_id": ObjectId(), "transaction": a, "at": t0 + dt.timedelta(milliseconds=5),
         "record_type": "Tag", "record_id": 7, "revision": 1},
    ]  # fmt: skip
    skewed = [{"_id": ObjectId(), "transaction": b, "at": t0 - dt.timedelta(milliseconds=40),
               "record_type": "Patient", "record_id": 1, "revision": 3}]  # fmt: skip
    other = [{"_id": ObjectId(), "transaction": c, "at": t0 + dt.timedelta(milliseconds=2),
              "record_type": "Tag", "record_id": 8, "revision": 1}]  # fmt: skip
    # when the feed orders them
    ordered = feed_order([*skewed, *other, *first])
    # then the patient's revision 2 comes before its revision 3, and each transaction is whole
    assert [e["transaction"] for e in ordered] == [c, a, a, b]


async def test_only_a_transactions_first_entry_is_in_the_outbox_and_it_names_the_rest(
    api: Api,
) -> None:
    # given an agency, when three patients are imported in one transaction
    agency = await api.agency()
    ids = [key_of(gid, "Patient") for gid in await new_patients(agency, 3, last="Outbox")]
    trail = api.database.db.audit_events.find(
        {"_account": agency.account_id, "record_type": "Patient", "record_id": {"$in": ids}}
    )
    entries = [entry async for entry in trail.sort("_id", 1)]
    # then the three entries name one transaction, and only the first names them all (the
    # publisher may have taken its mark already; the others never carry one)
    assert len({e["transaction"] for e in entries}) == 1
    head, *rest = entries
    assert head["transaction_entries"] == [e["_id"] for e in entries]
    assert all("outbox" not in e and "transaction_entries" not in e for e in rest)
    # and the feed publishes the three together, in order
    await published(agency)
    stored = await stored_changes(agency, kind="Patient", record={"$in": ids})
    assert [c["record"] for c in stored] == ids
    assert [c["seq"] for c in stored] == list(range(stored[0]["seq"], stored[0]["seq"] + 3))


async def test_the_outbox_hands_out_whole_transactions_about_a_batch_at_a_time(
    database: Database,
) -> None:
    # given an outbox of its own holding transactions of 3, 1 and 2 entries, and an entry
    # marked before marks named their transaction's entries
    own = Database(database.client, database.client[f"outbox_{ObjectId()}"], database.counter)
    t0 = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    sizes = [3, 1, 2]
    written: list[list[dict[str, Any]]] = []
    for n, size in enumerate(sizes):
        at = t0 + dt.timedelta(seconds=n)
        entries = [{"_id": ObjectId(), "at": at, "record_id": i} for i in range(size)]
        written.append(outboxed(entries, ObjectId()))
    legacy = {"_id": ObjectId(), "at": t0 + dt.timedelta(seconds=9), "outbox": True}
    await own.db.audit_events.insert_many([e for t in written for e in t] + [legacy])
    outbox = Outbox(own)
    try:
        # when batches of about 2, 4 and 100 entries are asked for
        smallest, four, everything = [await outbox.waiting(n) for n in (2, 4, 100)]
    finally:
        await database.client.drop_database(own.db.name)

    # then a batch holds whole transactions: the first, however large, then as many as fit
    def ids(batch: list[dict[str, Any]]) -> set[Any]:
        return {e["_id"] for e in batch}

    assert ids(smallest) == {e["_id"] for e in written[0]}
    assert ids(four) == {e["_id"] for e in written[0] + written[1]}
    assert ids(everything) == {e["_id"] for t in written for e in t} | {legacy["_id"]}


async def test_an_import_of_five_thousand_records_is_published_in_one_step_whole_and_in_order(
    database: Database,
) -> None:
    # given an outbox of its own holding the largest import (5,000 records, one transaction),
    # then a single change; the import's entries named by its first
    own = Database(database.client, database.client[f"outbox_{ObjectId()}"], database.counter)
    at = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    imported = outboxed(
        [{**entry("Patient", "create"), "_id": ObjectId(), "_account": 7, "at": at,
          "record_id": ObjectId()} for _ in range(5000)],
        ObjectId(),
    )  # fmt: skip
    single = outboxed(
        [{**entry("Patient", "create"), "_id": ObjectId(), "_account": 7,
          "at": at + dt.timedelta(seconds=1), "record_id": ObjectId()}],
        ObjectId(),
    )  # fmt: skip
    await own.db.audit_events.insert_many(imported + single)
    publisher = Publisher(own, lambda last: None)
    try:
        # when the publisher steps until the outbox is empty
        steps = [await publisher.step(), await publisher.step(), await publisher.step()]
        stored = [c async for c in own.db.changes.find({}, sort=[("seq", 1)])]
        marked = await own.db.audit_events.count_documents({"outbox": True})
    finally:
        await database.client.drop_database(own.db.name)
    # then the import went in one step (more than a batch, but whole), then the single change,
    # each record once, in the order written, numbered one after another
    assert steps == [5000, 1, 0]
    assert [c["record"] for c in stored] == [e["record_id"] for e in imported + single]
    assert [c["seq"] for c in stored] == list(range(1, 5002))
    assert marked == 0
