"""Caregiver matching: who is ranked, in which order, with which per-criterion scores and
reasons; for a visit or for a patient; tenancy and cost."""

from __future__ import annotations

from typing import Any

from tests.factories import Api, create_user
from tests.factories_conflicts import (
    FIT,
    MATCHES,
    NEEDY,
    UNFIT,
    book,
    caregiver,
    conflicts_agency,
    far_away,
    patient,
)
from tests.factories_scheduling import at, event_input
from tests.test_scheduling import key


def table(matches: list[dict[str, Any]]) -> list[tuple[str, float]]:
    return [(m["caregiver"]["fullName"], m["score"]) for m in matches]


def criteria(match: dict[str, Any]) -> dict[str, tuple[float, str]]:
    return {c["criterion"]: (c["score"], c["reason"]) for c in match["criteria"]}


async def test_caregivers_are_ranked_for_a_visit_with_a_reason_per_criterion(api: Api) -> None:
    # given a needy patient's Monday 09:00 visit, booked for Bob who fits nothing
    agency = await conflicts_agency(api)
    needy = await patient(agency, **NEEDY)
    bob = await caregiver(agency, "Bob", "Stone", **UNFIT)
    visit = await book(agency, event_input(needy, bob, hour=9, conflictOverride={"reason": "x"}))
    # Eve fits and lives next door; Fay fits but lives in Ottawa; Gus fits but is busy then
    await caregiver(agency, "Eve", "Moss", **FIT)
    await caregiver(agency, "Fay", "Moss", **FIT, locations=[far_away()])
    gus = await caregiver(agency, "Gus", "Hale", **FIT)
    rosa = await patient(agency, "Rosa")
    busy = (await book(agency, event_input(rosa, gus, hour=9, minutes=30)))["event"]

    # when caregivers are matched for the visit
    data = await agency.ok(MATCHES, {"event": visit["event"]["id"]})
    matches = data["caregiverMatches"]

    # then Eve comes first, then Fay (far), Gus (busy), and Bob last; Bob's own visit is not
    # held against him
    assert table(matches) == [
        ("Eve Moss", 100.0),
        ("Fay Moss", 91.7),
        ("Gus Hale", 66.7),
        ("Bob Stone", 41.7),
    ]
    assert criteria(matches[0]) == {
        "FREE": (1.0, "Free then."),
        "NEEDS": (1.0, "Meets all of them."),
        "SKILLS": (1.0, "Meets all of them."),
        "CERTIFICATIONS": (1.0, "Meets all of them."),
        "LANGUAGES": (1.0, "Meets all of them."),
        "DISTANCE": (1.0, "0.0 km away."),
    }
    assert criteria(matches[1])["DISTANCE"] == (0.0, "352.5 km away.")
    assert criteria(matches[2])["FREE"] == (
        0.0,
        f"Gus Hale is booked with Rosa Green 2030-03-04 09:00-09:30 (visit {busy['id']}).",
    )
    bob_scores = criteria(matches[3])
    assert bob_scores["FREE"] == (1.0, "Free then.")
    assert bob_scores["SKILLS"] == (0.0, "Lacks Dementia care (expert).")
    assert bob_scores["CERTIFICATIONS"] == (0.0, "Lacks CPR valid on 2030-03-04.")
    assert bob_scores["NEEDS"][0] == 0.0
    assert bob_scores["NEEDS"][1].startswith("Lacks working with pets, working with a smoker")


async def test_for_a_patient_without_a_time_free_is_not_judged(api: Api) -> None:
    # given a patient speaking French, Eve who speaks it and Ann who does not
    agency = await conflicts_agency(api)
    rosa = await patient(agency, "Rosa", languages=[{"code": "fr"}])
    await caregiver(agency, "Ann", "Lee")
    await caregiver(agency, "Eve", "Moss", languages=[{"code": "fr"}])

    # when matched for the patient, without a time then with one
    untimed = (await agency.ok(MATCHES, {"patient": rosa["id"]}))["caregiverMatches"]
    timed = await agency.ok(MATCHES, {"patient": rosa["id"], "from": at(0, 9), "to": at(0, 10)})

    # then the language decides, and FREE is scored only with a time
    assert table(untimed) == [("Eve Moss", 100.0), ("Ann Lee", 87.5)]
    assert "FREE" not in criteria(untimed[0])
    assert criteria(untimed[1])["LANGUAGES"] == (0.0, "Lacks one of fr.")
    assert criteria(timed["caregiverMatches"][0])["FREE"] == (1.0, "Free then.")


