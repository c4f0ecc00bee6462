"""Agencies, caregivers and patients for schedule conflicts and caregiver matching: an agency in
UTC (so a test's times read as written), caregivers with hours and profiles, patients with
needs."""

from __future__ import annotations

import itertools
from typing import Any

from app.accounts.services import create_account, create_api_client
from app.graphql.relay import to_global_id
from tests.factories import Agency, Api, create_patient, create_user, location
from tests.factories_scheduling import EVENT_FIELDS, SERVICES

_numbers = itertools.count(1)

OVERRIDE_FIELDS = "conflictOverride { reason conflicts { kind message } date apiClient }"
CREATE = f"""mutation($input: EventCreateInput!) {{ eventCreate(input: $input) {{
  event {{ {EVENT_FIELDS} {OVERRIDE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $revision: Int!, $input: EventUpdateInput!) {{
  eventUpdate(id: $id, revision: $revision, input: $input) {{
  event {{ {EVENT_FIELDS} {OVERRIDE_FIELDS} }} userErrors {{ field message code }} }} }}"""
IMPORT = """mutation($input: [EventCreateInput!]!) { eventImport(input: $input) {
  events { id } userErrors { field message code } } }"""
CONFLICTS = """query($caregiver: ID, $patient: ID, $from: DateTime!, $to: DateTime!) {
  scheduleConflicts(caregiver: $caregiver, patient: $patient, from: $from, to: $to) {
    kind message visit { id start } otherVisit { id } caregiver { id fullName } } }"""
MATCHES = """query($event: ID, $patient: ID, $from: DateTime, $to: DateTime, $first: Int) {
  caregiverMatches(event: $event, patient: $patient, from: $from, to: $to, first: $first) {
    score caregiver { id fullName } criteria { criterion score reason } } }"""

NEEDY = {
    "requiredSkills": [{"title": "Dementia care", "level": "EXPERT"}],
    "requiredCertifications": ["CPR"],
    "caregiverGender": "FEMALE",
    "needsDriving": True,
    "hasPets": True,
    "typeOfPets": ["DOG"],
    "isSmoker": True,
    "languages": [{"code": "fr"}],
}
"""A patient needing everything a caregiver can lack."""

FIT = {
    "skills": [{"title": "dementia care", "level": "EXPERT"}],
    "certifications": [{"name": "cpr", "expiryDate": "2031-01-01"}],
    "gender": "FEMALE",
    "driversLicence": {"hasLicence": True, "hasVehicle": True},
    "hasPets": True,
    "typeOfPets": ["DOG", "CAT"],
    "isSmoker": True,
    "languages": [{"code": "fr"}, {"code": "en"}],
}
"""A caregiver meeting every need of NEEDY (names matched ignoring case)."""

UNFIT = {
    "skills": [{"title": "Dementia care", "level": "BASIC"}],
    "certifications": [{"name": "CPR", "expiryDate": "2030-03-01"}],
    "gender": "MALE",
    "driversLicence": {"hasLicence": True, "hasVehicle": False},
    "hasPets": False,
    "isSmoker": False,
    "languages": [{"code": "en"}],
}
"""A caregiver meeting none of NEEDY's needs (the certificate expired before the visits)."""


async def conflicts_agency(
    api: Api, rest_minutes: int = 0, timezone: str = "UTC", week_start: str = "MO"
) -> Agency:
    """An agency selling PSW visits (in UTC, weeks from Monday, unless told), asking
    `rest_minutes` between a caregiver's visits."""
    account = await create_account(
        api.database,
        f"Conflicts agency {next(_numbers)}",
        services=SERVICES,
        settings={"timezone": timezone, "currency": "CAD", "week_start": week_start},
        scheduler_settings={"min_rest_minutes": rest_minutes},
    )
    key, secret = await create_api_client(api.database, account["_id"], "Administrator")
    return Agency(api, account["_id"], key, secret, to_global_id("Account", account["_id"]))


async def caregiver(agency: Agency, first: str, last: str, **profile: Any) -> dict[str, Any]:
    return await create_user(agency, name={"first": first, "last": last}, **profile)


async def patient(agency: Agency, first: str = "Walter", **needs: Any) -> dict[str, Any]:
    return await create_patient(agency, name={"first": first, "last": "Green"}, **needs)


def far_away() -> dict[str, Any]:
    """A home in Ottawa, about 350 km from the test Toronto address."""
    return location("Ottawa", 45.42, -75.69)


async def book(agency: Agency, data: dict[str, Any]) -> dict[str, Any]:
    """The eventCreate payload (event and userErrors) for this input."""
    response = await agency.ok(CREATE, {"input": data})
    return response["eventCreate"]  # type: ignore[no-any-return]


async def events_stored(agency: Agency) -> int:
    return await agency.api.count("events", _account=agency.account_id)
