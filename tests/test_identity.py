"""People who sign in: invitations, passwords, sessions, two-factor sign-in, the refresh
cookie, and a trail that names the person."""

from __future__ import annotations

import datetime as dt

import pyotp

from app.graphql.relay import key_of, to_global_id
from tests.factories import Api, create_patient, create_user
from tests.factories_conversations import POST, create_conversation
from tests.factories_identity import (
    DEACTIVATE,
    OTHER_STRONG,
    PASSWORD_CHANGE,
    PASSWORD_RESET,
    REACTIVATE,
    SIGN_IN,
    SIGN_OUT,
    STRONG,
    TOTP_CONFIRM,
    TOTP_ENROLL,
    VIEWER,
    accept,
    code_at,
    cookie_of,
    cookie_session,
    invite,
    person,
    refresh,
    sign_in_for_cookie,
    unique_email,
    user_key,
)

ACCOUNT = "{ account { name { legal } } }"
WRONG = "The email or password is not right."


async def test_an_invited_user_accepts_signs_in_and_reads_as_themselves(api: Api) -> None:
    # given a caregiver of an agency, invited by the administrator
    agency = await api.agency("Maple Care")
    user = await create_user(agency, email=None)
    email = unique_email()
    invitation = await invite(agency, user["id"], email)

    # then the invitation is for 72 hours, its link carries its token, and it waits in the outbox
    assert invitation["email"] == email.lower()
    assert invitation["url"].endswith(f"/accept-invitation#token={invitation['token']}")
    expires = dt.datetime.fromisoformat(invitation["expiresAt"])
    assert dt.timedelta(hours=71) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=72)
    db = api.database.db
    message = await db.outbox.find_one({"to": email.lower()})
    assert message is not None and message["status"] == "pending"
    assert invitation["url"] in message["body"]
    login = await db.logins.find_one({"email": email.lower()})
    assert login is not None and login.get("password_hash") is None and login["active"] is True

    # when the caregiver accepts it with a password, then signs in with the email in any case
    accepted = await accept(agency, invitation["token"], STRONG)
    signed = await api.gql(SIGN_IN, {"email": email.upper(), "password": STRONG})

    # then both answer a token for the user
    for payload in (accepted.data["invitationAccept"], signed.data["signIn"]):
        assert payload["userErrors"] == [] and payload["accessToken"], payload
        assert payload["user"] == {"id": user["id"], "name": {"first": "Joan", "last": "Smith"}}
    token = signed.data["signIn"]["accessToken"]
    # and the token reads the account and says who is signed in
    read = await api.gql(
        "{ account { name { legal } } viewer { email user { id name { first } } } }",
        authorization=f"Bearer {token}",
    )
    assert read.status == 200 and not read.errors, read.body
    assert read.data["account"] == {"name": {"legal": "Maple Care"}}
    assert read.data["viewer"]["email"] == email.lower()
    assert read.data["viewer"]["user"] == {"id": user["id"], "name": {"first": "Joan"}}
    # and the password is stored as an argon2id hash, two sessions are open, the link is spent
    login = await db.logins.find_one({"email": email.lower()})
    assert login is not None and login["password_hash"].startswith("$argon2id$")
    assert STRONG not in str(login)
    assert await db.sessions.count_documents({"user": user_key(user["id"])}) == 2
    again = await accept(agency, invitation["token"], OTHER_STRONG)
    assert again.data["invitationAccept"]["userErrors"][0]["field"] == "token"


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(api: Api) -> None:
    # given a caregiver who signs in
    agency = await api.agency()
    joan = await person(agency)
    failures = {"_account": agency.account_id, "action": "sign_in_failed"}
    before = await api.database.db.audit_events.count_documents(failures)

    # when someone signs in with a wrong password, and with an email nobody has
    wrong = await api.gql(SIGN_IN, {"email": joan.email, "password": OTHER_STRONG})
    unknown = await api.gql(SIGN_IN, {"email": unique_email("nobody"), "password": STRONG})

    # then both get one user error, the same, and no token
    for response in (wrong, unknown):
        payload = response.data["signIn"]
        assert payload["accessToken"] is None and payload["user"] is None
        assert payload["userErrors"] == [{"field": None, "message": WRONG, "code": "FORBIDDEN"}]
    # and only the known login's failure is in its account's trail, naming the user claimed
    entries = await api.database.db.audit_events.find(failures).to_list()
    assert len(entries) == before + 1
    assert entries[-1]["record_id"] == user_key(joan.user_id)
    assert entries[-1]["reason"] == "wrong password"


