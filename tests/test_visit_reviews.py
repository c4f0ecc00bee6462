"""The office's review of punches: a flagged or hand-recorded punch waits, is neither billed nor
paid until an office user approves it, and a clock-in long before its visit is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import Agency, Api, audit_entries
from tests.factories_billing import CREATE_INVOICE, GENERATE_INVOICE
from tests.factories_payroll import CREATE_LINE, GENERATE, create_payroll, line_input
from tests.factories_visits import (
    CLOCK_IN,
    VISIT_DAY,
    booked_visit,
    caregiver_and_patient,
    clock_agency,
    clock_in_ok,
    clock_out_ok,
    create_punchcard,
    event_id,
    key,
    near,
)
from tests.test_billing import to_global_id

MARCH = {"start": "2025-03-01", "end": "2025-03-31"}
WEEK = {"start": "2025-03-03", "end": "2025-03-09"}
HELD = "heldForReview { id status reason punchcard { id } }"
INVOICE = GENERATE_INVOICE.replace("punchcardsBilled", f"punchcardsBilled {HELD}")
PAYROLL = GENERATE.replace("dryRun", f"dryRun {HELD}")
REVIEW = "review { status why since reason notes apiClient date user { id } }"
QUEUE = f"""query($filter: VisitReviewFilter) {{ visitReviews(filter: $filter) {{
  totalCount nodes {{ id {REVIEW} }} }} }}"""
DECIDE = """mutation($punchcard: ID!, $reason: String!, $notes: String) {{
  {name}(punchcard: $punchcard, reason: $reason, notes: $notes) {{
  punchcard {{ id revision {review} }} userErrors {{ field message code }} }} }}"""
APPROVE = DECIDE.format(name="visitReviewApprove", review=REVIEW)
REJECT = DECIDE.format(name="visitReviewReject", review=REVIEW)
DAY = dt.timedelta(days=1)


def hours_after(start: dt.datetime, hours: float) -> str:
    return (start + dt.timedelta(hours=hours)).isoformat()


async def invoice(agency: Agency, patient: Any) -> dict[str, Any]:
    variables = {"period": MARCH, "patient": to_global_id("Patient", patient)}
    return (await agency.ok(INVOICE, variables))["invoiceGenerate"]  # type: ignore[no-any-return]


async def payroll(agency: Agency, dry_run: bool) -> dict[str, Any]:
    variables = {"period": WEEK, "options": {"dryRun": dry_run}}
    return (await agency.ok(PAYROLL, variables))["payrollGenerate"]  # type: ignore[no-any-return]


async def decide(agency: Agency, query: str, card: str, reason: str, **more: Any) -> Any:
    data = await agency.ok(query, {"punchcard": card, "reason": reason, **more})
    return next(iter(data.values()))


def held(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(h["id"], h["status"], h["reason"]) for h in payload["heldForReview"]]


async def test_a_flagged_punch_is_held_out_of_billing_and_payroll_until_approved(
    api: Api,
) -> None:
    # given three visits of Ada's with Walter: one punched at the door, one clocked in 5 km
    # away (FAR_FROM_VISIT), and one the office recorded by hand (MANUAL)
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    fine_visit = await booked_visit(agency, [caregiver], patient)
    far_visit = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + DAY)
    fine = await clock_in_ok(agency, fine_visit, at=VISIT_DAY.isoformat(), location=near(5))
    await clock_out_ok(agency, fine["id"], at=hours_after(VISIT_DAY, 2), location=near(5))
    far_start = VISIT_DAY + DAY
    far = await clock_in_ok(agency, far_visit, at=far_start.isoformat(), location=near(5000))
    await clock_out_ok(agency, far["id"], at=hours_after(far_start, 2), location=near(5))
    by_hand = VISIT_DAY + 2 * DAY
    manual = await create_punchcard(
        agency, to_global_id("User", caregiver), to_global_id("Patient", patient),
        actual={"clockIn": by_hand.isoformat(), "clockOut": hours_after(by_hand, 2),
                "method": "MANUAL"},
    )  # fmt: skip

    # then the far one and the manual one wait in the review queue, oldest first
    queue = (await agency.ok(QUEUE))["visitReviews"]
    assert [n["id"] for n in queue["nodes"]] == [far["id"], manual["id"]]
    assert [n["review"]["why"] for n in queue["nodes"]] == [["FAR_FROM_VISIT"], ["MANUAL"]]
    assert all(n["review"]["status"] == "PENDING" and n["review"]["since"] for n in queue["nodes"])
    stored = await api.database.db.punchcards.find_one({"_id": key(fine["id"])})
    assert stored is not None and stored.get("review") is None

    # when March is invoiced and the week's payroll computed (a dry run)
    first_bill = await invoice(agency, patient)
    first_pay = await payroll(agency, dry_run=True)

    # then only the punch at the door is billed (2 h x 34.00) and paid (2 h x 22.50), and
    # both say which they held back and why
    assert first_bill["userErrors"] == [] and first_bill["punchcardsBilled"] == 1
    assert first_bill["invoice"]["total"] == "68.00"
    waiting = [
        (far["id"], "PENDING", "It waits for the office's review (FAR_FROM_VISIT)."),
        (manual["id"], "PENDING", "It waits for the office's review (MANUAL)."),
    ]
    assert held(first_bill) == waiting
    assert first_pay["userErrors"] == [] and first_pay["payroll"]["gross"] == "45.00"
    assert held(first_pay) == waiting

    # when the office approves the far punch (the phone's position drifted) and rejects the
    # manual one
    approved = await decide(agency, APPROVE, far["id"], "gps_drift", notes="Client confirmed")
    rejected = await decide(agency, REJECT, manual["id"], "NOT_VERIFIED")

    # then each records the account's code, who decided (this API client) and when
    assert approved["userErrors"] == [] and rejected["userErrors"] == []
    review = approved["punchcard"]["review"]
    assert (review["status"], review["reason"], review["notes"]) == (
        "APPROVED", "GPS_DRIFT", "Client confirmed",
    )  # fmt: skip
    assert review["apiClient"] and review["date"] and review["why"] == ["FAR_FROM_VISIT"]
    assert rejected["punchcard"]["review"]["status"] == "REJECTED"
    entry = (await audit_entries(agency, record_id=key(far["id"])))[-1]
    assert [c["field"] for c in entry["changes"]] == ["review"]
    assert entry["changes"][0]["after"]["status"] == "approved"

    # and the approved punch is billed and paid now; the rejected one never
    second_bill = await invoice(agency, patient)
    paid = await payroll(agency, dry_run=False)
    assert second_bill["userErrors"] == [] and second_bill["punchcardsBilled"] == 1
    assert second_bill["invoice"]["punchcards"][0]["record"]["id"] == far["id"]
    rejected_why = (manual["id"], "REJECTED", "The office rejected its punches (NOT_VERIFIED).")
    assert held(second_bill) == [rejected_why]
    assert paid["userErrors"] == [] and paid["payroll"]["gross"] == "90.00"
    assert held(paid) == [rejected_why]
    stored_manual = await api.database.db.punchcards.find_one({"_id": key(manual["id"])})
    assert stored_manual is not None
    assert stored_manual.get("invoice") is None and stored_manual.get("payroll") is None
    assert (await agency.ok(QUEUE))["visitReviews"]["totalCount"] == 0


async def test_decisions_are_refused_when_they_cannot_be_made(api: Api) -> None:
    # given a punch waiting for review and one that never needed it
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    far_visit = await booked_visit(agency, [caregiver], patient)
    fine_visit = await booked_visit(agency, [caregiver], patient, start=VISIT_DAY + DAY)
    far = await clock_in_ok(agency, far_visit, at=VISIT_DAY.isoformat(), location=near(900))
    fine = await clock_in_ok(agency, fine_visit, at=(VISIT_DAY + DAY).isoformat(), location=near(5))
    await agency.key_for("caregiver")

    # when a code not in the account's list is given, the punch without review is approved,
    # and a caregiver approves their own punch
    unknown = await decide(agency, APPROVE, far["id"], "LOOKS_FINE")
    nothing = await decide(agency, APPROVE, fine["id"], "CLIENT_CONFIRMED")
    variables = {"punchcard": far["id"], "reason": "CLIENT_CONFIRMED"}
    own = (await agency.gql(APPROVE, variables, role="caregiver")).data["visitReviewApprove"]

    # then each is refused with its code, and the punch still waits
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [("reason", "INVALID")]
    assert "CLIENT_CONFIRMED" in unknown["userErrors"][0]["message"]
    assert [(e["field"], e["code"]) for e in nothing["userErrors"]] == [
        ("punchcard", "INVALID_STATE")
    ]
    assert [e["code"] for e in own["userErrors"]] == ["FORBIDDEN"]
    stored = await api.database.db.punchcards.find_one({"_id": key(far["id"])})
    assert stored is not None and stored["review"]["status"] == "pending"
    # and an approval given twice is refused the second time
    assert (await decide(agency, APPROVE, far["id"], "CLIENT_CONFIRMED"))["userErrors"] == []
    again = await decide(agency, APPROVE, far["id"], "CLIENT_CONFIRMED")
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_STATE"]


async def test_a_clock_in_long_before_the_visit_is_refused_not_only_flagged(api: Api) -> None:
    # given a visit nine days from the clock agency's usual day, and one at that day
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    later = VISIT_DAY + dt.timedelta(days=9)
    far_ahead = await booked_visit(agency, [caregiver], patient, start=later)
    soon = await booked_visit(agency, [caregiver], patient)

    # when the caregiver clocks in on the later one 8.9 days early, and on the other 100
    # minutes early (within the account's two days)
    early = later - dt.timedelta(days=8.9)
    refused = await agency.ok(
        CLOCK_IN, {"event": event_id(far_ahead), "at": early.isoformat(), "location": near(5)}
    )
    accepted = await clock_in_ok(
        agency, soon, at=(VISIT_DAY - dt.timedelta(minutes=100)).isoformat(), location=near(5)
    )

    # then the first is refused on its time, and nothing is written; the second is flagged
    payload = refused["punchcardClockIn"]
    assert payload["punchcard"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("at", "INVALID")]
    assert "213.6 hours before the visit starts" in payload["userErrors"][0]["message"]
    assert await api.count("punchcards", _account=agency.account_id, event=far_ahead) == 0
    assert [f["kind"] for f in accepted["flags"]] == ["EARLY_CLOCK_IN"]


async def test_a_punch_in_review_is_refused_on_an_invoice_or_payroll_line_made_by_hand(
    api: Api,
) -> None:
    # given a punch clocked in far from the door and out at it, waiting for review, and an
    # open payroll of its week
    agency = await clock_agency(api)
    caregiver, patient = await caregiver_and_patient(agency)
    visit = await booked_visit(agency, [caregiver], patient)
    far = await clock_in_ok(agency, visit, at=VISIT_DAY.isoformat(), location=near(900))
    await clock_out_ok(agency, far["id"], at=hours_after(VISIT_DAY, 2), location=near(5))
    week = await create_payroll(agency)
    # when a clerk lists it on an invoice, and on a payroll line
    billed = await agency.ok(CREATE_INVOICE, {"input": {
        "patient": {"record": to_global_id("Patient", patient)},
        "services": [{"code": "PSW", "quantity": "2", "rate": "34.00"}],
        "punchcards": [{"record": far["id"], "date": "2025-03-03", "hours": "2"}]}})  # fmt: skip
    line = await agency.ok(CREATE_LINE, {"input": line_input(
        week["id"], to_global_id("User", caregiver), [far["id"]])})  # fmt: skip
    # then both are refused on the punchcard, and nothing is written
    assert [(e["field"], e["code"]) for e in billed["invoiceCreate"]["userErrors"]] == [
        ("input.punchcards.0.record", "INVALID_STATE")
    ]
    assert [(e["field"], e["code"]) for e in line["payrollUserCreate"]["userErrors"]] == [
        ("input.punchcards.0.record", "INVALID_STATE")
    ]
    assert await api.count("invoices", _account=agency.account_id) == 0
    assert await api.count("payrollsusers", _account=agency.account_id) == 0
