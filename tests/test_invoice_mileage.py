"""Mileage billed where the service says so: a line of its own on the generated invoice, at
the service's mileage rate, taxed like the service, its amount shared by the visits driven to.
The day is `tests.factories_travel.four_visit_day`; figures by hand in the comments."""

from __future__ import annotations

from typing import Any

from app.common.services import decode
from tests.factories import Agency, Api
from tests.factories_payroll import update_account
from tests.factories_travel import SERVICES, four_visit_day, travel_agency
from tests.factories_visits import key

GENERATE = """mutation($period: BillingPeriodInput!, $patient: ID,
  $options: InvoiceGenerateOptions) {
  invoiceGenerate(billingPeriod: $period, patient: $patient, options: $options) {
  invoice { id services { code description quantity unit rate amount taxes }
    taxes { code amount } subtotal taxTotal total
    punchcards { record { id } hours amount distance mileageAmount } }
  userErrors { field message code } } }"""
WEEK = {"start": "2025-03-03", "end": "2025-03-09"}
LINE = ("code", "description", "quantity", "unit", "rate", "amount", "taxes")


async def invoice_for(agency: Agency, patient: str, dry_run: bool = False) -> dict[str, Any]:
    variables = {"period": WEEK, "patient": patient, "options": {"dryRun": dry_run}}
    payload = (await agency.ok(GENERATE, variables))["invoiceGenerate"]
    assert payload["userErrors"] == [], payload
    return dict(payload["invoice"])


async def test_a_service_that_bills_mileage_bills_the_drives_to_its_visits(api: Api) -> None:
    # given PSW billing mileage at 0.75 a km with HST 13%, HMK not, and Ada's day of four
    # visits (Bea's two are PSW, Cal's is HMK, Ann's PSW visits are each the first of a day)
    agency = await api.agency()
    await travel_agency(agency)
    day = await four_visit_day(agency)

    # when Bea's week is invoiced
    invoice = await invoice_for(agency, day.patients["Bea"])

    # then her PSW hours (1.5 + 1.75 = 3.25 x 34.00 = 110.50) come with a mileage line: the
    # drives to her visits, 11.12 km (from Ann's errand) + 22.24 km (from Cal's) = 33.36 km x
    # 0.75 = 25.02, taxed as PSW is
    assert [tuple(line[k] for k in LINE) for line in invoice["services"]] == [
        ("PSW", "Personal support", "3.25", "HOUR", "34.00", "110.50", ["HST"]),
        ("PSW", "Mileage: Personal support (km)", "33.36", "KILOMETRE", "0.75", "25.02",
         ["HST"]),
    ]  # fmt: skip
    # and each visit records its drive and its part of the line: 11.12 x 0.75 = 8.34,
    # 22.24 x 0.75 = 16.68, together 25.02
    assert [(p["distance"], p["mileageAmount"]) for p in invoice["punchcards"]] == [
        ("11.12", "8.34"),
        ("22.24", "16.68"),
    ]
    # and HST is 110.50 x 13% = 14.365 -> 14.37 plus 25.02 x 13% = 3.2526 -> 3.25 = 17.62
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"]) == (
        "135.52", "17.62", "153.14"
    )  # fmt: skip
    doc = await api.database.db.invoices.find_one({"_id": key(invoice["id"])})
    assert doc is not None
    stored = decode(doc)
    assert [str(line["quantity"]) for line in stored["services"]] == ["3.25", "33.36"]

    # and Cal's HMK visit bills no mileage, nor Ann's, each the first visit of its day
    for name in ("Cal", "Ann"):
        other = await invoice_for(agency, day.patients[name])
        assert [line["unit"] for line in other["services"]] == ["HOUR"]
        assert {p["distance"] for p in other["punchcards"]} == {None}


async def test_mileage_is_billed_in_the_accounts_unit(api: Api) -> None:
    # given the same day in an agency counting miles, PSW at 1.20 a mile
    agency = await api.agency()
    await travel_agency(agency, distanceUnit="MI")
    services = [{**SERVICES[0], "mileageBillRate": "1.20"}, SERVICES[1]]
    payload = await update_account(agency, services=services)
    assert payload["userErrors"] == []
    day = await four_visit_day(agency)
    # when Bea's week is invoiced as a dry run
    invoice = await invoice_for(agency, day.patients["Bea"], dry_run=True)
    # then 11,119.5 m = 6.909 mi -> 6.91 and 22,239.0 m = 13.819 mi -> 13.82: 20.73 mi x 1.20
    # = 24.876 -> 24.88, shared 8.29 (6.91 x 1.20) and 16.59 (13.82 x 1.20 = 16.584)
    (_, mileage) = invoice["services"]
    assert (mileage["quantity"], mileage["unit"], mileage["amount"]) == ("20.73", "MILE", "24.88")
    assert [p["mileageAmount"] for p in invoice["punchcards"]] == ["8.29", "16.59"]


async def test_a_service_billing_mileage_needs_its_rate_and_no_service_counts_distance(
    api: Api,
) -> None:
    # given an agency
    agency = await api.agency()
    # when a service bills mileage without a rate, and another is counted by the kilometre
    services = [
        {**SERVICES[0], "mileageBillRate": None},
        {**SERVICES[1], "unit": "KILOMETRE"},
    ]
    payload = await update_account(agency, services=services)
    # then both are refused, naming the service, and nothing is stored
    assert sorted(e["field"] for e in payload["userErrors"]) == [
        "input.services.0",
        "input.services.1.unit",
    ]
    doc = await api.database.db.accounts.find_one({"_id": agency.account_id})
    assert doc is not None and not doc.get("services")
