"""Invoices generated from punchcards: exact hand-computed figures, dry runs, numbers without gaps
under concurrent generation, batches, payments, closing and credit notes."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

from bson import ObjectId

from app.graphql.relay import to_global_id
from tests.factories import Agency, Api, audit_entries, create_patient
from tests.factories_billing import (
    CLOSE_INVOICE,
    CREATE_PAYMENT,
    CREDIT_INVOICE,
    DELETE_INVOICE,
    GENERATE_BATCH,
    GENERATE_INVOICE,
    MAY,
    UPDATE_INVOICE,
    VOID_PAYMENT,
    billed_patient,
    create_invoice,
    generation_agency,
    pay,
    stored_punchcard,
)
from tests.factories_people import create_client
from tests.factories_visits import (
    UPDATE_PUNCHCARD,
    VISIT_DAY,
    booked_visit,
    caregiver_and_patient,
    clock_agency,
    clock_in_ok,
    clock_out_ok,
    local,
    near,
)
from tests.test_billing import key

UTC = dt.UTC


def at(day: int, hour: int = 14) -> dt.datetime:
    """A moment of May 2025 (UTC; 14:00 UTC is 10:00 in Toronto)."""
    return dt.datetime(2025, 5, day, hour, tzinfo=UTC)


async def a_month_of_visits(agency: Agency, patient: ObjectId) -> list[ObjectId]:
    """8 PSW visits of 2.5 h at 34.00, one PSW visit of 3 h on Victoria Day (19 May), 4 COMP
    visits of 1.75 h at 30.15, and one PSW visit on 31 May at 22:00 Toronto time (02:00 UTC
    on 1 June: still May where the agency is)."""
    cards = [await stored_punchcard(agency, patient, at(day), "2.5", "34.00") for day in
             (1, 2, 5, 6, 7, 8, 9, 12)]  # fmt: skip
    cards.append(await stored_punchcard(agency, patient, at(19), "3", "34.00"))
    cards += [await stored_punchcard(agency, patient, at(d), "1.75", "30.15", "COMP") for d in
              (13, 14, 15, 16)]  # fmt: skip
    late = dt.datetime(2025, 6, 1, 2, tzinfo=UTC)
    cards.append(await stored_punchcard(agency, patient, late, "1", "34.00"))
    return cards


async def not_billed(agency: Agency, patient: ObjectId) -> list[ObjectId]:
    """Punchcards the May invoice must leave alone: deleted, not billable, already invoiced,
    30 April in Toronto (03:00 UTC on 1 May), and June."""
    return [
        await stored_punchcard(agency, patient, at(3), "2", "34.00", deleted=True),
        await stored_punchcard(
            agency, patient, at(4), "2", "34.00",
            bill={"hours": "2", "rate": "34.00", "billable": False},
        ),
        await stored_punchcard(
            agency, patient, at(10), "2", "34.00",
            invoice={"_id": ObjectId(), "number": "OLD-1"},
        ),
        await stored_punchcard(agency, patient, dt.datetime(2025, 5, 1, 3, tzinfo=UTC), "2", "34"),
        await stored_punchcard(agency, patient, dt.datetime(2025, 6, 2, 14, tzinfo=UTC), "2", "34"),
    ]  # fmt: skip


async def generate(agency: Agency, patient: str | None, **variables: Any) -> dict[str, Any]:
    data = await agency.ok(GENERATE_INVOICE, {"period": MAY, "patient": patient, **variables})
    return data["invoiceGenerate"]  # type: ignore[no-any-return]


def figures(invoice: dict[str, Any]) -> list[tuple[str, Decimal, str, str, list[str]]]:
    return [
        (s["code"], Decimal(s["quantity"]), s["rate"], s["amount"], s["taxes"])
        for s in invoice["services"]
    ]


async def test_a_month_of_visits_at_two_rates_with_two_taxes_and_a_holiday_is_billed_exactly(
    api: Api,
) -> None:
    # given a patient with a month of visits, and punchcards that must not be billed
    agency = await generation_agency(api)
    patient = await billed_patient(agency)
    cards = await a_month_of_visits(agency, key(patient))
    others = await not_billed(agency, key(patient))
    # when May is invoiced
    result = await generate(agency, patient, options={"invoiceDate": "2025-06-02"})
    invoice = result["invoice"]
    # then (by hand) COMP 7 h x 30.15 = 211.05, PST 8% = 16.884 -> 16.88;
    # PSW 21 h x 34.00 = 714.00, HST 92.82; PSW holiday 3 h x 51.00 = 153.00, HST 19.89;
    # subtotal 1078.05, taxes 92.82 + 19.89 = 112.71 HST and 16.88 PST, total 1207.64
    assert result["userErrors"] == [] and result["punchcardsBilled"] == 14
    assert figures(invoice) == [
        ("COMP", Decimal("7"), "30.15", "211.05", ["PST"]),
        ("PSW", Decimal("21"), "34.00", "714.00", ["HST"]),
        ("PSW", Decimal("3"), "51.00", "153.00", ["HST"]),
    ]
    assert invoice["services"][2]["description"].endswith("(statutory holiday)")
    assert [(t["code"], t["amount"]) for t in invoice["taxes"]] == [
        ("HST", "112.71"),
        ("PST", "16.88"),
    ]
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"]) == (
        "1078.05",
        "129.59",
        "1207.64",
    )
    assert (invoice["amountPaid"], invoice["amountDue"]) == ("0.00", "1207.64")
    assert (invoice["number"], invoice["status"], invoice["currency"]) == ("INV-1", "DRAFT", "CAD")
    assert (invoice["invoiceDate"], invoice["dueDate"]) == ("2025-06-02", "2025-07-02")
    assert invoice["patient"]["name"] == {"first": "Walter", "last": "Green"}
    assert invoice["account"]["hstNumber"] == "123456789 RT0001"
    assert invoice["salesRep"]["name"] == "Dana Reyes"
    assert invoice["billingPeriod"] == MAY
    # and what was stored: every billed punchcard links the invoice, the others are untouched
    db = api.database.db
    stored = await db.invoices.find_one({"_id": key(invoice["id"])})
    assert stored is not None and stored["total"].to_decimal() == Decimal("1207.64")
    linked = {c["_id"] async for c in db.punchcards.find({"invoice._id": stored["_id"]})}
    assert linked == set(cards)
    untouched = [c async for c in db.punchcards.find({"_id": {"$in": others}})]
    assert [(c.get("invoice") or {}).get("number") for c in untouched] == [
        None, None, "OLD-1", None, None,
    ]  # fmt: skip
    # and the lines add up to the subtotal, the subtotal and taxes to the total, to the cent
    assert sum(Decimal(s["amount"]) for s in invoice["services"]) == Decimal("1078.05")


async def test_a_dry_run_returns_the_same_invoice_and_stores_nothing(api: Api) -> None:
    # given a month of visits
    agency = await generation_agency(api)
    patient = await billed_patient(agency)
    await a_month_of_visits(agency, key(patient))
    db = api.database.db
    before = [c async for c in db.punchcards.find({"_account": agency.account_id})]
    counter = await db.counters.find_one({"_id": f"invoice_number:{agency.account_id}"})
    # when it is generated as a dry run
    result = await generate(agency, patient, options={"dryRun": True})
    # then the figures are those of the real invoice, without a number, and a preview number
    assert result["dryRun"] is True and result["previewNumber"] == "INV-1"
    assert result["invoice"]["number"] is None
    assert result["invoice"]["total"] == "1207.64"
    # and nothing was stored: no invoice, punchcards unchanged, counter unchanged
    assert await api.count("invoices", _account=agency.account_id) == 0
    assert [c async for c in db.punchcards.find({"_account": agency.account_id})] == before
    assert await db.counters.find_one({"_id": f"invoice_number:{agency.account_id}"}) == counter
    # and the real generation then takes that number
    assert (await generate(agency, patient))["invoice"]["number"] == "INV-1"


async def test_nothing_to_bill_and_another_accounts_patient_are_refused_writing_nothing(
    api: Api,
) -> None:
    # given an agency with a patient without visits, and another agency's patient with visits
    agency, other = await generation_agency(api), await generation_agency(api)
    idle = await billed_patient(agency)
    theirs = await billed_patient(other)
    await stored_punchcard(other, key(theirs), at(5), "2", "34.00")
    # when each is invoiced by the first agency
    nothing = await generate(agency, idle)
    foreign = await generate(agency, theirs)
    bad_period = await generate(agency, idle, period={"start": "2025-05-31", "end": "2025-05-01"})
    # then: nothing to bill, NOT_FOUND, and an invalid period; nothing written anywhere
    assert nothing["invoice"] is None
    assert [(e["field"], e["code"]) for e in nothing["userErrors"]] == [
        ("billingPeriod", "INVALID_STATE")
    ]
    assert [(e["field"], e["code"]) for e in foreign["userErrors"]] == [("patient", "NOT_FOUND")]
    assert [e["code"] for e in bad_period["userErrors"]] == ["INVALID"]
    assert await api.count("invoices", _account={"$in": [agency.account_id, other.account_id]}) == 0
    assert await api.count("punchcards", **{"invoice._id": {"$exists": True},
                                            "_account": other.account_id}) == 0  # fmt: skip


async def test_two_generations_at_once_make_one_invoice_and_numbers_follow_each_other(
    api: Api,
) -> None:
    # given three patients with visits
    agency = await generation_agency(api)
    walter, ada, ben = [await billed_patient(agency, first) for first in ("Walter", "Ada", "Ben")]
    for patient in (walter, ada, ben):
        for day in (5, 6, 7):
            await stored_punchcard(agency, key(patient), at(day), "2", "34.00")
    # when Walter's May is generated twice at once
    first, second = await asyncio.gather(generate(agency, walter), generate(agency, walter))
    # then one invoice bills his visits, the other call is refused as nothing left to bill
    made = [r for r in (first, second) if r["invoice"]]
    refused = [r for r in (first, second) if not r["invoice"]]
    assert len(made) == 1 and made[0]["punchcardsBilled"] == 3
    assert [(e["field"], e["code"]) for e in refused[0]["userErrors"]] == [
        ("billingPeriod", "INVALID_STATE")
    ], refused[0]
    # when Ada's and Ben's are generated at once
    results = await asyncio.gather(generate(agency, ada), generate(agency, ben))
    # then they take the next two numbers, no gap, no duplicate
    assert sorted(r["invoice"]["number"] for r in results) == ["INV-2", "INV-3"]
    assert await api.count("invoices", _account=agency.account_id) == 3
    linked = {"_account": agency.account_id, "invoice._id": {"$ne": None}}
    assert await api.count("punchcards", **linked) == 9


async def test_payments_on_a_generated_invoice_partial_overpaid_voided_and_paid(
    api: Api,
) -> None:
    # given a generated invoice of 3 x 2 h x 34.00 = 204.00 + HST 26.52 = 230.52
    agency = await generation_agency(api)
    patient = await billed_patient(agency)
    for day in (5, 6, 7):
        await stored_punchcard(agency, key(patient), at(day), "2", "34.00")
    invoice = (await generate(agency, patient))["invoice"]
    assert invoice["total"] == "230.52"
    # when 100.00 is paid, then 130.53 is refused as an overpayment (writing nothing)
    partial = await pay(agency, invoice["id"], "100.00")
    assert partial["invoice"] == {"id": invoice["id"], "status": "PARTIALLY_PAID",
                                  "amountPaid": "100.00", "amountDue": "130.52"}  # fmt: skip
    too_much = {"invoice": invoice["id"], "amount": "130.53", "method": "CASH"}
    over = await agency.ok(CREATE_PAYMENT, {"input": too_much})
    assert [e["code"] for e in over["paymentCreate"]["userErrors"]] == ["INVALID"]
    assert await api.count("payments", _account=agency.account_id) == 1
    # when the first payment is voided, the whole total is due again
    voided = await agency.ok(VOID_PAYMENT, {"id": partial["id"], "revision": 1, "reason": "NSF"})
    assert voided["paymentVoid"]["payment"]["invoice"]["amountDue"] == "230.52"
    # when the total is paid, the invoice is paid with nothing due
    paid = await pay(agency, invoice["id"], "230.52")
    assert paid["invoice"]["status"] == "PAID" and paid["invoice"]["amountDue"] == "0.00"


async def test_a_closed_invoice_refuses_edits_and_is_corrected_by_credit_notes(api: Api) -> None:
    # given a generated invoice (PSW 6 h at 34.00 = 204.00, HST 26.52, total 230.52)
    agency = await generation_agency(api)
    patient = await billed_patient(agency)
    cards = [await stored_punchcard(agency, key(patient), at(d), "2", "34.00") for d in (5, 6, 7)]
    invoice = (await generate(agency, patient))["invoice"]
    credit = {"id": invoice["id"], "reason": "Visit of 7 May cancelled late"}
    # when it is credited while still open, then it is refused: an open invoice is edited
    early = await agency.ok(CREDIT_INVOICE, credit)
    assert [e["code"] for e in early["invoiceCredit"]["userErrors"]] == ["INVALID_STATE"]
    # when it is closed
    closed = await agency.ok(CLOSE_INVOICE, {"id": invoice["id"], "revision": invoice["revision"]})
    revision = closed["invoiceClose"]["invoice"]["revision"]
    # then edits, deletion and changes to its punchcards are refused with INVALID_STATE
    edit = await agency.ok(UPDATE_INVOICE, {"id": invoice["id"], "revision": revision,
                                            "input": {"notes": "changed"}})  # fmt: skip
    delete = await agency.ok(DELETE_INVOICE, {"id": invoice["id"], "reason": "wrong"})
    card_id = to_global_id("Punchcard", cards[0])
    change = {"id": card_id, "revision": 1, "input": {"statHoliday": True}}
    card = await agency.ok(UPDATE_PUNCHCARD, change)
    assert edit["invoiceUpdate"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert delete["invoiceDelete"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert card["punchcardUpdate"]["userErrors"][0]["code"] == "INVALID_STATE"
    # when 2 hours are credited: 68.00 + HST 8.84 = 76.84, positive, credited
    lines = [{"code": "PSW", "quantity": "2"}]
    done = (await agency.ok(CREDIT_INVOICE, {**credit, "lines": lines}))["invoiceCredit"]
    note, original = done["creditNote"], done["invoice"]
    assert done["userErrors"] == []
    assert (note["number"], note["invoiceType"]) == ("INV-2", "CREDIT_NOTE")
    assert (note["subtotal"], note["taxTotal"], note["total"], note["amountDue"]) == (
        "68.00", "8.84", "76.84", "0.00",
    )  # fmt: skip
    assert note["creditedInvoice"] == {"record": {"id": invoice["id"]}, "number": "INV-1"}
    assert (original["amountCredited"], original["amountDue"]) == ("76.84", "153.68")
    # when more than what is left of the line is credited, then it is refused, nothing written
    more = [{"code": "PSW", "quantity": "4.5"}]
    too_much = await agency.ok(CREDIT_INVOICE, {**credit, "lines": more})
    assert too_much["invoiceCredit"]["userErrors"][0]["field"] == "lines.0.quantity"
    assert await api.count("invoices", _account=agency.account_id) == 2
    # when the rest is credited whole, nothing is due (so it is paid: settled by its credit
    # notes) and a third credit finds nothing left
    rest = (await agency.ok(CREDIT_INVOICE, credit))["invoiceCredit"]
    assert rest["creditNote"]["total"] == "153.68"
    assert (rest["invoice"]["amountDue"], rest["invoice"]["status"]) == ("0.00", "PAID")
    again = await agency.ok(CREDIT_INVOICE, credit)
    assert again["invoiceCredit"]["userErrors"][0]["code"] == "INVALID_STATE"
    stored = await api.database.db.invoices.find_one({"_id": key(invoice["id"])})
    assert stored is not None and stored["amount_credited"].to_decimal() == Decimal("230.52")


async def test_a_batch_bills_every_patient_reports_failures_and_runs_again_idle(
    api: Api,
) -> None:
    # given three patients with visits in May, one of them with a visit without a service
    agency = await generation_agency(api)
    walter, ada, ben = [await billed_patient(agency, first) for first in ("Walter", "Ada", "Ben")]
    for patient in (walter, ada, ben):
        for day in (5, 6):
            await stored_punchcard(agency, key(patient), at(day), "2", "34.00")
    await stored_punchcard(agency, key(ben), at(8), "1", "34.00", code=None)
    # when the batch runs for May
    data = await agency.ok(GENERATE_BATCH, {"period": MAY})
    report = data["invoiceGenerateBatch"]["report"]
    # then Walter and Ada each have 4 h x 34.00 = 136.00 + HST 17.68 = 153.68, Ben failed
    assert report["patientsConsidered"] == 3
    assert sorted(i["number"] for i in report["invoices"]) == ["INV-1", "INV-2"]
    assert {i["total"] for i in report["invoices"]} == {"153.68"}
    assert report["failed"][0]["patient"] == ben
    assert report["failed"][0]["errors"][0]["code"] == "REQUIRED"
    sums = [report[name] for name in ("punchcardsBilled", "subtotal", "taxTotal", "total")]
    assert sums == [4, "272.00", "35.36", "307.36"]
    # and each invoice cost a bounded number of database commands
    assert Decimal(report["dbCommandsPerInvoice"]) <= 20
    # when it runs again, only Ben (still failing) is considered: no second invoice
    again = (await agency.ok(GENERATE_BATCH, {"period": MAY}))["invoiceGenerateBatch"]["report"]
    assert again["patientsConsidered"] == 1 and again["invoices"] == []
    assert await api.count("invoices", _account=agency.account_id) == 2


async def test_a_batchs_dry_run_previews_the_invoices_and_stores_nothing(api: Api) -> None:
    # given two patients with visits in May
    agency = await generation_agency(api)
    patients = [await billed_patient(agency, first) for first in ("Walter", "Ada")]
    for patient in patients:
        await stored_punchcard(agency, key(patient), at(5), "2", "34.00")
    # when the batch runs for May as a dry run
    options = {"dryRun": True}
    data = await agency.ok(GENERATE_BATCH, {"period": MAY, "options": options})
    report = data["invoiceGenerateBatch"]["report"]
    # then it shows both invoices, unnumbered, and stores no invoice and no punchcard's mark
    assert [(i["number"], i["total"]) for i in report["invoices"]] == [(None, "76.84")] * 2
    assert await api.count("invoices", _account=agency.account_id) == 0
    marked = {"_account": agency.account_id, "invoice._id": {"$exists": True}}
    assert await api.count("punchcards", **marked) == 0
    # and the real run then bills both, numbered from the first
    made = (await agency.ok(GENERATE_BATCH, {"period": MAY}))["invoiceGenerateBatch"]["report"]
    assert sorted(i["number"] for i in made["invoices"]) == ["INV-1", "INV-2"]


MARCH = {"start": "2025-03-01", "end": "2025-03-31"}


async def clocked(agency: Agency, patient: str, day: int, **visit: Any) -> ObjectId:
    """A visit of 09:00-11:00 Toronto on the day'th of March 2025 (from the 3rd), clocked in
    and out at its times by a new caregiver; the punchcard's id."""
    caregiver, _ = await caregiver_and_patient(agency)
    start = VISIT_DAY + dt.timedelta(days=day - 3)
    event = await booked_visit(agency, [caregiver], key(patient), start, **visit)
    card = await clock_in_ok(agency, event, at=local(9, day=start), location=near(0))
    await clock_out_ok(agency, card["id"], at=local(11, day=start), location=near(0))
    return key(card["id"])


