"""What an invoice copies of other records as they were when it was made (kept apart from
documents.py, which holds the invoice itself): the agency, the client billed, the patient,
the referrer, the sales rep, the payment term, and the invoice a credit note credits. Each
keeps the id of the live record beside the copy; app/billing/snapshots.py fills them."""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId
from pydantic import Field

from app.common.documents import CompanyName, Embedded, Location, PersonName, ref

# References to record types of other packages (global IDs in inputs, the live record in
# outputs). Nested in snapshots too, they are checked same-account on every write by the shared
# plumbing (`references_in` walks subdocuments).
CLIENT_REF: dict[str, Any] = ref("Client", "clients")
CONTACT_REF: dict[str, Any] = ref("Contact", "contacts")


class InvoiceAccount(Embedded):
    """The agency as an invoice shows it, copied from the account when the invoice was made."""

    name: CompanyName | None = Field(None, description="The agency's names.")
    email: str | None = Field(None, max_length=200, description="The agency's email.")
    website: str | None = Field(None, max_length=200, description="The agency's website.")
    hst_number: str | None = Field(None, max_length=40, description="Its sales-tax number.")
    locations: list[Location] = Field(default_factory=list, description="Its offices.")


class InvoiceClient(Embedded):
    """Who is billed, copied from the client record when it is set (fields left out are
    filled from it)."""

    record: PydanticObjectId = Field(
        alias="_id", description="The client record (live).", json_schema_extra=CLIENT_REF
    )
    type: str | None = Field(
        None, max_length=40, description="The kind of client: person or company (a code)."
    )
    name: str | None = Field(None, max_length=200, description="The client's name.")
    email: str | None = Field(None, max_length=200, description="Where the invoice is sent.")
    phone: str | None = Field(None, max_length=40, description="The client's phone number.")


class InvoicePatient(Embedded):
    """The patient cared for, copied from the patient record when it is set (fields left out
    are filled from it)."""

    record: PydanticObjectId = Field(
        alias="_id",
        description="The patient record (live).",
        json_schema_extra=ref("Patient", "patients"),
    )
    name: PersonName | None = Field(None, description="The patient's name.")
    email: str | None = Field(None, max_length=200, description="The patient's email.")
    location: Location | None = Field(None, description="The patient's primary address.")
    phone: str | None = Field(None, max_length=40, description="The patient's primary phone.")


class InvoiceReferral(Embedded):
    """Who referred the patient or client to the agency."""

    name: str | None = Field(None, max_length=200, description="Their name.")
    contact: PydanticObjectId | None = Field(
        None, description="The contact record, if they are one.", json_schema_extra=CONTACT_REF
    )


class InvoiceSalesRep(Embedded):
    """The account's sales rep on the invoice, copied from the account's reps by key."""

    key: str = Field(min_length=1, max_length=40, description="The rep's key in the account.")
    name: str | None = Field(None, max_length=200, description="Full name.")
    nickname: str | None = Field(None, max_length=100, description="Name they go by.")
    office: str | None = Field(None, max_length=100, description="Office they work from.")
    email: str | None = Field(None, max_length=200, description="Email address.")
    phone: str | None = Field(None, max_length=40, description="Phone number.")


class InvoiceCredited(Embedded):
    """The invoice a credit note credits."""

    record: PydanticObjectId = Field(
        alias="_id",
        description="The credited invoice (live).",
        json_schema_extra=ref("Invoice", "invoices"),
    )
    number: str | None = Field(None, max_length=40, description="Its number.")


class InvoiceTerm(Embedded):
    """The payment term of an invoice; name and days come from the account's term by key."""

    key: str = Field(min_length=1, max_length=40, description="The term's key, such as net30.")
    name: str | None = Field(None, max_length=100, description="Shown name, such as Net 30.")
    days: int | None = Field(None, ge=0, le=365, description="Days after the invoice date.")
