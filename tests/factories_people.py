"""Candidates, clients and contacts made through the API."""

from __future__ import annotations

from typing import Any

from tests.factories import Agency, location, person_name

ERRORS = "userErrors { field message code }"
CREATE_CANDIDATE = f"""mutation($input: CandidateCreateInput!) {{ candidateCreate(input: $input) {{
  candidate {{ id revision status name {{ first last }} }} {ERRORS} }} }}"""
UPDATE_CANDIDATE = f"""mutation($id: ID!, $revision: Int!, $input: CandidateUpdateInput!) {{
  candidateUpdate(id: $id, revision: $revision, input: $input) {{
  candidate {{ id revision status rating }} {ERRORS} }} }}"""
HIRE = f"""mutation($id: ID!, $revision: Int!) {{ candidateHire(id: $id, revision: $revision) {{
  candidate {{ id revision status hired hiredDate hiredUser {{ id }} hiredAs {{ id }} }}
  user {{ id roleType name {{ first last }} email skills {{ title level }}
         candidate {{ id fullName }} }}
  {ERRORS} }} }}"""
CREATE_CLIENT = f"""mutation($input: ClientCreateInput!) {{ clientCreate(input: $input) {{
  client {{ id revision type displayName }} {ERRORS} }} }}"""
UPDATE_CLIENT = f"""mutation($id: ID!, $revision: Int!, $input: ClientUpdateInput!) {{
  clientUpdate(id: $id, revision: $revision, input: $input) {{
  client {{ id revision displayName }} {ERRORS} }} }}"""
CREATE_CONTACT = f"""mutation($input: ContactCreateInput!) {{ contactCreate(input: $input) {{
  contact {{ id revision type displayName }} {ERRORS} }} }}"""


def candidate_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": person_name("Lucia", "Ferreira"),
        "status": "APPLIED",
        "email": "lucia@example.com",
        "rating": 4,
        "locations": [location()],
        "languages": [{"code": "pt", "primary": True}],
        "skills": [{"title": "Dementia care", "level": "EXPERT"}],
        "certifications": [{"name": "CPR", "verified": True}],
        "candidateNotes": [{"text": "Called back the same day.", "author": "Recruiting"}],
        "resume": "Personal support worker, 6 years.",
        "coverLetter": "I would like to join your team.",
        "experience": 6,
    }
    return {**base, **overrides}


def client_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "COMPANY",
        "contactType": "PERSON",
        "company": {"name": "Blue Cross", "website": "https://bluecross.example.ca"},
        "contact": {"name": person_name("Renee", "Dubois"), "phones": [{"number": "416 555 0101"}]},
        "employees": [{"name": "Tom Fraser", "title": "Accounts payable", "office": "Finance"}],
        "email": "claims@example.ca",
        "color": "#1565c0",
        "locations": [location()],
        "accountingId": "AR-1",
    }
    return {**base, **overrides}


def contact_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "PERSON",
        "contact": {"name": person_name("Anil", "Mehta"), "gender": "MALE"},
        "company": {"name": "Family Health Team"},
        "fax": {"number": "416 555 0199", "label": "Clinic"},
        "email": "dr.mehta@example.ca",
        "notes": "Family doctor.",
        "locations": [location()],
        "photo": {"name": "mehta.jpg", "contentType": "image/jpeg", "size": 2048},
    }
    return {**base, **overrides}


async def _created(agency: Agency, query: str, field: str, data: dict[str, Any]) -> dict[str, Any]:
    answer = await agency.ok(query, {"input": data})
    payload = answer[f"{field}Create"]
    assert payload["userErrors"] == [], answer
    return payload[field]


async def create_candidate(agency: Agency, **overrides: Any) -> dict[str, Any]:
    return await _created(agency, CREATE_CANDIDATE, "candidate", candidate_input(**overrides))


async def create_client(agency: Agency, **overrides: Any) -> dict[str, Any]:
    return await _created(agency, CREATE_CLIENT, "client", client_input(**overrides))


async def create_contact(agency: Agency, **overrides: Any) -> dict[str, Any]:
    return await _created(agency, CREATE_CONTACT, "contact", contact_input(**overrides))