async def test_a_patients_own_rate_bills_their_clocked_visits(api: Api) -> None:
    # given a patient whose PSW rate is 30.00 (the account's is 34.00), a visit clocked 2 h,
    # and another visit of 2 h with its own billing rate of 28.00
    agency = await clock_agency(api)
    walter = (await create_patient(agency, services=[{"code": "PSW", "billRate": "30.00"}]))["id"]
    plain = await clocked(agency, walter, 3)
    special = await clocked(agency, walter, 4, billing={"bill_rate": Decimal("28.00")})
    # then clock-out stored each visit's rate: the visit's own, else the patient's
    for card, rate in ((plain, "30.00"), (special, "28.00")):
        stored = await api.database.db.punchcards.find_one({"_id": card})
        assert stored is not None and stored["bill"]["rate"].to_decimal() == Decimal(rate)
    # when March is invoiced for them
    data = await agency.ok(GENERATE_INVOICE, {"period": MARCH, "patient": walter})
    invoice = data["invoiceGenerate"]["invoice"]
    # then the lines are 2 h at 28.00 = 56.00 and 2 h at 30.00 = 60.00 (not the account's 34.00)
    assert figures(invoice) == [
        ("PSW", Decimal(2), "28.00", "56.00", []),
        ("PSW", Decimal(2), "30.00", "60.00", []),
    ]
    assert invoice["subtotal"] == "116.00"


