"""Adding, changing, deleting and restoring patients and progress notes; approving notes."""

from __future__ import annotations

from typing import Any

import strawberry

from app.common.codes import Permission
from app.graphql.arguments import RecordId, Revision
from app.graphql.context import Info
from app.graphql.crud import RecordSpec, payload_type, record_mutations
from app.graphql.inputs import actor_of, decode_global_id
from app.graphql.payloads import attempt
from app.patients.inputs import (
    PatientCreateInput,
    PatientUpdateInput,
    ProgressNoteCreateInput,
    ProgressNoteUpdateInput,
)
from app.patients.services import patient_store, progress_note_store
from app.patients.types import Patient, ProgressNote

PatientMutations = record_mutations(
    RecordSpec(
        node=Patient,
        field="patient",
        store=patient_store,
        permission=Permission.MANAGE_PATIENTS,
        create_input=PatientCreateInput,
        plural="patients",
        update_input=PatientUpdateInput,
    )
)
ProgressNoteMutations = record_mutations(
    RecordSpec(
        node=ProgressNote,
        field="progress_note",
        store=progress_note_store,
        permission=Permission.MANAGE_PATIENTS,
        create_input=ProgressNoteCreateInput,
        plural="progress_notes",
        update_input=ProgressNoteUpdateInput,
    )
)


ProgressNotePayload = payload_type(ProgressNote, "progress_note")


async def approve(info: Info, id: RecordId, revision: Revision) -> Any:
    async def act() -> ProgressNote:
        actor = actor_of(info, Permission.MANAGE_PATIENTS)
        key = decode_global_id(id, "ProgressNote", "id")
        store = progress_note_store(info.context.database)
        return ProgressNote.from_doc(await store.approve(actor, key, revision))

    record, errors = await attempt(act())
    return ProgressNotePayload(progress_note=record, user_errors=errors)


approve.__annotations__.update({"info": Info, "return": ProgressNotePayload})


@strawberry.type
class ProgressNoteApprovalMutations:
    progress_note_approve = strawberry.mutation(
        resolver=approve,
        description="Approve a progress note as you, now. Refused with INVALID_STATE if it is "
        "already approved or deleted, and with CONFLICT if `revision` is not the current one. "
        "Needs MANAGE_PATIENTS.",
    )
