"""Giving a user a role: it is one of the account's, whoever gives it may do all it may, and
nobody raises their own (the rule of `check_may_manage`, app/data/policy_checks.py
`may_give_role`)."""

from __future__ import annotations

from typing import Any

from tests.factories import Agency, Api, create_user, person_name
from tests.factories_visits import key

IMPORT_USERS = """mutation($input: [UserCreateInput!]!) { userImport(input: $input) {
  users { id } userErrors { field message code } } }"""
USER_REVISION = """query($id: ID!) { user(id: $id) { revision } }"""
SET_ROLE = """mutation($id: ID!, $revision: Int!, $input: UserUpdateInput!) {
  userUpdate(id: $id, revision: $revision, input: $input) {
  user { role { key } } userErrors { field message code } } }"""
ADD_ROLES = """mutation($revision: Int!, $input: AccountUpdateInput!) {
  accountUpdate(revision: $revision, input: $input) { userErrors { field code } } }"""


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def set_role(agency: Agency, user: str, as_role: str, **change: Any) -> dict[str, Any]:
    revision = (await agency.ok(USER_REVISION, {"id": user}))["user"]["revision"]
    variables = {"id": user, "revision": revision, "input": change}
    response = await agency.gql(SET_ROLE, variables, role=as_role)
    assert response.status == 200, response.body
    return dict(response.data["userUpdate"])


async def stored_role(api: Api, user: str) -> tuple[str | None, str]:
    found = await api.database.db.users.find_one({"_id": key(user)})
    assert found is not None
    return found.get("role"), found["role_type"]


async def signed_in_scheduler(agency: Agency) -> str:
    arjun = await create_user(
        agency, name=person_name("Arjun", "Ivanova"), roleType="OFFICE", role="scheduler"
    )
    await agency.person_key(arjun["id"], "scheduler")
    return str(arjun["id"])


async def test_a_scheduler_imports_no_administrator(api: Api) -> None:
    # given a scheduler who signs in
    agency = await api.agency()
    await signed_in_scheduler(agency)
    before = await api.count("users", _account=agency.account_id)
    # when he imports two users, the second an administrator
    carer = {"name": person_name("Bea", "Lund"), "roleType": "CAREGIVER", "role": "caregiver"}
    boss = {"name": person_name("Eve", "Black"), "roleType": "OFFICE", "role": "administrator"}
    response = await agency.gql(IMPORT_USERS, {"input": [carer, boss]}, role="scheduler")
    # then the import is refused on that item's role, and nobody is created
    assert codes(response.data["userImport"]) == [("input.1.role", "FORBIDDEN")], response.body
    assert await api.count("users", _account=agency.account_id) == before


async def test_a_scheduler_neither_demotes_an_administrator_nor_makes_one_by_kind(
    api: Api,
) -> None:
    # given a scheduler who signs in, an administrator, and a caregiver with no role of her own
    agency = await api.agency()
    await signed_in_scheduler(agency)
    boss = await create_user(agency, roleType="ADMINISTRATOR", role="administrator")
    ben = await create_user(agency, name=person_name("Ben", "Abe"), role=None)
    # when he makes the administrator a caregiver, and the caregiver an administrator by kind
    demoted = await set_role(agency, boss["id"], "scheduler", role="caregiver")
    promoted = await set_role(agency, ben["id"], "scheduler", roleType="ADMINISTRATOR")
    # then both are refused, FORBIDDEN on the field that would change the role, and nothing
    # changes
    assert codes(demoted) == [("input.role", "FORBIDDEN")]
    assert codes(promoted) == [("input.roleType", "FORBIDDEN")]
    assert await stored_role(api, boss["id"]) == ("administrator", "administrator")
    assert await stored_role(api, ben["id"]) == (None, "caregiver")


async def test_an_account_manager_gives_others_any_role_but_does_not_raise_their_own(
    api: Api,
) -> None:
    # given an account role that manages the account and its staff but reads no pay, and a
    # user of that role who signs in, and a colleague
    agency = await api.agency()
    revision = (await agency.ok("{ account { revision } }"))["account"]["revision"]
    manager = {"key": "office_manager", "name": "Office manager", "type": "OFFICE",
               "permissions": ["MANAGE_ACCOUNT", "MANAGE_STAFF"]}  # fmt: skip
    added = await agency.ok(ADD_ROLES, {"revision": revision, "input": {"roles": [manager]}})
    assert added["accountUpdate"]["userErrors"] == []
    mia = await create_user(agency, roleType="OFFICE", role="office_manager")
    colleague = await create_user(agency, name=person_name("Eve", "Black"), roleType="OFFICE")
    await agency.person_key(mia["id"], "office_manager")
    # when she makes her colleague an administrator, then herself
    theirs = await set_role(agency, colleague["id"], "office_manager", role="administrator")
    hers = await set_role(agency, mia["id"], "office_manager", role="administrator")
    # then the colleague is one (MANAGE_ACCOUNT gives any role), and she is not
    assert codes(theirs) == [] and theirs["user"]["role"]["key"] == "administrator"
    assert codes(hers) == [("input.role", "FORBIDDEN")]
    assert "yourself" in hers["userErrors"][0]["message"]
    assert await stored_role(api, mia["id"]) == ("office_manager", "office")


async def test_a_user_is_created_only_with_a_role_the_account_has(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    before = await api.count("users", _account=agency.account_id)
    # when the administrator creates a user with a role key no role of the account has
    response = await agency.gql(
        """mutation($input: UserCreateInput!) { userCreate(input: $input) {
        user { id } userErrors { field code } } }""",
        {"input": {"name": person_name("Eve", "Black"), "role": "schedular"}},
    )
    # then it is refused, INVALID on the role, and no user is created
    assert codes(response.data["userCreate"]) == [("input.role", "INVALID")]
    assert await api.count("users", _account=agency.account_id) == before
