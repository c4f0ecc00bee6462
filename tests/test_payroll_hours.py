"""Payroll hours are reported as what they were paid as: a payroll provider paying the regular,
overtime and holiday hours at their multipliers pays the gross the payroll computed. Every
hours figure reads with two decimals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.common.services import decode
from tests.factories import Api, create_user
from tests.factories_payroll import generated, set_account, worked
from tests.factories_visits import key

MONDAY = 42
"""Monday April 14, 2025, in days after Monday March 3 (the `worked` factory's day 0)."""
GOOD_FRIDAY = dt.datetime(2025, 4, 18)


@pytest.mark.parametrize(
    ("overtime", "holiday", "kinds"),
    [
        # the holiday multiplier is the higher: the 5 h past 40 are paid as holiday hours
        ("1.5", "2.0", ("40.00", "0.00", "5.00")),
        # the overtime multiplier is the higher: they are paid, and reported, as overtime
        ("2.0", "1.5", ("40.00", "5.00", "0.00")),
    ],
)
async def test_holiday_hours_past_the_threshold_read_as_what_they_were_paid_as(
    api: Api, overtime: str, holiday: str, kinds: tuple[str, str, str]
) -> None:
    # given a 40 h threshold, Good Friday as a holiday, and Ada's week of April 14 at 21.00:
    # Monday to Thursday 10 h a day (40 h), then 5 h on Good Friday
    agency = await api.agency()
    settings = {"overtime_weekly_hours": 40, "overtime_multiplier": overtime,
                "holiday_multiplier": holiday}  # fmt: skip
    holidays = [{"date": GOOD_FRIDAY, "name": "Good Friday"}]
    await set_account(agency, payroll_settings=settings, holidays=holidays)
    ada = (await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"]
    for day in range(MONDAY, MONDAY + 4):
        await worked(agency, ada, day, 10, rate="21.00")
    friday = await worked(agency, ada, MONDAY + 4, 5, rate="21.00")

    # when the week's payroll is generated
    payload = await generated(agency, "2025-04-14", "2025-04-20")

    # then the 5 h pay at the higher multiplier, 2.0: 40 x 21.00 = 840.00, 5 x 21.00 x 2 =
    # 210.00, gross 1050.00; and the hours say how: 40.00 regular, and the 5.00 as holiday
    # hours where the holiday multiplier was paid, as overtime where the overtime one was
    (line,) = payload["lines"]
    assert line["gross"] == "1050.00"
    got = (line["regularHours"], line["overtimeHours"], line["holidayHours"])
    assert (line["hours"], *got) == ("45.00", *kinds)
    payroll = payload["payroll"]
    assert (payroll["regularHours"], payroll["overtimeHours"], payroll["holidayHours"]) == kinds
    # and a payroll provider paying those hours at their multipliers pays the same gross:
    # 40 x 21 x 1 + 0 x 21 x 1.5 + 5 x 21 x 2.0 = 1050.00 (or 40 x 21 + 5 x 21 x 2.0 + 0)
    rate = Decimal("21.00")
    regular, over, off = (Decimal(h) for h in got)
    provider = rate * (regular + over * Decimal(overtime) + off * Decimal(holiday))
    assert provider == Decimal(line["gross"])
    # and the Friday entry, and the pay stored on its punchcard, say the same
    entry = line["punchcards"][-1]
    assert (entry["hours"], entry["amount"], entry["holiday"]) == ("5.00", "210.00", True)
    assert entry["overtimeHours"] == kinds[1]
    doc = await api.database.db.punchcards.find_one({"_id": key(friday["id"])})
    assert doc is not None
    assert str(decode(doc["pay"])["overtime_hours"]) == kinds[1]


async def test_every_hours_figure_of_a_payroll_reads_with_two_decimals(api: Api) -> None:
    # given Ada's 3 h visit on Monday March 3, at 20.00: no overtime, no holiday
    agency = await api.agency()
    ada = (await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"]
    await worked(agency, ada, 0, 3)
    # when the week's payroll is generated
    payload = await generated(agency)
    # then every hours figure has two decimals, none reads "0" or "3"
    (line,) = payload["lines"]
    payroll = payload["payroll"]
    figures = [line[name] for name in ("hours", "regularHours", "overtimeHours", "holidayHours")]
    figures += [payroll[name] for name in ("regularHours", "overtimeHours", "holidayHours")]
    figures += [line["punchcards"][0][name] for name in ("hours", "overtimeHours")]
    assert figures == ["3.00", "3.00", "0.00", "0.00", "3.00", "0.00", "0.00", "3.00", "0.00"]
