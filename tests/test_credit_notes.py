"""Credit notes: a closed invoice credited in parts adds up to its total to the cent, at the
rates it was taxed at; a credit note is closed when made (never edited or deleted), and only
invoiceCredit makes one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bson import Decimal128

from tests.factories import Agency, Api
from tests.factories_billing import (
    CLOSE_INVOICE,
    CREATE_INVOICE,
    CREATE_PAYMENT,
    CREDIT_INVOICE,
    DELETE_INVOICE,
    GENERATE_INVOICE,
    MAY,
    UPDATE_INVOICE,
    billed_patient,
    generation_agency,
    invoice_input,
    stored_punchcard,
)
from tests.test_billing import key
from tests.test_invoice_generation import at

ONE_HOUR = [{"code": "PSW", "quantity": "1"}]


async def closed_invoice(agency: Agency, hours: list[tuple[int, str, str]]) -> dict[str, Any]:
    """A generated and closed May invoice of PSW punchcards (day, hours, rate)."""
    patient = await billed_patient(agency)
    for day, quantity, rate in hours:
        await stored_punchcard(agency, key(patient), at(day), quantity, rate)
    data = await agency.ok(GENERATE_INVOICE, {"period": MAY, "patient": patient})
    invoice = data["invoiceGenerate"]["invoice"]
    assert data["invoiceGenerate"]["userErrors"] == [], data
    closed = await agency.ok(CLOSE_INVOICE, {"id": invoice["id"], "revision": invoice["revision"]})
    assert closed["invoiceClose"]["userErrors"] == []
    return invoice  # type: ignore[no-any-return]


async def credit(agency: Agency, invoice: str, lines: Any = None) -> dict[str, Any]:
    variables = {"id": invoice, "reason": "Visit cut short", "lines": lines}
    return (await agency.ok(CREDIT_INVOICE, variables))["invoiceCredit"]  # type: ignore[no-any-return]


def amounts(note: dict[str, Any]) -> tuple[str, str, str]:
    return note["subtotal"], note["taxTotal"], note["total"]


async def set_hst(agency: Agency, **changes: Any) -> None:
    """Change the account's HST (rate, active) after the invoice was made."""
    db = agency.api.database.db
    account = await db.accounts.find_one({"_id": agency.account_id})
    assert account is not None
    taxes = [{**t, **changes} if t["code"] == "HST" else t for t in account["taxes"]]
    await db.accounts.update_one({"_id": agency.account_id}, {"$set": {"taxes": taxes}})


async def test_an_invoice_credited_hour_by_hour_is_credited_to_the_last_cent(api: Api) -> None:
    # given a closed invoice: PSW 3 h x 10.05 = 30.15, HST 13% 3.9195 -> 3.92, total 34.07
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(5, "3", "10.05")])
    assert invoice["total"] == "34.07"
    # when two hours are credited one by one: each 10.05 + HST 1.3065 -> 1.31 = 11.36
    first = await credit(agency, invoice["id"], ONE_HOUR)
    second = await credit(agency, invoice["id"], ONE_HOUR)
    assert amounts(first["creditNote"]) == amounts(second["creditNote"]) == (
        "10.05", "1.31", "11.36",
    )  # fmt: skip
    # and the last hour is credited: its HST is what is left of the 3.92 (3.92 - 2.62 = 1.30)
    last = await credit(agency, invoice["id"], ONE_HOUR)
    # then it is taken, nothing is due, and the three notes add up to the invoice's 34.07
    assert last["userErrors"] == []
    assert amounts(last["creditNote"]) == ("10.05", "1.30", "11.35")
    assert (last["invoice"]["amountCredited"], last["invoice"]["amountDue"]) == ("34.07", "0.00")
    # and, owing nothing, it is paid (settled by its credit notes); in part, it was not
    assert (second["invoice"]["status"], last["invoice"]["status"]) == ("DRAFT", "PAID")
    stored = await api.database.db.invoices.find_one({"_id": key(invoice["id"])})
    assert stored is not None and stored["amount_due"].to_decimal() == Decimal("0.00")


