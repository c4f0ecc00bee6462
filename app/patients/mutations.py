"""Adding, changing, deleting and restoring patients."""

from __future__ import annotations

from app.common.codes import Permission
from app.graphql.crud import RecordSpec, record_mutations
from app.patients.inputs import PatientCreateInput, PatientUpdateInput
from app.patients.services import patient_store
from app.patients.types import Patient

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
