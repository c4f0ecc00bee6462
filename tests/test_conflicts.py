"""Schedule conflicts: each kind found, refused writes writing nothing, overrides recorded,
moves checked, cancelled visits ignored, the scheduleConflicts query, tenancy and cost."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.common.services import Actor
from app.graphql.relay import to_global_id
from app.scheduling.services import event_store
from tests.factories import Api, audit_entries, create_user
from tests.factories_conflicts import (
    CONFLICTS,
    FIT,
    IMPORT,
    NEEDY,
    UNFIT,
    UPDATE,
    book,
    caregiver,
    conflicts_agency,
    events_stored,
    patient,
)
from tests.factories_scheduling import (
    CREATE_GROUP,
    at,
    event_input,
    next_monday,
    series_input,
)
from tests.test_scheduling import DELETE_EVENT, key, stored_event

RESTORE_EVENT = """mutation($id: ID!) { eventRestore(id: $id) {
  event { deleted revision } userErrors { field code message } } }"""
WEEK = {"from": at(0, 0), "to": at(7, 0)}


def codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_caregiver_booked_twice_is_refused_naming_the_other_visit_writing_nothing(
    api: Api,
) -> None:
    # given Ana booked with Walter on Monday 10:00-11:00
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    first = (await book(agency, event_input(walter, ana, hour=10, minutes=60)))["event"]
    other = await patient(agency, "Rosa")
    stored, audited = await events_stored(agency), len(await audit_entries(agency))

    # when she is booked with another patient at 10:30
    refused = await book(agency, event_input(other, ana, hour=10, minutes=90, notes="x") | {
        "start": at(0, 10, 30)})  # fmt: skip

    # then it is refused, naming her, the patient, the times and the visit; nothing is written
    assert refused["event"] is None
    assert refused["userErrors"] == [
        {
            "field": "input",
            "code": "SCHEDULE_CONFLICT",
            "message": "Ana Lopez is booked with Walter Green 2030-03-04 10:00-11:00 "
            f"(visit {first['id']}).",
        }
    ]
    assert await events_stored(agency) == stored
    assert len(await audit_entries(agency)) == audited


async def test_the_accounts_least_rest_between_visits_is_kept(api: Api) -> None:
    # given an agency asking 30 minutes between a caregiver's visits, Ana booked 10:00-11:00
    agency = await conflicts_agency(api, rest_minutes=30)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    await book(agency, event_input(walter, ana, hour=10, minutes=60))

    # when she is booked again at 11:15, then at 11:30
    too_soon = await book(agency, event_input(walter, ana, hour=11, minutes=30) | {
        "start": at(0, 11, 15)})  # fmt: skip
    rested = await book(agency, event_input(walter, ana, hour=11, minutes=30) | {
        "start": at(0, 11, 30), "end": at(0, 12)})  # fmt: skip

    # then 15 minutes' rest is refused, 30 accepted
    assert codes(too_soon) == [("input", "SCHEDULE_CONFLICT")]
    assert "less than the 30 minutes' rest" in too_soon["userErrors"][0]["message"]
    assert rested["userErrors"] == [] and rested["event"] is not None


async def test_weekly_hours_are_read_in_the_caregivers_time_zone(api: Api) -> None:
    # given Ana works Mondays 09:00-17:00 in Toronto (UTC-5 on 4 March 2030)
    agency = await conflicts_agency(api)
    hours = {"weekly": [{"weekday": "MONDAY", "start": "09:00", "end": "17:00"}]}
    ana = await caregiver(agency, "Ana", "Lopez", availability=hours, timezone="America/Toronto")
    walter = await patient(agency)

    # when she is booked Monday 14:00 UTC (09:00 there), 13:00 UTC (08:00) and on Tuesday
    inside = await book(agency, event_input(walter, ana, hour=14, minutes=60))
    early = await book(agency, event_input(walter, ana, hour=13, minutes=30))
    tuesday = await book(agency, event_input(walter, ana, day=1, hour=15, minutes=60))

    # then only the visit within her hours is booked
    assert inside["userErrors"] == []
    assert early["userErrors"][0]["message"] == (
        "Ana Lopez works Mondays 09:00-17:00; this visit is 2030-03-04 08:00-08:30."
    )
    assert tuesday["userErrors"][0]["message"].startswith("Ana Lopez works no Tuesdays;")
    assert codes(early) == codes(tuesday) == [("input", "SCHEDULE_CONFLICT")]


async def test_a_span_the_caregiver_cannot_work_is_a_conflict(api: Api) -> None:
    # given Ana is away on Monday afternoon
    agency = await conflicts_agency(api)
    away = {"unavailable": [{"start": at(0, 12), "end": at(0, 18), "reason": "Dentist"}]}
    ana, walter = await caregiver(agency, "Ana", "Lopez", availability=away), await patient(agency)

    # when she is booked that afternoon, and that morning
    afternoon = await book(agency, event_input(walter, ana, hour=17, minutes=60))
    morning = await book(agency, event_input(walter, ana, hour=9, minutes=60))

    # then the afternoon is refused with the span and its reason
    assert afternoon["userErrors"] == [{
        "field": "input", "code": "SCHEDULE_CONFLICT",
        "message": "Ana Lopez is unavailable 2030-03-04 12:00-18:00 (Dentist).",
    }]  # fmt: skip
    assert morning["userErrors"] == []


async def test_each_unmet_need_of_the_patient_is_a_conflict_and_an_override_records_them(
    api: Api,
) -> None:
    # given a patient needing skills, CPR, French, pets, smoking, driving and a woman caregiver
    agency = await conflicts_agency(api)
    needy = await patient(agency, **NEEDY)
    bob = await caregiver(agency, "Bob", "Stone", **UNFIT)
    eve = await caregiver(agency, "Eve", "Moss", **FIT)

    # when Bob, who meets none of them, is booked without and then with an override
    refused = await book(agency, event_input(needy, bob, hour=9))
    reason = "Only caregiver free; family agreed."
    booked = await book(
        agency, event_input(needy, bob, hour=9, conflictOverride={"reason": reason})
    )
    fitting = await book(agency, event_input(needy, eve, hour=12))

    # then each need is named; the override stores what it overrode, when and by whom
    assert {e["code"] for e in refused["userErrors"]} == {"SCHEDULE_CONFLICT"}
    messages = [e["message"] for e in refused["userErrors"]]
    assert messages == [
        "Bob Stone lacks what Walter Green needs: Dementia care (expert).",
        "Bob Stone lacks what Walter Green needs: CPR valid on 2030-03-04.",
        "Bob Stone lacks what Walter Green needs: one of fr.",
        "Bob Stone lacks what Walter Green needs: working with pets.",
        "Bob Stone lacks what Walter Green needs: working with a smoker.",
        "Bob Stone lacks what Walter Green needs: a driver's licence valid on 2030-03-04 "
        "and a vehicle.",
        "Bob Stone lacks what Walter Green needs: a female caregiver.",
    ]
    override = booked["event"]["conflictOverride"]
    assert override["reason"] == reason and override["apiClient"] == "Administrator"
    assert [c["kind"] for c in override["conflicts"]] == [
        "SKILLS", "CERTIFICATIONS", "LANGUAGES", "PETS", "SMOKING", "TRANSPORTATION", "GENDER",
    ]  # fmt: skip
    assert [c["message"] for c in override["conflicts"]] == messages
    stored = await stored_event(api, booked["event"]["id"])
    assert stored["conflict_override"]["conflicts"][0]["kind"] == "skills"
    assert stored["conflict_override"]["date"] is not None
    # Eve meets every need (names match ignoring case)
    assert fitting["userErrors"] == [] and fitting["event"]["conflictOverride"] is None


async def test_an_override_without_conflicts_is_kept_with_none(api: Api) -> None:
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)

    booked = await book(
        agency, event_input(walter, ana, conflictOverride={"reason": "Just in case"})
    )

    assert booked["event"]["conflictOverride"]["conflicts"] == []
    assert booked["event"]["conflictOverride"]["reason"] == "Just in case"


async def test_moving_a_visit_is_checked_and_refused_moves_change_nothing(api: Api) -> None:
    # given Ana's visits on Monday 10:00 and 14:00
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    await book(agency, event_input(walter, ana, hour=10, minutes=60))
    later = (await book(agency, event_input(walter, ana, hour=14, minutes=60)))["event"]

    # when the later one is moved onto the first, then with an override, then away again
    move = {"start": at(0, 10, 30), "end": at(0, 11, 30)}
    variables = {"id": later["id"], "revision": 1, "input": move}
    refused = (await agency.ok(UPDATE, variables))["eventUpdate"]
    unchanged = await stored_event(api, later["id"])
    forced = (await agency.ok(UPDATE, variables | {"input": move | {
        "conflictOverride": {"reason": "Swapped with family"}}}))["eventUpdate"]  # fmt: skip
    away = {"start": at(0, 16), "end": at(0, 17)}
    moved = (await agency.ok(UPDATE, variables | {"revision": 2, "input": away}))["eventUpdate"]

    # then the first move changed nothing, the forced one is recorded, the last clears it
    assert codes(refused) == [("input", "SCHEDULE_CONFLICT")]
    assert unchanged["_revision"] == 1 and unchanged["start"].hour == 14
    assert [c["kind"] for c in forced["event"]["conflictOverride"]["conflicts"]] == [
        "DOUBLE_BOOKED"
    ]
    assert moved["userErrors"] == [] and moved["event"]["conflictOverride"] is None
    assert "conflict_override" not in await stored_event(api, later["id"])


async def test_a_change_of_notes_alone_is_not_checked_and_keeps_the_override(api: Api) -> None:
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    await book(agency, event_input(walter, ana, hour=10, minutes=60))
    lift = {"reason": "Two-person lift"}
    forced = await book(agency, event_input(walter, ana, hour=10, conflictOverride=lift))

    variables = {"id": forced["event"]["id"], "revision": 1, "input": {"notes": "Bring gloves"}}
    changed = (await agency.ok(UPDATE, variables))["eventUpdate"]

    assert changed["userErrors"] == []
    assert changed["event"]["conflictOverride"]["reason"] == "Two-person lift"


async def test_cancelled_and_deleted_visits_never_conflict_and_uncancelling_is_checked(
    api: Api,
) -> None:
    # given Ana's Monday 10:00 visit, cancelled
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    off = await book(agency, event_input(walter, ana, hour=10, minutes=60, status="CANCELLED"))

    # when she is booked at the same time, and the cancelled visit is then put back
    again = await book(agency, event_input(walter, ana, hour=10, minutes=60))
    variables = {"id": off["event"]["id"], "revision": 1, "input": {"status": "SCHEDULED"}}
    restored = (await agency.ok(UPDATE, variables))["eventUpdate"]

    # then the new visit is booked, and putting the cancelled one back is refused
    assert again["userErrors"] == []
    assert codes(restored) == [("input", "SCHEDULE_CONFLICT")]


async def test_restoring_a_visit_whose_time_was_booked_since_is_refused_writing_nothing(
    api: Api,
) -> None:
    # given Ana's Monday 10:00 visit deleted, then Ana booked at 10:30 with Rosa
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    gone = (await book(agency, event_input(walter, ana, hour=10, minutes=60)))["event"]
    await agency.ok(DELETE_EVENT, {"id": gone["id"], "reason": "Moved"})
    rosa = await patient(agency, "Rosa")
    later = event_input(rosa, ana, hour=10, minutes=60) | {"start": at(0, 10, 30)}
    taken = (await book(agency, later | {"end": at(0, 11, 30)}))["event"]
    before, audited = await stored_event(api, gone["id"]), len(await audit_entries(agency))

    # when the deleted visit is restored
    refused = (await agency.ok(RESTORE_EVENT, {"id": gone["id"]}))["eventRestore"]

    # then it is refused as a booking would be, naming the visit that took its time
    assert refused["event"] is None
    assert refused["userErrors"] == [
        {
            "field": "id",
            "code": "SCHEDULE_CONFLICT",
            "message": "Ana Lopez is booked with Rosa Green 2030-03-04 10:30-11:30 "
            f"(visit {taken['id']}).",
        }
    ]
    # and nothing is written: still deleted, same revision, no trail entry
    assert await stored_event(api, gone["id"]) == before
    assert len(await audit_entries(agency)) == audited


async def test_a_deleted_visit_booked_with_an_override_is_restored_despite_its_conflicts(
    api: Api,
) -> None:
    # given Ana booked twice at Monday 10:00, the second with an override, then deleted
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    await book(agency, event_input(walter, ana, hour=10, minutes=60))
    override = {"conflictOverride": {"reason": "Two-person transfer"}}
    both = (await book(agency, event_input(walter, ana, hour=10, minutes=60) | override))["event"]
    await agency.ok(DELETE_EVENT, {"id": both["id"], "reason": "Not needed"})

    # when it is restored
    restored = (await agency.ok(RESTORE_EVENT, {"id": both["id"]}))["eventRestore"]

    # then its override still stands: it is back, its override as recorded
    assert restored == {"event": {"deleted": False, "revision": 3}, "userErrors": []}
    stored = await stored_event(api, both["id"])
    assert stored["conflict_override"]["reason"] == "Two-person transfer"
    assert [c["kind"] for c in stored["conflict_override"]["conflicts"]] == ["double_booked"]


async def test_a_visit_taking_a_caregiver_over_her_weekly_hours_is_refused_writing_nothing(
    api: Api,
) -> None:
    # given Ana works at most 10 hours a week, booked 4 h on Monday and on Tuesday
    agency = await conflicts_agency(api)
    ana = await caregiver(agency, "Ana", "Lopez", availability={"maxHoursPerWeek": "10"})
    walter = await patient(agency)
    for day in (0, 1):
        assert (await book(agency, event_input(walter, ana, day=day, minutes=240)))["event"]
    stored, audited = await events_stored(agency), len(await audit_entries(agency))

    # when she is booked 4 h on Wednesday, 2 h on Wednesday, and 4 h the Sunday before
    over = await book(agency, event_input(walter, ana, day=2, minutes=240))
    fits = await book(agency, event_input(walter, ana, day=2, minutes=120))
    week_before = await book(agency, event_input(walter, ana, day=-1, minutes=240))

    # then 12 hours are refused, naming the week; 10 hours and the week before are booked
    assert over["event"] is None
    assert over["userErrors"] == [{
        "field": "input", "code": "SCHEDULE_CONFLICT",
        "message": "Ana Lopez would be booked 12 hours in the week of 2030-03-04, over the 10 "
        "hours a week they can work.",
    }]  # fmt: skip
    assert fits["userErrors"] == week_before["userErrors"] == []
    assert await events_stored(agency) == stored + 2
    assert len(await audit_entries(agency)) == audited + 2

    # and moving a visit within the week does not count it twice; lengthening it is refused
    moved = {"id": fits["event"]["id"], "revision": 1}
    later = await agency.ok(UPDATE, moved | {"input": {"start": at(2, 16), "end": at(2, 18)}})
    longer = await agency.ok(UPDATE, moved | {"revision": 2, "input": {"end": at(2, 18, 30)}})
    assert later["eventUpdate"]["userErrors"] == []
    assert longer["eventUpdate"]["userErrors"][0]["message"].startswith(
        "Ana Lopez would be booked 10.5 hours in the week of 2030-03-04"
    )

    # and an override books it anyway, recording the conflict
    forced = await book(agency, event_input(walter, ana, day=3) | {
        "conflictOverride": {"reason": "Cover for Bea"}})  # fmt: skip
    assert [c["kind"] for c in forced["event"]["conflictOverride"]["conflicts"]] == [
        "OVER_WEEKLY_HOURS"
    ]


async def test_weekly_hours_add_up_in_the_accounts_weeks_and_time_zone(api: Api) -> None:
    # given an agency in Toronto whose weeks start on Sunday; Ana works at most 8 hours a week
    agency = await conflicts_agency(api, timezone="America/Toronto", week_start="SU")
    ana = await caregiver(agency, "Ana", "Lopez", availability={"maxHoursPerWeek": 8})
    walter = await patient(agency)
    # booked 6 h on Monday 4 March 2030 (the week of Sunday 3 March)
    await book(agency, event_input(walter, ana, hour=14, minutes=360))

    # when she is booked 3 h on Saturday 9 March 20:00 Toronto (Sunday 01:00 UTC), and 3 h on
    # Sunday 10 March 09:00 Toronto (a new week there)
    saturday = await book(agency, event_input(walter, ana, day=6, hour=1, minutes=180))
    sunday = await book(agency, event_input(walter, ana, day=6, hour=14, minutes=180))

    # then Saturday night counts in the week of 3 March and is refused; Sunday is booked
    assert saturday["userErrors"][0]["message"] == (
        "Ana Lopez would be booked 9 hours in the week of 2030-03-03, over the 8 hours a week "
        "they can work."
    )
    assert sunday["userErrors"] == []


async def test_a_series_over_the_weekly_hours_is_refused_naming_the_visits_past_it(
    api: Api,
) -> None:
    # given Ana works at most 5 hours a week
    agency = await conflicts_agency(api)
    ana = await caregiver(agency, "Ana", "Lopez", availability={"maxHoursPerWeek": 5})
    walter = await patient(agency)

    # when a daily 1-hour series for two weeks from next Monday is created for her
    daily = series_input(walter, ana, next_monday(), freq="DAILY", byweekday=[], count=14)
    response = await agency.ok(CREATE_GROUP, {"input": daily})

    # then it is refused, naming the 6th and 7th visit of each week; nothing is written
    payload = response["eventGroupCreate"]
    assert payload["eventGroup"] is None
    assert codes(payload) == [(f"input.visits.{n}", "SCHEDULE_CONFLICT") for n in (5, 6, 12, 13)]
    assert "would be booked 6 hours in the week of" in payload["userErrors"][0]["message"]
    assert await events_stored(agency) == 0
    assert await api.count("eventsgroups", _account=agency.account_id) == 0


async def test_an_import_is_checked_against_itself_all_or_nothing(api: Api) -> None:
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    fine = event_input(walter, ana, day=1, hour=9)
    clashing = [event_input(walter, ana, hour=10, minutes=60) for _ in range(2)]

    response = await agency.ok(IMPORT, {"input": [fine, *clashing]})

    payload = response["eventImport"]
    assert payload["events"] == []
    assert codes(payload) == [("input.1", "SCHEDULE_CONFLICT"), ("input.2", "SCHEDULE_CONFLICT")]
    assert payload["userErrors"][0]["message"].endswith("(item 2 of this request).")
    assert await events_stored(agency) == 0


async def test_schedule_conflicts_lists_a_caregivers_and_a_patients_stored_conflicts(
    api: Api,
) -> None:
    # given clashing visits stored without the check (as an old system's data would be)
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    rosa = await patient(agency, "Rosa", **{"isSmoker": True})
    smoker_free = await caregiver(agency, "Bob", "Stone", isSmoker=False)
    first = (await book(agency, event_input(walter, ana, hour=10, minutes=60)))["event"]
    store = event_store(api.database, check_conflicts=False)
    actor = Actor(account_id=agency.account_id)
    second = await store.create(
        actor, _raw(rosa, smoker_free, {"start": at(0, 12), "end": at(0, 13)})
    )
    clash = await store.create(actor, _raw(rosa, ana, first))
    deleted = await store.create(actor, _raw(rosa, ana, first))
    await store.delete(actor, deleted["_id"], "Entered twice", None)

    # when Ana's week, then Rosa's week, is checked
    mine = (await agency.ok(CONFLICTS, {"caregiver": ana["id"], **WEEK}))["scheduleConflicts"]
    rosas = (await agency.ok(CONFLICTS, {"patient": rosa["id"], **WEEK}))["scheduleConflicts"]

    # then both of Ana's visits show the other; Rosa's show Ana's clash and Bob's smoking
    clash_id = to_global_id("Event", clash["_id"])
    assert [(c["kind"], c["visit"]["id"], c["otherVisit"]["id"]) for c in mine] == [
        ("DOUBLE_BOOKED", first["id"], clash_id),
        ("DOUBLE_BOOKED", clash_id, first["id"]),
    ]
    assert mine[0]["caregiver"] == {"id": ana["id"], "fullName": "Ana Lopez"}
    assert sorted((c["kind"], c["visit"]["id"]) for c in rosas) == sorted(
        [("DOUBLE_BOOKED", clash_id), ("SMOKING", to_global_id("Event", second["_id"]))]
    )


async def test_another_accounts_ids_read_as_missing(api: Api) -> None:
    agency, other = await conflicts_agency(api), await conflicts_agency(api)
    theirs = await create_user(other)
    walter = await patient(agency)

    listed = await agency.gql(CONFLICTS, {"caregiver": theirs["id"], **WEEK})
    booked = await book(agency, event_input(walter, theirs))

    assert listed.errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert listed.errors[0]["message"] == "No User with this id."
    assert codes(booked) == [("input.attendees.0.user", "NOT_FOUND")]


async def test_a_window_longer_than_a_month_or_both_people_are_refused(api: Api) -> None:
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)

    long = await agency.gql(CONFLICTS, {"caregiver": ana["id"], "from": at(0, 0), "to": at(40, 0)})
    both = await agency.gql(CONFLICTS, {"caregiver": ana["id"], "patient": walter["id"], **WEEK})

    assert "at most 31 days" in long.errors[0]["message"]
    assert "one of them" in both.errors[0]["message"]


@pytest.mark.parametrize("most", [None, 40], ids=["no-weekly-limit", "at-most-40-hours"])
async def test_checking_a_batch_costs_commands_per_caregiver_not_per_visit(
    api: Api, most: int | None
) -> None:
    # given an agency with three caregivers (with or without a weekly limit) and a patient
    agency = await conflicts_agency(api)
    walter = await patient(agency)
    limit = {"availability": {"maxHoursPerWeek": most}} if most else {}
    carers = [await caregiver(agency, name, "Lopez", **limit) for name in ("Ana", "Bea", "Cy")]

    def visits(count: int, week: int) -> list[dict[str, Any]]:
        return [
            event_input(walter, carers[n % 3], day=7 * week + n // 3, hour=9 + n % 3 * 3)
            for n in range(count)
        ]

    # when 3 visits (one each), then 40, are imported
    small = await agency.gql(IMPORT, {"input": visits(3, 0)})
    large = await agency.gql(IMPORT, {"input": visits(40, 1)})

    # then both are booked with the same number of DB commands
    assert small.data["eventImport"]["userErrors"] == large.data["eventImport"]["userErrors"] == []
    assert len(large.data["eventImport"]["events"]) == 40
    assert small.db_commands == large.db_commands


def _raw(
    patient_: dict[str, Any], carer: dict[str, Any], same_as: dict[str, Any]
) -> dict[str, Any]:
    """A visit at the same time as another, in the store's terms (python names, stored ids)."""
    return {
        "patient": {"record": key(patient_["id"])},
        "attendees": [{"user": key(carer["id"])}],
        "start": same_as["start"],
        "end": same_as["end"],
        "service": {"code": "PSW"},
    }


