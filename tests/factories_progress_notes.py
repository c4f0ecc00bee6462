"""Progress notes made through the API, or through the store when a test needs an author or a
date the API does not let a client choose (API clients write as no user, always now)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bson import ObjectId

from app.accounts.services import account_store
from app.common.services import Actor
from app.graphql.relay import key_of
from app.patients.services import progress_note_store
from tests.factories import Agency, create_patient, create_user

NOTE_FIELDS = """id revision title note priority private service patientServices
  createdDate lastUpdatedDate deleted
  patient { id } referrer { id } createdUser { id } lastUpdatedUser { id }
  tags { name color record { id name } }
  users { name { first last } record { id } }
  invoiceTo { payer notes client { id } }
  approval { approved approvedDate apiClient approvedBy { id } }"""
CREATE_NOTE = f"""mutation($input: ProgressNoteCreateInput!) {{
  progressNoteCreate(input: $input) {{
    progressNote {{ {NOTE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE_NOTE = f"""mutation($id: ID!, $revision: Int!, $input: ProgressNoteUpdateInput!) {{
  progressNoteUpdate(id: $id, revision: $revision, input: $input) {{
    progressNote {{ {NOTE_FIELDS} }} userErrors {{ field message code }} }} }}"""
APPROVE_NOTE = """mutation($id: ID!, $revision: Int!) {
  progressNoteApprove(id: $id, revision: $revision) {
    progressNote { id revision approval { approved approvedDate apiClient approvedBy { id } } }
    userErrors { field message code } } }"""
NOTE_BY_ID = f"query($id: ID!) {{ progressNote(id: $id) {{ {NOTE_FIELDS} }} }}"

SERVICES = [
    ("PSW", "Personal support worker visit"),
    ("RN", "Registered nurse visit"),
    ("COMP", "Companionship"),
]


def stored_id(global_id: str) -> ObjectId:
    """The stored id behind a global ID of any of our record types."""
    for type_name in ("ProgressNote", "Patient", "User", "Tag", "Client"):
        key = key_of(global_id, type_name)
        if key is not None:
            return key  # type: ignore[no-any-return]
    raise AssertionError(f"not one of our ids: {global_id}")


async def with_services(agency: Agency) -> Agency:
    """The agency sells the PSW, RN and COMP services."""
    services = [
        {"code": code, "description": text, "bill_rate": Decimal("30"), "pay_rate": Decimal("20")}
        for code, text in SERVICES
    ]
    account = await agency.api.database.db.accounts.find_one({"_id": agency.account_id})
    assert account is not None
    await account_store(agency.api.database).update(
        Actor(account_id=agency.account_id),
        agency.account_id,
        account.get("_revision", 1),
        {"services": services},
    )
    return agency


def note_input(patient_id: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "patient": patient_id,
        "title": "Visit summary",
        "note": "Helped with breakfast; all medications taken.",
    }
    return {**base, **overrides}


async def create_note(agency: Agency, patient_id: str, **overrides: Any) -> dict[str, Any]:
    data = await agency.ok(CREATE_NOTE, {"input": note_input(patient_id, **overrides)})
    assert data["progressNoteCreate"]["userErrors"] == [], data
    return data["progressNoteCreate"]["progressNote"]  # type: ignore[no-any-return]


async def write_note(
    agency: Agency,
    patient_id: str,
    *,
    author_id: str | None = None,
    written: dt.datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A note written by a user (not an API client), at a chosen time; the stored document."""
    actor = Actor(account_id=agency.account_id, user_id=stored_id(author_id) if author_id else None)
    data: dict[str, Any] = {
        "patient": stored_id(patient_id),
        "title": "Visit summary",
        "note": "Helped with breakfast.",
        **fields,
    }
    if written is not None:
        data["created_date"] = written
    return await progress_note_store(agency.api.database).create(actor, data)


async def patient_and_writer(agency: Agency) -> tuple[dict[str, Any], dict[str, Any]]:
    """A patient, and a caregiver who writes about them."""
    patient = await create_patient(agency)
    writer = await create_user(agency)
    return patient, writer


async def auditor_key(agency: Agency) -> str:
    """A key of a role of the account's own: VIEW_AUDIT and nothing else (not VIEW_SENSITIVE,
    which the built-in auditor has); `agency.gql(..., role="auditor")` uses it."""
    role = {
        "key": "trail_reader",
        "name": "Trail reader",
        "type": "office",
        "color": "#455a64",
        "permissions": ["view_audit"],
    }
    await agency.api.database.db.accounts.update_one(
        {"_id": agency.account_id}, {"$push": {"roles": role}}
    )
    key = await agency.key_for("trail_reader")
    agency.keys["auditor"] = key
    return key
