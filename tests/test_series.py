"""Series book their visits: on creation, up to the horizon, and again after each kind of edit;
clocked, invoiced and separately changed visits are kept."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import pytest
from bson import ObjectId

from app.common.clock import now
from app.graphql.relay import from_global_id
from app.scheduling import series_horizon
from app.scheduling.series_horizon import extend_all
from app.scheduling.services import event_store
from tests.factories import Agency, Api
from tests.factories_scheduling import (
    CANCEL_FROM,
    CANCEL_OCCURRENCE,
    CHANGE_GROUP,
    CREATE_EVENT,
    CREATE_GROUP,
    EXTEND_GROUP,
    SERIES_GROUP,
    SPLIT_GROUP,
    UPDATE_EVENT,
    event_input,
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
    # given an agency with two caregivers and their patients
    agency = await scheduling_agency(api)
    pairs = [await people(agency), await people(agency)]

    # when a weekly series (12 visits) and a daily one (about 84) are created
    costs, counts = [], []
    for freq, (caregiver, patient) in zip(("WEEKLY", "DAILY"), pairs, strict=True):
        data = series_input(patient, caregiver, next_monday(), freq=freq, byweekday=[])
        before = await live_count(api, agency)
        response = await agency.gql(CREATE_GROUP, {"input": data})
        assert response.data["eventGroupCreate"]["userErrors"] == []
        costs.append(response.db_commands)
        counts.append(await live_count(api, agency) - before)

    # then both cost the same 14 database commands, whatever the number of visits: the
    # account, the patient and the caregiver read once, for the series and its visits (which
    # name the same records, not looked up again), then in one transaction
    # the caregiver's schedule held, the check (rules, people, their visits: the visits'
    # only one, their schedules held), the series, its visits, their trail and the commit
    assert counts[1] > 6 * counts[0] > 0
    assert costs == [14, 14]


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
    # and the old series keeps its first four visits; the invoiced one is kept as it was, but
    # goes to the new series, whose occurrence on its day it holds
    old = await series_of(agency, group["id"])
    assert [v["id"] for v in old["events"]["nodes"]] == [v["id"] for v in visits[:4]]
    kept = [(k["event"]["id"], k["reason"], k["event"]["group"]["id"]) for k in payload["kept"]]
    assert kept == [(invoiced["id"], "INVOICED", successor["id"])]
    new = await series_of(agency, successor["id"])
    booked = [v for v in new["events"]["nodes"] if v["id"] != invoiced["id"]]
    starts = [when(v["start"]) for v in booked]
    assert starts[0] == later and {s.hour for s in starts} == {later.hour}
    assert {v["notes"] for v in booked} == {"New routine."}
    assert when(invoiced["start"]) + dt.timedelta(hours=1) not in starts  # not booked twice
    assert len(starts) == len(visits) - 5  # the rest, less the invoiced one
    (held,) = [v for v in new["events"]["nodes"] if v["id"] == invoiced["id"]]
    assert (held["start"], held["notes"]) == (invoiced["start"], invoiced["notes"])


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


# --- edits that must not book twice, book again, or move the time of day ----------------------

DELETE_EVENT = """mutation($id: ID!, $reason: String!) { eventDelete(id: $id, reason: $reason) {
  event { deleted } userErrors { field message code } } }"""


async def test_moving_a_series_later_in_the_day_does_not_book_todays_visit_twice(
    api: Api,
) -> None:
    # given a daily 30-minute series (UTC agency) whose visit today has already started
    agency = await scheduling_agency(api, timezone="UTC")
    caregiver, patient = await people(agency)
    moment = now()
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    earlier = (midnight + (moment - midnight) / 2).replace(microsecond=0)
    later = (moment + (midnight + dt.timedelta(days=1) - moment) / 2).replace(microsecond=0)
    first = earlier - dt.timedelta(days=2)
    data = series_input(
        patient, caregiver, first, freq="DAILY", byweekday=[],
        end=iso(first + dt.timedelta(minutes=30)),
    )  # fmt: skip
    group = await created_series(agency, data)
    assert len(on_day(group, midnight)) == 1

    # when the whole series moves to later in the day (still today)
    new_start = later - dt.timedelta(days=2)
    payload = (
        await agency.ok(
            CHANGE_GROUP,
            {
                "id": group["id"],
                "revision": group["revision"],
                "input": {
                    "start": iso(new_start),
                    "end": iso(new_start + dt.timedelta(minutes=30)),
                },
            },
        )
    )["eventGroupUpdate"]

    # then the patient still has one visit of the series today: the one that started
    assert payload["userErrors"] == []
    today = on_day(await series_of(agency, group["id"]), midnight)
    assert [when(v["start"]) for v in today] == [earlier]
    assert await api.count("events", _group=key(group["id"]), start={"$gte": midnight,
           "$lt": midnight + dt.timedelta(days=1)}, _deleted=False) == 1  # fmt: skip


async def test_a_deleted_visit_of_a_series_is_not_booked_again_by_a_series_edit(
    api: Api,
) -> None:
    # given a series, one of whose future visits the scheduler deleted (patient in hospital)
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency)
    gone = group["events"]["nodes"][2]
    deleted = await agency.ok(DELETE_EVENT, {"id": gone["id"], "reason": "In hospital"})
    assert deleted["eventDelete"]["userErrors"] == []
    revision = (await series_of(agency, group["id"]))["revision"]
    assert revision == group["revision"] + 1  # the series changed: one occurrence less

    # when the whole series' notes change, and the horizon job runs
    payload = (
        await agency.ok(
            CHANGE_GROUP,
            {"id": group["id"], "revision": revision, "input": {"notes": "New"}},
        )
    )["eventGroupUpdate"]
    await extend_all(api.database, event_store(api.database), now())

    # then the deleted occurrence is not booked again: its start is excluded from the series
    assert payload["userErrors"] == []
    assert payload["eventGroup"]["excluded"] == [gone["seriesStart"]]
    after = await series_of(agency, group["id"])
    assert gone["seriesStart"] not in {v["seriesStart"] for v in after["events"]["nodes"]}
    assert after["events"]["totalCount"] == group["events"]["totalCount"] - 1
    assert (
        await api.count("events", _group=key(group["id"]), _deleted=False)
        == after["events"]["totalCount"]
    )


async def test_this_and_following_from_a_midnight_keeps_the_old_time_of_day(api: Api) -> None:
    # given a Monday/Wednesday 14:00 UTC series from next Monday
    agency = await scheduling_agency(api, timezone="UTC")
    group, _ = await new_series(agency)
    first = next_monday()

    # when "this and following" is asked from the third week's Monday midnight, notes only
    day = (first + dt.timedelta(weeks=2)).replace(hour=0)
    payload = (
        await agency.ok(
            SPLIT_GROUP,
            {
                "id": group["id"],
                "revision": group["revision"],
                "at": iso(day),
                "input": {"notes": "Later"},
            },
        )
    )["eventGroupSplit"]

    # then the new series starts at that day's occurrence, and its visits stay at 14:00
    assert payload["userErrors"] == []
    assert when(payload["newEventGroup"]["start"]) == first + dt.timedelta(weeks=2)
    assert {when(v["start"]).hour for v in payload["booked"]} == {14}
    new = await series_of(agency, payload["newEventGroup"]["id"])
    assert {when(v["start"]).time() for v in new["events"]["nodes"]} == {dt.time(14)}


async def test_splitting_a_counted_series_keeps_its_count_when_a_date_was_excluded(
    api: Api,
) -> None:
    # given a daily series of 10 occurrences from next Monday, its 2nd occurrence cancelled
    agency = await scheduling_agency(api, timezone="UTC")
    group, _ = await new_series(agency, freq="DAILY", byweekday=[], count=10)
    first = next_monday()
    done = (
        await agency.ok(
            CANCEL_OCCURRENCE,
            {
                "id": group["id"],
                "revision": group["revision"],
                "start": iso(first + dt.timedelta(days=1)),
            },
        )
    )["eventGroupCancelOccurrence"]
    assert done["userErrors"] == []

    # when it is split at the 5th occurrence (notes changed from then on)
    split = (
        await agency.ok(
            SPLIT_GROUP,
            {
                "id": group["id"],
                "revision": done["eventGroup"]["revision"],
                "at": iso(first + dt.timedelta(days=4)),
                "input": {"notes": "Later"},
            },
        )
    )["eventGroupSplit"]

    # then the rule still makes 10 occurrences in all (RFC 5545: an EXDATE uses up its COUNT):
    # 9 visits live, the new series 6 of them, the last on day 9
    assert split["userErrors"] == []
    assert await live_count(api, agency) == 9
    new = await series_of(agency, split["newEventGroup"]["id"])
    assert [when(v["start"]) for v in new["events"]["nodes"]] == [
        first + dt.timedelta(days=d) for d in range(4, 10)
    ]


# --- the horizon job ---------------------------------------------------------------------------


async def test_one_failing_series_does_not_stop_the_horizon_job_for_the_others(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given three series booked only 4 weeks ahead, in two agencies: one whose service was
    # retired since, one that breaks in an unexpected way, and a sound one
    first, second = await scheduling_agency(api), await scheduling_agency(api)
    retired, _ = await new_series(first)
    broken, _ = await new_series(first)
    sound, _ = await new_series(second)
    stop = now() + dt.timedelta(weeks=4)
    for group in (retired, broken, sound):
        await api.database.db.events.delete_many({"_group": key(group["id"]),
                                                  "start": {"$gte": stop}})  # fmt: skip
        await api.database.db.eventsgroups.update_one(
            {"_id": key(group["id"])}, {"$set": {"materialised_until": stop}}
        )
    await api.database.db.eventsgroups.update_one(
        {"_id": key(retired["id"])}, {"$set": {"service.code": "OLD"}}
    )
    real = series_horizon.extend_group

    async def breaking(scope: Any, events: Any, group: Any, until: Any) -> Any:
        if group["_id"] == key(broken["id"]):
            raise RuntimeError("a bug")
        return await real(scope, events, group, until)

    monkeypatch.setattr(series_horizon, "extend_group", breaking)

    # when the job runs
    with caplog.at_level(logging.WARNING, logger=series_horizon.__name__):
        booked = await extend_all(api.database, event_store(api.database), now())

    # then the sound series is booked to the horizon, the others are left as they were
    after = await series_of(second, sound["id"])
    assert after["events"]["totalCount"] == sound["events"]["totalCount"] == booked + 8
    for group in (retired, broken):
        assert when((await series_of(first, group["id"]))["materialisedUntil"]) == stop.replace(
            microsecond=stop.microsecond // 1000 * 1000
        )
    # and each failure is logged with its series and account
    logged = " ".join(r.getMessage() for r in caplog.records)
    for group in (retired, broken):
        assert f"{key(group['id'])} of account {first.account_id}" in logged


async def test_an_ended_series_is_marked_and_leaves_the_horizon_job(api: Api) -> None:
    # given a series of 3 visits, stored as before series were marked ended
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency, count=3)
    await api.database.db.eventsgroups.update_one(
        {"_id": key(group["id"])}, {"$unset": {"ended": ""}}
    )

    # when the horizon job runs, twice
    for _ in range(2):
        await extend_all(api.database, event_store(api.database), now())

    # then it is marked ended, and the job no longer reads it
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and stored["ended"] is True
    assert await api.count("events", _group=key(group["id"]), _deleted=False) == 3


async def test_a_series_that_ends_is_marked_ended_and_a_longer_count_books_again(
    api: Api,
) -> None:
    # given a series of 3 visits: all booked, so ended from the start
    agency = await scheduling_agency(api)
    group, _ = await new_series(agency, count=3)
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and stored["ended"] is True

    # when its count grows to 6
    payload = (
        await agency.ok(
            CHANGE_GROUP,
            {"id": group["id"], "revision": group["revision"], "input": {"count": 6}},
        )
    )["eventGroupUpdate"]

    # then the 3 more visits are booked and it is marked ended again; a series without end
    # is not
    assert payload["userErrors"] == []
    assert await api.count("events", _group=key(group["id"]), _deleted=False) == 6
    stored = await api.database.db.eventsgroups.find_one({"_id": key(group["id"])})
    assert stored is not None and stored["ended"] is True
    endless, _ = await new_series(agency)
    stored = await api.database.db.eventsgroups.find_one({"_id": key(endless["id"])})
    assert stored is not None and stored["ended"] is False


async def created_series(agency: Agency, data: dict[str, Any]) -> dict[str, Any]:
    response = await agency.gql(CREATE_GROUP, {"input": data})
    assert response.data["eventGroupCreate"]["userErrors"] == [], response.body
    return await series_of(agency, response.data["eventGroupCreate"]["eventGroup"]["id"])


def on_day(group: dict[str, Any], midnight: dt.datetime) -> list[dict[str, Any]]:
    return [v for v in group["events"]["nodes"] if when(v["start"]).date() == midnight.date()]


# --- conflicts ---------------------------------------------------------------------------------


async def test_a_series_clashing_with_a_booked_visit_is_refused_unless_overridden(
    api: Api,
) -> None:
    # given Ana booked with Walter for an hour on Monday of next week
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    first = next_monday()
    visit = event_input(patient, caregiver) | {
        "start": iso(first),
        "end": iso(first + dt.timedelta(hours=1)),
    }
    assert (await agency.ok(CREATE_EVENT, {"input": visit}))["eventCreate"]["userErrors"] == []
    before = await live_count(api, agency)

    # when a weekly series for her starts at that very time, then again with an override
    data = series_input(patient, caregiver, first)
    refused = (await agency.ok(CREATE_GROUP, {"input": data}))["eventGroupCreate"]
    override = {"reason": "Family asked for a second visit that day."}
    booked = (await agency.ok(CREATE_GROUP, {"input": {**data, "conflictOverride": override}}))[
        "eventGroupCreate"
    ]

    # then the first is refused naming the clashing occurrence, and nothing is written
    assert refused["eventGroup"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("input.visits.0", "SCHEDULE_CONFLICT")
    ]
    # and the overridden one books its visits, each recording what it overrode
    assert booked["userErrors"] == []
    assert await live_count(api, agency) > before + 1
    stored = await api.database.db.events.find_one(
        {"_account": agency.account_id, "series_start": first}
    )
    assert stored is not None
    assert stored["conflict_override"]["reason"] == override["reason"]
    assert [c["kind"] for c in stored["conflict_override"]["conflicts"]] == ["double_booked"]


async def test_a_series_and_a_visit_booked_at_once_for_one_caregiver_do_not_both_pass(
    api: Api,
) -> None:
    # given Ana and Walter, nothing booked
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    first = next_monday()
    visit = event_input(patient, caregiver) | {
        "start": iso(first),
        "end": iso(first + dt.timedelta(hours=1)),
    }

    # when a weekly series starting at that time and the visit are booked at the same time
    series_payload, visit_payload = await asyncio.gather(
        agency.ok(CREATE_GROUP, {"input": series_input(patient, caregiver, first)}),
        agency.ok(CREATE_EVENT, {"input": visit}),
    )

    # then exactly one of them is booked: the other is refused as a double booking
    errors = [
        series_payload["eventGroupCreate"]["userErrors"],
        visit_payload["eventCreate"]["userErrors"],
    ]
    assert sorted(len(e) for e in errors) == [0, 1], errors
    assert {e["code"] for found in errors for e in found} == {"SCHEDULE_CONFLICT"}
    clashes = await api.database.db.events.count_documents(
        {"_account": agency.account_id, "start": first, "_deleted": {"$ne": True}}
    )
    assert clashes == 1


IMPORT_GROUPS = """mutation($input: [EventGroupCreateInput!]!) { eventGroupImport(input: $input) {
  eventGroups { id } userErrors { field code message } } }"""


async def test_two_new_series_of_one_caregiver_at_the_same_time_are_refused_together(
    api: Api,
) -> None:
    # given Ana and two of her patients
    agency = await scheduling_agency(api)
    caregiver, patient = await people(agency)
    _, other = await people(agency)
    before = await live_count(api, agency)
    groups = await api.count("eventsgroups", _account=agency.account_id)

    # when two series booking her at the same hour are imported in one call
    first = next_monday()
    batch = [series_input(patient, caregiver, first), series_input(other, caregiver, first)]
    payload = (await agency.ok(IMPORT_GROUPS, {"input": batch}))["eventGroupImport"]

    # then the import is refused for the clash, and nothing is written
    assert {e["code"] for e in payload["userErrors"]} == {"SCHEDULE_CONFLICT"}, payload
    assert not payload["eventGroups"]
    assert await live_count(api, agency) == before
    assert await api.count("eventsgroups", _account=agency.account_id) == groups


def at_(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_series_edit_onto_a_visit_moved_on_its_own_is_refused_as_a_double_booking(
    api: Api,
) -> None:
    # given Ana's Monday/Wednesday 14:00 series; the first Monday's visit moved on its own to
    # Wednesday 18:00 (no clash then: Wednesday's visit is at 14:00)
    agency = await scheduling_agency(api, timezone="UTC")
    caregiver, patient = await people(agency)
    first = next_monday()
    made = await agency.gql(CREATE_GROUP, {"input": series_input(patient, caregiver, first)})
    assert made.data["eventGroupCreate"]["userErrors"] == [], made.body
    group_id = made.data["eventGroupCreate"]["eventGroup"]["id"]
    group = (await agency.ok(SERIES_GROUP, {"id": group_id}))["eventGroup"]
    monday, wednesday = group["events"]["nodes"][0], group["events"]["nodes"][1]
    assert at_(wednesday["start"]) - at_(monday["start"]) == dt.timedelta(days=2)
    evening = at_(wednesday["start"]).replace(hour=18)
    moved = await agency.ok(
        UPDATE_EVENT,
        {"id": monday["id"], "revision": 1,
         "input": {"start": iso(evening), "end": iso(evening + dt.timedelta(hours=1))}},
    )  # fmt: skip
    assert moved["eventUpdate"]["userErrors"] == []

    # when the whole series moves to 18:00
    new_start = first.replace(hour=18)
    data = await agency.ok(
        CHANGE_GROUP,
        {"id": group_id, "revision": group["revision"],
         "input": {"start": iso(new_start), "end": iso(new_start + dt.timedelta(hours=1))}},
    )  # fmt: skip

    # then Wednesday's 18:00 visit would double-book Ana with the moved visit: refused
    payload = data["eventGroupUpdate"]
    codes = {e["code"] for e in payload["userErrors"]}
    overlapping = await api.count(
        "events", _account=agency.account_id, _deleted=False,
        start=evening.replace(tzinfo=None),
    )  # fmt: skip
    assert codes == {"SCHEDULE_CONFLICT"} and overlapping == 1, (payload["userErrors"], overlapping)