async def test_short_and_common_passwords_are_refused_and_nothing_is_spent(api: Api) -> None:
    # given an invitation
    agency = await api.agency()
    user = await create_user(agency, email=None)
    invitation = await invite(agency, user["id"], unique_email())

    # when it is accepted with a short password, then with a common one
    short = await accept(agency, invitation["token"], "maple-care")
    common = await accept(agency, invitation["token"], "password12345")

    # then each is refused, saying why
    error = short.data["invitationAccept"]["userErrors"][0]
    assert error["field"] == "password" and "at least 12 characters" in error["message"]
    error = common.data["invitationAccept"]["userErrors"][0]
    assert error["field"] == "password" and "too common or too easy to guess" in error["message"]
    assert short.data["invitationAccept"]["accessToken"] is None
    # and nothing was spent: no password, no session, and the link still works
    login = await api.database.db.logins.find_one({"user": user_key(user["id"])})
    assert login is not None and login.get("password_hash") is None
    assert await api.database.db.sessions.count_documents({"user": user_key(user["id"])}) == 0
    good = await accept(agency, invitation["token"], STRONG)
    assert good.data["invitationAccept"]["userErrors"] == []


async def test_signing_out_refuses_the_token_at_once(api: Api) -> None:
    # given a caregiver signed in, whose token works
    agency = await api.agency()
    joan = await person(agency)
    assert (await joan.gql(ACCOUNT)).status == 200

    # when they sign out
    data = await joan.ok(SIGN_OUT)

    # then the session ended, and the same token is refused with 401
    assert data["signOut"] == {"signedOut": True, "userErrors": []}
    refused = await joan.gql(ACCOUNT)
    assert refused.status == 401 and refused.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    session = await api.database.db.sessions.find_one({"user": user_key(joan.user_id)})
    assert session is not None and session["revoked_date"] is not None
    assert session["revoked_reason"] == "signed out"
    entry = await api.database.db.audit_events.find_one(
        {"_account": agency.account_id, "action": "sign_out"}
    )
    assert entry is not None and entry["actor"]["session"] == session["_id"]


async def test_changing_the_password_ends_the_other_sessions(api: Api) -> None:
    # given a caregiver signed in twice (phone and laptop)
    agency = await api.agency()
    joan = await person(agency)
    laptop = await joan.new_session()

    # when a wrong current password is given, then the right one, from the phone
    wrong = await joan.ok(PASSWORD_CHANGE, {"current": OTHER_STRONG, "new": OTHER_STRONG})
    weak = await joan.ok(PASSWORD_CHANGE, {"current": STRONG, "new": "joansmith123"})
    data = await joan.ok(PASSWORD_CHANGE, {"current": STRONG, "new": OTHER_STRONG})

    # then the wrong and the weak are refused, and the change ends the laptop's session only
    assert wrong["passwordChange"]["userErrors"][0]["field"] == "current"
    assert weak["passwordChange"]["userErrors"][0]["field"] == "new"
    assert data["passwordChange"] == {"changed": True, "sessionsEnded": 1, "userErrors": []}
    laptop_read = await api.gql(ACCOUNT, authorization=f"Bearer {laptop}")
    assert laptop_read.status == 401
    assert (await joan.gql(ACCOUNT)).status == 200
    # and only the new password signs in
    old = await api.gql(SIGN_IN, {"email": joan.email, "password": STRONG})
    assert old.data["signIn"]["userErrors"][0]["message"] == WRONG
    new = await api.gql(SIGN_IN, {"email": joan.email, "password": OTHER_STRONG})
    assert new.data["signIn"]["accessToken"]
    entry = await api.database.db.audit_events.find_one(
        {
            "_account": agency.account_id,
            "action": "password_change",
            "reason": "changed by the user",
        }
    )
    assert entry is not None and entry["record_id"] == user_key(joan.user_id)


