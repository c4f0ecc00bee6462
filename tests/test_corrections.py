"""The office's correction of a punchcard's punches: computed again as at clock-out (hours,
amounts, flags), with a reason code and who made it, the punches as first recorded kept, and
refused once the punchcard is invoiced or paid."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.factories import Agency, Api, audit_entries
from tests.factories_payroll import create_line, create_payroll
from tests.factories_visits import (
    booked_visit,
    caregiver_and_patient,
    clock_agency,
    clock_in_ok,
    clock_out_ok,
    invoice_punchcards,
    key,
    local,
    near,
    stored_invoice,
)

CORRECT = """mutation($id: ID!, $revision: Int!, $input: PunchcardUpdateInput!) {
  punchcardUpdate(id: $id, revision: $revision, input: $input) {
  punchcard { id revision
    actual { clockIn clockOut method originalClockIn originalClockOut clockInDistanceMeters }
    bill { hours rate amount billable } pay { hours rate amount holiday }
    flags { kind punch minutes }
    correction { reason notes apiClient date user { id } } }
  userErrors { field message code } } }"""
BILL_LATE = {"rounding_minutes": 15, "late_checkout_grace_minutes": 10, "bill_late_checkout": True}
"""Billing rules under which time past the grace is billed: a later clock-out bills more."""


def manual(clock_in: str, clock_out: str, **correction: Any) -> dict[str, Any]:
    """An update of the actual times, as the office enters them."""
    data: dict[str, Any] = {
        "actual": {"clockIn": clock_in, "clockOut": clock_out, "method": "MANUAL"}
    }
    if correction:
        data["correction"] = correction
    return data


async def punched_hour(agency: Agency, until: str = local(10)) -> tuple[dict[str, Any], ObjectId]:
    """A 09:00-10:00 PSW visit (34.00 billed, 22.50 paid an hour), clocked in at 09:00 and out
    at `until`, at the patient's door; the punchcard and the visit."""
    caregiver, patient = await caregiver_and_patient(agency)
    event = await booked_visit(agency, [caregiver], patient, hours=1)
    card = await clock_in_ok(agency, event, at=local(9), location=near(5))
    return await clock_out_ok(agency, card["id"], at=until, location=near(5)), event


async def stored(api: Api, card: dict[str, Any]) -> dict[str, Any]:
    doc = await api.database.db.punchcards.find_one({"_id": key(card["id"])})
    assert doc is not None
    return doc


async def test_a_corrected_punchcard_bills_pays_and_flags_its_corrected_times(api: Api) -> None:
    # given a 09:00-10:00 visit punched 09:00-10:00: 1.00 h billed (34.00) and paid (22.50)
    agency = await clock_agency(api, billing_settings=BILL_LATE)
    card, _ = await punched_hour(agency)
    assert (card["bill"]["hours"], card["pay"]["hours"], card["flags"]) == ("1.00", "1.00", [])

    # when the office corrects the clock-out to 10:30: the caregiver forgot to clock out
    data = await agency.ok(
        CORRECT,
        {"id": card["id"], "revision": 2,
         "input": manual(local(9), local(10, 30), reason="FORGOT_TO_CLOCK")},
    )  # fmt: skip

    # then it is computed as a clock-out at 10:30 would be: 90 minutes are 6 increments of 15
    # = 1.50 h; past the 10-minute grace, and the account bills late checkouts, so billed to
    # 10:30 too: 1.50 x 34.00 = 51.00 billed, 1.50 x 22.50 = 33.75 paid; 30 minutes past the
    # visit's end is beyond the 15 allowed: LATE_CLOCK_OUT, 30 minutes
    payload = data["punchcardUpdate"]
    assert payload["userErrors"] == []
    fixed = payload["punchcard"]
    assert fixed["bill"] == {"hours": "1.50", "rate": "34.00", "amount": "51.00", "billable": True}
    assert fixed["pay"] == {"hours": "1.50", "rate": "22.50", "amount": "33.75", "holiday": False}
    assert fixed["flags"] == [{"kind": "LATE_CLOCK_OUT", "punch": "OUT", "minutes": 30}]
    # and the correction says why, through which client and when; the punches as first
    # recorded are kept beside the corrected ones, and so is the clock-in's distance
    assert fixed["correction"]["reason"] == "FORGOT_TO_CLOCK"
    assert fixed["correction"]["apiClient"] and fixed["correction"]["date"]
    actual = fixed["actual"]
    assert (actual["clockIn"], actual["clockOut"], actual["method"]) == (
        local(9), local(10, 30), "MANUAL"
    )  # fmt: skip
    assert (actual["originalClockIn"], actual["originalClockOut"]) == (local(9), local(10))
    assert actual["clockInDistanceMeters"] is not None
    # and it is stored so, with its audit entry
    doc = await stored(api, card)
    assert str(doc["bill"]["amount"]) == "51.00" and str(doc["pay"]["amount"]) == "33.75"
    assert doc["correction"]["reason"] == "forgot_to_clock"
    entry = (await audit_entries(agency, record_id=key(card["id"])))[-1]
    assert {c["field"] for c in entry["changes"]} >= {"actual", "bill", "pay", "flags",
                                                      "correction"}  # fmt: skip


