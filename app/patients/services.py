"""The rules of patients, free of GraphQL."""

from __future__ import annotations

from typing import Any

from app.common.search import person_search
from app.common.store import RecordStore
from app.db import Database
from app.patients.documents import Patient


def patient_search(patient: Patient) -> dict[str, Any]:
    return person_search(patient.name, patient.locations, patient.languages)


def patient_store(database: Database) -> RecordStore:
    return RecordStore(database, Patient, "Patient", search_keys=patient_search)
