"""Demo payrolls: last week's, closed, and this week's, open, each with a line per caregiver.

Every demo punchcard goes to the payroll whose week holds its clock-in (in the account's time
zone); each caregiver with punchcards in a week gets one line paying them (the line puts the
payroll's snapshot on its punchcards), sometimes with mileage, a bonus, a reimbursement or a
deduction. Last week's payroll is closed once its lines are made.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.common.codes import PeriodType
from app.common.demo import DemoAccount
from app.common.money import CENT
from app.payroll.documents import PayrollAdjustmentKind
from app.payroll.services import payroll_store, payroll_user_store

MILEAGE_RATE = Decimal("0.61")  # per km


def _adjustments(demo: DemoAccount, week: dt.date) -> list[dict[str, Any]]:
    rng, made = demo.rng, []
    if rng.random() < 0.5:
        km = rng.randint(12, 140)
        made.append(
            {
                "kind": PayrollAdjustmentKind.MILEAGE,
                "description": f"{km} km between visits",
                "amount": (MILEAGE_RATE * km).quantize(CENT),
                "date": week + dt.timedelta(days=rng.randint(0, 4)),
            }
        )
    roll = rng.random()
    if roll < 0.1:
        made.append({"kind": PayrollAdjustmentKind.BONUS, "description": "Weekend cover",
                     "amount": Decimal("50.00")})  # fmt: skip
    elif roll < 0.2:
        made.append({"kind": PayrollAdjustmentKind.REIMBURSEMENT, "description": "Parking",
                     "amount": Decimal(rng.randint(6, 24)).quantize(CENT)})  # fmt: skip
    elif roll < 0.25:
        made.append({"kind": PayrollAdjustmentKind.DEDUCTION, "description": "Uniform",
                     "amount": Decimal("15.00")})  # fmt: skip
    return made


def _local_day(value: dt.datetime, zone: ZoneInfo) -> dt.date:
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return aware.astimezone(zone).date()


async def seed(demo: DemoAccount) -> None:
    zone = ZoneInfo(demo.timezone)
    weeks = [demo.week_start - dt.timedelta(days=7), demo.week_start]
    payrolls = await payroll_store(demo.database).create_many(
        demo.actor,
        [
            {"start": week, "end": week + dt.timedelta(days=6), "period_type": PeriodType.WEEKLY}
            for week in weeks
        ],
    )
    # per week: the caregivers' punchcards, in the order they were made
    paid: list[dict[Any, list[dict[str, Any]]]] = [{}, {}]
    for punchcard in demo.made.get("punchcards") or []:
        clock_in = (punchcard.get("actual") or {}).get("clock_in")
        if clock_in is None:
            continue
        offset = (_local_day(clock_in, zone) - demo.week_start).days
        index = 0 if -7 <= offset < 0 else 1 if 0 <= offset < 7 else None
        if index is not None:
            paid[index].setdefault(punchcard["user"]["_id"], []).append(punchcard)
    lines = []
    for payroll, week, by_caregiver in zip(payrolls, weeks, paid, strict=True):
        items = [
            {
                "payroll": payroll["_id"],
                "user": {"record": caregiver},
                "punchcards": [{"record": card["_id"]} for card in group],
                "adjustments": _adjustments(demo, week),
            }
            for caregiver, group in by_caregiver.items()
        ]
        if items:
            lines += await payroll_user_store(demo.database).create_many(demo.actor, items)
        for card in (card for group in by_caregiver.values() for card in group):
            card["payroll"] = {"_id": payroll["_id"], "start": payroll["start"],
                               "end": payroll["end"]}  # fmt: skip
    closed = await payroll_store(demo.database).close(demo.actor, payrolls[0]["_id"], 1)
    demo.made["payrolls"] = [closed, payrolls[1]]
    demo.made["payrollsusers"] = lines
