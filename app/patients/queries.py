"""Finding patients and their progress notes."""

from __future__ import annotations

import strawberry

from app.common.inputs import BY_NAME
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id
from app.patients.inputs import (
    NEWEST_NOTES_FIRST,
    PatientFilter,
    PatientOrder,
    ProgressNoteFilter,
    ProgressNoteOrder,
)
from app.patients.types import Patient, ProgressNote


@strawberry.type
class PatientQueries:
    @strawberry.field(description="A patient by global ID; null if not in your account.")
    async def patient(self, info: Info, id: RecordId) -> Patient | None:
        return await Patient.load(info, decode_id(id, Patient))

    @strawberry.field(description="The account's patients.")
    async def patients(
        self,
        info: Info,
        filter: Filter[PatientFilter] = None,
        order_by: OrderBy[PatientOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Patient]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or PatientFilter()).query(info)
        return await list_records(info, Patient, query, order_by, BY_NAME, page)


@strawberry.type
class ProgressNoteQueries:
    @strawberry.field(
        description="A progress note by global ID; null if not in your account, or if it is "
        "private and your role lacks VIEW_SENSITIVE."
    )
    async def progress_note(self, info: Info, id: RecordId) -> ProgressNote | None:
        return await ProgressNote.load(info, decode_id(id, ProgressNote))

    @strawberry.field(
        description="The account's progress notes, newest first unless told; private ones "
        "only for roles with VIEW_SENSITIVE."
    )
    async def progress_notes(
        self,
        info: Info,
        filter: Filter[ProgressNoteFilter] = None,
        order_by: OrderBy[ProgressNoteOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ProgressNote]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or ProgressNoteFilter()).query(info)
        return await list_records(info, ProgressNote, query, order_by, NEWEST_NOTES_FIRST, page)
