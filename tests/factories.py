"""Test data built through the services, and a small GraphQL client over real HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import seed
from app.accounts.services import create_account, create_api_client
from app.db import Database
from app.graphql.relay import to_global_id
from app.seed import seed_demo

_numbers = itertools.count(1)
PASSPHRASE = "violet river lantern harbour"
PERSON_INVITE = """mutation($user: ID!, $email: String!) { userInvite(user: $user, email: $email) {
  invitation { token } userErrors { field message code } } }"""
PERSON_ACCEPT = """mutation($token: String!, $password: String!) {
  invitationAccept(token: $token, password: $password) { accessToken userErrors { code } } }"""


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def db_commands(self) -> int:
        return int(self.headers["X-Db-Commands"])


@dataclass
class Agency:
    """An account with an API key of a given role."""

    api: Api
    account_id: int
    key: str
    secret: str
    global_id: str = ""
    keys: dict[str, str] = field(default_factory=dict)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, role: str | None = None
    ) -> Response:
        key = self.keys[role] if role else self.key
        return await self.api.gql(query, variables, authorization=f"Bearer {key}")

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The data of a query that must succeed without errors."""
        response = await self.gql(query, variables)
        assert response.status == 200 and not response.errors, response.body
        return response.data

    async def key_for(self, role: str) -> str:
        key, _ = await create_api_client(self.api.database, self.account_id, f"{role} key", role)
        self.keys[role] = key
        return key

    async def person_key(self, user: Any, name: str = "caregiver") -> str:
        """The access token of a person: the user (a global ID or a stored id) invited by the
        administrator and signed in, acting in their own role; `agency.gql(..., role=name)`
        uses it."""
        user_id = user if isinstance(user, str) else to_global_id("User", user)
        email = f"person-{next(_numbers)}-{secrets.token_hex(3)}@example.com"
        invited = await self.ok(PERSON_INVITE, {"user": user_id, "email": email})
        token = invited["userInvite"]["invitation"]["token"]
        accepted = await self.api.gql(PERSON_ACCEPT, {"token": token, "password": PASSPHRASE})
        access = accepted.data["invitationAccept"]["accessToken"]
        assert access, accepted.body
        self.keys[name] = str(access)
        return str(access)


@dataclass
class Api:
    client: TestClient  # type: ignore[type-arg]
    database: Database

    async def agency(self, name: str | None = None) -> Agency:
        account = await create_account(self.database, name or f"Agency {next(_numbers)}")
        key, secret = await create_api_client(self.database, account["_id"], "Administrator")
        return Agency(self, account["_id"], key, secret, to_global_id("Account", account["_id"]))

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        authorization: str | None = None,
        accept: str = "application/json",
    ) -> Response:
        headers = {"Accept": accept}
        if authorization is not None:
            headers["Authorization"] = authorization
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = await response.json(content_type=None)
        return Response(response.status, body, dict(response.headers))

    async def count(self, collection: str, **query: Any) -> int:
        return int(await self.database.db[collection].count_documents(query))


def person_name(first: str = "Joan", last: str = "Smith") -> dict[str, Any]:
    return {"first": first, "last": last}


def location(
    city: str = "Toronto", latitude: float = 43.65, longitude: float = -79.38
) -> dict[str, Any]:
    return {
        "label": "Home",
        "address1": "1 Main St",
        "city": city,
        "region": "ON",
        "postalCode": "M5V 1A1",
        "country": "CA",
        "primary": True,
        "geo": {"latitude": latitude, "longitude": longitude},
    }


def user_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": person_name(),
        "roleType": "CAREGIVER",
        "role": "caregiver",
        "email": "joan@example.com",
        "locations": [location()],
        "languages": [{"code": "en", "primary": True}],
        "skills": [{"title": "Dementia care", "level": "EXPERT"}],
    }
    return {**base, **overrides}


def patient_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": person_name("Walter", "Green"),
        "status": "ACTIVE",
        "dateOfBirth": "1937-01-21",
        "locations": [location()],
        "languages": [{"code": "en"}],
    }
    return {**base, **overrides}


CREATE_USER = """
mutation($input: UserCreateInput!) { userCreate(input: $input) {
  user { id revision name { first last } } userErrors { field message code } } }"""
CREATE_PATIENT = """
mutation($input: PatientCreateInput!) { patientCreate(input: $input) {
  patient { id revision name { first last } } userErrors { field message code } } }"""


async def create_user(agency: Agency, **overrides: Any) -> dict[str, Any]:
    data = await agency.ok(CREATE_USER, {"input": user_input(**overrides)})
    assert data["userCreate"]["userErrors"] == [], data
    return data["userCreate"]["user"]  # type: ignore[no-any-return]


async def create_patient(agency: Agency, **overrides: Any) -> dict[str, Any]:
    data = await agency.ok(CREATE_PATIENT, {"input": patient_input(**overrides)})
    assert data["patientCreate"]["userErrors"] == [], data
    return data["patientCreate"]["patient"]  # type: ignore[no-any-return]


async def audit_entries(agency: Agency, **query: Any) -> list[dict[str, Any]]:
    """The stored audit entries of an agency, oldest first."""
    cursor = agency.api.database.db.audit_events.find(
        {"_account": agency.account_id, **query}, sort=[("_id", 1)]
    )
    return [entry async for entry in cursor]


async def small_demo_of_last_week(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, dt.date]:
    """The demo of one small agency (6 caregivers, 12 patients), its week pinned to last week's
    Monday so that both its weeks are over whatever day the tests run; its account and the
    demo week's Monday."""
    today = dt.datetime.now(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    monkeypatch.setattr(seed, "demo_week", lambda: monday)
    await seed_demo(database, accounts=1, caregivers=6, patients=12, progress=False)
    account = await database.db.accounts.find_one({"ext_id": "demo-1"})
    assert account is not None
    return account, monday