async def test_the_rest_of_a_line_credits_what_is_left_of_its_amount_and_tax(api: Api) -> None:
    # given a closed invoice: PSW 1 h x 10.05 = 10.05, HST 1.3065 -> 1.31, total 11.36
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(5, "1", "10.05")])
    # when half an hour is credited: 5.025 -> 5.03, HST 0.6539 -> 0.65, 5.68
    half = await credit(agency, invoice["id"], [{"code": "PSW", "quantity": "0.5"}])
    assert amounts(half["creditNote"]) == ("5.03", "0.65", "5.68")
    # and then the rest, without lines
    rest = await credit(agency, invoice["id"])
    # then the rest is what is left: 10.05 - 5.03 = 5.02 and 1.31 - 0.65 = 0.66, not re-rounded
    assert rest["userErrors"] == []
    assert amounts(rest["creditNote"]) == ("5.02", "0.66", "5.68")
    assert rest["creditNote"]["services"][0]["amount"] == "5.02"
    assert (rest["invoice"]["amountCredited"], rest["invoice"]["amountDue"]) == ("11.36", "0.00")


async def test_a_credit_note_uses_the_rates_the_invoice_was_taxed_at(api: Api) -> None:
    # given a closed invoice PSW 6 h x 34.00 = 204.00 + HST 13% 26.52 = 230.52
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(5, "2", "34.00"), (6, "2", "34.00"), (7, "2", "34")])
    assert invoice["total"] == "230.52"
    # when the account deactivates HST, then 2 hours are credited at the invoice's 13%:
    # 68.00 + 8.84 = 76.84
    await set_hst(agency, active=False)
    two = await credit(agency, invoice["id"], [{"code": "PSW", "quantity": "2"}])
    assert two["userErrors"] == []
    assert amounts(two["creditNote"]) == ("68.00", "8.84", "76.84")
    assert two["creditNote"]["services"][0]["taxes"] == ["HST"]
    # when HST is back at 15%, then the rest is credited at 13% too: 136.00 + 17.68 = 153.68
    await set_hst(agency, active=True, rate=Decimal128("15"))
    rest = await credit(agency, invoice["id"])
    assert rest["userErrors"] == []
    assert amounts(rest["creditNote"]) == ("136.00", "17.68", "153.68")
    assert (rest["invoice"]["amountCredited"], rest["invoice"]["amountDue"]) == ("230.52", "0.00")
    note = await api.database.db.invoices.find_one({"_id": key(rest["creditNote"]["id"])})
    assert note is not None and note["taxes"][0]["rate"].to_decimal() == Decimal("13")


async def credited_once(api: Api) -> tuple[Agency, dict[str, Any], dict[str, Any]]:
    """A closed invoice of 230.52 with a credit note of 76.84 (2 h + HST): (agency, invoice,
    credit note)."""
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(5, "2", "34.00"), (6, "2", "34.00"), (7, "2", "34")])
    done = await credit(agency, invoice["id"], [{"code": "PSW", "quantity": "2"}])
    assert done["invoice"]["amountDue"] == "153.68"
    return agency, invoice, done["creditNote"]


async def test_a_credit_note_is_closed_when_made_and_cannot_be_deleted(api: Api) -> None:
    # given an invoice credited 76.84 by a credit note
    agency, invoice, note = await credited_once(api)
    stored = await api.database.db.invoices.find_one({"_id": key(note["id"])})
    assert stored is not None and stored["_closed"] is True
    # when the credit note is deleted
    deleted = await agency.ok(DELETE_INVOICE, {"id": note["id"], "reason": "oops"})
    # then it is refused, the note stays and the invoice still has its credit
    assert [e["code"] for e in deleted["invoiceDelete"]["userErrors"]] == ["INVALID_STATE"]
    after = await api.database.db.invoices.find_one({"_id": key(note["id"])})
    assert after is not None and not after.get("_deleted")
    original = await api.database.db.invoices.find_one({"_id": key(invoice["id"])})
    assert original is not None
    assert original["amount_credited"].to_decimal() == Decimal("76.84")
    assert original["amount_due"].to_decimal() == Decimal("153.68")