async def test_a_correction_computes_as_the_clock_out_would_have(api: Api) -> None:
    # given two agencies' like visits: one punched out at 10:30, one punched out at 10:00
    # then corrected to 10:30
    agency = await clock_agency(api, billing_settings=BILL_LATE)
    punched, _ = await punched_hour(agency, until=local(10, 30))
    card, _ = await punched_hour(agency)

    # when the second is corrected, and a second time (the first punches stay the first)
    first = await agency.ok(
        CORRECT,
        {"id": card["id"], "revision": 2,
         "input": manual(local(9), local(10, 45), reason="DEVICE_PROBLEM")},
    )  # fmt: skip
    assert first["punchcardUpdate"]["userErrors"] == []
    again = await agency.ok(
        CORRECT,
        {"id": card["id"], "revision": 3,
         "input": manual(local(9), local(10, 30), reason="WRONG_TIME_RECORDED")},
    )  # fmt: skip

    # then it bills, pays and flags exactly as the one clocked out then
    fixed = again["punchcardUpdate"]["punchcard"]
    assert again["punchcardUpdate"]["userErrors"] == []
    assert (fixed["bill"], fixed["pay"]) == (punched["bill"], punched["pay"])
    assert [(f["kind"], f["minutes"]) for f in fixed["flags"]] == [
        (f["kind"], f["minutes"]) for f in punched["flags"]
    ]
    assert fixed["correction"]["reason"] == "WRONG_TIME_RECORDED"
    assert fixed["actual"]["originalClockOut"] == local(10)

    # when its reason is put right without new times, then cleared
    restated = await agency.ok(
        CORRECT,
        {"id": card["id"], "revision": 4,
         "input": {"correction": {"reason": "OTHER", "notes": "Phone clock an hour off."}}},
    )  # fmt: skip
    cleared = await agency.ok(
        CORRECT, {"id": card["id"], "revision": 5, "input": {"correction": None}}
    )
    # then the reason is restated, and the correction stays on record
    assert restated["punchcardUpdate"]["userErrors"] == []
    assert restated["punchcardUpdate"]["punchcard"]["correction"]["notes"] == (
        "Phone clock an hour off."
    )
    assert [(e["field"], e["code"]) for e in cleared["punchcardUpdate"]["userErrors"]] == [
        ("input.correction", "INVALID")
    ]
    assert (await stored(api, card))["correction"]["reason"] == "other"