async def test_a_clocked_visit_with_no_rate_anywhere_is_refused_by_generation(api: Api) -> None:
    # given an account whose PSW service has no bill rate, and a patient without one
    agency = await clock_agency(api)
    await api.database.db.accounts.update_one(
        {"_id": agency.account_id}, {"$unset": {"services.0.bill_rate": ""}}
    )
    walter = (await create_patient(agency))["id"]
    # when a visit is clocked, then its punchcard stores no bill rate (not a rate of 0)
    card = await clocked(agency, walter, 3)
    stored = await api.database.db.punchcards.find_one({"_id": card})
    assert stored is not None and stored["bill"].get("rate") is None
    assert stored["bill"]["hours"].to_decimal() == Decimal(2)
    # when March is invoiced, then it is refused for the missing rate, writing nothing
    data = await agency.ok(GENERATE_INVOICE, {"period": MARCH, "patient": walter})
    errors = data["invoiceGenerate"]["userErrors"]
    assert [e["code"] for e in errors] == ["REQUIRED"]
    assert "No rate for service PSW" in errors[0]["message"]
    assert await api.count("invoices", _account=agency.account_id) == 0
    after = await api.database.db.punchcards.find_one({"_id": card})
    assert after is not None and not after.get("invoice")


async def test_a_holiday_rate_is_billed_to_the_cent(api: Api) -> None:
    # given a PSW visit of 2 h at 33.33 on Victoria Day (holiday multiplier 1.5)
    agency = await generation_agency(api)
    patient = await billed_patient(agency)
    await stored_punchcard(agency, key(patient), at(19), "2", "33.33")
    # when May is invoiced
    invoice = (await generate(agency, patient))["invoice"]
    # then the line's rate is 33.33 x 1.5 = 49.995 -> 50.00, so rate x quantity reads right:
    # 2 x 50.00 = 100.00, HST 13.00, total 113.00
    assert figures(invoice) == [("PSW", Decimal(2), "50.00", "100.00", ["HST"])]
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"]) == (
        "100.00", "13.00", "113.00",
    )  # fmt: skip