async def test_a_caregiver_the_visit_would_take_over_her_weekly_hours_is_not_free(
    api: Api,
) -> None:
    # given Ann and Eve, both at most 8 hours a week; Eve is booked 7 h on Tuesday
    agency = await conflicts_agency(api)
    walter, rosa = await patient(agency), await patient(agency, "Rosa")
    limit = {"availability": {"maxHoursPerWeek": 8}}
    await caregiver(agency, "Ann", "Lee", **limit)
    eve = await caregiver(agency, "Eve", "Lee", **limit)
    await book(agency, event_input(rosa, eve, day=1, hour=8, minutes=420))

    # when matched for Walter on Monday 09:00-11:00, and on Monday of the next week
    same_week = {"patient": walter["id"], "from": at(0, 9), "to": at(0, 11)}
    next_week = {**same_week, "from": at(7, 9), "to": at(7, 11)}
    busy = (await agency.ok(MATCHES, same_week))["caregiverMatches"]
    later = (await agency.ok(MATCHES, next_week))["caregiverMatches"]

    # then Eve is not free that week, saying why, and free the next
    assert table(busy) == [("Ann Lee", 100.0), ("Eve Lee", 66.7)]
    assert criteria(busy[1])["FREE"] == (
        0.0,
        "Eve Lee would be booked 9 hours in the week of 2030-03-04, over the 8 hours a week "
        "they can work.",
    )
    assert table(later) == [("Ann Lee", 100.0), ("Eve Lee", 100.0)]


async def test_ties_go_by_name_and_only_active_caregivers_are_ranked(api: Api) -> None:
    # given three equal caregivers, a suspended one, a deleted one and an office user
    agency = await conflicts_agency(api)
    walter = await patient(agency)
    for first, last in (("Zoe", "Adams"), ("Amy", "Baker"), ("Bea", "Adams")):
        await caregiver(agency, first, last)
    suspended = await caregiver(agency, "Sam", "Aaron")
    deleted = await caregiver(agency, "Del", "Aaron")
    await create_user(agency, name={"first": "Olly", "last": "Aaron"}, roleType="OFFICE")
    users = api.database.db.users
    await users.update_one({"_id": key(suspended["id"])}, {"$set": {"_suspended": True}})
    await users.update_one({"_id": key(deleted["id"])}, {"$set": {"_deleted": True}})

    # when matched, first 2 then all
    two = (await agency.ok(MATCHES, {"patient": walter["id"], "first": 2}))["caregiverMatches"]
    every = (await agency.ok(MATCHES, {"patient": walter["id"]}))["caregiverMatches"]

    # then equal scores go by last then first name, and only active caregivers are there
    assert [m["caregiver"]["fullName"] for m in two] == ["Bea Adams", "Zoe Adams"]
    assert [m["caregiver"]["fullName"] for m in every] == ["Bea Adams", "Zoe Adams", "Amy Baker"]


async def test_matching_costs_the_same_commands_for_3_or_12_caregivers(api: Api) -> None:
    async def commands(count: int) -> int:
        agency = await conflicts_agency(api)
        walter = await patient(agency)
        for number in range(count):
            await caregiver(agency, f"C{number}", "Lopez")
        visit = await book(agency, event_input(walter, None, hour=9))
        response = await agency.gql(MATCHES, {"event": visit["event"]["id"], "first": 20})
        assert len(response.data["caregiverMatches"]) == count
        return response.db_commands

    assert await commands(3) == await commands(12)


async def test_another_accounts_visit_or_patient_reads_as_missing(api: Api) -> None:
    agency, other = await conflicts_agency(api), await conflicts_agency(api)
    theirs = await patient(other)
    their_visit = await book(other, event_input(theirs, None))

    by_visit = await agency.gql(MATCHES, {"event": their_visit["event"]["id"]})
    by_patient = await agency.gql(MATCHES, {"patient": theirs["id"]})

    for response in (by_visit, by_patient):
        assert response.errors[0]["extensions"]["code"] == "NOT_FOUND"
        assert response.data is None or response.data.get("caregiverMatches") is None


async def test_certificates_are_read_on_the_visits_local_day(api: Api) -> None:
    # given an agency in Toronto, a patient needing CPR, Eve's CPR valid until 10 March 2030
    agency = await conflicts_agency(api)
    await api.database.db.accounts.update_one(
        {"_id": agency.account_id}, {"$set": {"settings.timezone": "America/Toronto"}}
    )
    needy = await patient(agency, requiredCertifications=["CPR"])
    eve = await caregiver(
        agency, "Eve", "Moss", certifications=[{"name": "CPR", "expiryDate": "2030-03-10"}]
    )
    # and her visit on 10 March 2030 22:00 in Toronto (02:00 UTC on 11 March)
    visit = {
        "start": "2030-03-11T02:00:00Z",
        "end": "2030-03-11T03:00:00Z",
        "patient": {"record": needy["id"]},
        "attendees": [{"user": eve["id"]}],
        "service": {"code": "PSW"},
    }
    booked = await book(agency, visit)

    # when caregivers are matched for it
    data = await agency.ok(MATCHES, {"event": booked["event"]["id"]})

    # then the booking and the match both read 10 March, when her CPR is valid
    assert booked["userErrors"] == []
    scores = {c["criterion"]: c for c in data["caregiverMatches"][0]["criteria"]}
    assert scores["CERTIFICATIONS"]["score"] == 1.0, scores["CERTIFICATIONS"]
