"""GraphQL types of patients."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.modeled import record_type
from app.graphql.payloads import UserError
from app.graphql.records import Record
from app.graphql.relay import Node
from app.patients.documents import Patient as PatientDocument
from app.people.types import User, sensitive


@record_type(
    PatientDocument,
    name="Patient",
    description="A person the agency cares for (a resident, in the care-ticket API).",
    exclude=("ssn", "referred_by"),
)
class Patient(Record, Node, Versioned):
    @strawberry.field(description="Social security or health card number; needs VIEW_SENSITIVE.")
    def ssn(self, info: Info) -> str | None:
        return sensitive(info, self.doc.get("ssn"))  # type: ignore[return-value]

    @strawberry.field(description="The staff member who coordinates their care.")
    async def case_coordinator(self, info: Info) -> User | None:
        return await User.load(info, self.doc.get("case_coordinator"))

    @strawberry.field(description="The patient's full name, first name first.")
    def full_name(self) -> str:
        name = self.doc.get("name") or {}
        return " ".join(str(p) for p in (name.get("first"), name.get("last")) if p)


@strawberry.type(description="The result of a change to a patient.")
class PatientPayload:
    patient: Patient | None = strawberry.field(description="The patient as it now is.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