# --- generation for a client ------------------------------------------------------------------


async def paid_for_by_blue_cross(agency: Agency) -> tuple[str, str, str, str]:
    """The client Blue Cross, two patients whose payer names it (case ignored) and one who pays
    for herself, each with one May punchcard: Ada PSW 2 h x 34.00 on the 5th, Ben COMP
    1.75 h x 30.15 on the 6th, Cara PSW 2 h x 34.00 on the 7th. (client, Ada, Ben, Cara)"""
    client = await create_client(agency)
    ada = await create_patient(
        agency, name={"first": "Ada", "last": "Lee"}, billing=[{"payer": "Blue Cross"}]
    )
    ben = await create_patient(
        agency, name={"first": "Ben", "last": "Roy"}, billing=[{"payer": "BLUE CROSS"}]
    )
    cara = await create_patient(
        agency, name={"first": "Cara", "last": "Diaz"}, billing=[{"payer": "Self"}]
    )
    await stored_punchcard(agency, key(ada["id"]), at(5), "2", "34.00")
    await stored_punchcard(agency, key(ben["id"]), at(6), "1.75", "30.15", "COMP")
    await stored_punchcard(agency, key(cara["id"]), at(7), "2", "34.00")
    return client["id"], ada["id"], ben["id"], cara["id"]