async def test_a_credit_note_is_not_edited_and_still_owes_nothing(api: Api) -> None:
    # given an invoice credited 76.84 by a credit note that owes nothing
    agency, _, note = await credited_once(api)
    stored = await api.database.db.invoices.find_one({"_id": key(note["id"])})
    assert stored is not None
    # when a clerk edits the credit note's notes
    variables = {"id": note["id"], "revision": stored["_revision"], "input": {"notes": "typo"}}
    edited = (await agency.ok(UPDATE_INVOICE, variables))["invoiceUpdate"]
    # then it is refused with INVALID_STATE and the note is unchanged, owing nothing
    assert [e["code"] for e in edited["userErrors"]] == ["INVALID_STATE"]
    after = await api.database.db.invoices.find_one({"_id": key(note["id"])})
    assert after == stored
    assert after["amount_due"].to_decimal() == Decimal("0")


async def test_only_invoice_credit_makes_a_credit_note(api: Api) -> None:
    # given an agency with an open standard invoice
    agency = await generation_agency(api)
    made = await agency.ok(CREATE_INVOICE, {"input": invoice_input()})
    invoice = made["invoiceCreate"]["invoice"]
    before = await api.count("invoices", _account=agency.account_id)
    # when an invoice is created as a credit note, or the open one is turned into one
    created = await agency.ok(CREATE_INVOICE, {"input": invoice_input(invoiceType="CREDIT_NOTE")})
    changes = {"invoiceType": "CREDIT_NOTE"}
    variables = {"id": invoice["id"], "revision": invoice["revision"], "input": changes}
    updated = await agency.ok(UPDATE_INVOICE, variables)
    # then both are refused on invoiceType, and nothing is written
    for errors in (created["invoiceCreate"]["userErrors"], updated["invoiceUpdate"]["userErrors"]):
        assert [(e["field"], e["code"]) for e in errors] == [("input.invoiceType", "INVALID")]
    assert await api.count("invoices", _account=agency.account_id) == before
    stored = await api.database.db.invoices.find_one({"_id": key(invoice["id"])})
    assert stored is not None and stored["invoice_type"] == "standard"


async def test_a_credit_note_takes_no_payment(api: Api) -> None:
    # given an invoice credited by a credit note
    agency, _, note = await credited_once(api)
    payments = await api.count("payments", _account=agency.account_id)
    # when a payment is recorded against the credit note
    payment = {"invoice": note["id"], "amount": "1.00", "method": "CASH"}
    refused = (await agency.ok(CREATE_PAYMENT, {"input": payment}))["paymentCreate"]
    # then it is refused for the note's kind, and no payment is stored
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("input.invoice", "INVALID_STATE")
    ]
    assert await api.count("payments", _account=agency.account_id) == payments


async def test_an_invoice_with_a_holiday_line_at_the_regular_rate_is_credited_whole(
    api: Api,
) -> None:
    # given a closed May invoice: PSW 2 h at 45.00, and 2 h on Victoria Day at 30.00 x 1.5 =
    # 45.00: two lines of one code and one rate; 180.00 + HST 13% 23.40 = 203.40
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(12, "2", "45.00"), (19, "2", "30.00")])
    assert (invoice["subtotal"], invoice["total"]) == ("180.00", "203.40")
    # when the whole invoice is credited
    done = await credit(agency, invoice["id"])
    # then a credit note takes the whole total off, one part per line of the invoice
    assert done["userErrors"] == [], done["userErrors"]
    assert amounts(done["creditNote"]) == ("180.00", "23.40", "203.40")
    assert (done["invoice"]["amountCredited"], done["invoice"]["amountDue"]) == ("203.40", "0.00")
    note = await api.database.db.invoices.find_one({"_id": key(done["creditNote"]["id"])})
    assert note is not None
    assert [
        (s["credits_line"], s["quantity"].to_decimal(), s["rate"].to_decimal())
        for s in note["services"]
    ] == [(0, Decimal("2"), Decimal("45.00")), (1, Decimal("2"), Decimal("45.00"))]
    assert [s["creditsLine"] for s in done["creditNote"]["services"]] == [0, 1]


