"""Payrolls and payroll lines made through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import Agency
from tests.factories_visits import MONDAY, at, create_punchcard

PAYROLL_FIELDS = """id revision start end periodType periodExtra closed closedDate
  hours gross adjustmentsTotal net"""
CREATE_PAYROLL = f"""mutation($input: PayrollCreateInput!) {{ payrollCreate(input: $input) {{
  payroll {{ {PAYROLL_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_PAYROLL = """mutation($id: ID!, $revision: Int!, $input: PayrollUpdateInput!) {
  payrollUpdate(id: $id, revision: $revision, input: $input) {
  payroll { id revision periodExtra } userErrors { field message code } } }"""
CLOSE_PAYROLL = """mutation($id: ID!, $revision: Int!) {
  payrollClose(id: $id, revision: $revision) {
  payroll { id revision closed closedDate closedUser { id } }
  userErrors { field message code } } }"""
LINE_FIELDS = """id revision createdDate user { name { first last } nickname record { id } }
  payroll { id } punchcards { hours rate amount record { id } }
  adjustments { kind description amount date } hours gross adjustmentsTotal net"""
CREATE_LINE = f"""mutation($input: PayrollUserCreateInput!) {{ payrollUserCreate(input: $input) {{
  payrollUser {{ {LINE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_LINE = """mutation($id: ID!, $revision: Int!, $input: PayrollUserUpdateInput!) {
  payrollUserUpdate(id: $id, revision: $revision, input: $input) {
  payrollUser { id revision net } userErrors { field message code } } }"""


def payroll_input(
    start: str = "2025-03-03", end: str = "2025-03-09", **fields: Any
) -> dict[str, Any]:
    return {"start": start, "end": end, "periodType": "WEEKLY", **fields}


async def create_payroll(agency: Agency, **fields: Any) -> dict[str, Any]:
    data = await agency.ok(CREATE_PAYROLL, {"input": payroll_input(**fields)})
    assert data["payrollCreate"]["userErrors"] == [], data
    return data["payrollCreate"]["payroll"]


async def close_payroll(agency: Agency, payroll: dict[str, Any]) -> dict[str, Any]:
    variables = {"id": payroll["id"], "revision": payroll["revision"]}
    data = await agency.ok(CLOSE_PAYROLL, variables)
    assert data["payrollClose"]["userErrors"] == [], data
    return data["payrollClose"]["payroll"]


def line_input(
    payroll: str, caregiver: str, punchcards: list[str] | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "payroll": payroll,
        "user": {"record": caregiver},
        "punchcards": [{"record": p} for p in punchcards or []],
        **fields,
    }


async def create_line(
    agency: Agency, payroll: str, caregiver: str, punchcards: list[str] | None = None, **fields: Any
) -> dict[str, Any]:
    variables = {"input": line_input(payroll, caregiver, punchcards, **fields)}
    data = await agency.ok(CREATE_LINE, variables)
    assert data["payrollUserCreate"]["userErrors"] == [], data
    return data["payrollUserCreate"]["payrollUser"]


GENERATED_LINE = """id revision user { name { first last } record { id } } payroll { id }
  punchcards { hours rate amount overtimeHours dailyOvertimeHours holiday serviceCode record { id }
    travel { origin { id } distance distanceUnit mileageRate mileageAmount gapMinutes hours rate
      amount } }
  adjustments { kind description amount } holidayPay { date name wages daysWorked amount }
  hours regularHours overtimeHours dailyOvertimeHours holidayHours travelHours travelPay
  mileageDistance mileageAmount holidayNotWorkedPay gross adjustmentsTotal net"""
GENERATE = f"""mutation($period: PayrollPeriodInput!, $options: PayrollGenerateOptions) {{
  payrollGenerate(period: $period, options: $options) {{
  payroll {{ {PAYROLL_FIELDS} regularHours overtimeHours dailyOvertimeHours holidayHours
    travelHours travelPay mileageDistance mileageAmount holidayNotWorkedPay }}
  lines {{ {GENERATED_LINE} }} dryRun userErrors {{ field message code }} }} }}"""
ADD_ADJUSTMENT = f"""mutation($id: ID!, $revision: Int!, $adjustment: PayrollAdjustmentInput!) {{
  payrollUserAdjustmentAdd(id: $id, revision: $revision, adjustment: $adjustment) {{
  payrollUser {{ {GENERATED_LINE} }} userErrors {{ field message code }} }} }}"""
REMOVE_ADJUSTMENT = f"""mutation($id: ID!, $revision: Int!, $index: Int!) {{
  payrollUserAdjustmentRemove(id: $id, revision: $revision, index: $index) {{
  payrollUser {{ {GENERATED_LINE} }} userErrors {{ field message code }} }} }}"""


async def generate(
    agency: Agency, start: str = "2025-03-03", end: str = "2025-03-09", dry_run: bool = False
) -> dict[str, Any]:
    """The payrollGenerate payload (refused or not)."""
    variables = {"period": {"start": start, "end": end}, "options": {"dryRun": dry_run}}
    data = await agency.ok(GENERATE, variables)
    return dict(data["payrollGenerate"])


async def generated(agency: Agency, start: str = "2025-03-03", end: str = "2025-03-09") -> Any:
    """A payroll generated and stored, with its lines."""
    payload = await generate(agency, start, end)
    assert payload["userErrors"] == [], payload
    return payload


async def set_account(agency: Agency, **fields: Any) -> None:
    """Account settings as stored (`payroll_settings`, `settings.week_start`, `holidays`...)."""
    await agency.api.database.db.accounts.update_one({"_id": agency.account_id}, {"$set": fields})


async def worked(
    agency: Agency,
    caregiver: str,
    day: int,
    hours: int,
    rate: str = "20.00",
    service: str = "PSW",
    **fields: Any,
) -> dict[str, Any]:
    """A punchcard of `hours` from 12:00 UTC (morning in Toronto), `day` days after Monday
    March 3, 2025, paying `hours` at `rate` for `service`: punched by telephony, so nothing
    about it waits for the office's review (a MANUAL punch would: test_visit_reviews.py)."""
    return await create_punchcard(
        agency,
        caregiver,
        actual={"clockIn": at(day, 12), "clockOut": at(day, 12 + hours), "method": "TELEPHONY"},
        pay={"hours": str(hours), "rate": rate},
        service={"code": service, "payRate": rate},
        **fields,
    )


ACCOUNT_REVISION = "{ account { revision } }"
UPDATE_ACCOUNT = """mutation($revision: Int!, $input: AccountUpdateInput!) {
  accountUpdate(revision: $revision, input: $input) {
  account { revision } userErrors { field message code } } }"""


async def update_account(agency: Agency, **fields: Any) -> dict[str, Any]:
    """The accountUpdate payload for these fields (camelCase, as the API takes them)."""
    revision = (await agency.ok(ACCOUNT_REVISION))["account"]["revision"]
    data = await agency.ok(UPDATE_ACCOUNT, {"revision": revision, "input": fields})
    return dict(data["accountUpdate"])


async def account_settings(agency: Agency, **fields: Any) -> None:
    """Account settings changed through accountUpdate (payrollSettings, settings, holidays...)."""
    payload = await update_account(agency, **fields)
    assert payload["userErrors"] == [], payload


async def visit(
    agency: Agency,
    caregiver: str,
    day: int,
    start: tuple[int, int],
    hours: str,
    rate: str = "20.00",
    service: str = "PSW",
    **fields: Any,
) -> dict[str, Any]:
    """A punchcard from `start` (hour, minute UTC) on `day` days after Monday March 3, 2025,
    paying `hours` at `rate`: punched by telephony unless `actual` says otherwise."""
    begin = MONDAY + dt.timedelta(days=day, hours=start[0], minutes=start[1])
    finish = begin + dt.timedelta(hours=float(hours))
    actual = {"clockIn": begin.isoformat(), "clockOut": finish.isoformat(), "method": "TELEPHONY",
              **fields.pop("actual", {})}  # fmt: skip
    return await create_punchcard(
        agency,
        caregiver,
        actual=actual,
        pay={"hours": hours, "rate": rate},
        service={"code": service, "payRate": rate},
        **fields,
    )
