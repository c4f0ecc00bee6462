"""Adding, changing, deleting and restoring patients and progress notes; approving notes."""

from __future__ import annotations

from typing import Any

import strawberry

from app.common.codes import Permission
from app.graphql.arguments import RecordId, Revision
from app.graphql.context import Info
from app.graphql.crud import (
    RecordSpec,
    create_mutation,
    delete_mutation,
    import_mutation,
    payload_type,
    restore_mutation,
    update_mutation,
)
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

PATIENT = RecordSpec(
    node=Patient,
    field="patient",
    store=patient_store,
    permission=Permission.MANAGE_PATIENTS,
    create_input=PatientCreateInput,
    plural="patients",
    update_input=PatientUpdateInput,
)


@strawberry.type
class PatientMutations:
    patient_create = create_mutation(PATIENT, "patientCreate")
    patient_update = update_mutation(PATIENT, "patientUpdate")
    patient_delete = delete_mutation(PATIENT, "patientDelete")
    patient_restore = restore_mutation(PATIENT, "patientRestore")
    patient_import = import_mutation(PATIENT, "patientImport")


PROGRESS_NOTE = RecordSpec(
    node=ProgressNote,
    field="progress_note",
    store=progress_note_store,
    permission=Permission.MANAGE_PATIENTS,
    create_input=ProgressNoteCreateInput,
    plural="progress_notes",
    update_input=ProgressNoteUpdateInput,
)


@strawberry.type
class ProgressNoteMutations:
    progress_note_create = create_mutation(PROGRESS_NOTE, "progressNoteCreate")
    progress_note_update = update_mutation(PROGRESS_NOTE, "progressNoteUpdate")
    progress_note_delete = delete_mutation(PROGRESS_NOTE, "progressNoteDelete")
    progress_note_restore = restore_mutation(PROGRESS_NOTE, "progressNoteRestore")
    progress_note_import = import_mutation(PROGRESS_NOTE, "progressNoteImport")


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
