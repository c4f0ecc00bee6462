"""An adversarial review of the data path, sign-in, the policy table and the contract fixes
(issues 11-13), through HTTP: each test is a defect found by trying the API as its users would.
They assert the behaviour the issues promise, so they fail until the defect is fixed."""

from __future__ import annotations

from typing import Any

from app.graphql.relay import to_global_id
from tests.factories import Api, create_user, person_name
from tests.factories_visits import key

USER_ROLE = """query($id: ID!) { user(id: $id) { revision role { key } } }"""
SET_ROLE = """mutation($id: ID!, $revision: Int!, $role: String!) {
  userUpdate(id: $id, revision: $revision, input: {role: $role}) {
  user { role { key } } userErrors { field message code } } }"""
CREATE_USER_AS = """mutation($input: UserCreateInput!) { userCreate(input: $input) {
  user { id role { key } } userErrors { field message code } } }"""


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_scheduler_cannot_make_themself_an_administrator(api: Api) -> None:
    # given a scheduler who signs in (MANAGE_STAFF, but not MANAGE_ACCOUNT)
    agency = await api.agency()
    arjun = await create_user(
        agency, name=person_name("Arjun", "Ivanova"), roleType="OFFICE", role="scheduler"
    )
    await agency.person_key(arjun["id"], "scheduler")
    revision = (await agency.ok(USER_ROLE, {"id": arjun["id"]}))["user"]["revision"]
    # when he changes his own role to administrator
    response = await agency.gql(
        SET_ROLE, {"id": arjun["id"], "revision": revision, "role": "administrator"},
        role="scheduler",
    )  # fmt: skip
    # then it is refused, FORBIDDEN on the role (as userInvite refuses it), and nothing changes
    assert codes(response.data["userUpdate"]) == [("input.role", "FORBIDDEN")], response.body
    stored = await api.database.db.users.find_one({"_id": key(arjun["id"])})
    assert stored is not None and stored["role"] == "scheduler"


async def test_a_scheduler_cannot_create_an_administrator(api: Api) -> None:
    # given a scheduler who signs in
    agency = await api.agency()
    arjun = await create_user(
        agency, name=person_name("Arjun", "Ivanova"), roleType="OFFICE", role="scheduler"
    )
    await agency.person_key(arjun["id"], "scheduler")
    before = await api.count("users", _account=agency.account_id)
    # when he creates a user with the administrator role (to invite later, or for a colleague)
    new_user = {"name": person_name("Eve", "Black"), "roleType": "OFFICE", "role": "administrator"}
    response = await agency.gql(CREATE_USER_AS, {"input": new_user}, role="scheduler")
    # then it is refused, FORBIDDEN on the role, and no user is created
    assert codes(response.data["userCreate"]) == [("input.role", "FORBIDDEN")], response.body
    assert await api.count("users", _account=agency.account_id) == before


PATIENT_SEARCH = """query($search: String) { patients(filter: {search: $search}) {
  totalCount } }"""


async def test_a_long_search_is_bad_input_not_an_internal_error(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    # when a search box sends a pasted page of text as one word
    response = await agency.gql(PATIENT_SEARCH, {"search": "a" * 1500})
    # then the answer is a clear user error (or simply no match), never "Unexpected error."
    codes_seen = [e["extensions"]["code"] for e in response.errors]
    assert "INTERNAL_ERROR" not in codes_seen, response.body
    assert response.status == 200


def global_user(stored: Any) -> str:
    return to_global_id("User", stored)