async def linked(api: Api, patient: str) -> list[Any]:
    """The invoice ids the patient's punchcards are linked to (None: not billed)."""
    cursor = api.database.db.punchcards.find({"patient._id": key(patient)})
    return [(card.get("invoice") or {}).get("_id") async for card in cursor]


async def test_a_client_is_billed_one_invoice_for_every_patient_it_pays_for(api: Api) -> None:
    # given Blue Cross paying for Ada and Ben, and Cara paying for herself
    agency = await generation_agency(api)
    client, ada, ben, cara = await paid_for_by_blue_cross(agency)
    # when May is generated for Blue Cross
    made = await generate(agency, None, client=client)
    # then one invoice bills Ada's and Ben's visits to Blue Cross:
    # COMP 1.75 x 30.15 = 52.7625 -> 52.76 (PST 8% 4.2208 -> 4.22),
    # PSW 2 x 34.00 = 68.00 (HST 13% 8.84): 120.76 + 13.06 = 133.82
    assert made["userErrors"] == [], made["userErrors"]
    invoice = made["invoice"]
    assert made["punchcardsBilled"] == 2
    assert figures(invoice) == [
        ("COMP", Decimal("1.75"), "30.15", "52.76", ["PST"]),
        ("PSW", Decimal("2"), "34.00", "68.00", ["HST"]),
    ]
    assert [(t["code"], t["amount"]) for t in invoice["taxes"]] == [
        ("HST", "8.84"),
        ("PST", "4.22"),
    ]
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"]) == (
        "120.76", "13.06", "133.82",
    )  # fmt: skip
    assert invoice["client"] == {
        "record": {"id": client}, "type": "company", "name": "Blue Cross",
        "email": "claims@example.ca", "phone": "416 555 0101",
    }  # fmt: skip
    assert invoice["patient"] is None  # two patients: the lines say whose visits they are
    # and Ada's and Ben's punchcards are linked to it; Cara's stays unbilled
    stored = key(invoice["id"])
    assert (await linked(api, ada), await linked(api, ben)) == ([stored], [stored])
    assert await linked(api, cara) == [None]
    raw = await api.database.db.invoices.find_one({"_id": stored})
    assert raw is not None and raw["client"]["name"] == "Blue Cross"
    assert raw["total"].to_decimal() == Decimal("133.82")


