"""Series book their visits: on creation, up to the horizon, and again after each kind of edit;
clocked, invoiced and separately changed visits are kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson import ObjectId

from app.common.clock import now
from app.graphql.relay import from_global_id
from app.scheduling.series_horizon import extend_all
from app.scheduling.services import event_store
from tests.factories import Agency, Api
from tests.factories_scheduling import (
    CANCEL_FROM,
    CANCEL_OCCURRENCE,
    CHANGE_GROUP,
    CREATE_GROUP,
    EXTEND_GROUP,
    SERIES_GROUP,
    SPLIT_GROUP,
    UPDATE_EVENT,
    iso,
    next_monday,
    people,
    scheduling_agency,
    series_input,
    stored_punchcard,
)

HORIZON = dt.timedelta(weeks=12)


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


def when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


async def new_series(agency: Agency, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Monday/Wednesday series from next week, with its caregiver, as the API shows it."""
    caregiver, patient = await people(agency)
    data = series_input(patient, caregiver, next_monday(), **overrides)
    response = await agency.gql(CREATE_GROUP, {"input": data})
    assert response.data["eventGroupCreate"]["userErrors"] == [], response.body
    group = await agency.ok(
        SERIES_GROUP, {"id": response.data["eventGroupCreate"]["eventGroup"]["id"]}
    )
    return group["eventGroup"], caregiver


async def series_of(agency: Agency, group_id: str) -> dict[str, Any]:
    return (await agency.ok(SERIES_GROUP, {"id": group_id}))["eventGroup"]  # type: ignore[no-any-return]


async def live_count(api: Api, agency: Agency) -> int:
    return await api.count("events", _account=agency.account_id, _deleted=False)


# --- booking ----------------------------------------------------------------------------------


async def test_a_new_series_books_its_visits_up_to_the_horizon_in_one_go(api: Api) -> None:
    # given an agency (12-week horizon) with a caregiver and a patient
    agency = await scheduling_agency(api)
    started = now()

    # when a Monday and Wednesday series is created from next week
    group, _ = await new_series(agency)

    # then its visits are booked up to the horizon, linked to it, each at its rule's start
    visits = group["events"]["nodes"]
    horizon = started + HORIZON
    first = next_monday()
    expected = [
        first + dt.timedelta(weeks=w, days=d)
        for w in range(13)
        for d in (0, 2)
        if first + dt.timedelta(weeks=w, days=d) < horizon
    ]
    assert [when(v["start"]) for v in visits] == expected
    assert all(v["seriesStart"] == v["start"] and not v["seriesException"] for v in visits)
    assert {v["group"]["id"] for v in visits} == {group["id"]}
    assert {v["notes"] for v in visits} == {"Weekly help."}
    assert abs(when(group["materialisedUntil"]) - horizon) < dt.timedelta(seconds=5)
    # and each visit has its audit entry, written with the series
    ids = [key(v["id"]) for v in visits]
    assert await api.count("audit_events", record_id={"$in": ids}, action="create") == len(ids)


async def test_booking_costs_the_same_database_commands_for_many_visits_as_for_few(
    api: Api,
) -> None:
    # given an agency with a caregiver and a patient
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)

    # when a weekly series (12 visits) and a daily one (about 84) are created
    costs, counts = [], []
    for freq in ("WEEKLY", "DAILY"):
        data = series_input(patient, caregiver, next_monday(), freq=freq, byweekday=[])
        before = await live_count(api, agency)
        response = await agency.gql(CREATE_GROUP, {"input": data})
        assert response.data["eventGroupCreate"]["userErrors"] == []
        costs.append(response.db_commands)
        counts.append(await live_count(api, agency) - before)

    # then both cost the same number of database commands, whatever the number of visits
    assert counts[1] > 6 * counts[0] > 0
    assert costs[0] == costs[1]


async def test_extending_books_further_and_never_twice(api: Api) -> None:
    # given a series booked to the horizon
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency)
    before = group["events"]["totalCount"]
    until = iso(now() + dt.timedelta(weeks=20))

    # when it is extended to 20 weeks, twice, and the horizon job runs twice
    first = (await agency.ok(EXTEND_GROUP, {"id": group["id"], "until": until}))["eventGroupExtend"]
    again = (await agency.ok(EXTEND_GROUP, {"id": group["id"], "until": until}))["eventGroupExtend"]
    for _ in range(2):
        await extend_all(api.database, event_store(api.database), now())

    # then the first extension booked about 8 more weeks, and nothing was booked twice
    assert first["userErrors"] == [] and again["userErrors"] == []
    assert 14 <= len(first["booked"]) <= 18 and again["booked"] == []
    after = await series_of(agency, group["id"])
    starts = [v["seriesStart"] for v in after["events"]["nodes"]]
    assert len(starts) == len(set(starts)) == before + len(first["booked"])
    assert after["materialisedUntil"] == first["eventGroup"]["materialisedUntil"]


