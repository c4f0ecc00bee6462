"""Inputs of punchcard queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import (
    DateTimeRange,
    DeletedState,
    deleted_clause,
    id_clause,
    merge,
)
from app.graphql.modeled import input_type
from app.visits.documents import Punchcard, PunchFlagKind

NEWEST_PUNCH_FIRST = Ordering("_search.date", descending=True)
"""Punchcards by clock-in (else the visit's start), newest first: every list's default."""

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    PunchcardCreateInput = Any
    PunchcardUpdateInput = Any
else:
    PunchcardCreateInput = input_type(Punchcard, name="PunchcardCreateInput")
    PunchcardUpdateInput = input_type(Punchcard, name="PunchcardUpdateInput", patch=True)


def _exists_clause(key: str, wanted: bool | None) -> dict[str, Any]:
    if wanted is None:
        return {}
    return {key: {"$ne": None}} if wanted else {key: None}


@strawberry.input(description="Which punchcards a list shows. All given conditions must hold.")
class PunchcardFilter:
    period: DateTimeRange | None = strawberry.field(
        default=None,
        description="Clocked in within this span (the visit's start, when not clocked in).",
    )
    caregiver: strawberry.ID | None = strawberry.field(
        default=None, description="The caregiver (a User) who made the visits."
    )
    patient: strawberry.ID | None = strawberry.field(
        default=None, description="The patient visited."
    )
    event: strawberry.ID | None = strawberry.field(
        default=None, description="The scheduled visit (an Event) punched."
    )
    payroll: strawberry.ID | None = strawberry.field(
        default=None, description="The payroll that pays them."
    )
    invoiced: bool | None = strawberry.field(
        default=None, description="Only invoiced punchcards (true), or only not invoiced (false)."
    )
    paid: bool | None = strawberry.field(
        default=None,
        description="Only punchcards in a payroll (true), or only not in one yet (false).",
    )
    flagged: bool | None = strawberry.field(
        default=None,
        description="Only punchcards with a flagged punch (true: the office's list to check), "
        "or only those without (false).",
    )
    flag: PunchFlagKind | None = strawberry.field(
        default=None, description="Only punchcards flagged for this reason."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted punchcards too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            self.period.clause("_search.date") if self.period else {},
            id_clause("user._id", self.caregiver, "User", "filter.caregiver"),
            id_clause("patient._id", self.patient, "Patient", "filter.patient"),
            id_clause("event", self.event, "Event", "filter.event"),
            id_clause("payroll._id", self.payroll, "Payroll", "filter.payroll"),
            _exists_clause("invoice._id", self.invoiced),
            _exists_clause("payroll._id", self.paid),
            {} if self.flagged is None else {"flags.kind": {"$exists": self.flagged}},
            {} if self.flag is None else {"flags.kind": self.flag.value},
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of punchcards is sorted by.")
class PunchcardOrderField(Enum):
    DATE = strawberry.enum_value(
        "_search.date", description="Clock-in time (the visit's start, when not clocked in)."
    )
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was recorded.")


if TYPE_CHECKING:
    PunchcardOrder = Any
else:
    PunchcardOrder = order_input("PunchcardOrder", PunchcardOrderField, "punchcards")
