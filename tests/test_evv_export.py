"""Electronic visit verification export: every visit of a period either exported as an
aggregator's visit record (checked against the documented layout) or listed with why, streamed
as JSON lines or CSV with the API's own credentials."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from bson import Decimal128

from app.accounts.services import create_api_client
from app.common.days import local_midnight, zone_of
from app.db import Database
from app.graphql.relay import to_global_id
from app.visits.evv_check import problems, record_of_row
from tests.factories import Agency, Api, audit_entries, create_patient, small_demo_of_last_week
from tests.factories_visits import (
    VISIT_DAY,
    booked_visit,
    clock_agency,
    clock_in_ok,
    clock_out_ok,
    create_punchcard,
    key,
    local,
    near,
)
from tests.test_corrections import CORRECT, manual

EXPORT = """query($period: EvvPeriodInput!, $format: EvvFormat) {
  evvExport(period: $period, format: $format) {
    start end format exported url contentType columns cures { element fields }
    skipped { id reasons messages punchcard { id } } } }""".replace("cures {", "curesAct {")
APPROVE = """mutation($punchcard: ID!, $reason: String!) {
  visitReviewApprove(punchcard: $punchcard, reason: $reason) { userErrors { code } } }"""
EVV_PAYER = {"payer": "State Medicaid", "payerCode": "CTDSS", "program": "PCP",
             "memberId": "123456789"}  # fmt: skip


async def download(api: Api, key_: str, url: str) -> tuple[int, dict[str, str], str]:
    response = await api.client.get(url, headers={"Authorization": f"Bearer {key_}"})
    return response.status, dict(response.headers), await response.text()


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line]


async def week_cards(database: Database, account: dict[str, Any], monday: dt.date) -> set[str]:
    """The global ids of the live punchcards of the week (the account's days)."""
    zone = zone_of(account)
    days = {"$gte": local_midnight(monday, zone),
            "$lt": local_midnight(monday + dt.timedelta(days=7), zone)}  # fmt: skip
    query = {"_account": account["_id"], "_search.date": days, "_deleted": {"$ne": True}}
    return {to_global_id("Punchcard", c["_id"]) async for c in database.db.punchcards.find(query)}


async def test_the_demo_week_is_exported_or_each_visit_listed_with_why(
    api: Api, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo of one agency, its week over (its NPI, HCPCS codes, insured patients with
    # Blue Cross's aggregator id and member ids; self-paying patients; two flagged punches the
    # office approved; visits still going on at the end of the week)
    account, monday = await small_demo_of_last_week(database, monkeypatch)
    admin, _ = await create_api_client(database, account["_id"], "EVV clerk", "administrator")
    period = {"start": str(monday), "end": str(monday + dt.timedelta(days=6))}

    # when the office asks what the week's export holds, and downloads it in both formats
    response = await api.gql(
        EXPORT, {"period": period, "format": "JSONL"}, authorization=f"Bearer {admin}"
    )
    summary = response.data["evvExport"]
    status, headers, body = await download(api, admin, summary["url"])
    csv_status, csv_headers, csv_body = await download(
        api, admin, summary["url"].replace("format=jsonl", "format=csv")
    )

    # then the file streams with the same credentials, as a download
    assert not response.errors and status == 200 and csv_status == 200
    assert headers["Content-Type"].startswith("application/x-ndjson")
    assert csv_headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    records = jsonl(body)
    rows = list(csv.DictReader(io.StringIO(csv_body)))
    # and every record passes the layout's check (the six Cures Act elements among them), in
    # both formats
    assert summary["exported"] == len(records) == len(rows) > 0
    assert [problems(record) for record in records] == [[] for _ in records]
    assert [problems(record_of_row(row)) for row in rows] == [[] for _ in rows]
    assert list(rows[0]) == summary["columns"]
    assert len(summary["curesAct"]) == 6
    # and every punchcard of the week is exported or listed with why, never both
    exported = {record["VisitOtherID"] for record in records}
    skipped = {visit["id"] for visit in summary["skipped"]}
    assert exported.isdisjoint(skipped)
    assert exported | skipped == await week_cards(database, account, monday)
    reasons = {reason for visit in summary["skipped"] for reason in visit["reasons"]}
    assert "NO_EVV_PAYER" in reasons  # the self-paying patients
    assert all(visit["messages"] for visit in summary["skipped"])
    # and the approved flagged punches carry the office's change with its reason code
    changed = [r for r in records if r["VisitChanges"]]
    for record in changed:
        assert record["VisitChanges"][-1]["ReasonCode"] in {"GPS_DRIFT", "CLIENT_CONFIRMED"}
    # and the download is in the audit trail
    trail = [e async for e in database.db.audit_events.find(
        {"_account": account["_id"], "fields_read": "evvExport"})]  # fmt: skip
    assert len(trail) == 2


async def evv_agency(api: Api) -> Agency:
    agency = await clock_agency(api)
    await api.database.db.accounts.update_one(
        {"_id": agency.account_id},
        {"$set": {"npi": "1234567893", "services.0.hcpcs": "T1019",
                  "services.0.modifiers": ["U2"], "services.0.unit": "hour",
                  "services.0.bill_rate": Decimal128("34.00")}},
    )  # fmt: skip
    return agency


async def test_a_corrected_and_a_manual_visit_carry_their_changes_and_reason_codes(
    api: Api,
) -> None:
    # given a Medicaid patient of an agency with an NPI and T1019 U2 for PSW; a visit punched
    # at the door then corrected (the caregiver forgot to clock out: 30 minutes late, so it
    # was reviewed and approved again), and two recorded by hand: one approved, one waiting
    agency = await evv_agency(api)
    caregiver = key(await create_user_id(agency))
    patient = key((await create_patient(agency, billing=[EVV_PAYER]))["id"])
    visit = await booked_visit(agency, [caregiver], patient, hours=1)
    card = await clock_in_ok(agency, visit, at=local(9), location=near(5))
    card = await clock_out_ok(agency, card["id"], at=local(10), location=near(5))
    corrected = await agency.ok(CORRECT, {"id": card["id"], "revision": 2, "input": {
        **manual(local(9), local(10, 30), reason="FORGOT_TO_CLOCK"),
        "actual": {"clockIn": local(9), "clockOut": local(10, 30)}}})  # fmt: skip
    assert corrected["punchcardUpdate"]["userErrors"] == []
    assert corrected["punchcardUpdate"]["punchcard"]["flags"] == [
        {"kind": "LATE_CLOCK_OUT", "punch": "OUT", "minutes": 30}
    ]
    again = await agency.ok(APPROVE, {"punchcard": card["id"], "reason": "CLIENT_CONFIRMED"})
    assert again["visitReviewApprove"]["userErrors"] == []
    day = VISIT_DAY + dt.timedelta(days=1)
    approved, waiting = [
        await create_punchcard(
            agency, to_global_id("User", caregiver), to_global_id("Patient", patient),
            actual={"clockIn": (day + dt.timedelta(hours=h)).isoformat(),
                    "clockOut": (day + dt.timedelta(hours=h + 2)).isoformat(),
                    "method": "MANUAL"},
        )
        for h in (0, 4)
    ]  # fmt: skip
    assert (await agency.ok(APPROVE, {"punchcard": approved["id"], "reason": "CLIENT_CONFIRMED"}))[
        "visitReviewApprove"
    ]["userErrors"] == []

    # when the week is exported
    period = {"start": "2025-03-03", "end": "2025-03-09"}
    summary = (await agency.ok(EXPORT, {"period": period}))["evvExport"]
    _, _, body = await download(api, agency.key, summary["url"])
    records = {r["VisitOtherID"]: r for r in jsonl(body)}

    # then the corrected visit keeps its punches as calls and its corrected times as
    # adjusted ones, with the account's code for the correction reason
    fixed = records[card["id"]]
    assert [(c["CallAssignment"], c["CallDateTime"], c["CallType"]) for c in fixed["Calls"]] == [
        ("Time In", "2025-03-03T14:00:00Z", "Mobile"),
        ("Time Out", "2025-03-03T15:00:00Z", "Mobile"),
    ]
    assert (fixed["AdjInDateTime"], fixed["AdjOutDateTime"]) == (
        "2025-03-03T14:00:00Z", "2025-03-03T15:30:00Z",
    )  # fmt: skip
    assert [c["ReasonCode"] for c in fixed["VisitChanges"]] == ["FORGOT", "CLIENT_CONFIRMED"]
    assert (fixed["ProviderIdentification"], fixed["ProcedureCode"], fixed["Modifier1"]) == (
        {"ProviderQualifier": "NPI", "ProviderID": "1234567893"}, "T1019", "U2",
    )  # fmt: skip
    assert (fixed["PayerID"], fixed["PayerProgram"], fixed["ClientID"]) == (
        "CTDSS", "PCP", "123456789",
    )  # fmt: skip
    # and the approved manual visit is a Manual call with the approval as its change
    by_hand = records[approved["id"]]
    assert {c["CallType"] for c in by_hand["Calls"]} == {"Manual"}
    assert [c["ReasonCode"] for c in by_hand["VisitChanges"]] == ["CLIENT_CONFIRMED"]
    assert problems(fixed) == [] and problems(by_hand) == []
    # and the waiting one is not exported, with why
    assert summary["exported"] == 2
    assert [(v["id"], v["reasons"]) for v in summary["skipped"]] == [
        (waiting["id"], ["PENDING_REVIEW"])
    ]


async def create_user_id(agency: Agency) -> str:
    from tests.factories import create_user

    return str((await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"])


async def test_the_export_is_refused_to_a_role_without_billing_and_for_bad_periods(
    api: Api,
) -> None:
    # given an agency with a caregiver's key
    agency = await evv_agency(api)
    caregiver = await agency.key_for("caregiver")
    # when the caregiver downloads, and the office asks for a bad period or format
    refused, _, _ = await download(api, caregiver, "/evv/export?start=2025-03-03&end=2025-03-09")
    reversed_, _, why = await download(
        api, agency.key, "/evv/export?start=2025-03-09&end=2025-03-03"
    )
    bad_format, _, _ = await download(
        api, agency.key, "/evv/export?start=2025-03-03&end=2025-03-09&format=xml"
    )
    anonymous = await api.client.get("/evv/export?start=2025-03-03&end=2025-03-09")
    too_long = await agency.gql(EXPORT, {"period": {"start": "2025-03-01", "end": "2025-04-30"}})
    # then each is refused plainly, and nothing is read
    assert (refused, reversed_, bad_format, anonymous.status) == (403, 400, 400, 401)
    assert json.loads(why)["errors"][0]["extensions"]["field"] == "end"
    assert too_long.errors and "at most 31 days" in too_long.errors[0]["message"]
    assert not [e for e in await audit_entries(agency) if e.get("fields_read") == ["evvExport"]]