async def test_the_horizon_job_books_a_series_that_fell_behind(api: Api) -> None:
    # given a series booked only to 4 weeks (as if created long ago)
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency)
    stop = now() + dt.timedelta(weeks=4)
    await api.database.db.events.delete_many({"_group": key(group["id"]), "start": {"$gte": stop}})
    await api.database.db.eventsgroups.update_one(
        {"_id": key(group["id"])}, {"$set": {"materialised_until": stop}}
    )

    # when the job runs
    await extend_all(api.database, event_store(api.database), now())

    # then the series is booked to the horizon again, each occurrence once
    after = await series_of(agency, group["id"])
    assert after["events"]["totalCount"] == group["events"]["totalCount"]
    assert when(after["materialisedUntil"]) > now() + HORIZON - dt.timedelta(minutes=1)


# --- edits ------------------------------------------------------------------------------------


async def test_a_visit_changed_on_its_own_stays_apart_from_whole_series_changes(api: Api) -> None:
    # given a series, one of whose visits is moved an hour later on its own
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency)
    moved = group["events"]["nodes"][1]
    later = iso(when(moved["start"]) + dt.timedelta(hours=1))
    changed = await agency.ok(
        UPDATE_EVENT,
        {"id": moved["id"], "revision": 1, "input": {"start": later,
         "end": iso(when(later) + dt.timedelta(hours=1))}},
    )  # fmt: skip
    assert changed["eventUpdate"]["userErrors"] == []

    # when the whole series' notes change
    data = await agency.ok(
        CHANGE_GROUP, {"id": group["id"], "revision": group["revision"],
                       "input": {"notes": "Bring the walker."}},
    )  # fmt: skip

    # then every other visit has the new notes, and the moved one is kept as an exception
    payload = data["eventGroupUpdate"]
    assert payload["userErrors"] == []
    assert [(k["event"]["id"], k["reason"]) for k in payload["kept"]] == [
        (moved["id"], "EXCEPTION")
    ]
    after = await series_of(agency, group["id"])
    notes = {
        v["id"]: (v["notes"], v["start"], v["seriesException"]) for v in after["events"]["nodes"]
    }
    assert notes.pop(moved["id"]) == ("Weekly help.", later.replace("Z", "+00:00"), True)
    assert {n for n, _, _ in notes.values()} == {"Bring the walker."}
    assert len(payload["booked"]) == len(notes) and payload["removed"] == []


async def test_a_changed_rule_rebooks_future_visits_and_keeps_clocked_and_invoiced_ones(
    api: Api,
) -> None:
    # given a Monday/Wednesday series, one visit clocked in and another invoiced
    agency = await scheduling_agency(api)
    group, caregiver = await new_series(agency)
    visits = group["events"]["nodes"]
    clocked, invoiced = visits[1], visits[3]  # two Wednesdays
    await stored_punchcard(agency, key(clocked["id"]), key(caregiver["id"]))
    await stored_punchcard(agency, key(invoiced["id"]), key(caregiver["id"]), False, ObjectId())

    # when the series moves to Mondays and Fridays
    data = await agency.ok(
        CHANGE_GROUP,
        {"id": group["id"], "revision": group["revision"], "input": {"byweekday": ["MO", "FR"]}},
    )

    # then Wednesdays are cancelled but the clocked and invoiced ones, which are kept
    payload = data["eventGroupUpdate"]
    assert payload["userErrors"] == []
    assert {(k["event"]["id"], k["reason"]) for k in payload["kept"]} == {
        (clocked["id"], "CLOCKED"),
        (invoiced["id"], "INVOICED"),
    }
    removed = {when(v["start"]).weekday() for v in payload["removed"]}
    assert removed == {2} and all(v["deleted"] for v in payload["removed"])
    after = await series_of(agency, group["id"])
    days = {when(v["start"]).weekday() for v in after["events"]["nodes"]}
    assert days == {0, 2, 4}
    wednesdays = [v["id"] for v in after["events"]["nodes"] if when(v["start"]).weekday() == 2]
    assert sorted(wednesdays) == sorted([clocked["id"], invoiced["id"]])
    # and Mondays kept their ids (rewritten in place only if changed: here unchanged)
    mondays = {v["id"] for v in visits if when(v["start"]).weekday() == 0}
    assert mondays <= {v["id"] for v in after["events"]["nodes"]}


