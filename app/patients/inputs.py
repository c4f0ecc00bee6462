"""Inputs of patient and progress note queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.common.codes import PatientStatus, Permission
from app.common.inputs import PersonFilter
from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.filters import (
    DateTimeRange,
    DeletedState,
    deleted_clause,
    merge,
    search_field,
    words_clause,
)
from app.graphql.inputs import decode_global_id
from app.graphql.modeled import input_type
from app.patients.documents import Patient, ProgressNote, ProgressNotePriority

if TYPE_CHECKING:  # derived at run time; to mypy they are plain data
    PatientCreateInput = Any
    PatientUpdateInput = Any
    ProgressNoteCreateInput = Any
    ProgressNoteUpdateInput = Any
else:
    PatientCreateInput = input_type(Patient, name="PatientCreateInput")
    PatientUpdateInput = input_type(Patient, name="PatientUpdateInput", patch=True)
    ProgressNoteCreateInput = input_type(ProgressNote, name="ProgressNoteCreateInput")
    ProgressNoteUpdateInput = input_type(ProgressNote, name="ProgressNoteUpdateInput", patch=True)


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


NEWEST_NOTES_FIRST = Ordering("_created_date", descending=True)
"""Progress notes are listed newest first unless asked otherwise."""


def visible_notes(info: Info) -> dict[str, Any]:
    """Private notes are left out for a caller whose role lacks VIEW_SENSITIVE."""
    if info.context.may(Permission.VIEW_SENSITIVE):
        return {}
    return {"private": {"$ne": True}}


@strawberry.input(
    description="Which progress notes a list shows. All given conditions must hold. Private "
    "notes are shown only to roles with VIEW_SENSITIVE, whatever the filter says."
)
class ProgressNoteFilter:
    patient: strawberry.ID | None = strawberry.field(
        default=None, description="Notes about this patient."
    )
    priority: list[ProgressNotePriority] | None = strawberry.field(
        default=None, description="Any of these priorities."
    )
    tag: strawberry.ID | None = strawberry.field(default=None, description="Notes with this tag.")
    tagged_user: strawberry.ID | None = strawberry.field(
        default=None, description="Notes this user is tagged on."
    )
    author: strawberry.ID | None = strawberry.field(
        default=None, description="Notes written by this user."
    )
    created_date: DateTimeRange | None = strawberry.field(
        default=None, description="Notes written in this span of time."
    )
    approved: bool | None = strawberry.field(
        default=None, description="Only approved notes (true) or only notes awaiting it (false)."
    )
    private: bool | None = strawberry.field(
        default=None, description="Only private notes (true) or only shared ones (false)."
    )
    search: str | None = search_field(
        'Words that start words of the title ("fall kit" finds "Fall in the '
        'kitchen"); case and accents ignored.'
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted notes too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        def ref(value: str | None, type_name: str, key: str, name: str) -> dict[str, Any]:
            if not value:
                return {}
            return {key: decode_global_id(value, type_name, f"filter.{name}")}

        return merge(
            visible_notes(info),
            ref(self.patient, "Patient", "patient", "patient"),
            ref(self.tag, "Tag", "tags._id", "tag"),
            ref(self.tagged_user, "User", "users._id", "taggedUser"),
            ref(self.author, "User", "_created_user", "author"),
            {"priority": {"$in": [p.value for p in self.priority]}} if self.priority else {},
            self.created_date.clause("_created_date") if self.created_date else {},
            {}
            if self.approved is None
            else {"approval.approved": True if self.approved else {"$ne": True}},
            {} if self.private is None else {"private": True if self.private else {"$ne": True}},
            words_clause("_search.title", self.search),
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of progress notes is sorted by.")
class ProgressNoteOrderField(Enum):
    CREATED_DATE = strawberry.enum_value("_created_date", description="When it was written.")
    PRIORITY = strawberry.enum_value(
        "_search.priority", description="Its priority, LOW to URGENT (DESC: most urgent first)."
    )


if TYPE_CHECKING:
    ProgressNoteOrder = Any
else:
    ProgressNoteOrder = order_input("ProgressNoteOrder", ProgressNoteOrderField, "progress notes")
