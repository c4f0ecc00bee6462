"""Overtime and holiday rules as account settings: daily overtime that does not count twice
(California), a 44-hour week that leaves premium-paid holiday hours out (Ontario), and pay for
a holiday not worked. Every expected figure is computed by hand in the comments; the settings
go through accountUpdate, the figures come back from payrollGenerate and from what it stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.common.services import decode
from tests.factories import Agency, Api, create_user
from tests.factories_payroll import (
    account_settings,
    close_payroll,
    generated,
    update_account,
    visit,
)
from tests.factories_visits import key

KINDS = ("hours", "regularHours", "overtimeHours", "dailyOvertimeHours", "holidayHours")


async def caregiver(agency: Agency, first: str, last: str) -> str:
    return str((await create_user(agency, name={"first": first, "last": last}))["id"])


async def stored_line(api: Api, line: dict[str, Any]) -> dict[str, Any]:
    doc = await api.database.db.payrollsusers.find_one({"_id": key(line["id"])})
    assert doc is not None
    return dict(decode(doc))


def provider_pays(line: dict[str, Any], rate: str, multipliers: dict[str, str]) -> Decimal:
    """What a payroll provider pays for a line's visits at one rate: each kind of hours at its
    multiplier."""
    return Decimal(rate) * sum(
        (Decimal(line[kind]) * Decimal(multipliers.get(kind, "1")) for kind in KINDS[1:]),
        Decimal(0),
    )


async def test_a_california_week_pays_daily_overtime_and_counts_no_hour_twice(api: Api) -> None:
    # given a Los Angeles agency paying past 8 h a day and past 40 h a week at 1.5
    agency = await api.agency()
    await account_settings(
        agency,
        settings={"timezone": "America/Los_Angeles"},
        payrollSettings={"overtimeDailyHours": "8", "overtimeWeeklyHours": "40"},
    )
    # and Ada's week of March 3, 2025 at 20.00 (16:00 UTC is 08:00 in Los Angeles): Monday
    # two visits of 5 h, Tuesday to Friday 10 h a day, Saturday 6 h
    ada = await caregiver(agency, "Ada", "Osei")
    cards = [
        await visit(agency, ada, 0, (16, 0), "5"),
        await visit(agency, ada, 0, (21, 30), "5"),
        *[await visit(agency, ada, day, (16, 0), "10") for day in range(1, 5)],
        await visit(agency, ada, 5, (16, 0), "6"),
    ]

    # when the week's payroll is generated
    payload = await generated(agency)

    # then Monday's second visit crosses 8 h after 3 of its hours: 3 x 20 + 2 x 20 x 1.5 =
    # 120.00; Tuesday to Friday pay 8 x 20 + 2 x 30 = 220.00 each. The daily overtime hours
    # do not count toward the week: Monday to Friday count 8 h a day, 40 h, so Saturday's 6 h
    # are all past the weekly threshold: 6 x 30 = 180.00. Counting them twice would have made
    # Friday's 10 h overtime too (1,360.00).
    (line,) = payload["lines"]
    assert [(p["hours"], p["amount"], p["dailyOvertimeHours"], p["overtimeHours"])
            for p in line["punchcards"]] == [
        ("5.00", "100.00", "0.00", "0.00"), ("5.00", "120.00", "2.00", "0.00"),
        ("10.00", "220.00", "2.00", "0.00"), ("10.00", "220.00", "2.00", "0.00"),
        ("10.00", "220.00", "2.00", "0.00"), ("10.00", "220.00", "2.00", "0.00"),
        ("6.00", "180.00", "0.00", "6.00"),
    ]  # fmt: skip
    # 56 h: 40 regular, 10 daily overtime, 6 weekly overtime; 800 + 300 + 180 = 1,280.00
    assert tuple(line[k] for k in KINDS) == ("56.00", "40.00", "6.00", "10.00", "0.00")
    assert line["gross"] == line["net"] == "1280.00"
    premium = {"overtimeHours": "1.5", "dailyOvertimeHours": "1.5"}
    assert provider_pays(line, "20", premium) == Decimal(line["gross"])
    payroll = payload["payroll"]
    assert (payroll["dailyOvertimeHours"], payroll["overtimeHours"]) == ("10.00", "6.00")
    # and each punchcard's stored pay says the same
    doc = await api.database.db.punchcards.find_one({"_id": key(cards[1]["id"])})
    assert doc is not None
    pay = decode(doc["pay"])
    assert (str(pay["amount"]), str(pay["daily_overtime_hours"])) == ("120.00", "2.00")


@pytest.mark.parametrize(
    ("counted", "kinds", "gross"),
    [
        # Ontario: the 8 premium-paid holiday hours stay out of the 44: Tuesday to Saturday
        # count 46 h, the last 2 are overtime. 8 x 20 x 1.5 + 44 x 20 + 2 x 30 = 1,180.00
        (False, ("54.00", "44.00", "2.00", "0.00", "8.00"), "1180.00"),
        # counted (the default): Monday's 8 h count, the week passes 44 h on Friday after 6 h:
        # 240 + 36 x 20 + 10 x 30 = 1,260.00
        (True, ("54.00", "36.00", "10.00", "0.00", "8.00"), "1260.00"),
    ],
)
async def test_an_ontario_week_leaves_premium_paid_holiday_hours_out_of_44(
    api: Api, counted: bool, kinds: tuple[str, ...], gross: str
) -> None:
    # given a Toronto agency with a 44 h week and Family Day (Monday February 17, 2025)
    agency = await api.agency()
    await account_settings(
        agency,
        payrollSettings={"overtimeWeeklyHours": "44",
                         "holidayHoursCountTowardOvertime": counted},
        holidays=[{"date": "2025-02-17", "name": "Family Day"}],
    )  # fmt: skip
    # and Ada's week at 20.00: 8 h on Family Day, 10 h Tuesday to Friday, 6 h Saturday
    ada = await caregiver(agency, "Ada", "Osei")
    family_day = -14  # days from Monday March 3
    await visit(agency, ada, family_day, (13, 0), "8")
    for day in range(family_day + 1, family_day + 5):
        await visit(agency, ada, day, (13, 0), "10")
    await visit(agency, ada, family_day + 5, (13, 0), "6")

    # when the week's payroll is generated
    payload = await generated(agency, "2025-02-17", "2025-02-23")

    # then the hours and the gross are as computed above
    (line,) = payload["lines"]
    assert tuple(line[k] for k in KINDS) == kinds
    assert line["gross"] == gross
    assert line["punchcards"][0]["amount"] == "240.00"
    premium = {"overtimeHours": "1.5", "holidayHours": "1.5"}
    assert provider_pays(line, "20", premium) == Decimal(gross)


async def test_a_holiday_not_worked_pays_the_average_day_of_the_4_weeks_before(api: Api) -> None:
    # given an agency paying holidays not worked at the average daily pay of the last 4 weeks,
    # with Victoria Day on Monday May 19, 2025 (77 days after Monday March 3)
    agency = await api.agency()
    await account_settings(
        agency,
        payrollSettings={"holidayPayNotWorked": "AVERAGE_DAILY_LAST_4_WEEKS"},
        holidays=[{"date": "2025-05-19", "name": "Victoria Day"}],
    )
    ada, ben = await caregiver(agency, "Ada", "Osei"), await caregiver(agency, "Ben", "Abe")
    cy, dee = await caregiver(agency, "Cy", "Lund"), await caregiver(agency, "Dee", "Moss")
    holiday = 77
    # Ada worked 3 days of the 28 before (April 21 to May 18): 8 h and 6 h at 20.00, 4 h at
    # 25.00, 380.00; and on Tuesday of the holiday week 4 h at 20.00
    await visit(agency, ada, holiday - 21, (12, 0), "8")
    await visit(agency, ada, holiday - 14, (12, 0), "6")
    await visit(agency, ada, holiday - 7, (12, 0), "4", rate="25.00")
    await visit(agency, ada, holiday + 1, (12, 0), "4")
    # Ben worked in those weeks and on the holiday itself (5 h, paid at 1.5 instead)
    await visit(agency, ben, holiday - 17, (12, 0), "8")
    await visit(agency, ben, holiday, (12, 0), "5")
    # Cy last worked 32 days before, then on Tuesday; Dee one 7.5 h day at 22.00 before, and
    # nothing in the holiday week
    await visit(agency, cy, holiday - 32, (12, 0), "8")
    await visit(agency, cy, holiday + 1, (12, 0), "3")
    await visit(agency, dee, holiday - 27, (12, 0), "7.5", rate="22.00")

    # when the holiday week's payroll is generated
    payload = await generated(agency, "2025-05-19", "2025-05-25")

    # then Ada is paid her 4 h (80.00) and 380.00 / 3 days = 126.666... -> 126.67 for the
    # holiday; Ben his 5 h at 1.5 only (150.00); Cy his 3 h only (60.00); Dee, with no visit
    # that week, a line of her own: 165.00 / 1 day
    lines = {line["user"]["name"]["first"]: line for line in payload["lines"]}
    assert set(lines) == {"Ada", "Ben", "Cy", "Dee"}
    assert lines["Ada"]["holidayPay"] == [
        {"date": "2025-05-19", "name": "Victoria Day", "wages": "380.00", "daysWorked": 3,
         "amount": "126.67"}
    ]  # fmt: skip
    assert (lines["Ada"]["holidayNotWorkedPay"], lines["Ada"]["gross"]) == ("126.67", "206.67")
    assert (lines["Ben"]["holidayPay"], lines["Ben"]["gross"]) == ([], "150.00")
    assert (lines["Cy"]["holidayPay"], lines["Cy"]["gross"]) == ([], "60.00")
    assert lines["Dee"]["punchcards"] == []
    assert (lines["Dee"]["holidayNotWorkedPay"], lines["Dee"]["net"]) == ("165.00", "165.00")
    # 206.67 + 150.00 + 60.00 + 165.00
    assert payload["payroll"]["gross"] == "581.67"
    assert payload["payroll"]["holidayNotWorkedPay"] == "291.67"
    stored = await stored_line(api, lines["Dee"])
    assert [(h["date"].isoformat()[:10], str(h["amount"])) for h in stored["holiday_pay"]] == [
        ("2025-05-19", "165.00")
    ]

    # and when Ada's late visit of Wednesday gets a payroll of its own, the holiday is not
    # paid again
    await visit(agency, ada, holiday + 2, (12, 0), "2")
    await close_payroll(agency, payload["payroll"])
    again = await generated(agency, "2025-05-19", "2025-05-25")
    (late,) = again["lines"]
    assert (late["holidayPay"], late["gross"]) == ([], "40.00")


async def test_daily_overtime_settings_are_checked(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    # when a clerk sets 25 h as the daily threshold and a multiplier under 1
    payload = await update_account(
        agency, payrollSettings={"overtimeDailyHours": "25", "overtimeDailyMultiplier": "0.5"}
    )
    # then both are refused, naming the field, and nothing is stored
    fields = sorted(e["field"] for e in payload["userErrors"])
    assert fields == [
        "input.payrollSettings.overtimeDailyHours",
        "input.payrollSettings.overtimeDailyMultiplier",
    ]
    doc = await api.database.db.accounts.find_one({"_id": agency.account_id})
    assert doc is not None
    assert "overtime_daily_hours" not in (doc.get("payroll_settings") or {})
