"""An adversarial review of the data path, sign-in, the policy table and the contract fixes
(issues 11-13), through HTTP: each test is a defect found by trying the API as its users would.
They assert the behaviour the issues promise, so they fail until the defect is fixed."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.factories import Api, create_user, person_name
from tests.factories_files import upload_ok
from tests.factories_people import create_candidate
from tests.factories_policy import household
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


ADD_ROLES = """mutation($revision: Int!, $input: AccountUpdateInput!) {
  accountUpdate(revision: $revision, input: $input) { userErrors { field message code } } }"""
TRAIL = """{ auditEvents(first: 100) { nodes { recordType action
  changes { field before after } } } }"""


async def test_the_trail_shows_no_marked_field_to_a_role_that_may_not_read_it(api: Api) -> None:
    # given the household (pay on punchcards and payroll lines, an invoice, patients with
    # problems and payers), and an account role of its own that reads the trail and no more
    home = await household(api)
    agency = home.agency
    revision = (await agency.ok("{ account { revision } }"))["account"]["revision"]
    trail_reader = {"key": "trail", "name": "Trail reader", "type": "OFFICE",
                    "permissions": ["VIEW_AUDIT"]}  # fmt: skip
    added = await agency.ok(ADD_ROLES, {"revision": revision, "input": {"roles": [trail_reader]}})
    assert added["accountUpdate"]["userErrors"] == []
    await agency.key_for("trail")
    # when that role reads the trail
    response = await agency.gql(TRAIL, role="trail")
    # then it sees who changed what, but no pay, billing or clinical value: those need
    # VIEW_PAY, VIEW_BILLING and VIEW_CLINICAL wherever they are shown
    assert response.status == 200 and response.data is not None, response.body
    entries = response.data["auditEvents"]["nodes"]
    shown = {
        (entry["recordType"], change["field"])
        for entry in entries
        for change in entry["changes"]
        if change["after"] not in (None, "null", '"***"')
    }
    marked = {
        ("Punchcard", "pay"), ("Punchcard", "bill"), ("PayrollUser", "gross"),
        ("PayrollUser", "net"), ("Invoice", "amountDue"), ("Invoice", "total"),
        ("Patient", "problems"), ("Patient", "billing"),
    }  # fmt: skip
    assert {kind for kind, _ in shown} >= {"Punchcard", "Invoice", "Patient"}, shown
    assert shown & marked == set(), sorted(shown & marked)


UPDATE_CARD = """mutation($id: ID!, $revision: Int!, $input: PunchcardUpdateInput!) {
  punchcardUpdate(id: $id, revision: $revision, input: $input) {
  punchcard { id actual { clockIn clockOut } pay { hours amount } }
  userErrors { field message code } } }"""


async def test_clearing_a_punchcards_times_does_not_keep_its_hours_and_pay(api: Api) -> None:
    # given Ben's punchcard: two hours, clocked in and out, on an open payroll line
    home = await household(api)
    agency = home.agency
    card = home.punchcards["ben"]
    stored_before = await api.database.db.punchcards.find_one({"_id": key(card)})
    assert stored_before is not None
    # when the administrator sends `actual: null` (no times at all), giving no reason
    response = await agency.gql(
        UPDATE_CARD, {"id": card, "revision": stored_before["_revision"], "input": {"actual": None}}
    )
    # then the correction is refused (a punch's times are corrected, not removed: a correction
    # names its reason and recomputes hours and pay), and the punchcard is as it was
    payload = response.data["punchcardUpdate"]
    assert payload["userErrors"], response.body
    assert payload["userErrors"][0]["field"] in ("input.actual", "input.correction")
    stored = await api.database.db.punchcards.find_one({"_id": key(card)})
    assert stored == stored_before


async def test_a_user_cannot_be_given_a_role_the_account_does_not_have(api: Api) -> None:
    # given a caregiver of an agency
    agency = await api.agency()
    ben = await create_user(agency, name=person_name("Ben", "Abe"))
    revision = (await agency.ok(USER_ROLE, {"id": ben["id"]}))["user"]["revision"]
    # when the administrator sets her role to a key no role of the account has (a typo)
    response = await agency.gql(
        SET_ROLE, {"id": ben["id"], "revision": revision, "role": "caregivr"}
    )
    # then it is refused, INVALID on the role, and her role is unchanged
    assert codes(response.data["userUpdate"]) == [("input.role", "INVALID")], response.body
    stored = await api.database.db.users.find_one({"_id": key(ben["id"])})
    assert stored is not None and stored["role"] == "caregiver"


FILES_LISTED = "{ files { totalCount nodes { id name } } }"


async def test_a_role_that_may_not_read_candidates_does_not_read_their_files(
    api: Api,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a candidate with her background check uploaded, and a billing clerk's key (no
    # VIEW_HR: candidates are closed to the role)
    agency = await api.agency()
    candidate = await create_candidate(agency)
    check = b"Police check: one conviction, 2019"
    uploaded = await upload_ok(client, agency, check, owner=candidate["id"],
                               filename="police-check.txt")  # fmt: skip
    billing = await agency.key_for("billing")
    refused = await agency.gql("{ candidates { totalCount } }", role="billing")
    assert [e["extensions"]["code"] for e in refused.errors] == ["FORBIDDEN"]
    # when the clerk lists the files and downloads the candidate's
    listed = await agency.gql(FILES_LISTED, role="billing")
    response = await client.get(
        f"/files/{uploaded['id']}", headers={"Authorization": f"Bearer {billing}"}
    )
    content = await response.read()
    # then the file is not there for her, like the candidate it belongs to
    assert listed.data["files"]["totalCount"] == 0, listed.body
    assert response.status == 404 and check not in content


async def test_a_caregiver_refused_a_list_is_told_why_not_that_it_needs_nothing(api: Api) -> None:
    # given Ada, a caregiver who signs in
    home = await household(api)
    # when she asks for the agency's clients, contacts and tickets
    response = await home.agency.gql(
        "{ clients { totalCount } contacts { totalCount } tickets { totalCount } }", role="ada"
    )
    # then it is refused, FORBIDDEN, with a message that does not say it needs no permission
    assert [e["extensions"]["code"] for e in response.errors] == ["FORBIDDEN"]
    assert "needs no permission" not in response.errors[0]["message"], response.errors
