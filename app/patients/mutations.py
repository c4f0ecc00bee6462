"""Adding, changing, deleting and restoring patients."""

from __future__ import annotations

import strawberry

from app.common.codes import Permission
from app.graphql.context import Info
from app.graphql.crud import create_record, delete_record, restore_record, update_record
from app.patients.inputs import PatientCreateInput, PatientUpdateInput
from app.patients.services import patient_store
from app.patients.types import Patient, PatientPayload

MANAGE = Permission.MANAGE_PATIENTS


@strawberry.type
class PatientMutations:
    @strawberry.mutation(description="Add a patient. Needs MANAGE_PATIENTS.")
    async def patient_create(self, info: Info, input: PatientCreateInput) -> PatientPayload:
        store = patient_store(info.context.database)
        patient, errors = await create_record(info, store, Patient, input, MANAGE)
        return PatientPayload(patient=patient, user_errors=errors)

    @strawberry.mutation(
        description="Change a patient; fields left out stay as they are, lists "
        "given replace the stored lists. Needs MANAGE_PATIENTS."
    )
    async def patient_update(
        self, info: Info, id: strawberry.ID, revision: int, input: PatientUpdateInput
    ) -> PatientPayload:
        store = patient_store(info.context.database)
        patient, errors = await update_record(info, store, Patient, id, revision, input, MANAGE)
        return PatientPayload(patient=patient, user_errors=errors)

    @strawberry.mutation(description="Soft-delete a patient, saying why. Needs MANAGE_PATIENTS.")
    async def patient_delete(
        self, info: Info, id: strawberry.ID, reason: str, revision: int | None = None
    ) -> PatientPayload:
        store = patient_store(info.context.database)
        patient, errors = await delete_record(info, store, Patient, id, reason, revision, MANAGE)
        return PatientPayload(patient=patient, user_errors=errors)

    @strawberry.mutation(description="Restore a deleted patient. Needs MANAGE_PATIENTS.")
    async def patient_restore(self, info: Info, id: strawberry.ID) -> PatientPayload:
        store = patient_store(info.context.database)
        patient, errors = await restore_record(info, store, Patient, id, MANAGE)
        return PatientPayload(patient=patient, user_errors=errors)