async def test_two_bookings_of_one_caregiver_at_once_book_one_and_refuse_the_other(
    api: Api,
) -> None:
    # given Ana and two patients
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    rosa = await patient(agency, "Rosa")

    # when both are booked with her at 10:00 at the same time
    first, second = await asyncio.gather(
        book(agency, event_input(walter, ana, hour=10, minutes=60)),
        book(agency, event_input(rosa, ana, hour=10, minutes=60)),
    )

    # then one is booked and the other refused as a double booking; one visit is stored
    refused = [payload for payload in (first, second) if payload["userErrors"]]
    assert len(refused) == 1, (first, second)
    assert codes(refused[0]) == [("input", "SCHEDULE_CONFLICT")]
    assert "Ana Lopez is booked with" in refused[0]["userErrors"][0]["message"]
    assert await events_stored(agency) == 1


async def test_two_moves_onto_one_slot_at_once_move_one_and_refuse_the_other(api: Api) -> None:
    # given Ana's visits at 08:00 and 12:00
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    visits = [
        (await book(agency, event_input(walter, ana, hour=hour, minutes=60)))["event"]
        for hour in (8, 12)
    ]

    # when both are moved to 10:00 at the same time
    move = {"start": at(0, 10), "end": at(0, 11)}
    first, second = await asyncio.gather(
        *(agency.ok(UPDATE, {"id": v["id"], "revision": 1, "input": move}) for v in visits)
    )

    # then one moves and the other is refused and stays where it was
    payloads = [first["eventUpdate"], second["eventUpdate"]]
    assert sorted(len(p["userErrors"]) for p in payloads) == [0, 1], payloads
    starts = sorted([(await stored_event(api, v["id"]))["start"].hour for v in visits])
    assert starts in ([8, 10], [10, 12])


