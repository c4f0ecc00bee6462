"""Payroll generation: overtime past the weekly threshold (split mid-visit, counting the week's
hours already paid), two pay rates, holiday pay, exact money, dry runs, and each punchcard paid
once. Every expected figure is computed by hand in the comments."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

import pytest

from app.common.services import decode
from app.payroll import generation
from tests.factories import Agency, Api, create_user
from tests.factories_payroll import (
    GENERATE,
    close_payroll,
    create_payroll,
    generate,
    generated,
    set_account,
    worked,
)
from tests.factories_visits import key


async def caregivers(agency: Agency) -> tuple[str, str]:
    ada = await create_user(agency, name={"first": "Ada", "last": "Osei"})
    ben = await create_user(agency, name={"first": "Ben", "last": "Abe"})
    return ada["id"], ben["id"]


async def ada_works_42_hours(agency: Agency, ada: str) -> list[dict[str, Any]]:
    """Monday to Thursday 10 + 10 + 10 + 8 = 38 h at 20.00 (PSW), then Friday 4 h at 25.00
    (RN): the Friday visit crosses 40 h after 2 of its hours."""
    cards = [await worked(agency, ada, day, hours) for day, hours in enumerate([10, 10, 10, 8])]
    return [*cards, await worked(agency, ada, 4, 4, rate="25.00", service="RN")]


async def stored_pay(api: Api, punchcard: dict[str, Any]) -> tuple[Any, ...]:
    doc = await api.database.db.punchcards.find_one({"_id": key(punchcard["id"])})
    assert doc is not None
    pay = decode(doc["pay"])
    return (str(pay["amount"]), str(pay["overtime_hours"]), pay["holiday"], doc["payroll"]["_id"])


async def test_overtime_splits_the_visit_crossing_40_hours_and_holidays_pay_more(api: Api) -> None:
    # given Ada's 42 hours of the week of March 3 (two rates), and Ben's 2 h visit on Thursday
    # and 3 h visit on Saturday March 8, the account's holiday, both at 22.35
    agency = await api.agency()
    await set_account(agency, holidays=[{"date": dt.datetime(2025, 3, 8), "name": "Test Day"}])
    ada, ben = await caregivers(agency)
    adas = await ada_works_42_hours(agency, ada)
    plain = await worked(agency, ben, 3, 2, rate="22.35")
    holiday = await worked(agency, ben, 5, 3, rate="22.35")
    # when the week's payroll is generated
    payload = await generated(agency)
    # then Ben's line comes first (Abe before Osei); his holiday visit pays 3 x 22.35 x 1.5 =
    # 100.575 -> 100.58 (half-up), the other 2 x 22.35 = 44.70: 145.28
    ben_line, ada_line = payload["lines"]
    assert ben_line["user"]["name"] == {"first": "Ben", "last": "Abe"}
    assert [(p["hours"], p["rate"], p["amount"], p["overtimeHours"], p["holiday"])
            for p in ben_line["punchcards"]] == [
        ("2.00", "22.35", "44.70", "0.00", False),
        ("3.00", "22.35", "100.58", "0.00", True),
    ]  # fmt: skip
    assert (ben_line["hours"], ben_line["regularHours"], ben_line["holidayHours"]) == (
        "5.00",
        "2.00",
        "3.00",
    )
    assert (ben_line["gross"], ben_line["net"]) == ("145.28", "145.28")
    # and Ada's: 200 + 200 + 200 + 160 at 20.00, then Friday 2 h x 25 + 2 h x 25 x 1.5 = 125.00
    assert [(p["hours"], p["amount"], p["overtimeHours"], p["serviceCode"])
            for p in ada_line["punchcards"]] == [
        ("10.00", "200.00", "0.00", "PSW"), ("10.00", "200.00", "0.00", "PSW"),
        ("10.00", "200.00", "0.00", "PSW"), ("8.00", "160.00", "0.00", "PSW"),
        ("4.00", "125.00", "2.00", "RN"),
    ]  # fmt: skip
    assert (ada_line["hours"], ada_line["regularHours"], ada_line["overtimeHours"]) == (
        "42.00", "40.00", "2.00",
    )  # fmt: skip
    assert (ada_line["gross"], ada_line["net"]) == ("885.00", "885.00")
    # and the payroll adds its lines up to the cent: 885.00 + 145.28 = 1030.28
    payroll = payload["payroll"]
    assert (payroll["start"], payroll["end"], payroll["periodType"]) == (
        "2025-03-03", "2025-03-09", "BIWEEKLY",
    )  # fmt: skip
    assert (payroll["hours"], payroll["regularHours"], payroll["overtimeHours"]) == (
        "47.00", "42.00", "2.00",
    )  # fmt: skip
    assert (payroll["holidayHours"], payroll["gross"], payroll["net"]) == (
        "3.00",
        "1030.28",
        "1030.28",
    )
    # and each punchcard stores the payroll and the pay it computed
    payroll_key = key(payroll["id"])
    assert await stored_pay(api, adas[4]) == ("125.00", "2.00", False, payroll_key)
    assert await stored_pay(api, adas[0]) == ("200.00", "0.00", False, payroll_key)
    assert await stored_pay(api, holiday) == ("100.58", "0.00", True, payroll_key)
    assert await stored_pay(api, plain) == ("44.70", "0.00", False, payroll_key)
    assert await api.count("payrollsusers", _account=agency.account_id) == 2
    assert await api.count("payrolls", _account=agency.account_id) == 1


async def test_hours_of_the_week_paid_by_the_previous_payroll_count_towards_overtime(
    api: Api,
) -> None:
    # given Ada's 42 hours of the week of March 3, and a payroll of Monday to Wednesday that
    # paid its first 30 hours
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    await ada_works_42_hours(agency, ada)
    first = await generated(agency, "2025-03-03", "2025-03-05")
    assert first["payroll"]["gross"] == "600.00"  # 3 x 10 h x 20.00
    # when Thursday to Sunday is generated
    second = await generated(agency, "2025-03-06", "2025-03-09")
    # then Thursday's 8 h reach 38 h and Friday's 4 h split 2 + 2: 160.00 + 125.00 = 285.00
    (line,) = second["lines"]
    assert [(p["amount"], p["overtimeHours"]) for p in line["punchcards"]] == [
        ("160.00", "0.00"),
        ("125.00", "2.00"),
    ]
    assert (line["regularHours"], line["overtimeHours"], line["gross"]) == (
        "10.00", "2.00", "285.00",
    )  # fmt: skip


async def test_a_late_punchcard_of_a_week_already_paid_and_closed_is_overtime_past_its_hours(
    api: Api,
) -> None:
    # given Ada's Monday to Thursday of the week of March 3, 10 h a day at 20.00, paid by the
    # week's payroll (4 x 200.00 = 800.00), now closed
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    for day in range(4):
        await worked(agency, ada, day, 10)
    first = await generated(agency, "2025-03-03", "2025-03-09")
    assert first["payroll"]["gross"] == "800.00"
    await close_payroll(agency, first["payroll"])
    # and a late punchcard of the same week: Friday, 8 h at 20.00
    late = await worked(agency, ada, 4, 8)
    # when the week is generated again
    second = await generated(agency, "2025-03-03", "2025-03-09")
    # then the 40 h already paid count: Friday's 8 h are all overtime, 8 x 20 x 1.5 = 240.00
    (line,) = second["lines"]
    assert (line["overtimeHours"], line["regularHours"], line["gross"]) == (
        "8.00", "0.00", "240.00",
    )  # fmt: skip
    assert await stored_pay(api, late) == (
        "240.00", "8.00", False, key(second["payroll"]["id"])
    )  # fmt: skip


async def test_a_period_starting_midweek_counts_the_hours_of_its_days_already_paid(
    api: Api,
) -> None:
    # given Ada's Monday to Thursday, 10 h a day at 20.00, paid by a Monday-Tuesday payroll
    # (2 x 200.00 = 400.00) and a Wednesday-Sunday one, closed
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    for day in range(4):
        await worked(agency, ada, day, 10)
    early = await generated(agency, "2025-03-03", "2025-03-04")
    late = await generated(agency, "2025-03-05", "2025-03-09")
    assert (early["payroll"]["gross"], late["payroll"]["gross"]) == ("400.00", "400.00")
    await close_payroll(agency, late["payroll"])
    # and a late Friday punchcard of 8 h at 20.00
    await worked(agency, ada, 4, 8)
    # when Wednesday to Sunday is generated again
    again = await generated(agency, "2025-03-05", "2025-03-09")
    # then Monday-Tuesday's 20 h (before the period) and Wednesday-Thursday's 20 h (inside it)
    # count: all 8 h are overtime, 8 x 20 x 1.5 = 240.00
    (line,) = again["lines"]
    assert (line["overtimeHours"], line["gross"]) == ("8.00", "240.00")


async def test_a_late_punchcard_clocked_in_before_the_paid_hours_of_its_week_is_their_overtime(
    api: Api,
) -> None:
    # given Ada's Tuesday to Friday, 10 h a day at 20.00 (40 h), paid and closed
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    for day in range(1, 5):
        await worked(agency, ada, day, 10)
    first = await generated(agency, "2025-03-03", "2025-03-09")
    await close_payroll(agency, first["payroll"])
    # and a late punchcard of that Monday, 6 h at 20.00, clocked in before all of them
    await worked(agency, ada, 0, 6)
    # when the week is generated again
    second = await generated(agency, "2025-03-03", "2025-03-09")
    # then the week has 46 h and its 40 paid hours cannot be paid again: the late 6 h are the
    # week's overtime, 6 x 20 x 1.5 = 180.00
    (line,) = second["lines"]
    assert (line["overtimeHours"], line["gross"]) == ("6.00", "180.00")


async def test_a_week_starting_on_sunday_with_a_holiday_past_the_threshold_at_the_higher_multiplier(
    api: Api,
) -> None:
    # given weeks that start on Sunday, a 40 h threshold, overtime at 1.5 and holiday at 2.0,
    # and Ada's Sunday March 2 (8 h), then Monday to Thursday 8 h each (40 h), then a 3 h
    # holiday visit on Friday March 7, all at 20.00
    agency = await api.agency()
    settings = {"overtime_weekly_hours": 40, "overtime_multiplier": "1.5",
                "holiday_multiplier": "2.0", "period_type": "weekly"}  # fmt: skip
    await set_account(agency, payroll_settings=settings, **{"settings.week_start": "SU"})
    ada, _ = await caregivers(agency)
    for day in range(-1, 4):
        await worked(agency, ada, day, 8)
    await worked(agency, ada, 4, 3, statHoliday=True)
    # when the payroll of Sunday March 2 to Saturday March 8 is generated
    payload = await generated(agency, "2025-03-02", "2025-03-08")
    # then the Friday visit is past the threshold, paid at the higher multiplier (2.0, the
    # holiday one; not 1.5 x 2.0): 3 x 20 x 2 = 120.00; five days of 8 x 20 = 160.00 each
    # before it: 920.00 in all. Paid at the holiday multiplier, its hours are holiday hours:
    # 40 x 20 + 3 x 20 x 2.0 = 920.00 read back from the hours
    (line,) = payload["lines"]
    assert [p["amount"] for p in line["punchcards"]] == ["160.00"] * 5 + ["120.00"]
    assert (line["overtimeHours"], line["holidayHours"], line["regularHours"]) == (
        "0.00", "3.00", "40.00",
    )  # fmt: skip
    assert (line["gross"], payload["payroll"]["periodType"]) == ("920.00", "WEEKLY")


async def written_counts(api: Api, agency: Agency) -> tuple[int, ...]:
    account = agency.account_id
    return (
        await api.count("payrolls", _account=account),
        await api.count("payrollsusers", _account=account),
        await api.count("punchcards", _account=account, payroll={"$ne": None}),
        await api.count("audit_events", _account=account),
    )


async def test_a_dry_run_returns_the_figures_and_stores_nothing(api: Api) -> None:
    # given Ada's 42 hours
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    cards = await ada_works_42_hours(agency, ada)
    before = await written_counts(api, agency)
    stored = await api.database.db.punchcards.find_one({"_id": key(cards[4]["id"])})
    # when the payroll is generated as a dry run
    payload = await generate(agency, dry_run=True)
    # then it answers the same figures as a real run, and nothing was written
    assert (payload["dryRun"], payload["userErrors"]) == (True, [])
    assert (payload["payroll"]["gross"], payload["payroll"]["overtimeHours"]) == ("885.00", "2.00")
    assert [line["gross"] for line in payload["lines"]] == ["885.00"]
    assert payload["lines"][0]["payroll"] is None
    assert await written_counts(api, agency) == before
    assert await api.database.db.punchcards.find_one({"_id": key(cards[4]["id"])}) == stored
    # and a real run afterwards stores those figures
    assert (await generated(agency))["payroll"]["gross"] == "885.00"


async def test_bad_periods_are_refused_and_nothing_is_written(api: Api) -> None:
    # given Ada's punchcards, and an open payroll of the week
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    await ada_works_42_hours(agency, ada)
    await generated(agency)
    before = await written_counts(api, agency)

    async def refused(start: str, end: str) -> list[tuple[str, str]]:
        payload = await generate(agency, start, end)
        assert payload["payroll"] is None and payload["lines"] == []
        return [(e["field"], e["code"]) for e in payload["userErrors"]]

    # when periods that end first, run too long, overlap the open payroll or hold nothing are
    # generated, then each is refused and nothing is written
    assert await refused("2025-03-09", "2025-03-03") == [("period.end", "INVALID")]
    assert await refused("2025-01-01", "2025-03-31") == [("period.end", "INVALID")]
    assert await refused("2025-03-09", "2025-03-15") == [("period", "INVALID_STATE")]
    assert await refused("2025-03-10", "2025-03-16") == [("period", "INVALID_STATE")]
    assert await written_counts(api, agency) == before


async def test_an_open_payroll_stretched_by_extra_days_refuses_a_period_over_them(
    api: Api,
) -> None:
    # given an open payroll of March 3 to 9 stretched by 2 extra days (to Tuesday March 11),
    # and Ada's punchcard of Tuesday March 11
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    await create_payroll(agency, start="2025-03-03", end="2025-03-09", periodExtra=2)
    await worked(agency, ada, 8, 6)
    before = await written_counts(api, agency)
    # when the week of March 10 is generated
    payload = await generate(agency, "2025-03-10", "2025-03-16")
    # then it is refused: the open payroll's extra days overlap it, and nothing is written
    (error,) = payload["userErrors"]
    assert (error["field"], error["code"]) == ("period", "INVALID_STATE")
    assert "2025-03-03 to 2025-03-11" in error["message"]
    assert payload["payroll"] is None
    assert await written_counts(api, agency) == before
    # and the week after the extra days is not
    await worked(agency, ada, 9, 6)
    assert (await generated(agency, "2025-03-12", "2025-03-18"))["payroll"]["gross"] == "120.00"


async def test_two_generations_at_once_of_overlapping_periods_leave_one_open_payroll(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Ada's punchcard of Monday March 3 and Ben's of Tuesday March 11: the periods of
    # March 3 to 9 and of March 9 to 15 overlap on the 9th but pay different punchcards
    agency = await api.agency()
    ada, ben = await caregivers(agency)
    monday = await worked(agency, ada, 0, 6)
    tuesday = await worked(agency, ben, 8, 5)
    # and the worst interleaving, forced (each wait gives up after a second): the later
    # period passes the overlap check first, then waits for the other generation to commit
    # before writing; the other checks once the later one has. (SecantusDB also happens to
    # clash on the two line inserts; MongoDB clashes per document, on the account's
    # generation counter both write.)
    check = generation._refuse_overlap
    later_checked, earlier_done = asyncio.Event(), asyncio.Event()

    async def interleaved(*args: Any) -> None:
        later = args[1] == dt.date(2025, 3, 9)
        if not later:
            await waited(later_checked)
        await check(*args)
        if later:
            later_checked.set()
            await waited(earlier_done)

    async def earlier() -> dict[str, Any]:
        payload = await generate(agency, "2025-03-03", "2025-03-09")
        earlier_done.set()
        return payload

    monkeypatch.setattr(generation, "_refuse_overlap", interleaved)
    # when both are generated at once
    results = await asyncio.gather(earlier(), generate(agency, "2025-03-09", "2025-03-15"))
    # then one made its payroll and the other was refused as overlapping it
    made = [r for r in results if not r["userErrors"]]
    refused = [r for r in results if r["userErrors"]]
    assert len(made) == len(refused) == 1, results
    assert [(e["field"], e["code"]) for e in refused[0]["userErrors"]] == [
        ("period", "INVALID_STATE")
    ]
    # and one payroll is stored, with one line, paying its own punchcard only
    assert await api.count("payrolls", _account=agency.account_id) == 1
    assert await api.count("payrollsusers", _account=agency.account_id) == 1
    (line,) = made[0]["lines"]
    (paid,) = [p["record"]["id"] for p in line["punchcards"]]
    (unpaid,) = {monday["id"], tuesday["id"]} - {paid}
    assert await api.count("punchcards", _account=agency.account_id, payroll=None) == 1
    assert await api.count("punchcards", _id=key(unpaid), payroll=None) == 1


async def waited(event: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), 1)


async def test_a_punchcard_is_paid_once_even_by_generations_at_once(api: Api) -> None:
    # given Ada's and Ben's punchcards of the week
    agency = await api.agency()
    ada, ben = await caregivers(agency)
    await ada_works_42_hours(agency, ada)
    await worked(agency, ben, 1, 6)
    # when two generations of the week run at once
    first, second = await asyncio.gather(generate(agency), generate(agency))
    # then one made the payroll and the other was refused
    made = [p for p in (first, second) if not p["userErrors"]]
    refused = [p for p in (first, second) if p["userErrors"]]
    assert len(made) == 1 and len(refused) == 1
    assert refused[0]["userErrors"][0]["code"] in ("INVALID_STATE", "CONFLICT")
    # and every punchcard is on one line of one payroll, with 6 punchcards paid in all
    assert await api.count("payrolls", _account=agency.account_id) == 1
    lines = api.database.db.payrollsusers.find({"_account": agency.account_id})
    paid = [p["_id"] async for line in lines for p in line["punchcards"]]
    assert len(paid) == len(set(paid)) == 6
    assert await api.count("punchcards", _account=agency.account_id, payroll=None) == 0
    # when the payroll is closed and the week generated again, then nothing is left to pay
    payroll = made[0]["payroll"]
    await close_payroll(agency, payroll)
    again = await generate(agency)
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [("period", "INVALID_STATE")]
    # and a punchcard coming in late is paid by a new payroll of its own
    late = await worked(agency, ben, 2, 1)
    extra = await generated(agency)
    assert [p["record"]["id"] for line in extra["lines"] for p in line["punchcards"]] == [
        late["id"]
    ]


async def test_generation_costs_the_same_database_commands_for_3_or_12_punchcards(
    api: Api,
) -> None:
    # given two agencies, one with 3 punchcards of 3 caregivers, the other with 12 of 3
    small, big = await api.agency(), await api.agency()
    for agency, days in ((small, 1), (big, 4)):
        people = [await create_user(agency, name={"first": f"C{n}", "last": "X"}) for n in range(3)]
        for person in people:
            for day in range(days):
                await worked(agency, person["id"], day, 2)
    # when each generates its week
    variables = {"period": {"start": "2025-03-03", "end": "2025-03-09"}}
    commands = []
    for agency in (small, big):
        response = await agency.gql(GENERATE, variables)
        assert response.data["payrollGenerate"]["userErrors"] == []
        commands.append(response.db_commands)
    # then both cost the same number of database commands, not one per punchcard
    assert commands[0] == commands[1], commands
    assert commands[0] <= 20, commands


async def test_the_punchcards_guard_pays_each_once_when_both_generations_pass_the_checks(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Ada's punchcards, and no overlap check (two generations for different but
    # overlapping periods could both pass it)
    agency = await api.agency()
    ada, _ = await caregivers(agency)
    await ada_works_42_hours(agency, ada)

    async def no_check(*args: Any) -> None:
        return None

    monkeypatch.setattr(generation, "_refuse_overlap", no_check)
    # when two generations of the week run at once
    results = await asyncio.gather(generate(agency), generate(agency), generate(agency))
    # then each punchcard was paid by one payroll only
    lines = api.database.db.payrollsusers.find({"_account": agency.account_id})
    paid = [p["_id"] async for line in lines for p in line["punchcards"]]
    assert len(paid) == len(set(paid)) == 5
    made = [r for r in results if not r["userErrors"]]
    assert await api.count("payrolls", _account=agency.account_id) == len(made) >= 1
    assert sum(len(r["lines"][0]["punchcards"]) for r in made) == 5


async def test_a_payroll_is_in_the_accounts_currency(api: Api) -> None:
    # given an agency paying in US dollars, with a caregiver's week of work
    agency = await api.agency()
    await set_account(agency, **{"settings.currency": "USD"})
    ada = (await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"]
    await worked(agency, ada, 0, 4)
    # when its week is generated, and another payroll is made by hand
    made = await generated(agency)
    by_hand = await create_payroll(agency, start="2025-03-10", end="2025-03-16")
    # then both record the account's currency
    for payroll in (made["payroll"], by_hand):
        stored = await api.database.db.payrolls.find_one({"_id": key(payroll["id"])})
        assert stored is not None and stored["currency"] == "USD"
