"""GraphQL types of patients."""

from __future__ import annotations

from app.common.types import Person
from app.graphql.crud import Versioned
from app.graphql.modeled import record_type
from app.graphql.records import Record
from app.graphql.relay import Node
from app.patients.documents import Patient as PatientDocument


@record_type(
    PatientDocument,
    name="Patient",
    description="A person the agency cares for (a resident, in the care-ticket API).",
    exclude=("ssn", "date_of_birth", "referred_by"),
)
class Patient(Record, Node, Versioned, Person):
    """Plain fields and references come from the document model."""