async def test_a_correction_without_a_reason_is_refused_and_writes_nothing(api: Api) -> None:
    # given a punched visit
    agency = await clock_agency(api, billing_settings=BILL_LATE)
    card, _ = await punched_hour(agency)
    before = await stored(api, card)
    refusals = {
        "no reason": (manual(local(9), local(10, 30)), [("input.correction.reason", "REQUIRED")]),
        "other, unexplained": (
            manual(local(9), local(10, 30), reason="OTHER"),
            [("input.correction.notes", "REQUIRED")],
        ),
        "hours given too": (
            {**manual(local(9), local(10, 30), reason="NO_SIGNAL"),
             "pay": {"hours": "1", "rate": "22.50"}},
            [("input.pay", "INVALID")],
        ),
        "a reason, no new time": (
            {"correction": {"reason": "NO_SIGNAL"}}, [("input.correction", "INVALID")]
        ),
    }  # fmt: skip
    for what, (change, errors) in refusals.items():
        # when the office corrects its times so
        data = await agency.ok(CORRECT, {"id": card["id"], "revision": 2, "input": change})
        # then it is refused, saying what is missing, and nothing is written
        got = [(e["field"], e["code"]) for e in data["punchcardUpdate"]["userErrors"]]
        assert got == errors, what
        assert await stored(api, card) == before, what


async def test_an_invoiced_or_paid_punchcard_is_not_corrected(api: Api) -> None:
    # given a punchcard on an invoice, and one paid on a payroll line
    agency = await clock_agency(api, billing_settings=BILL_LATE)
    invoiced, _ = await punched_hour(agency)
    assert await invoice_punchcards(agency, await stored_invoice(agency), [invoiced]) == 1
    paid, _ = await punched_hour(agency)
    payroll = await create_payroll(agency)
    caregiver = (await agency.ok(
        "query($id: ID!) { punchcard(id: $id) { user { record { id } } } }", {"id": paid["id"]}
    ))["punchcard"]["user"]["record"]["id"]  # fmt: skip
    await create_line(agency, payroll["id"], caregiver, [paid["id"]])
    for card, remedy in ((invoiced, "Credit the invoice"), (paid, "Adjust the caregiver's pay")):
        before = await stored(api, card)
        # when the office corrects its clock-out
        data = await agency.ok(
            CORRECT,
            {"id": card["id"], "revision": before["_revision"],
             "input": manual(local(9), local(10, 30), reason="FORGOT_TO_CLOCK")},
        )  # fmt: skip
        # then it is refused, saying what to do instead, and nothing is written
        (error,) = data["punchcardUpdate"]["userErrors"]
        assert (error["field"], error["code"]) == ("id", "INVALID_STATE")
        assert remedy in error["message"]
        assert await stored(api, card) == before


async def test_an_agency_that_does_not_allow_corrections_refuses_them(api: Api) -> None:
    # given an agency whose visit settings do not let the office correct punches
    agency = await clock_agency(api, visit_settings={"allow_overrides": False})
    card, _ = await punched_hour(agency)
    before = await stored(api, card)
    # when the office corrects a clock-out
    data = await agency.ok(
        CORRECT,
        {"id": card["id"], "revision": 2,
         "input": manual(local(9), local(10, 30), reason="FORGOT_TO_CLOCK")},
    )  # fmt: skip
    # then it is refused, and nothing is written
    errors = data["punchcardUpdate"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.actual", "INVALID_STATE")]
    assert await stored(api, card) == before


async def test_a_clock_out_is_corrected_not_cleared(api: Api) -> None:
    # given a 09:00-10:00 visit punched in and out: an hour billed and paid
    agency = await clock_agency(api)
    card, _ = await punched_hour(agency)
    before = await stored(api, card)
    # when the office clears the clock-out (as if the visit went on), giving a reason
    data = await agency.ok(
        CORRECT,
        {"id": card["id"], "revision": 2,
         "input": {"actual": {"clockIn": local(9), "clockOut": None},
                   "correction": {"reason": "FORGOT_TO_CLOCK"}}},
    )  # fmt: skip
    # then it is refused on the clock-out, saying to correct the times instead, and the
    # punchcard keeps its punches, hours and pay
    (error,) = data["punchcardUpdate"]["userErrors"]
    assert (error["field"], error["code"]) == ("input.actual.clockOut", "INVALID")
    assert "correct their times" in error["message"]
    assert await stored(api, card) == before
