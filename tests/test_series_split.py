"""After "this and following", the new series holds the days its kept visits hold: a whole-series
edit of it books no second visit for them and does not clash with them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.graphql.relay import from_global_id
from tests.factories import Agency, Api
from tests.factories_scheduling import (
    CHANGE_GROUP,
    CREATE_GROUP,
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

TWO_HOURS = dt.timedelta(hours=2)


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


def when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


async def split_with_kept_days(api: Api) -> tuple[Agency, dict[str, Any], dict[str, Any]]:
    """The issue's week, relative to now: a MO/WE/FR 10:00-12:00 series (UTC agency); the
    second Monday's visit clocked in, the second Wednesday's moved alone to 13:00; then the
    series split at the first Friday to 14:00-16:00. Answers the agency, the new series, and
    the two kept visits by name."""
    agency = await scheduling_agency(api, timezone="UTC")
    caregiver, patient = await people(agency)
    monday = next_monday(hour=10)
    data = series_input(
        patient, caregiver, monday, byweekday=["MO", "WE", "FR"], end=iso(monday + TWO_HOURS)
    )
    made = await agency.ok(CREATE_GROUP, {"input": data})
    assert made["eventGroupCreate"]["userErrors"] == []
    group_id = made["eventGroupCreate"]["eventGroup"]["id"]
    visits = (await agency.ok(SERIES_GROUP, {"id": group_id}))["eventGroup"]["events"]["nodes"]
    friday, clocked, moved = visits[2], visits[3], visits[4]
    assert [when(v["start"]).weekday() for v in (friday, clocked, moved)] == [4, 0, 2]
    await stored_punchcard(agency, key(clocked["id"]), key(caregiver["id"]))
    one_pm = when(moved["start"]).replace(hour=13)
    changed = await agency.ok(
        UPDATE_EVENT,
        {"id": moved["id"], "revision": 1,
         "input": {"start": iso(one_pm), "end": iso(one_pm + TWO_HOURS)}},
    )  # fmt: skip
    assert changed["eventUpdate"]["userErrors"] == []
    group = (await agency.ok(SERIES_GROUP, {"id": group_id}))["eventGroup"]
    two_pm = when(friday["start"]).replace(hour=14)
    split = await agency.ok(
        SPLIT_GROUP,
        {"id": group_id, "revision": group["revision"], "at": friday["start"],
         "input": {"start": iso(two_pm), "end": iso(two_pm + TWO_HOURS)}},
    )  # fmt: skip
    payload = split["eventGroupSplit"]
    assert payload["userErrors"] == []
    assert {(k["event"]["id"], k["reason"]) for k in payload["kept"]} == {
        (clocked["id"], "CLOCKED"),
        (moved["id"], "EXCEPTION"),
    }
    successor = await agency.ok(SERIES_GROUP, {"id": payload["newEventGroup"]["id"]})
    moved = changed["eventUpdate"]["event"]  # as it is now, at 13:00
    return agency, successor["eventGroup"], {"clocked": clocked, "moved": moved}


async def visits_on(api: Api, agency: Agency, day: dt.date) -> list[dict[str, Any]]:
    """The live visits stored on a day (UTC), whatever their series."""
    midnight = dt.datetime.combine(day, dt.time())
    query = {"_account": agency.account_id, "_deleted": False,
             "start": {"$gte": midnight, "$lt": midnight + dt.timedelta(days=1)}}  # fmt: skip
    return [doc async for doc in api.database.db.events.find(query)]


async def test_a_whole_series_edit_after_a_split_books_nothing_beside_the_kept_visits(
    api: Api,
) -> None:
    # given the new series of a split, whose Monday (clocked) and Wednesday (moved alone) are
    # held by visits kept from before the split
    agency, successor, kept = await split_with_kept_days(api)

    # when the whole new series moves to 16:00-18:00
    new_start = when(successor["events"]["nodes"][0]["start"]).replace(hour=16)
    data = await agency.ok(
        CHANGE_GROUP,
        {"id": successor["id"], "revision": successor["revision"],
         "input": {"start": iso(new_start), "end": iso(new_start + TWO_HOURS)}},
    )  # fmt: skip

    # then nothing new is booked on the kept days: each keeps its one visit, reported as kept
    payload = data["eventGroupUpdate"]
    assert payload["userErrors"] == []
    for visit in kept.values():
        stored = await visits_on(api, agency, when(visit["start"]).date())
        assert [doc["_id"] for doc in stored] == [key(visit["id"])], stored
        # held by the new series (since the split), at the time it kept
        assert stored[0]["_group"] == key(successor["id"])
        assert stored[0]["start"].replace(tzinfo=dt.UTC) == when(visit["start"])
    assert {(k["event"]["id"], k["reason"]) for k in payload["kept"]} == {
        (kept["clocked"]["id"], "CLOCKED"),
        (kept["moved"]["id"], "EXCEPTION"),
    }
    booked_days = {when(v["start"]).date() for v in payload["booked"]}
    assert not booked_days & {when(v["start"]).date() for v in kept.values()}
    # and the other days moved to 16:00
    assert {when(v["start"]).hour for v in payload["booked"]} == {16}


async def test_a_whole_series_edit_after_a_split_does_not_clash_with_its_own_kept_visit(
    api: Api,
) -> None:
    # given the new series of a split, whose Monday is held by a clocked 10:00-12:00 visit
    agency, successor, kept = await split_with_kept_days(api)

    # when the whole new series moves to 08:30-10:30 (which would overlap that visit)
    new_start = when(successor["events"]["nodes"][0]["start"]).replace(hour=8, minute=30)
    data = await agency.ok(
        CHANGE_GROUP,
        {"id": successor["id"], "revision": successor["revision"],
         "input": {"start": iso(new_start), "end": iso(new_start + TWO_HOURS)}},
    )  # fmt: skip

    # then it is not refused: the Monday is the kept visit's, and stays its only visit
    payload = data["eventGroupUpdate"]
    assert payload["userErrors"] == []
    monday = await visits_on(api, agency, when(kept["clocked"]["start"]).date())
    assert [(doc["_id"], doc["start"].hour) for doc in monday] == [(key(kept["clocked"]["id"]), 10)]
    assert {when(v["start"]).time() for v in payload["booked"]} == {dt.time(8, 30)}
