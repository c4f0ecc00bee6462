"""GraphQL types of payrolls and payroll lines, with their totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from app.db import RawDoc
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.edges import related
from app.graphql.loaders import BatchLoad
from app.graphql.modeled import record_type
from app.graphql.records import Record
from app.graphql.relay import Node
from app.payroll.documents import Payroll as PayrollDocument
from app.payroll.documents import PayrollUser as PayrollUserDocument
from app.payroll.inputs import BY_CAREGIVER, PayrollUserFilter
from app.payroll.totals import Totals, line_totals, payroll_totals


def _lines_of_payrolls(info: Info) -> BatchLoad:
    database, account = info.context.database, info.context.account_id

    async def load(keys: list[Any]) -> list[Totals]:
        query = {
            "_account": account,
            "payroll": {"$in": list(set(keys))},
            "_deleted": {"$ne": True},
        }
        lines: dict[Any, list[RawDoc]] = {key: [] for key in keys}
        async for line in database.db.payrollsusers.find(query):
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

    async def _totals(self, info: Info) -> Totals:
        loader = info.context.loaders.batch("payroll_totals", lambda: _lines_of_payrolls(info))
        totals: Totals = await loader.load(self.doc["_id"])
        return totals

    @strawberry.field(description="Hours paid on all its lines.")
    async def hours(self, info: Info) -> Decimal:
        return (await self._totals(info)).hours

    @strawberry.field(description="Pay for the punchcards of all its lines, before adjustments.")
    async def gross(self, info: Info) -> Decimal:
        return (await self._totals(info)).gross

    @strawberry.field(description="Adjustments of all its lines: deductions count negative.")
    async def adjustments_total(self, info: Info) -> Decimal:
        return (await self._totals(info)).adjustments

    @strawberry.field(description="Gross plus adjustments: what the payroll pays out.")
    async def net(self, info: Info) -> Decimal:
        return (await self._totals(info)).net


@record_type(
    PayrollUserDocument,
    name="PayrollUser",
    description="One caregiver's line in a payroll: the punchcards it pays and the "
    "adjustments (mileage, bonuses, deductions, reimbursements).",
)
class PayrollUser(Record, Node, Versioned):
    @strawberry.field(description="Hours of its punchcards.")
    def hours(self) -> Decimal:
        return line_totals(self.doc).hours

    @strawberry.field(description="Pay for its punchcards, before adjustments.")
    def gross(self) -> Decimal:
        return line_totals(self.doc).gross

    @strawberry.field(description="Its adjustments added up: deductions count negative.")
    def adjustments_total(self) -> Decimal:
        return line_totals(self.doc).adjustments

    @strawberry.field(description="Gross plus adjustments: what the caregiver is paid.")
    def net(self) -> Decimal:
        return line_totals(self.doc).net