async def test_another_accounts_client_is_not_found_and_nothing_is_written(api: Api) -> None:
    # given another agency's Blue Cross, paying for its patients with May visits
    agency, other = await generation_agency(api), await generation_agency(api)
    theirs, ada, ben, _ = await paid_for_by_blue_cross(other)
    # when the first agency generates May for that client
    foreign = await generate(agency, None, client=theirs)
    # then it is NOT_FOUND, and no invoice or punchcard link is written
    assert foreign["invoice"] is None
    assert [(e["field"], e["code"]) for e in foreign["userErrors"]] == [("client", "NOT_FOUND")]
    assert await api.count("invoices", _account={"$in": [agency.account_id, other.account_id]}) == 0
    assert await linked(api, ada) == await linked(api, ben) == [None]


async def test_a_patient_and_the_client_paying_for_them_bill_only_that_patient(api: Api) -> None:
    # given Blue Cross paying for Ada and Ben
    agency = await generation_agency(api)
    client, ada, ben, _ = await paid_for_by_blue_cross(agency)
    # when May is generated for Ada, billed to Blue Cross
    made = await generate(agency, ada, client=client)
    # then only Ada's visit is billed (68.00 + 8.84), to Blue Cross
    assert made["userErrors"] == []
    invoice = made["invoice"]
    assert (invoice["total"], invoice["client"]["name"]) == ("76.84", "Blue Cross")
    assert invoice["patient"]["record"]["id"] == ada
    assert await linked(api, ada) == [key(invoice["id"])]
    assert await linked(api, ben) == [None]