async def test_a_visit_booked_without_conflict_is_confirmed_after_another_is_forced_over_it(
    api: Api,
) -> None:
    # given Ana's visit with Walter at 10:00, and Rosa's visit forced over it with an override
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    first = (await book(agency, event_input(walter, ana, hour=10, minutes=60)))["event"]
    rosa = await patient(agency, "Rosa")
    lift = {"reason": "Two-person lift"}
    forced = await book(agency, event_input(rosa, ana, hour=10, minutes=60, conflictOverride=lift))

    # when the first visit is confirmed, Ana confirms it, and the forced one is confirmed
    confirm = {"id": first["id"], "revision": 1, "input": {"status": "CONFIRMED"}}
    confirmed = (await agency.ok(UPDATE, confirm))["eventUpdate"]
    accepted = {"attendees": [{"user": ana["id"], "status": "CONFIRMED"}]}
    accept = {"id": first["id"], "revision": 2, "input": accepted}
    accepted_payload = (await agency.ok(UPDATE, accept))["eventUpdate"]
    also = {"id": forced["event"]["id"], "revision": 1, "input": {"status": "CONFIRMED"}}
    forced_confirmed = (await agency.ok(UPDATE, also))["eventUpdate"]

    # then all pass: status changes that keep a visit on the schedule are not checked, and the
    # forced visit keeps its override
    assert confirmed["userErrors"] == [] and confirmed["event"]["status"] == "CONFIRMED"
    assert accepted_payload["userErrors"] == []
    assert accepted_payload["event"]["attendees"][0]["status"] == "CONFIRMED"
    assert forced_confirmed["userErrors"] == []
    assert forced_confirmed["event"]["conflictOverride"]["reason"] == "Two-person lift"
    stored = await stored_event(api, forced["event"]["id"])
    assert stored["conflict_override"]["conflicts"][0]["kind"] == "double_booked"


