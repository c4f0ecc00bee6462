"""People who sign in, made through the API: a user, their invitation, its acceptance."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import pyotp

from app.graphql.relay import key_of
from tests.factories import Agency, Response, create_user, person_name

ERRORS = "userErrors { field message code }"
STRONG = "violet river lantern harbour"
OTHER_STRONG = "copper kettle meadow sparrow"
INVITE = f"""mutation($user: ID!, $email: String!) {{ userInvite(user: $user, email: $email) {{
  invitation {{ email url token expiresAt }} user {{ id }} {ERRORS} }} }}"""
ACCEPT = f"""mutation($token: String!, $password: String!) {{
  invitationAccept(token: $token, password: $password) {{
  accessToken expiresAt user {{ id name {{ first last }} }} {ERRORS} }} }}"""
SIGN_IN = f"""mutation($email: String!, $password: String!, $otp: String) {{
  signIn(email: $email, password: $password, otp: $otp) {{
  accessToken expiresAt user {{ id name {{ first last }} }} {ERRORS} }} }}"""
SIGN_OUT = f"mutation {{ signOut {{ signedOut {ERRORS} }} }}"
PASSWORD_CHANGE = f"""mutation($current: String!, $new: String!) {{
  passwordChange(current: $current, new: $new) {{ changed sessionsEnded {ERRORS} }} }}"""
PASSWORD_RESET = f"""mutation($user: ID!, $resetTwoFactor: Boolean! = false) {{
  passwordReset(user: $user, resetTwoFactor: $resetTwoFactor) {{
  link {{ email url token expiresAt }} {ERRORS} }} }}"""
DEACTIVATE = f"""mutation($user: ID!) {{ userDeactivate(user: $user) {{
  active sessionsEnded user {{ id }} {ERRORS} }} }}"""
REACTIVATE = f"""mutation($user: ID!) {{ userReactivate(user: $user) {{
  active sessionsEnded {ERRORS} }} }}"""
TOTP_ENROLL = f"""mutation($currentCode: String) {{ totpEnroll(currentCode: $currentCode) {{
  secret uri {ERRORS} }} }}"""
TOTP_CONFIRM = f"mutation($code: String!) {{ totpConfirm(code: $code) {{ enabled {ERRORS} }} }}"
VIEWER = "{ viewer { email twoFactorEnabled sessionExpiresAt user { id name { first } } } }"


def unique_email(name: str = "joan") -> str:
    """Logins' emails are unique across every account, and the test database is shared."""
    return f"{name}.{uuid.uuid4().hex[:10]}@Example.com"


def user_key(global_id: str) -> Any:
    return key_of(global_id, "User")


def code_at(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator app's code, now or a step (30 s) ahead (within the drift allowed)."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(secret).at(moment)


@dataclass
class Person:
    """A user of an agency who signs in, with their last access token."""

    agency: Agency
    user_id: str
    email: str
    password: str
    token: str

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> Response:
        return await self.agency.api.gql(query, variables, authorization=f"Bearer {self.token}")

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = await self.gql(query, variables)
        assert response.status == 200 and not response.errors, response.body
        return response.data

    async def sign_in(self, otp: str | None = None) -> Response:
        variables = {"email": self.email, "password": self.password, "otp": otp}
        return await self.agency.api.gql(SIGN_IN, variables)

    async def new_session(self) -> str:
        """Sign in again; the token of the new session (this person's `token` is kept)."""
        response = await self.sign_in()
        payload = response.data["signIn"]
        assert payload["userErrors"] == [], payload
        return str(payload["accessToken"])


async def invite(agency: Agency, user_id: str, email: str) -> dict[str, Any]:
    data = await agency.ok(INVITE, {"user": user_id, "email": email})
    assert data["userInvite"]["userErrors"] == [], data
    return data["userInvite"]["invitation"]  # type: ignore[no-any-return]


async def accept(agency: Agency, token: str, password: str) -> Response:
    return await agency.api.gql(ACCEPT, {"token": token, "password": password})


async def person(
    agency: Agency,
    role: str = "caregiver",
    role_type: str = "CAREGIVER",
    first: str = "Joan",
    password: str = STRONG,
) -> Person:
    """A user of the agency, invited, who accepted and so is signed in."""
    user = await create_user(
        agency, role=role, roleType=role_type, name=person_name(first, "Smith"), email=None
    )
    email = unique_email(first.lower())
    invitation = await invite(agency, user["id"], email)
    accepted = await accept(agency, invitation["token"], password)
    payload = accepted.data["invitationAccept"]
    assert payload["userErrors"] == [], payload
    return Person(agency, user["id"], email, password, str(payload["accessToken"]))


def cookie_session(agency: Agency) -> aiohttp.ClientSession:
    """An HTTP client that keeps no cookies by itself, so a test says which cookie it sends."""
    return aiohttp.ClientSession(
        base_url=str(agency.api.client.make_url("/")), cookie_jar=aiohttp.DummyCookieJar()
    )


async def sign_in_for_cookie(
    http: aiohttp.ClientSession, email: str, password: str
) -> tuple[dict[str, Any], str]:
    """signIn asking for the web app's cookie: the payload and the Set-Cookie header."""
    response = await http.post(
        "/graphql",
        json={"query": SIGN_IN, "variables": {"email": email, "password": password}},
        headers={"Caregraph-Session": "cookie"},
    )
    body = await response.json()
    return body["data"]["signIn"], response.headers.get("Set-Cookie", "")


def cookie_of(set_cookie: str) -> str:
    """The `name=value` part of a Set-Cookie header."""
    return set_cookie.split(";", 1)[0].strip()


async def refresh(http: aiohttp.ClientSession, cookie: str) -> tuple[int, dict[str, Any], str]:
    response = await http.post("/auth/refresh", headers={"Cookie": cookie})
    return response.status, await response.json(), response.headers.get("Set-Cookie", "")
