"""Demo payrolls made by `payrollGenerate`'s service from the clocked punchcards of their
period (a line per caregiver, overtime and holiday pay as the account sets them); clerks'
adjustments (mileage, a bonus, a reimbursement or a deduction) are then added to some lines
through the service that adds them. Every period but the latest is closed once its adjustments
are in; a period with nothing clocked gets no payroll.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.common.demo import DemoAccount
from app.common.money import CENT
from app.errors import ServiceError
from app.payroll.documents import PayrollAdjustmentKind
from app.payroll.generation import generate_payroll
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


def _periods(week: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Last week, then this week in two pay periods (Monday to Wednesday, Thursday to Sunday):
    the demo's visits fall this week, and the split shows a week's overtime counting the hours
    an earlier payroll paid."""
    day = dt.timedelta(days=1)
    return [(week - 7 * day, week - day), (week, week + 2 * day), (week + 3 * day, week + 6 * day)]


async def seed(demo: DemoAccount) -> None:
    lines_store = payroll_user_store(demo.database)
    payrolls, lines = [], []
    for start, end in _periods(demo.week_start):
        try:
            made = await generate_payroll(demo.database, demo.actor, start, end)
        except ServiceError:
            continue  # nothing clocked in that period: no payroll
        payroll = made.payroll
        for line in made.lines:
            for adjustment in _adjustments(demo, start):
                line = await lines_store.add_adjustment(
                    demo.actor, line["_id"], line["_revision"], adjustment
                )
            lines.append(line)
        snapshot = {"_id": payroll["_id"], "start": payroll["start"], "end": payroll["end"]}
        for card in demo.made.get("punchcards") or []:
            if card["_id"] in made.entries:
                card["payroll"] = snapshot
        payrolls.append(payroll)
    # every period but the latest is paid: closed
    for index, payroll in enumerate(payrolls[:-1]):
        payrolls[index] = await payroll_store(demo.database).close(demo.actor, payroll["_id"], 1)
    demo.made["payrolls"] = payrolls
    demo.made["payrollsusers"] = lines