async def test_adding_a_caregiver_to_a_visit_is_checked(api: Api) -> None:
    # given Bea's 10:00 visit with Walter, and Ana booked at 10:00 with Rosa
    agency = await conflicts_agency(api)
    ana, bea = await caregiver(agency, "Ana", "Lopez"), await caregiver(agency, "Bea", "Moss")
    walter, rosa = await patient(agency), await patient(agency, "Rosa")
    visit = (await book(agency, event_input(walter, bea, hour=10, minutes=60)))["event"]
    await book(agency, event_input(rosa, ana, hour=10, minutes=60))

    # when Ana is added to Bea's visit
    both = {"attendees": [{"user": bea["id"]}, {"user": ana["id"]}]}
    added = await agency.ok(UPDATE, {"id": visit["id"], "revision": 1, "input": both})

    # then it is refused: Ana is elsewhere then; the visit is unchanged
    assert codes(added["eventUpdate"]) == [("input", "SCHEDULE_CONFLICT")]
    assert len((await stored_event(api, visit["id"]))["attendees"]) == 1


async def test_an_undisclosed_gender_is_not_held_against_a_caregiver(api: Api) -> None:
    # given a patient preferring a woman caregiver, Ana whose gender is undisclosed
    agency = await conflicts_agency(api)
    walter = await patient(agency, caregiverGender="FEMALE")
    ana = await caregiver(agency, "Ana", "Lopez", gender="UNDISCLOSED")
    bob = await caregiver(agency, "Bob", "Stone", gender="MALE")

    # when each is booked with him
    undisclosed = await book(agency, event_input(walter, ana, hour=9))
    male = await book(agency, event_input(walter, bob, hour=12))

    # then only the recorded other gender is a conflict
    assert undisclosed["userErrors"] == []
    assert male["userErrors"][0]["message"].endswith("a female caregiver.")