async def test_a_line_sharing_its_code_and_rate_is_credited_by_its_position(api: Api) -> None:
    # given the closed invoice of two PSW lines at 45.00: regular (line 0), holiday (line 1)
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(12, "2", "45.00"), (19, "2", "30.00")])
    # when 1 h of the holiday line is credited by its position: 45.00 + HST 5.85 = 50.85
    one = await credit(agency, invoice["id"], [{"line": 1, "quantity": "1"}])
    assert one["userErrors"] == []
    assert amounts(one["creditNote"]) == ("45.00", "5.85", "50.85")
    assert one["creditNote"]["services"][0]["creditsLine"] == 1
    # and then 2 h more of it
    more = await credit(agency, invoice["id"], [{"line": 1, "quantity": "2"}])
    # then it is refused: 1 h is left of the holiday line (the regular line's 2 h do not count)
    assert [(e["field"], e["code"]) for e in more["userErrors"]] == [
        ("lines.0.quantity", "INVALID")
    ]
    assert "at most 1.00 " in more["userErrors"][0]["message"]
    # and the rest, without lines, takes 1 h of line 1 and 2 h of line 0: 135.00 + 17.55
    rest = await credit(agency, invoice["id"])
    assert rest["userErrors"] == []
    assert [(s["creditsLine"], s["quantity"]) for s in rest["creditNote"]["services"]] == [
        (0, "2.00"),
        (1, "1.00"),
    ]
    assert amounts(rest["creditNote"]) == ("135.00", "17.55", "152.55")
    assert (rest["invoice"]["amountCredited"], rest["invoice"]["amountDue"]) == ("203.40", "0.00")


async def test_a_code_and_rate_that_name_two_lines_are_refused_and_nothing_is_written(
    api: Api,
) -> None:
    # given the closed invoice of two PSW lines at 45.00
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(12, "2", "45.00"), (19, "2", "30.00")])
    before = await api.count("invoices", _account=agency.account_id)
    # when a part names the code and rate both lines have, another the code alone, another a
    # line the invoice does not have, and another a position whose code is not the one given
    lines = [
        {"code": "PSW", "rate": "45.00", "quantity": "1"},
        {"code": "PSW", "quantity": "1"},
        {"line": 2, "quantity": "1"},
        {"line": 0, "code": "COMP", "quantity": "1"},
    ]
    refused = await credit(agency, invoice["id"], lines)
    # then each is refused where it goes wrong, and no credit note is stored
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("lines.0.line", "INVALID"),
        ("lines.1.line", "INVALID"),
        ("lines.2.line", "INVALID"),
        ("lines.3.code", "INVALID"),
    ]
    assert "name the line by its position" in refused["userErrors"][0]["message"]
    assert refused["creditNote"] is None
    assert await api.count("invoices", _account=agency.account_id) == before
    stored = await api.database.db.invoices.find_one({"_id": key(invoice["id"])})
    assert stored is not None and stored["amount_credited"].to_decimal() == Decimal("0")


async def test_a_credit_note_stored_before_line_positions_still_counts_on_its_line(
    api: Api,
) -> None:
    # given a closed invoice PSW 3 h x 10.05 (34.07) credited 1 h by a note stored as notes
    # were before they named the line by its position (no credits_line)
    agency = await generation_agency(api)
    invoice = await closed_invoice(agency, [(5, "3", "10.05")])
    first = await credit(agency, invoice["id"], ONE_HOUR)
    unset = {"$unset": {"services.0.credits_line": ""}}
    await api.database.db.invoices.update_one({"_id": key(first["creditNote"]["id"])}, unset)
    # when the rest is credited
    rest = await credit(agency, invoice["id"])
    # then the old note's hour is counted on the invoice's line by its code and rate: 2 h left
    assert rest["userErrors"] == []
    assert [(s["creditsLine"], s["quantity"]) for s in rest["creditNote"]["services"]] == [
        (0, "2.00")
    ]
    assert (rest["invoice"]["amountCredited"], rest["invoice"]["amountDue"]) == ("34.07", "0.00")