async def test_deactivating_a_user_ends_every_session_and_sign_in(api: Api) -> None:
    # given a caregiver signed in twice
    agency = await api.agency()
    joan = await person(agency)
    second = await joan.new_session()

    # when the administrator turns their sign-in off
    data = await agency.ok(DEACTIVATE, {"user": joan.user_id})

    # then both sessions end at once, and signing in is refused like a wrong password
    assert data["userDeactivate"]["active"] is False
    assert data["userDeactivate"]["sessionsEnded"] == 2
    assert (await joan.gql(ACCOUNT)).status == 401
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {second}")).status == 401
    refused = await joan.sign_in()
    assert refused.data["signIn"]["userErrors"][0]["message"] == WRONG
    login = await api.database.db.logins.find_one({"user": user_key(joan.user_id)})
    assert login is not None and login["active"] is False

    # and turned on again, the same password signs in
    again = await agency.ok(REACTIVATE, {"user": joan.user_id})
    assert again["userReactivate"]["active"] is True
    assert (await joan.sign_in()).data["signIn"]["accessToken"]


async def test_two_factor_sign_in_asks_for_the_app_s_code(api: Api) -> None:
    # given a caregiver who enrols an authenticator app
    agency = await api.agency()
    joan = await person(agency)
    enrolled = (await joan.ok(TOTP_ENROLL))["totpEnroll"]
    secret = enrolled["secret"]
    assert enrolled["uri"].startswith("otpauth://totp/") and f"secret={secret}" in enrolled["uri"]

    # when a wrong code confirms it, then the app's code
    wrong = await joan.ok(TOTP_CONFIRM, {"code": "000000"})
    right = await joan.ok(TOTP_CONFIRM, {"code": pyotp.TOTP(secret).now()})

    # then the wrong one is refused, the right one turns two-factor sign-in on
    assert wrong["totpConfirm"]["enabled"] is False
    assert wrong["totpConfirm"]["userErrors"][0]["field"] == "code"
    assert right["totpConfirm"] == {"enabled": True, "userErrors": []}
    # and signing in without a code, or with a wrong one, answers OTP_REQUIRED
    for otp in (None, "123456"):
        payload = (await joan.sign_in(otp)).data["signIn"]
        assert payload["accessToken"] is None
        assert payload["userErrors"][0]["code"] == "OTP_REQUIRED"
    # and the next step's code signs in, once
    code = code_at(secret, steps_ahead=1)
    signed = (await joan.sign_in(code)).data["signIn"]
    assert signed["userErrors"] == [] and signed["accessToken"]
    replayed = (await joan.sign_in(code)).data["signIn"]
    assert replayed["userErrors"][0]["code"] == "OTP_REQUIRED"
    viewer = await api.gql(VIEWER, authorization=f"Bearer {signed['accessToken']}")
    assert viewer.data["viewer"]["twoFactorEnabled"] is True


async def test_a_role_that_requires_two_factor_refuses_sign_in_without_it(api: Api) -> None:
    # given a caregiver and a scheduler who sign in, neither with an authenticator app
    agency = await api.agency()
    joan = await person(agency)
    sam = await person(agency, role="scheduler", role_type="OFFICE", first="Sam")

    # when the account requires two-factor sign-in of caregivers
    data = await agency.ok(
        """mutation { accountUpdate(revision: 1, input: {
          securitySettings: {requireTwoFactorRoles: ["caregiver"]}}) {
          account { securitySettings { requireTwoFactorRoles } } userErrors { code } } }"""
    )
    assert data["accountUpdate"]["account"]["securitySettings"] == {
        "requireTwoFactorRoles": ["caregiver"]
    }

    # then the caregiver's sign-in answers OTP_REQUIRED and no token; the scheduler's works
    refused = (await joan.sign_in()).data["signIn"]
    assert refused["accessToken"] is None
    assert refused["userErrors"][0]["code"] == "OTP_REQUIRED"
    assert (await sam.sign_in()).data["signIn"]["accessToken"]


async def test_a_refresh_without_a_cookie_answers_no_session_not_an_error(api: Api) -> None:
    # given a page loaded signed out (no session cookie)
    agency = await api.agency()
    async with cookie_session(agency) as http:
        # when it asks for a token, as it does first
        response = await http.post("/auth/refresh")

        # then there is no session to refresh: 204, no body, no cookie set or cleared
        assert response.status == 204
        assert await response.read() == b""
        assert "Set-Cookie" not in response.headers
        # while a cookie that names no session is refused
        status, _, cleared = await refresh(http, "caregraph_session=not-a-session")
        assert status == 401 and 'caregraph_session=""' in cleared