async def test_schedule_conflicts_of_a_deleted_caregiver_or_patient_read_as_missing(
    api: Api,
) -> None:
    agency = await conflicts_agency(api)
    ana, walter = await caregiver(agency, "Ana", "Lopez"), await patient(agency)
    for collection, record in (("users", ana), ("patients", walter)):
        await api.database.db[collection].update_one(
            {"_id": key(record["id"])}, {"$set": {"_deleted": True}}
        )

    by_caregiver = await agency.gql(CONFLICTS, {"caregiver": ana["id"], **WEEK})
    by_patient = await agency.gql(CONFLICTS, {"patient": walter["id"], **WEEK})

    assert by_caregiver.errors[0]["message"] == "No User with this id."
    assert by_patient.errors[0]["message"] == "No Patient with this id."
    assert {r.errors[0]["extensions"]["code"] for r in (by_caregiver, by_patient)} == {"NOT_FOUND"}


async def test_a_visit_ending_seconds_after_the_weekly_hours_is_outside_them(api: Api) -> None:
    # given Ana works Mondays 09:00-17:00
    agency = await conflicts_agency(api)
    hours = {"weekly": [{"weekday": "MONDAY", "start": "09:00", "end": "17:00"}]}
    ana, walter = await caregiver(agency, "Ana", "Lopez", availability=hours), await patient(agency)

    # when she is booked until 17:00:30, then until 17:00:00
    late = await book(
        agency, event_input(walter, ana, hour=16) | {"end": at(0, 17).replace(":00Z", ":30Z")}
    )
    sharp = await book(agency, event_input(walter, ana, hour=16) | {"end": at(0, 17)})

    # then half a minute past her hours is outside them
    assert codes(late) == [("input", "SCHEDULE_CONFLICT")]
    assert sharp["userErrors"] == []
