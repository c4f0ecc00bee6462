"""GraphQL types of patients."""

from __future__ import annotations

import strawberry

from app.common.types import Person
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.modeled import record_type
from app.graphql.records import Record
from app.graphql.relay import Node
from app.patients.documents import Patient as PatientDocument
from app.people.types import User


@record_type(
    PatientDocument,
    name="Patient",
    description="A person the agency cares for (a resident, in the care-ticket API).",
    exclude=("ssn", "date_of_birth", "referred_by"),
)
class Patient(Record, Node, Versioned, Person):
    @strawberry.field(description="The staff member who coordinates their care.")
    async def case_coordinator(self, info: Info) -> User | None:
        return await User.load(info, self.doc.get("case_coordinator"))