async def test_the_refresh_cookie_rotates_and_a_replayed_one_ends_the_session(api: Api) -> None:
    # given a caregiver who signs in from the web app, asking for the cookie
    agency = await api.agency()
    joan = await person(agency)
    async with cookie_session(agency) as http:
        payload, set_cookie = await sign_in_for_cookie(http, joan.email, joan.password)
        assert payload["accessToken"]
        first = cookie_of(set_cookie)

        # then the cookie is HttpOnly, SameSite=Strict, for /auth only (not Secure in tests)
        attributes = set_cookie.lower()
        assert first.startswith("caregraph_session=")
        assert "httponly" in attributes and "samesite=strict" in attributes
        assert "path=/auth" in attributes and "secure" not in attributes

        # when it is refreshed, and the new cookie refreshed again
        status, body, renewed = await refresh(http, first)
        assert status == 200, body
        second = cookie_of(renewed)
        status, body, renewed = await refresh(http, second)
        third = cookie_of(renewed)

        # then each refresh gives a working token and a new cookie
        assert status == 200 and len({first, second, third}) == 3
        token = body["accessToken"]
        assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 200

        # when the first cookie is sent again at once (another tab), it is asked to retry
        status, body, _ = await refresh(http, first)
        assert status == 409 and body["errors"][0]["extensions"]["code"] == "CONFLICT"

        # when it comes back later (copied), the session ends: its token and cookie too
        await api.database.db.sessions.update_one(
            {"user": user_key(joan.user_id), "refresh_hash": {"$ne": None}},
            {"$set": {"spent_refresh.$[].at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)}},
        )
        status, body, cleared = await refresh(http, first)
        assert status == 401 and "caregraph_session=" in cleared
        assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 401
        status, _, _ = await refresh(http, third)
        assert status == 401
    entry = await api.database.db.audit_events.find_one(
        {"_account": agency.account_id, "action": "sign_out", "reason": {"$ne": None}}
    )
    assert entry is not None and "refresh secret was sent again" in entry["reason"]


async def test_the_sign_out_route_ends_the_cookie_s_session(api: Api) -> None:
    # given a caregiver signed in from the web app
    agency = await api.agency()
    joan = await person(agency)
    async with cookie_session(agency) as http:
        payload, set_cookie = await sign_in_for_cookie(http, joan.email, joan.password)
        cookie = cookie_of(set_cookie)

        # when the web app signs out
        response = await http.post("/auth/sign-out", headers={"Cookie": cookie})

        # then the cookie is cleared, and neither it nor the token works any more
        assert response.status == 204
        assert 'caregraph_session=""' in response.headers["Set-Cookie"]
        status, _, _ = await refresh(http, cookie)
        assert status == 401
    token = payload["accessToken"]
    assert (await api.gql(ACCOUNT, authorization=f"Bearer {token}")).status == 401


async def test_the_trail_and_the_records_name_the_person_signed_in(api: Api) -> None:
    # given an office administrator of the agency who signs in
    agency = await api.agency()
    ada = await person(agency, role="administrator", role_type="ADMINISTRATOR", first="Ada")
    patient = await create_patient(agency)

    # when they write a progress note
    data = await ada.ok(
        """mutation($input: ProgressNoteCreateInput!) { progressNoteCreate(input: $input) {
          progressNote { id createdUser { id name { first } } } userErrors { code } } }""",
        {"input": {"patient": patient["id"], "title": "Fall", "note": "Slipped; no injury."}},
    )

    # then the note names Ada as its writer
    created = data["progressNoteCreate"]["progressNote"]
    assert created["createdUser"] == {"id": ada.user_id, "name": {"first": "Ada"}}
    note_id = key_of(created["id"], "ProgressNote")
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": note_id})
    assert stored is not None and stored["_created_user"] == user_key(ada.user_id)
    # and so does its audit entry, with her session
    trail = await agency.ok(
        """query($id: ID!) { node(id: $id) { ... on ProgressNote {
          history { nodes { action actor { kind id name session } } } } } }""",
        {"id": created["id"]},
    )
    (entry,) = trail["node"]["history"]["nodes"]
    assert entry["action"] == "CREATE"
    assert entry["actor"]["kind"] == "user" and entry["actor"]["id"] == ada.user_id
    assert entry["actor"]["name"] == "Ada Smith" and entry["actor"]["session"]
    session = await api.database.db.sessions.find_one({"user": user_key(ada.user_id)})
    assert session is not None
    assert entry["actor"]["session"] == to_global_id("Session", session["_id"])


async def test_a_scheduler_cannot_give_a_way_in_to_an_administrator(api: Api) -> None:
    # given a scheduler signed in (they manage staff) and an administrator user
    agency = await api.agency()
    sam = await person(agency, role="scheduler", role_type="OFFICE", first="Sam")
    boss = await create_user(agency, role="administrator", roleType="ADMINISTRATOR", email=None)

    # when the scheduler invites the administrator with an email of their own
    data = await sam.ok(
        """mutation($user: ID!, $email: String!) { userInvite(user: $user, email: $email) {
          invitation { token } userErrors { field message code } } }""",
        {"user": boss["id"], "email": unique_email("sam-again")},
    )

    # then it is refused, and no login is made
    assert data["userInvite"]["invitation"] is None
    assert data["userInvite"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert await api.database.db.logins.count_documents({"user": user_key(boss["id"])}) == 0


async def test_a_password_reset_link_sets_a_new_password_and_ends_every_session(
    api: Api,
) -> None:
    # given a caregiver signed in
    agency = await api.agency()
    joan = await person(agency)

    # when the administrator gives them a reset link
    data = await agency.ok(PASSWORD_RESET, {"user": joan.user_id})

    # then the link is answered and waits in the outbox; the old password still works meanwhile
    link = data["passwordReset"]["link"]
    assert data["passwordReset"]["userErrors"] == []
    assert link["url"].endswith(f"/reset-password#token={link['token']}")
    message = await api.database.db.outbox.find_one(
        {"to": joan.email.lower(), "kind": "password_reset"}
    )
    assert message is not None and link["url"] in message["body"]
    assert (await joan.gql(ACCOUNT)).status == 200

    # when the link is used
    used = await accept(agency, link["token"], OTHER_STRONG)

    # then it signs in, the earlier session ends, and only the new password works
    assert used.data["invitationAccept"]["accessToken"]
    assert (await joan.gql(ACCOUNT)).status == 401
    old = await api.gql(SIGN_IN, {"email": joan.email, "password": STRONG})
    assert old.data["signIn"]["userErrors"][0]["message"] == WRONG
    new = await api.gql(SIGN_IN, {"email": joan.email, "password": OTHER_STRONG})
    assert new.data["signIn"]["accessToken"]


async def test_an_api_client_cannot_sign_out_or_set_up_two_factor(api: Api) -> None:
    # given an agency's API key
    agency = await api.agency()

    # when it tries what only a person signed in can do
    data = await agency.ok(
        """mutation { signOut { signedOut userErrors { code } }
          totpEnroll { secret userErrors { code } } }"""
    )

    # then both are refused as FORBIDDEN, and it has no viewer
    assert data["signOut"] == {"signedOut": False, "userErrors": [{"code": "FORBIDDEN"}]}
    assert data["totpEnroll"] == {"secret": None, "userErrors": [{"code": "FORBIDDEN"}]}
    assert (await agency.ok("{ viewer { email } }")) == {"viewer": None}


async def test_a_person_posts_to_a_conversation_under_their_own_name(api: Api) -> None:
    # given a scheduler who signs in, taking part in a conversation
    agency = await api.agency()
    sam = await person(agency, role="scheduler", role_type="OFFICE", first="Sam")
    conversation = await create_conversation(agency, [sam.user_id])

    # when they post without naming an author
    data = await sam.ok(POST, {"id": conversation["id"], "body": "Seen, thanks.", "author": None})

    # then the message is theirs, not an API client's
    message = data["conversationPost"]["message"]
    assert data["conversationPost"]["userErrors"] == []
    assert message["author"] == {"name": "Sam Smith", "record": {"id": sam.user_id}}