async def test_cancelling_one_occurrence_excludes_it_for_good(api: Api) -> None:
    # given a series
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency)
    target = group["events"]["nodes"][2]

    # when one occurrence is cancelled
    data = await agency.ok(
        CANCEL_OCCURRENCE,
        {"id": group["id"], "revision": group["revision"], "start": target["seriesStart"]},
    )
    payload = data["eventGroupCancelOccurrence"]

    # then its visit is cancelled, its start excluded, and occurrences no longer list it
    assert payload["userErrors"] == []
    assert [(v["id"], v["status"], v["deleted"]) for v in payload["removed"]] == [
        (target["id"], "CANCELLED", True)
    ]
    assert payload["eventGroup"]["excluded"] == [target["seriesStart"]]
    start = when(target["seriesStart"])
    listed = await agency.ok(
        """query($id: ID!, $from: DateTime!, $to: DateTime!) {
        eventGroup(id: $id) { occurrences(from: $from, to: $to) } }""",
        {"id": group["id"], "from": iso(start - dt.timedelta(days=3)),
         "to": iso(start + dt.timedelta(days=3))},
    )  # fmt: skip
    assert target["seriesStart"] not in listed["eventGroup"]["occurrences"]
    assert len(listed["eventGroup"]["occurrences"]) == 1
    # and extending never books it again
    await extend_all(api.database, event_store(api.database), now() + dt.timedelta(weeks=2))
    after = await series_of(agency, group["id"])
    assert target["seriesStart"] not in {v["seriesStart"] for v in after["events"]["nodes"]}


async def test_this_and_following_splits_the_series(api: Api) -> None:
    # given a series, with a visit in week 4 invoiced
    agency = await scheduling_agency(api)
    group, caregiver = await new_series(agency)
    visits = group["events"]["nodes"]
    at = when(visits[4]["start"])  # the third Monday
    invoiced = visits[6]
    await stored_punchcard(agency, key(invoiced["id"]), key(caregiver["id"]), False, ObjectId())

    # when the series changes from the third Monday on: new notes, an hour later
    later = at + dt.timedelta(hours=1)
    data = await agency.ok(
        SPLIT_GROUP,
        {"id": group["id"], "revision": group["revision"], "at": iso(at),
         "input": {"notes": "New routine.", "start": iso(later)}},
    )  # fmt: skip
    payload = data["eventGroupSplit"]

    # then the old series ends before it, and a new one starts then, with the changes
    assert payload["userErrors"] == []
    assert when(payload["eventGroup"]["until"]) < at
    successor = payload["newEventGroup"]
    assert (when(successor["start"]), successor["notes"]) == (later, "New routine.")
    # and the old series keeps its first four visits; the invoiced one is kept where it was
    old = await series_of(agency, group["id"])
    assert [v["id"] for v in old["events"]["nodes"]] == [v["id"] for v in visits[:4]] + [
        invoiced["id"]
    ]
    assert [(k["event"]["id"], k["reason"]) for k in payload["kept"]] == [
        (invoiced["id"], "INVOICED")
    ]
    new = await series_of(agency, successor["id"])
    starts = [when(v["start"]) for v in new["events"]["nodes"]]
    assert starts[0] == later and {s.hour for s in starts} == {later.hour}
    assert {v["notes"] for v in new["events"]["nodes"]} == {"New routine."}
    assert when(invoiced["start"]) + dt.timedelta(hours=1) not in starts  # not booked twice
    assert len(starts) == len(visits) - 5  # the rest, less the invoiced one


