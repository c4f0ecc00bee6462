"""Demo payrolls made by `payrollGenerate`'s service from the clocked punchcards of their
week (a line per caregiver, overtime and holiday pay as the account sets them); clerks'
adjustments (mileage, a bonus, a reimbursement or a deduction) are then added to some lines
through the service that adds them, the first line of each payroll always claiming mileage.
Last week's payroll is paid: closed once its adjustments are in. This week's, generated from
what is clocked so far, stays open; a week with nothing clocked gets no payroll.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.common.demo import DemoAccount
from app.common.money import CENT
from app.data.scope import Scope
from app.errors import ServiceError
from app.payroll.documents import PayrollAdjustmentKind
from app.payroll.generation import generate_payroll
from app.payroll.services import payroll_store, payroll_user_store

MILEAGE_RATE = Decimal("0.61")  # per km


def _adjustments(demo: DemoAccount, week: dt.date, first: bool) -> list[dict[str, Any]]:
    rng, made = demo.rng, []
    if rng.random() < 0.5 or first:
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


def _weeks(week: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Last week, then this week, Monday to Sunday."""
    return [(start, start + dt.timedelta(days=6)) for start in (week - dt.timedelta(days=7), week)]


async def seed(demo: DemoAccount) -> None:
    lines_store = payroll_user_store(demo.database)
    scope = Scope(demo.database, demo.actor)
    payrolls, lines = [], []
    for start, end in _weeks(demo.week_start):
        try:
            made = await generate_payroll(scope, start, end)
        except ServiceError:
            continue  # nothing clocked in that week: no payroll
        payroll = made.payroll
        for index, line in enumerate(made.lines):
            for adjustment in _adjustments(demo, start, first=index == 0):
                line = await lines_store.add_adjustment(
                    demo.actor, line["_id"], line["_revision"], adjustment
                )
            lines.append(line)
        if end < demo.week_start:  # last week's is paid
            payroll = await payroll_store(demo.database).close(demo.actor, payroll["_id"], 1)
        snapshot = {"_id": payroll["_id"], "start": payroll["start"], "end": payroll["end"]}
        for card in demo.made.get("punchcards") or []:
            if card["_id"] in made.entries:
                card["payroll"] = snapshot
        payrolls.append(payroll)
    demo.made["payrolls"] = payrolls
    demo.made["payrollsusers"] = lines
