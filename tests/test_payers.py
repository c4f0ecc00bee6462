"""Payers sharing a patient's care, each billed its share on its own invoice, and service
authorizations: warned at booking, refused at invoicing. Figures computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bson import ObjectId

from tests.factories import Agency, Api, create_patient, create_user
from tests.factories_billing import GENERATE_INVOICE, MAY, generation_agency, stored_punchcard
from tests.factories_conflicts import CREATE
from tests.factories_people import create_client
from tests.factories_travel import four_visit_day, travel_agency
from tests.test_billing import key

UTC = dt.UTC
SHARES = """invoices { id number client { record { id } } payer { key name memberId }
  services { code quantity rate amount taxes
    share { wholeAmount amount percent copay copayPer } }
  taxes { code amount } subtotal taxTotal total
  punchcards { record { id } serviceCode amount shared } }"""
GENERATE = GENERATE_INVOICE.replace("punchcardsBilled", f"punchcardsBilled {SHARES}")
MILEAGE = """mutation($period: BillingPeriodInput!, $patient: ID) {
  invoiceGenerate(billingPeriod: $period, patient: $patient) {
  invoices { services { code unit amount share { wholeAmount } }
    punchcards { record { id } mileageAmount } }
  userErrors { field message code } } }"""
UPDATE_PATIENT = """mutation($id: ID!, $revision: Int!, $input: PatientUpdateInput!) {
  patientUpdate(id: $id, revision: $revision, input: $input) {
  patient { id revision } userErrors { field message code } } }"""


def at(day: int, hour: int = 14) -> dt.datetime:
    """A moment of May 2025 (UTC; 14:00 UTC is 10:00 in Toronto)."""
    return dt.datetime(2025, 5, day, hour, tzinfo=UTC)


async def generate(agency: Agency, **variables: Any) -> dict[str, Any]:
    data = await agency.ok(GENERATE, {"period": MAY, **variables})
    return data["invoiceGenerate"]  # type: ignore[no-any-return]


def figures(invoice: dict[str, Any]) -> list[tuple[str, Decimal, str, str, str]]:
    return [
        (s["code"], Decimal(s["quantity"]), s["rate"], s["share"]["wholeAmount"], s["amount"])
        for s in invoice["services"]
    ]


def totals(invoice: dict[str, Any]) -> tuple[Any, ...]:
    taxes = tuple((t["code"], t["amount"]) for t in invoice["taxes"])
    return (invoice["subtotal"], taxes, invoice["taxTotal"], invoice["total"])


async def stored_cards(agency: Agency, cards: list[ObjectId]) -> list[dict[str, Any]]:
    found = agency.api.database.db.punchcards.find({"_id": {"$in": cards}}, sort=[("_id", 1)])
    return [card async for card in found]


async def test_a_month_shared_60_40_bills_each_payer_its_share_adding_up_to_every_line(
    api: Api,
) -> None:
    # given Dora, paid 60% by Blue Cross (a client) and 40% by herself, and her month: 8 PSW
    # visits of 2.5 h and one of 1 h on 31 May at 22:00 Toronto time (already June in UTC) at
    # 34.07, 3 h on Victoria Day (19 May), and 4 COMP visits of 1.75 h at 30.15
    agency = await generation_agency(api)
    insurer = await create_client(agency)
    dora = await create_patient(
        agency,
        name={"first": "Dora", "last": "Ng"},
        billing=[
            {"payer": "Blue Cross", "client": insurer["id"], "sharePercent": "60",
             "memberId": "M-4471"},
            {"payer": "Self", "sharePercent": "40"},
        ],
    )  # fmt: skip
    patient = key(dora["id"])
    cards = [await stored_punchcard(agency, patient, at(d), "2.5", "34.07") for d in
             (1, 2, 5, 6, 7, 8, 9, 12)]  # fmt: skip
    cards.append(await stored_punchcard(agency, patient, dt.datetime(2025, 6, 1, 2, tzinfo=UTC),
                                        "1", "34.07"))  # fmt: skip
    cards.append(await stored_punchcard(agency, patient, at(19), "3", "34.07"))
    cards += [await stored_punchcard(agency, patient, at(d), "1.75", "30.15", "COMP") for d in
              (13, 14, 15, 16)]  # fmt: skip

    # when May is invoiced for Dora
    result = await generate(agency, patient=dora["id"], options={"invoiceDate": "2025-06-02"})

    # then one invoice per payer, in one go, numbered in the payers' order
    assert result["userErrors"] == [] and result["punchcardsBilled"] == 14
    insured, own = result["invoices"]
    assert (insured["number"], own["number"]) == ("INV-1", "INV-2")
    assert insured["client"]["record"]["id"] == insurer["id"] and own["client"] is None
    assert insured["payer"] == {"key": str(key(insurer["id"])), "name": "Blue Cross",
                                "memberId": "M-4471"}  # fmt: skip
    assert own["payer"]["key"] == "self"
    # and by hand, line by line (whole amount = quantity x rate, rounded once):
    # COMP 7 h x 30.15 = 211.05: 60% = 126.63, 40% = 84.42 (exact);
    # PSW 21 h x 34.07 = 715.47: 60% = 429.282, 40% = 286.188: 429.28 + 286.18 leaves a cent,
    #   the larger remainder (0.8 of a cent) is Dora's: 286.19;
    # PSW on the holiday at 34.07 x 1.5 = 51.105 -> 51.11: 3 h = 153.33: 60% = 91.998,
    #   40% = 61.332: 91.99 + 61.33 leaves a cent, Blue Cross's remainder is larger: 92.00
    assert figures(insured) == [
        ("COMP", Decimal("7.00"), "30.15", "211.05", "126.63"),
        ("PSW", Decimal("21.00"), "34.07", "715.47", "429.28"),
        ("PSW", Decimal("3.00"), "51.11", "153.33", "92.00"),
    ]
    assert figures(own) == [
        ("COMP", Decimal("7.00"), "30.15", "211.05", "84.42"),
        ("PSW", Decimal("21.00"), "34.07", "715.47", "286.19"),
        ("PSW", Decimal("3.00"), "51.11", "153.33", "61.33"),
    ]
    for mine, theirs in zip(insured["services"], own["services"], strict=True):
        whole = Decimal(mine["share"]["wholeAmount"])
        assert Decimal(mine["amount"]) + Decimal(theirs["amount"]) == whole
        assert whole == (Decimal(mine["quantity"]) * Decimal(mine["rate"])).quantize(
            Decimal("0.01")
        )
        assert (mine["share"]["percent"], theirs["share"]["percent"]) == ("60", "40")
    # and each invoice taxes its own lines, rounded once a line: Blue Cross PST 8% of 126.63 =
    # 10.13, HST 13% of 429.28 = 55.81 and of 92.00 = 11.96; Dora PST 6.75, HST 37.20 + 7.97
    assert totals(insured) == ("647.91", (("HST", "67.77"), ("PST", "10.13")), "77.90", "725.81")
    assert totals(own) == ("431.94", (("HST", "45.17"), ("PST", "6.75")), "51.92", "483.86")
    # (together the whole month's care, 1079.85, and its taxes, 112.94 HST and 16.88 PST)
    # and each visit's parts of a line add up to the payer's part: the 4 COMP visits of
    # 31.6575 each for Blue Cross are 31.66, 31.66, 31.66 and 31.65 (ties in date order)
    comp = [Decimal(p["amount"]) for p in insured["punchcards"] if p["serviceCode"] == "COMP"]
    assert comp == [Decimal("31.66"), Decimal("31.66"), Decimal("31.66"), Decimal("31.65")]
    assert all(p["shared"] for p in insured["punchcards"] + own["punchcards"])

    # and every punchcard stores both shares and is billed in full, by the last invoice
    stored = await stored_cards(agency, cards)
    for card in stored:
        assert [s["payer"] for s in card["billed_shares"]] == [str(key(insurer["id"])), "self"]
        assert card["invoice"]["number"] == "INV-2"
    # and nothing is left to bill, for Dora or for Blue Cross
    again = await generate(agency, patient=dora["id"])
    by_client = await generate(agency, client=insurer["id"])
    assert [e["code"] for e in again["userErrors"] + by_client["userErrors"]] == [
        "INVALID_STATE", "INVALID_STATE",
    ]  # fmt: skip


async def test_a_co_pay_per_visit_is_billed_first_and_the_insurer_pays_the_rest(
    api: Api,
) -> None:
    # given Eve, who pays a co-pay of 5.00 a visit, Blue Cross the rest; two PSW visits of
    # 2.5 h at 34.00 and a short COMP visit of 0.25 h at 18.00 (4.50, less than the co-pay)
    agency = await generation_agency(api)
    insurer = await create_client(agency)
    eve = await create_patient(
        agency,
        name={"first": "Eve", "last": "Roy"},
        billing=[
            {"payer": "Self", "copay": "5.00", "copayPer": "VISIT"},
            {"payer": "Blue Cross", "client": insurer["id"], "sharePercent": "100"},
        ],
    )
    patient = key(eve["id"])
    cards = [await stored_punchcard(agency, patient, at(d), "2.5", "34.00") for d in (6, 8)]
    cards.append(await stored_punchcard(agency, patient, at(9), "0.25", "18.00", "COMP"))

    # when Blue Cross is invoiced first, then Eve
    insured = await generate(agency, client=insurer["id"])
    own = await generate(agency, patient=eve["id"])

    # then Blue Cross is billed what the co-pays leave: PSW 170.00 - 2 x 5.00 = 160.00 (HST
    # 20.80), COMP nothing (its 4.50 is all co-pay); and Eve her co-pays: PSW 10.00 (HST
    # 1.30), COMP 4.50 capped at the visit (PST 8% = 0.36)
    assert insured["userErrors"] == [] and own["userErrors"] == []
    (bill,), (mine,) = insured["invoices"], own["invoices"]
    assert figures(bill) == [
        ("COMP", Decimal("0.25"), "18.00", "4.50", "0.00"),
        ("PSW", Decimal("5.00"), "34.00", "170.00", "160.00"),
    ]
    assert figures(mine) == [
        ("COMP", Decimal("0.25"), "18.00", "4.50", "4.50"),
        ("PSW", Decimal("5.00"), "34.00", "170.00", "10.00"),
    ]
    assert mine["services"][1]["share"]["copay"] == "5.00"
    assert mine["services"][1]["share"]["copayPer"] == "VISIT"
    assert totals(bill) == ("160.00", (("HST", "20.80"), ("PST", "0.00")), "20.80", "180.80")
    assert totals(mine) == ("14.50", (("HST", "1.30"), ("PST", "0.36")), "1.66", "16.16")
    # and only once both shares are billed is each punchcard billed in full
    for card in await stored_cards(agency, cards):
        assert {s["payer"] for s in card["billed_shares"]} == {"self", str(key(insurer["id"]))}
        assert card["invoice"]["_id"] == key(mine["id"])


async def test_shares_that_do_not_add_up_to_100_are_refused_at_invoicing(api: Api) -> None:
    # given Ann, whose payers share 60 and 30 percent of her care, and a May visit
    agency = await generation_agency(api)
    ann = await create_patient(
        agency,
        name={"first": "Ann", "last": "Lee"},
        billing=[{"payer": "Blue Cross", "sharePercent": "60"},
                 {"payer": "Self", "sharePercent": "30"}],
    )  # fmt: skip
    card = await stored_punchcard(agency, key(ann["id"]), at(8), "2", "34.00")
    # when May is invoiced for her
    refused = await generate(agency, patient=ann["id"])
    # then it is refused on the patient, saying why, and nothing is billed
    assert refused["invoices"] == []
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("patient", "INVALID_STATE")
    ]
    assert "share 90% of what is left, not 100%" in refused["userErrors"][0]["message"]
    assert await api.count("invoices", _account=agency.account_id) == 0
    assert (await stored_cards(agency, [card]))[0].get("invoice") is None


AUTHORIZED = {
    "payer": "Blue Cross",
    "authorizations": [
        {"number": "PA-7", "service": "PSW", "units": "4", "period": "WEEK",
         "start": "2025-05-01", "end": "2025-05-31"},
    ],
}  # fmt: skip


async def test_an_authorization_exceeded_is_warned_at_booking_and_refused_at_invoicing(
    api: Api,
) -> None:
    # given Fay, whose insurer authorized 4 hours of PSW a week in May, a caregiver, and a
    # 3-hour visit booked on Monday 5 May
    agency = await generation_agency(api)
    fay = await create_patient(agency, name={"first": "Fay", "last": "Li"}, billing=[AUTHORIZED])
    ada = await create_user(agency, name={"first": "Ada", "last": "Osei"})

    def visit(day: int, hours: int, **more: Any) -> dict[str, Any]:
        start = at(day)
        return {"start": start.isoformat(), "end": (start + dt.timedelta(hours=hours)).isoformat(),
                "service": {"code": "PSW"}, "patient": {"record": fay["id"]},
                "attendees": [{"user": ada["id"]}], **more}  # fmt: skip

    first = (await agency.ok(CREATE, {"input": visit(5, 3)}))["eventCreate"]
    assert first["userErrors"] == []

    # when a 2-hour visit is booked on Wednesday of that week, and one on the next Monday
    refused = (await agency.ok(CREATE, {"input": visit(7, 2)}))["eventCreate"]
    next_week = (await agency.ok(CREATE, {"input": visit(12, 2)}))["eventCreate"]

    # then the Wednesday visit is a conflict naming the authorization (5 hours that week),
    # nothing is booked; the next week's is booked
    assert refused["event"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("SCHEDULE_CONFLICT", "input")
    ]
    assert (
        "authorization PA-7 of Blue Cross for PSW: 4 hours a week"
        in (refused["userErrors"][0]["message"])
    )
    assert "5 hours would be counted" in refused["userErrors"][0]["message"]
    assert next_week["userErrors"] == []
    assert await api.count("events", _account=agency.account_id) == 2
    # and a scheduler may book it anyway, the override recording the conflict
    reason = {"conflictOverride": {"reason": "Insurer extending the authorization"}}
    booked = (await agency.ok(CREATE, {"input": visit(7, 2, **reason)}))["eventCreate"]
    assert booked["userErrors"] == []
    overridden = booked["event"]["conflictOverride"]["conflicts"]
    assert [c["kind"] for c in overridden] == ["AUTHORIZATION_EXCEEDED"]

    # when the week's visits, 3 h and 2 h, are invoiced
    patient = key(fay["id"])
    cards = [await stored_punchcard(agency, patient, at(5), "3", "34.00"),
             await stored_punchcard(agency, patient, at(7), "2", "34.00")]  # fmt: skip
    result = await generate(agency, patient=fay["id"])

    # then it is refused, naming the authorization, and nothing is billed
    assert result["invoice"] is None and result["invoices"] == []
    (error,) = result["userErrors"]
    assert (error["field"], error["code"]) == ("billingPeriod", "INVALID_STATE")
    assert (
        "authorization PA-7 of Blue Cross for PSW: 4 hours a week (week of 2025-05-05)"
        in (error["message"])
    )
    assert await api.count("invoices", _account=agency.account_id) == 0
    assert all(card.get("invoice") is None for card in await stored_cards(agency, cards))

    # when the insurer extends it to 5 hours a week, the same invoice is made
    extended = {**AUTHORIZED, "authorizations": [{**AUTHORIZED["authorizations"][0],  # type: ignore[dict-item]
                                                  "units": "5"}]}  # fmt: skip
    updated = await agency.ok(
        UPDATE_PATIENT, {"id": fay["id"], "revision": 1, "input": {"billing": [extended]}}
    )
    assert updated["patientUpdate"]["userErrors"] == []
    made = await generate(agency, patient=fay["id"])
    assert made["userErrors"] == [] and made["invoice"]["total"] == "192.10"


async def test_a_shared_visits_mileage_is_shared_by_the_payers_percents(api: Api) -> None:
    # given the day of four visits of the mileage tests (PSW bills 0.75 a km), Bea's care
    # shared 60/40 between Blue Cross and herself
    agency = await api.agency()
    await travel_agency(agency)
    day = await four_visit_day(agency)
    bea = day.patients["Bea"]
    revision = (await agency.ok("query($id: ID!) { patient(id: $id) { revision } }",
                                {"id": bea}))["patient"]["revision"]  # fmt: skip
    shared = [
        {"payer": "Blue Cross", "sharePercent": "60"},
        {"payer": "Self", "sharePercent": "40"},
    ]
    updated = await agency.ok(
        UPDATE_PATIENT, {"id": bea, "revision": revision, "input": {"billing": shared}}
    )
    assert updated["patientUpdate"]["userErrors"] == []

    # when her week is invoiced
    variables = {"period": {"start": "2025-03-03", "end": "2025-03-09"}, "patient": bea}
    result = (await agency.ok(MILEAGE, variables))["invoiceGenerate"]

    # then each payer's invoice has its part of the PSW line (110.50: 66.30 and 44.20) and of
    # the mileage line (33.36 km x 0.75 = 25.02: 15.012 and 10.008, the cent left going to the
    # larger remainder: 15.01 and 10.01), adding up to the whole lines
    assert result["userErrors"] == []
    insured, own = result["invoices"]
    assert [(s["code"], s["unit"], s["share"]["wholeAmount"], s["amount"])
            for s in insured["services"]] == [
        ("PSW", "HOUR", "110.50", "66.30"), ("PSW", "KILOMETRE", "25.02", "15.01"),
    ]  # fmt: skip
    assert [s["amount"] for s in own["services"]] == ["44.20", "10.01"]
    # and each visit's drive is shared to the cent: 8.34 = 5.00 + 3.34, 16.68 = 10.01 + 6.67
    assert [p["mileageAmount"] for p in insured["punchcards"]] == ["5.00", "10.01"]
    assert [p["mileageAmount"] for p in own["punchcards"]] == ["3.34", "6.67"]
