"""GraphQL types of payrolls and payroll lines, with their totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.common.documents import FieldGroup
from app.db import RawDoc
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.guards import guarded_field
from app.graphql.loaders import BatchLoad
from app.graphql.modeled import record_type
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node
from app.payroll.documents import Payroll as PayrollDocument
from app.payroll.documents import PayrollUser as PayrollUserDocument
from app.payroll.inputs import BY_CAREGIVER, PayrollUserFilter
from app.payroll.totals import Totals, line_totals, payroll_totals

HOURS_RULE = (
    "Each hour of a visit paid is in one of four kinds, by the multiplier it was paid at: "
    "overtime (past the account's weekly threshold, at the overtime multiplier), daily "
    "overtime (past its daily threshold, at the daily multiplier; those hours do not count "
    "toward the weekly threshold), holiday (on a statutory holiday, at the holiday multiplier; "
    "past a threshold on a holiday, the higher of the two multipliers is paid, never both, and "
    "the hours are of its kind), else regular. regular + overtime + dailyOvertime + holiday = "
    "hours, and each kind at its multiplier makes the visits' pay; travel hours are paid apart, "
    "at their own rate. Hours read with two decimals."
)
GROSS = (
    "The wages: the visits' pay (hours by kind at their multipliers), the travel time's and "
    "the pay for holidays not worked, before mileage and adjustments."
)
NET = "Gross plus mileage plus adjustments"


def _lines_of_payrolls(info: Info) -> BatchLoad:
    # a payroll's totals are those of all its lines, whoever may see them
    payroll_lines = info.context.scope.whole_account()["payrollsusers"]

    async def load(keys: list[Any]) -> list[Totals]:
        query = {"payroll": {"$in": list(set(keys))}, "_deleted": {"$ne": True}}
        lines: dict[Any, list[RawDoc]] = {key: [] for key in keys}
        async for line in payroll_lines.find(query):
            lines.setdefault(line["payroll"], []).append(line)
        return [payroll_totals(lines[key]) for key in keys]

    return load


@record_type(
    PayrollDocument,
    name="Payroll",
    description="A pay period of the agency, with a line per caregiver paid; once closed "
    "(paid), neither it nor its lines change.",
)
class Payroll(Record, Node, Versioned):
    users = related(
        "PayrollUser",
        "payroll",
        "The payroll's lines, one per caregiver, by the caregiver's name.",
        filter_input=PayrollUserFilter,
        ordering=BY_CAREGIVER,
    )

    @classmethod
    def unsaved(cls, doc: RawDoc, lines: list[RawDoc]) -> Payroll:
        """A payroll not stored (a dry run): its totals are those of the lines given."""
        record = cls.from_doc(doc)
        record.__dict__["_unsaved_totals"] = payroll_totals(lines)
        return record

    async def _totals(self, info: Info) -> Totals:
        unsaved: Totals | None = self.__dict__.get("_unsaved_totals")
        if unsaved is not None:
            return unsaved
        loader = info.context.loaders.batch("payroll_totals", lambda: _lines_of_payrolls(info))
        totals: Totals = await loader.load(self.doc["_id"])
        return totals

    @guarded_field(FieldGroup.PAY, "Hours paid on all its lines.")
    @reads()
    async def hours(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).hours

    @guarded_field(FieldGroup.PAY, f"Hours of all its lines paid at the base rate. {HOURS_RULE}")
    @reads()
    async def regular_hours(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).regular_hours

    @guarded_field(FieldGroup.PAY, f"Hours of all its lines paid as overtime. {HOURS_RULE}")
    @reads()
    async def overtime_hours(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).overtime_hours

    @guarded_field(FieldGroup.PAY, f"Hours of all its lines paid as holiday. {HOURS_RULE}")
    @reads()
    async def holiday_hours(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).holiday_hours

    @guarded_field(FieldGroup.PAY, f"Hours of all its lines paid as daily overtime. {HOURS_RULE}")
    @reads()
    async def daily_overtime_hours(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).daily_overtime_hours

    @guarded_field(FieldGroup.PAY, "Travel hours paid on all its lines (their own pay code).")
    @reads()
    async def travel_hours(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).travel_hours

    @guarded_field(FieldGroup.PAY, "Pay for the travel hours of all its lines; in the gross.")
    @reads()
    async def travel_pay(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).travel_pay

    @guarded_field(
        FieldGroup.PAY, "Distance paid as mileage on all its lines, in the account's distanceUnit."
    )
    @reads()
    async def mileage_distance(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).mileage_distance

    @guarded_field(FieldGroup.PAY, "Mileage paid on all its lines: a reimbursement, in the net.")
    @reads()
    async def mileage_amount(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).mileage_amount

    @guarded_field(FieldGroup.PAY, "Pay for holidays not worked on all its lines; in the gross.")
    @reads()
    async def holiday_not_worked_pay(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).holiday_not_worked_pay

    @guarded_field(FieldGroup.PAY, f"{GROSS} Of all its lines.")
    @reads()
    async def gross(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).gross

    @guarded_field(FieldGroup.PAY, "Adjustments of all its lines: deductions count negative.")
    @reads()
    async def adjustments_total(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).adjustments

    @guarded_field(FieldGroup.PAY, f"{NET}: what the payroll pays out.")
    @reads()
    async def net(self, info: Info) -> Decimal | None:
        return (await self._totals(info)).net


@record_type(
    PayrollUserDocument,
    name="PayrollUser",
    description="One caregiver's line in a payroll: the punchcards it pays and the "
    "adjustments (mileage, bonuses, deductions, reimbursements).",
)
class PayrollUser(Record, Node, Versioned):
    @guarded_field(FieldGroup.PAY, "Hours of its punchcards.")
    def hours(self) -> Decimal | None:
        return line_totals(self.doc).hours

    @guarded_field(FieldGroup.PAY, f"Hours of its punchcards paid at the base rate. {HOURS_RULE}")
    def regular_hours(self) -> Decimal | None:
        return line_totals(self.doc).regular_hours

    @guarded_field(FieldGroup.PAY, f"Hours of its punchcards paid as overtime. {HOURS_RULE}")
    def overtime_hours(self) -> Decimal | None:
        return line_totals(self.doc).overtime_hours

    @guarded_field(FieldGroup.PAY, f"Hours of its punchcards paid as holiday. {HOURS_RULE}")
    def holiday_hours(self) -> Decimal | None:
        return line_totals(self.doc).holiday_hours

    @guarded_field(FieldGroup.PAY, f"Hours of its punchcards paid as daily overtime. {HOURS_RULE}")
    def daily_overtime_hours(self) -> Decimal | None:
        return line_totals(self.doc).daily_overtime_hours

    @guarded_field(
        FieldGroup.PAY,
        "Travel hours paid (their own pay code): the time between the caregiver's "
        "consecutive visits of a day, as each punchcard's travel says.",
    )
    def travel_hours(self) -> Decimal | None:
        return line_totals(self.doc).travel_hours

    @guarded_field(FieldGroup.PAY, "Pay for its travel hours; in the gross.")
    def travel_pay(self) -> Decimal | None:
        return line_totals(self.doc).travel_pay

    @guarded_field(
        FieldGroup.PAY,
        "Distance paid as mileage, in the account's distanceUnit: the drives "
        "between the caregiver's consecutive visits of a day.",
    )
    def mileage_distance(self) -> Decimal | None:
        return line_totals(self.doc).mileage_distance

    @guarded_field(FieldGroup.PAY, "Mileage paid: a reimbursement, in the net beside the gross.")
    def mileage_amount(self) -> Decimal | None:
        return line_totals(self.doc).mileage_amount

    @guarded_field(FieldGroup.PAY, "Pay for the period's holidays not worked (its holidayPay).")
    def holiday_not_worked_pay(self) -> Decimal | None:
        return line_totals(self.doc).holiday_not_worked_pay

    @guarded_field(FieldGroup.PAY, GROSS)
    def gross(self) -> Decimal | None:
        return line_totals(self.doc).gross

    @guarded_field(FieldGroup.PAY, "Its adjustments added up: deductions count negative.")
    def adjustments_total(self) -> Decimal | None:
        return line_totals(self.doc).adjustments

    @guarded_field(FieldGroup.PAY, f"{NET}: what the caregiver is paid.")
    def net(self) -> Decimal | None:
        return line_totals(self.doc).net
