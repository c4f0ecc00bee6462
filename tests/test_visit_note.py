"""A caregiver's note on their visit (`punchcardNote`): written on their own punchcard while the
visit goes on, read back as the punchcard's `actual.notes`, refused on anyone else's and for
roles that do not record visits, each refusal writing nothing."""

from __future__ import annotations

from typing import Any

from tests.factories import Agency, Api, audit_entries, create_user
from tests.factories_visits import (
    booked_visit,
    caregiver_and_patient,
    clock_agency,
    clock_in_ok,
    key,
    local,
    near,
)

NOTE = """mutation($punchcard: ID!, $notes: String!, $revision: Int) {
  punchcardNote(punchcard: $punchcard, notes: $notes, revision: $revision) {
    punchcard { id revision actual { clockIn notes } review { status } }
    userErrors { field message code } } }"""


async def _note(agency: Agency, role: str | None, **variables: Any) -> dict[str, Any]:
    answer = await agency.gql(NOTE, variables, role=role)
    assert answer.status == 200 and not answer.errors, answer.body
    return answer.data["punchcardNote"]  # type: ignore[no-any-return]


async def _stored(api: Api, punchcard: str) -> dict[str, Any]:
    stored = await api.database.db.punchcards.find_one({"_id": key(punchcard)})
    assert stored is not None
    return stored


async def _clocked_in(api: Api) -> tuple[Agency, Any, dict[str, Any]]:
    """An agency, its caregiver (signed in as themself) and their punchcard, clocked in."""
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient)
    card = await clock_in_ok(agency, event, at=local(9), location=near(5), notes="Arrived")
    await agency.person_key(caregiver)
    return agency, caregiver, card


async def test_a_caregiver_writes_the_note_of_their_visit(api: Api) -> None:
    # given a caregiver clocked in on their visit, with the clock-in's note
    agency, _, card = await _clocked_in(api)
    before = await _stored(api, card["id"])

    # when they write their note of the visit, signed in as themself
    written = await _note(agency, "caregiver", punchcard=card["id"],
                          notes="  Walter ate lunch; walked to the park.  ")  # fmt: skip

    # then the punchcard holds it (trimmed), in place of the clock-in's, its punches as they were
    assert written["userErrors"] == []
    punchcard = written["punchcard"]
    assert punchcard["actual"]["notes"] == "Walter ate lunch; walked to the park."
    assert punchcard["actual"]["clockIn"] == card["actual"]["clockIn"]
    assert punchcard["revision"] == before["_revision"] + 1
    stored = await _stored(api, card["id"])
    assert stored["actual"]["notes"] == "Walter ate lunch; walked to the park."
    assert stored["actual"]["clock_in"] == before["actual"]["clock_in"]
    assert stored.get("review") == before.get("review")
    assert ("Punchcard", "update") in [(e["record_type"], e["action"])
                                       for e in await audit_entries(agency)]  # fmt: skip

    # and an empty note clears it
    cleared = await _note(agency, "caregiver", punchcard=card["id"], notes=" ")
    assert cleared["punchcard"]["actual"]["notes"] is None
    assert (await _stored(api, card["id"]))["actual"].get("notes") is None


async def test_a_note_is_refused_on_another_caregivers_visit_and_without_record_visits(
    api: Api,
) -> None:
    # given a punchcard of one caregiver, another caregiver of the agency, and a billing clerk
    agency, _, card = await _clocked_in(api)
    other = await create_user(agency, name={"first": "Bo", "last": "Lind"})
    await agency.person_key(other["id"], name="other")
    await agency.key_for("billing")
    before = await _stored(api, card["id"])

    # when each writes a note on it, and its own caregiver writes one too long, or on an old
    # revision
    refusals = [
        ("other", {"notes": "Not mine"}, ("punchcard", "NOT_FOUND")),
        ("billing", {"notes": "Not mine"}, (None, "FORBIDDEN")),
        ("caregiver", {"notes": "x" * 4001}, ("notes", "INVALID")),
        ("caregiver", {"notes": "Late", "revision": before["_revision"] - 1}, (None, "CONFLICT")),
    ]
    for role, variables, (field, code) in refusals:
        refused = await _note(agency, role, punchcard=card["id"], **variables)

        # then it is refused with the reason, and the punchcard is as it was
        errors = refused["userErrors"]
        assert refused["punchcard"] is None and [e["code"] for e in errors] == [code], errors
        if field is not None:
            assert errors[0]["field"] == field
        assert await _stored(api, card["id"]) == before, role


async def test_a_scheduler_writes_a_note_on_any_punchcard(api: Api) -> None:
    # given a caregiver's punchcard, and a scheduler
    agency, _, card = await _clocked_in(api)
    await agency.key_for("scheduler")

    # when the scheduler writes its note
    written = await _note(agency, "scheduler", punchcard=card["id"], notes="Called the family")

    # then it is stored
    assert written["userErrors"] == []
    assert (await _stored(api, card["id"]))["actual"]["notes"] == "Called the family"