async def test_a_patient_the_client_does_not_pay_for_is_refused_writing_nothing(
    api: Api,
) -> None:
    # given Blue Cross, and Cara who pays for herself
    agency = await generation_agency(api)
    client, _, _, cara = await paid_for_by_blue_cross(agency)
    # when May is generated for Cara, billed to Blue Cross
    refused = await generate(agency, cara, client=client)
    # then it is refused on the client, and nothing is written
    assert refused["invoice"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("client", "INVALID")]
    assert await api.count("invoices", _account=agency.account_id) == 0
    assert await linked(api, cara) == [None]


async def test_a_payer_naming_its_client_record_is_billed_to_that_client_only(api: Api) -> None:
    # given two clients both named Blue Cross, and Ada whose payer names the second's record
    agency = await generation_agency(api)
    first, _, _, _ = await paid_for_by_blue_cross(agency)
    second = await create_client(agency)
    dora = await create_patient(
        agency,
        name={"first": "Dora", "last": "Ng"},
        billing=[{"payer": "Blue Cross", "client": second["id"]}],
    )
    await stored_punchcard(agency, key(dora["id"]), at(8), "2", "34.00")
    # when May is generated for the first Blue Cross, then for the second
    by_name = await generate(agency, None, client=first)
    by_record = await generate(agency, None, client=second["id"])
    # then the first bills the patients naming Blue Cross without a record (Ada and Ben),
    # and Dora's visit goes to the client her billing names: 68.00 + 8.84
    assert by_name["userErrors"] == [] and by_name["punchcardsBilled"] == 2
    assert by_record["userErrors"] == [] and by_record["punchcardsBilled"] == 1
    assert by_record["invoice"]["total"] == "76.84"
    assert await linked(api, dora["id"]) == [key(by_record["invoice"]["id"])]


GENERATE_BRIEF = """mutation($period: BillingPeriodInput!, $patient: ID) {
  invoiceGenerate(billingPeriod: $period, patient: $patient) {
  invoice { id number total } punchcardsBilled userErrors { field code } } }"""


