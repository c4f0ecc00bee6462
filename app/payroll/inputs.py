"""Inputs of payroll and payroll line queries and mutations."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.common.codes import PeriodType
from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import DeletedState, deleted_clause, merge
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type
from app.payroll.documents import Payroll, PayrollUser

NEWEST_PERIOD_FIRST = Ordering("start", descending=True)
"""Payrolls by the first day of their period, latest first: the default."""
BY_CAREGIVER = Ordering("_search.sort")
"""Payroll lines by the caregiver's last name, then first name."""

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    PayrollCreateInput = Any
    PayrollUpdateInput = Any
    PayrollUserCreateInput = Any
    PayrollUserUpdateInput = Any
else:
    PayrollCreateInput = input_type(Payroll, name="PayrollCreateInput")
    PayrollUpdateInput = input_type(Payroll, name="PayrollUpdateInput", patch=True)
    PayrollUserCreateInput = input_type(PayrollUser, name="PayrollUserCreateInput")
    PayrollUserUpdateInput = input_type(PayrollUser, name="PayrollUserUpdateInput", patch=True)


def _midnight(day: dt.date) -> dt.datetime:
    """Dates are stored as UTC midnights."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@strawberry.input(description="Days from one date to another, both included; either may be open.")
class PayrollPeriodRange:
    start: dt.date | None = strawberry.field(default=None, description="From this day on.")
    end: dt.date | None = strawberry.field(default=None, description="Up to this day.")

    def overlap(self) -> dict[str, Any]:
        """Payrolls whose period shares at least a day with this span."""
        return merge(
            {"end": {"$gte": _midnight(self.start)}} if self.start else {},
            {"start": {"$lte": _midnight(self.end)}} if self.end else {},
        )


@strawberry.input(description="Which payrolls a list shows. All given conditions must hold.")
class PayrollFilter:
    period: PayrollPeriodRange | None = strawberry.field(
        default=None, description="Periods that overlap these days."
    )
    closed: bool | None = strawberry.field(
        default=None, description="Only closed payrolls (true), or only open ones (false)."
    )
    period_type: list[PeriodType] | None = strawberry.field(
        default=None, description="Any of these kinds of period."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted payrolls too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        closed: dict[str, Any] = {}
        if self.closed is not None:
            closed = {"_closed": True} if self.closed else {"_closed": {"$ne": True}}
        return merge(
            self.period.overlap() if self.period else {},
            closed,
            {"period_type": {"$in": [p.value for p in self.period_type]}}
            if self.period_type
            else {},
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of payrolls is sorted by.")
class PayrollOrderField(Enum):
    START = strawberry.enum_value("start", description="The first day of the period.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was made.")


@strawberry.input(description="Which payroll lines a list shows. All given conditions must hold.")
class PayrollUserFilter:
    payroll: strawberry.ID | None = strawberry.field(default=None, description="Their payroll.")
    caregiver: strawberry.ID | None = strawberry.field(
        default=None, description="The caregiver (a User) they pay."
    )
    punchcard: strawberry.ID | None = strawberry.field(
        default=None, description="A punchcard they pay."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted lines too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        def key(value: str | None, type_name: str, field: str) -> Any:
            return decode_global_id(value, type_name, f"filter.{field}") if value else None

        payroll = key(self.payroll, "Payroll", "payroll")
        caregiver = key(self.caregiver, "User", "caregiver")
        punchcard = key(self.punchcard, "Punchcard", "punchcard")
        return merge(
            {"payroll": payroll} if payroll is not None else {},
            {"user._id": caregiver} if caregiver is not None else {},
            {"punchcards._id": punchcard} if punchcard is not None else {},
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of payroll lines is sorted by.")
class PayrollUserOrderField(Enum):
    CAREGIVER = strawberry.enum_value(
        "_search.sort", description="The caregiver's last name, then first name."
    )
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was made.")


if TYPE_CHECKING:
    PayrollOrder = Any
    PayrollUserOrder = Any
else:
    PayrollOrder = order_input("PayrollOrder", PayrollOrderField, "payrolls")
    PayrollUserOrder = order_input("PayrollUserOrder", PayrollUserOrderField, "payroll lines")