async def test_cancelling_the_rest_of_a_series_keeps_clocked_visits(api: Api) -> None:
    # given a series with a clocked visit in week 5
    agency = await scheduling_agency(api)
    group, caregiver = await new_series(agency)
    visits = group["events"]["nodes"]
    clocked = visits[8]
    await stored_punchcard(agency, key(clocked["id"]), key(caregiver["id"]))
    cut = when(visits[6]["start"])

    # when the series is cancelled from week 4's Monday
    data = await agency.ok(
        CANCEL_FROM, {"id": group["id"], "revision": group["revision"], "from": iso(cut)}
    )
    payload = data["eventGroupCancelFrom"]

    # then it ends before then, its later visits are cancelled, the clocked one kept
    assert payload["userErrors"] == []
    assert when(payload["eventGroup"]["until"]) < cut
    assert len(payload["removed"]) == len(visits) - 7
    assert [k["event"]["id"] for k in payload["kept"]] == [clocked["id"]]
    after = await series_of(agency, group["id"])
    assert [v["id"] for v in after["events"]["nodes"]] == [v["id"] for v in visits[:6]] + [
        clocked["id"]
    ]


async def test_refused_series_edits_write_nothing(api: Api) -> None:
    # given a series with a clocked visit
    agency = await scheduling_agency(api)
    group, caregiver = await new_series(agency)
    clocked = group["events"]["nodes"][1]
    await stored_punchcard(agency, key(clocked["id"]), key(caregiver["id"]))
    events, audits = await api.count("events"), await api.count("audit_events")
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    ident, rev = group["id"], group["revision"]
    past = iso(now() - dt.timedelta(days=1))

    # when edits are refused: stale revision, past split, clocked occurrence, not an occurrence
    refusals = [
        ("eventGroupUpdate", CHANGE_GROUP, {"revision": rev + 1, "input": {"notes": "x"}}),
        ("eventGroupUpdate", CHANGE_GROUP, {"revision": rev, "input": {"interval": 0}}),
        ("eventGroupSplit", SPLIT_GROUP, {"revision": rev, "at": past, "input": {}}),
        ("eventGroupCancelOccurrence", CANCEL_OCCURRENCE,
         {"revision": rev, "start": clocked["seriesStart"]}),
        ("eventGroupCancelOccurrence", CANCEL_OCCURRENCE,
         {"revision": rev, "start": iso(when(clocked["start"]) + dt.timedelta(hours=1))}),
        ("eventGroupCancelFrom", CANCEL_FROM, {"revision": rev, "from": past}),
    ]  # fmt: skip
    codes = []
    for name, mutation, variables in refusals:
        data = await agency.ok(mutation, {"id": ident, **variables})
        codes.append([(e["field"], e["code"]) for e in data[name]["userErrors"]])

    # then each says why, and nothing was written
    assert codes == [
        [("revision", "CONFLICT")],
        [("input.interval", "INVALID")],
        [("at", "INVALID")],
        [("start", "INVALID_STATE")],
        [("start", "INVALID")],
        [("from", "INVALID")],
    ]
    assert (await api.count("events"), await api.count("audit_events")) == (events, audits)
    assert await api.database.db.eventsgroups.find_one({"_id": key(group["id"])}) == stored


async def test_another_accounts_series_reads_as_missing(api: Api) -> None:
    # given a series of another agency
    theirs, _ = await new_series(await scheduling_agency(api))
    agency = await scheduling_agency(api)
    events = await api.count("events")

    # when this agency reads, extends, splits and cancels it
    read = await agency.ok(SERIES_GROUP, {"id": theirs["id"]})
    until = iso(now() + dt.timedelta(weeks=30))
    extended = await agency.ok(EXTEND_GROUP, {"id": theirs["id"], "until": until})
    cancelled = await agency.ok(
        CANCEL_FROM,
        {"id": theirs["id"], "revision": 1, "from": iso(now() + dt.timedelta(weeks=3))},
    )

    # then it is missing for them, and nothing changed
    assert read["eventGroup"] is None
    assert [e["code"] for e in extended["eventGroupExtend"]["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in cancelled["eventGroupCancelFrom"]["userErrors"]] == ["NOT_FOUND"]
    assert await api.count("events") == events


async def test_series_edits_need_manage_schedule(api: Api) -> None:
    # given a series and a key of a role that only reads the schedule
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency)
    await agency.key_for("billing")
    until = iso(now() + dt.timedelta(weeks=30))

    # when that key tries to extend it
    response = await agency.gql(EXTEND_GROUP, {"id": group["id"], "until": until}, role="billing")

    # then it is refused
    assert [e["code"] for e in response.data["eventGroupExtend"]["userErrors"]] == ["FORBIDDEN"]