async def test_an_invoice_costs_six_commands_a_batch_group_five_beyond_reads(api: Api) -> None:
    # given three patients with visits in May
    agency = await generation_agency(api)
    patients = [await billed_patient(agency, first) for first in ("Walter", "Ada", "Ben")]
    for patient in patients:
        for day in (5, 6, 7):
            await stored_punchcard(agency, key(patient), at(day), "2", "34.00")
    # when one patient's May is generated
    response = await agency.gql(GENERATE_BRIEF, {"period": MAY, "patient": patients[0]})
    # then it costs eight commands: the patient and the account read; then the transaction:
    # the visits to bill, the number, the invoice, the visits marked, the trail, the commit
    assert response.status == 200 and not response.errors, response.body
    made = response.data["invoiceGenerate"]
    assert made["invoice"]["number"] == "INV-1" and made["punchcardsBilled"] == 3
    assert response.db_commands == 8
    # when the batch bills the other two
    data = await agency.ok(GENERATE_BATCH, {"period": MAY})
    report = data["invoiceGenerateBatch"]["report"]
    # then both are made in one transaction: the batch's three reads (the account, the
    # patients to bill, their records), each patient's visits to bill read, then once for
    # the group the numbers, the invoices, the visits marked, the trail, the commit
    assert sorted(i["number"] for i in report["invoices"]) == ["INV-2", "INV-3"]
    assert report["dbCommands"] == 3 + 2 + 5
    # and nothing was given up: every invoice and every visit it billed has its entry
    trail = await audit_entries(agency)
    assert len([e for e in trail if e["record_type"] == "Invoice"]) == 3
    marked = [e for e in trail if e["record_type"] == "Punchcard" and e["action"] == "update"]
    assert len(marked) == 9


async def test_a_batch_whose_block_of_numbers_meets_one_given_by_hand_bills_one_by_one(
    api: Api,
) -> None:
    # given an agency whose second invoice was numbered INV-2 by hand (the counter is still at
    # 0), and three patients with visits in May
    agency = await generation_agency(api)
    walter, ada, ben = [await billed_patient(agency, first) for first in ("Walter", "Ada", "Ben")]
    await create_invoice(agency, walter, number="INV-2")
    for patient in (walter, ada, ben):
        for day in (5, 6):
            await stored_punchcard(agency, key(patient), at(day), "2", "34.00")
    # when the batch runs for May (its group would take INV-1 to INV-3 as a block)
    data = await agency.ok(GENERATE_BATCH, {"period": MAY})
    report = data["invoiceGenerateBatch"]["report"]
    # then the group wrote nothing and its patients were invoiced one by one, skipping the
    # number given by hand, without a gap
    assert report["failed"] == [] and len(report["invoices"]) == 3
    stored = api.database.db.invoices.find({"_account": agency.account_id}, {"number": 1})
    assert sorted([i["number"] async for i in stored]) == ["INV-1", "INV-2", "INV-3", "INV-4"]
    # and every visit is on exactly one invoice, each invoice and visit with its entry
    cards = api.database.db.punchcards.find({"_account": agency.account_id}, {"invoice": 1})
    assert len([c async for c in cards if c.get("invoice")]) == 6
    trail = await audit_entries(agency)
    assert len([e for e in trail if e["record_type"] == "Invoice"]) == 4
    assert len([e for e in trail if e["record_type"] == "Punchcard"]) == 6


async def test_a_generated_invoice_skips_a_number_given_by_hand_without_a_gap(api: Api) -> None:
    # given an agency whose first invoice was numbered INV-1 by hand (the counter is still at 0)
    agency = await generation_agency(api)
    patient = await billed_patient(agency)
    await create_invoice(agency, patient, number="INV-1")
    for day in (5, 6):
        await stored_punchcard(agency, key(patient), at(day), "2", "34.00")
    other = await billed_patient(agency, "Ada")
    await stored_punchcard(agency, key(other), at(7), "2", "34.00")
    # when May is generated for both
    first = await generate(agency, patient)
    second = await generate(agency, other)
    # then the first takes INV-2, skipping the number given by hand, and the second INV-3
    assert first["userErrors"] == [] and first["invoice"]["number"] == "INV-2"
    assert second["userErrors"] == [] and second["invoice"]["number"] == "INV-3"
    assert await api.count("invoices", _account=agency.account_id) == 3
