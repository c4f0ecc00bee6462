"""Inputs of patient queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.common.codes import PatientStatus
from app.common.inputs import PersonFilter
from app.graphql.connections import order_input
from app.graphql.context import Info
from app.graphql.filters import merge
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type
from app.patients.documents import Patient

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    PatientCreateInput = Any
    PatientUpdateInput = Any
else:
    PatientCreateInput = input_type(Patient, name="PatientCreateInput")
    PatientUpdateInput = input_type(Patient, name="PatientUpdateInput", patch=True)


@strawberry.input(description="Which patients a list shows. All given conditions must hold.")
class PatientFilter(PersonFilter):
    status: list[PatientStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    case_coordinator: strawberry.ID | None = strawberry.field(
        default=None, description="Their case coordinator."
    )

    def query(self, info: Info) -> dict[str, Any]:
        return merge(
            info.context.scoped(),
            *self.person_clauses(),
            {"status": {"$in": [s.value for s in self.status]}} if self.status else {},
            {
                "case_coordinator": decode_global_id(
                    self.case_coordinator, "User", "filter.caseCoordinator"
                )
            }
            if self.case_coordinator
            else {},
        )


@strawberry.enum(description="What a list of patients is sorted by.")
class PatientOrderField(Enum):
    NAME = strawberry.enum_value("_search.sort", description="Last name, then first name.")
    CREATED_DATE = strawberry.enum_value("_created_date", description="When they were added.")


if TYPE_CHECKING:
    PatientOrder = Any
else:
    PatientOrder = order_input("PatientOrder", PatientOrderField, "patients")
