"""The care-ticket REST API of seed 001: each documented request, replayed against the example
provider (`seed --examples`), answers the documented data; providers stay apart; tokens expire;
bad parameters create nothing. Every refusal has one shape and a non-2xx status."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app.accounts.auth import lookup_hash
from app.accounts.services import create_api_client
from app.common.services import Actor
from app.data.scope import Scope
from app.db import Database
from app.graphql.relay import to_global_id
from app.keys import AUTHENTICATOR
from app.tickets import partners
from app.tickets.examples import API_KEY, API_SECRET, example_id, seed_examples
from app.tickets.rest_ids import numbers_of
from tests.factories import Agency, Api, create_patient
from tests.factories_tickets import Rest, create_category, create_ticket, key, rest_of

# The seed document's example answers, verbatim.
DOCUMENTED_TICKET = {
    "start_date": None,
    "sentsent_to_primary": None,
    "urgency_status_id": 3,
    "ticket_type": None,
    "resident_id": 75474618,
    "updated_at": "2016/02/12 03:00:34 -0800",
    "created_at": "2016/02/12 03:00:25 -0800",
    "email": None,
    "sent_to_healthcare_pro": None,
    "state": False,
    "sms": None,
    "id": 202,
    "end_date": None,
    "ticket_status": "New",
    "sent_to_family": None,
    "title": "Ticket  commment",
    "employee_id": 81987870,
}
DOCUMENTED_DETAIL = {
    "ticket_with_details": {
        "ticket_attachments": [],
        "ticket": DOCUMENTED_TICKET,
        "categories": {
            "6": {
                "comment378": {
                    "commented_by": "Sample",
                    "commented_on": "2016/02/12 03:00:34 -0800",
                    "title": "comment 1",
                },
                "status": "no issue",
                "title": "check now",
            },
            "7": {
                "comment379": {
                    "commented_by": "Sample",
                    "commented_on": "2016/02/12 03:00:34 -0800",
                    "title": "comment 2",
                },
                "status": "issue",
                "title": "yes add",
            },
        },
    }
}


def documented_resident(number: int, first_name: str, resident_type: int | None) -> dict[str, Any]:
    return {
        "fax_number": None, "caretracker_id": None, "resident_type_id": resident_type,
        "provider_id": 72136196, "photo_content_type": "", "first_name": first_name,
        "next_status_update": None, "id": number, "state": "active", "photo_file_name": "",
        "creator_id": 0, "last_status_update": None, "home_zip": "534412", "in_home_care": False,
        "home_address2": "", "home_address1": "123 Mockingbird Lane", "email": None,
        "customer_number": None, "updated_at": "2016/02/07 02:57:51 -0800",
        "review_updates": None, "updater_id": 0, "location": "Assisted Living Apt. 204",
        "home_city": "New York", "photo_file_size": 0, "home_state": "NY", "dob": "1937/01/21",
        "last_name": None, "demo": False, "phone_number": None,
        "created_at": "2016/02/07 02:57:51 -0800", "account_number": None,
    }  # fmt: skip


DOCUMENTED_RESIDENTS = {
    "status": "Success",
    "residents": [
        documented_resident(889283349, "Test Case (Provider Type)", None),
        documented_resident(501333996, "Test Doctor", 1058366525),
    ],
}
DOCUMENTED_CATEGORY_NAMES = ["Clinical Edit", "Emergency", "Activity Level", "Weight Gain"]
REFUSAL_KEYS = {"status", "message", "code", "errors"}
DOCUMENTED_NUMBERS = {
    ("resident", 889283349), ("resident", 501333996), ("resident", 75474618),
    ("employee", 81987870), ("category", 3), ("category", 4), ("category", 6), ("category", 7),
    ("ticket", 202), ("comment", 378), ("comment", 379),
}  # fmt: skip


@pytest.fixture
def http(client: TestClient) -> TestClient:  # type: ignore[type-arg]
    """The application's client: create_app adds /api/authorize and the ticket routes."""
    return client


def refused(status: int, body: dict[str, Any], expected: int, code: str) -> list[str | None]:
    """Check the one refusal shape; the fields the refusal names. A 401, 500 or 405 has its
    status's own code in every error too."""
    assert status == expected, body
    assert set(body) == REFUSAL_KEYS and body["status"] is False and body["code"] == code, body
    assert body["errors"] and all(set(e) == {"field", "message", "code"} for e in body["errors"])
    if expected in (401, 405, 500):
        assert {e["code"] for e in body["errors"]} == {code}, body
    return [error["field"] for error in body["errors"]]


async def test_every_request_of_the_seed_document_answers_as_documented(
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> None:
    # given the seed's examples loaded
    await seed_examples(database)
    partner = Rest(http, API_KEY, API_SECRET)
    # when the partner authorizes with the documented headers
    authorized = await partner.authorize()
    # then it gets a token, with the documented message
    assert authorized["status"] is True
    assert authorized["message"] == (
        "Authorized Successfully, Use the Provided Access Token for Future Requests. Thanks "
        "for connecting with Example Provider"
    )
    assert len(authorized["access_token"]) == 25
    # when it reads the tickets, ticket 202, the residents and the categories
    tickets = await partner.get("tickets")
    detail = await partner.get("ticket_detail", params={"id": "202"})
    residents = await partner.get("all_residents")
    categories = await partner.get("provider_categories")
    # then each answer is the documented one, key for key and value for value
    assert tickets == (200, {"status": "Success", "ticket": [DOCUMENTED_TICKET]})
    assert detail == (200, DOCUMENTED_DETAIL)
    assert residents == (200, DOCUMENTED_RESIDENTS)
    status, body = categories
    assert status == 200 and body["status"] == "Success"
    assert [c["name"] for c in body["categories"]] == DOCUMENTED_CATEGORY_NAMES
    assert [set(c) for c in body["categories"]] == [{"id", "name"}] * 4
    # (the document shows id 3 four times; ids are unique here, the first is its 3)
    assert [c["id"] for c in body["categories"]] == [3, 4, 6, 7]
    # and the dates of birth read are in the audit trail, as in the graph
    read = await database.db.audit_events.count_documents(
        {"_account": 72136196, "action": "read_sensitive", "fields_read": "dateOfBirth"}
    )
    assert read >= 2

    # when it reopens ticket 202 as the document does
    updated = await partner.post("update_status", params={"id": "202", "status": "Reopen"})
    # then it succeeds as documented, and the ticket says so
    assert updated == (200, {"status": "Success", "message": "Status Updated Successfully!!"})
    _, after = await partner.get("tickets")
    assert after["ticket"][0]["ticket_status"] == "Reopen"
    assert after["ticket"][0]["updated_at"] != DOCUMENTED_TICKET["updated_at"]

    # when it creates a ticket with form parameters and a status per category
    form = {
        "title": "Falls at night",
        "resident_id": "889283349",
        "sms": "true",
        "email": "false",
        "state": "false",
        "urgency_status": "2",
        "ticket_status": "New",
        "category_3": "Issue",
        "category_4": "No Issue",
        "category_7": "Potential Issue",
    }
    created_status, created = await partner.post("create_ticket", data=form)
    # then the answer has the documented keys, and the ticket is there with its statuses
    assert created_status == 200, created
    assert set(created) == {"status", "ticket_id", "message"}
    assert created["status"] == "Success" and created["message"] == "Ticket Created Successfully!!"
    assert created["ticket_id"] == 203  # numbers continue past the documented ones
    _, shown = await partner.get("ticket_detail", params={"id": str(created["ticket_id"])})
    ticket = shown["ticket_with_details"]["ticket"]
    assert (ticket["title"], ticket["resident_id"], ticket["sms"], ticket["email"]) == (
        "Falls at night",
        889283349,
        True,
        False,
    )
    assert (ticket["urgency_status_id"], ticket["ticket_status"]) == (2, "New")
    assert ticket["created_at"].endswith(" -0800")
    assert shown["ticket_with_details"]["categories"] == {
        "3": {"status": "issue", "title": "Clinical Edit"},
        "4": {"status": "no issue", "title": "Emergency"},
        "7": {"status": "potential issue", "title": "Weight Gain"},
    }
    # and the document's ticket_detail?id=201 (whose answer shows ticket 202) names no ticket
    missing_status, missing = await partner.get("ticket_detail", params={"id": "201"})
    assert refused(missing_status, missing, 404, "NOT_FOUND") == ["id"]


async def test_loading_the_examples_twice_changes_nothing(database: Database) -> None:
    # given the examples loaded
    await seed_examples(database)
    counts = {
        name: await database.db[name].count_documents({"_account": 72136196})
        for name in ("patients", "users", "tickets", "ticket_categories", "rest_ids")
    }
    # when they are loaded again
    await seed_examples(database)
    # then nothing more is stored, and the documented key is issued once
    again = {
        name: await database.db[name].count_documents({"_account": 72136196}) for name in counts
    }
    assert again == counts
    # and each documented record holds its documented number, the counters past them
    numbers = {
        (doc["kind"], doc["number"])
        async for doc in database.db.rest_ids.find({"_account": 72136196})
    }
    assert numbers >= DOCUMENTED_NUMBERS
    assert len([n for n in numbers if n[0] in ("category", "employee")]) == 5
    counters = {
        doc["_id"]: doc["value"]
        async for doc in database.db.counters.find({"_id": {"$regex": "^rest:72136196:"}})
    }
    assert counters["rest:72136196:ticket"] >= 202 and counters["rest:72136196:comment"] == 379
    assert counters["rest:72136196:category"] == 7
    assert await database.db.api_clients.count_documents({"key_hash": lookup_hash(API_KEY)}) == 1

    # when a load stopped after making a resident but before numbering it, and runs again
    resident = {"_account": 72136196, "kind": "resident", "number": 889283349}
    entry = await database.db.rest_ids.find_one(resident)
    assert entry is not None and entry["record_id"] == example_id("resident", 889283349)
    await database.db.rest_ids.delete_one(resident)
    await seed_examples(database)
    # then the same resident gets its number back, and nothing else is made
    healed = await database.db.rest_ids.find_one(resident)
    assert healed is not None and healed["record_id"] == entry["record_id"]
    assert healed["legacy"] == entry["legacy"]
    assert await database.db.patients.count_documents({"_account": 72136196}) == counts["patients"]


async def provider(api: Api, name: str, tickets: int) -> tuple[Agency, list[dict[str, Any]]]:
    """An agency with a category, and that many residents each with a ticket."""
    agency = await api.agency(name)
    category = await create_category(agency, f"{name} category")
    made = []
    for n in range(tickets):
        patient = await create_patient(agency, name={"first": f"{name}{n}", "last": "Resident"})
        made.append(await create_ticket(agency, patient["id"], (category["id"], "ISSUE")))
    return agency, made


async def test_a_token_of_one_provider_never_reaches_another_provider(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given two providers: one with a ticket, one with three
    small, _ = await provider(api, "Small", 1)
    large, _ = await provider(api, "Large", 3)
    mine, theirs = await rest_of(http, small), await rest_of(http, large)
    _, their_residents = await theirs.get("all_residents")
    _, their_categories = await theirs.get("provider_categories")
    _, their_tickets = await theirs.get("tickets")
    # when the small provider lists and reads with its own token
    _, tickets = await mine.get("tickets")
    _, residents = await mine.get("all_residents")
    _, categories = await mine.get("provider_categories")
    third = await mine.get("ticket_detail", params={"id": str(their_tickets["ticket"][2]["id"])})
    # then it sees its own records only, and the other's ticket numbers name nothing
    assert [t["title"] for t in tickets["ticket"]] == ["Weight loss"]
    assert [r["first_name"] for r in residents["residents"]] == ["Small0"]
    assert {r["provider_id"] for r in residents["residents"]} == {small.account_id}
    assert [c["name"] for c in categories["categories"]] == ["Small category"]
    assert refused(*third, 404, "NOT_FOUND") == ["id"]
    # when it mixes its headers with the other's token, or the reverse
    crossed = await mine.get("tickets", token=theirs.token)
    reversed_ = await theirs.get("tickets", token=mine.token)
    # then both are refused as credentials
    refused(*crossed, 401, "UNAUTHENTICATED")
    refused(*reversed_, 401, "UNAUTHENTICATED")
    # when it creates a ticket about the other's resident, or in the other's category
    before = await api.count("tickets", _account=small.account_id)
    resident = await mine.post(
        "create_ticket",
        data={"title": "x", "resident_id": str(their_residents["residents"][2]["id"])},
    )
    category = await mine.post(
        "create_ticket",
        data={
            "title": "x",
            "resident_id": str(residents["residents"][0]["id"]),
            f"category_{their_categories['categories'][0]['id'] + 50}": "Issue",
        },
    )
    # then both are refused and nothing is created
    assert refused(*resident, 422, "NOT_FOUND") == ["resident_id"]
    assert str(refused(*category, 422, "NOT_FOUND")[0]).startswith("category_")
    assert await api.count("tickets", _account=small.account_id) == before


async def test_missing_wrong_or_expired_credentials_are_refused(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> None:
    # given an authorized provider
    agency, _ = await provider(api, "Guarded", 1)
    partner = await rest_of(http, agency)
    assert (await partner.get("tickets"))[0] == 200
    # when it calls without headers, with a wrong secret, with its API key as the token, with an
    # unknown token
    calls = [
        await partner.get("tickets", headers={}),
        await partner.get("tickets", headers={"api_key": agency.key}),
        await partner.get("tickets", headers={"api_key": agency.key, "api_secret": "wrong"}),
        await partner.get("tickets", token=agency.key),
        await partner.get("all_residents", token="356kdpiamhkz7a43nu0e2ldr9"),
        await partner.post("create_ticket", token="nope", data={"title": "x"}),
    ]
    # then each is a 401 of the one refusal shape
    for call in calls:
        refused(*call, 401, "UNAUTHENTICATED")
    # when its token expires
    await database.db.access_tokens.update_one(
        {"token_hash": lookup_hash(partner.token)},
        {"$set": {"expires_at": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}},
    )
    expired = await partner.get("provider_categories")
    # then it is refused until it authorizes again
    refused(*expired, 401, "UNAUTHENTICATED")
    await partner.authorize()
    assert (await partner.get("provider_categories"))[0] == 200


async def test_bad_create_parameters_are_named_and_create_nothing(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a provider with a resident and a category
    agency, _ = await provider(api, "Strict", 1)
    partner = await rest_of(http, agency)
    _, residents = await partner.get("all_residents")
    _, categories = await partner.get("provider_categories")
    resident, category = residents["residents"][0]["id"], categories["categories"][0]["id"]
    before = await api.count("tickets", _account=agency.account_id)
    # when tickets are created with bad parameters
    everything_wrong = await partner.post(
        "create_ticket",
        params={
            "resident_id": "999999",
            "sms": "maybe",
            "urgency_status": "9",
            "ticket_status": "Pending",
            "category_999": "Issue",
            f"category_{category}": "Serious",
        },
    )
    no_resident = await partner.post("create_ticket", data={"title": "Falls"})
    # then every bad parameter is named, and nothing is created
    fields = refused(*everything_wrong, 422, "REQUIRED")
    assert set(fields) == {
        "title", "resident_id", "sms", "urgency_status", "ticket_status", "category_999",
        f"category_{category}",
    }  # fmt: skip
    assert refused(*no_resident, 422, "REQUIRED") == ["resident_id"]
    assert await api.count("tickets", _account=agency.account_id) == before
    # when the parameters are right (sent as query parameters this time)
    created = await partner.post(
        "create_ticket",
        params={"title": "Falls", "resident_id": str(resident), f"category_{category}": "issue"},
    )
    # then the ticket is created
    assert created[0] == 200 and created[1]["status"] == "Success"
    assert await api.count("tickets", _account=agency.account_id) == before + 1


async def test_update_status_follows_the_allowed_moves(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> None:
    # given a provider's ticket
    agency, (ticket,) = await provider(api, "Moves", 1)
    partner = await rest_of(http, agency)
    _, listed = await partner.get("tickets")
    number = str(listed["ticket"][0]["id"])
    # when the ticket is closed, then moved to In Progress, to an unknown status, without id
    closed = await partner.post("update_status", params={"id": number, "status": "Closed"})
    moved = await partner.post("update_status", params={"id": number, "status": "In Progress"})
    unknown = await partner.post("update_status", params={"id": number, "status": "Pending"})
    no_id = await partner.post("update_status", params={"status": "Open"})
    # then only the allowed move is made
    assert closed[0] == 200
    assert refused(*moved, 409, "INVALID_STATE") == ["status"]
    assert moved[1]["message"] == (
        "A ticket that is Closed cannot move to In Progress (it can move to Reopen)."
    )
    assert refused(*unknown, 422, "INVALID") == ["status"]
    assert refused(*no_id, 422, "INVALID") == ["id"]
    stored = await database.db.tickets.find_one({"_id": key(ticket["id"])})
    assert stored is not None and stored["ticket_status"] == "Closed"


async def test_a_role_without_manage_tickets_reads_but_does_not_write(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> None:
    # given a provider's ticket and a billing clerk's API client (no MANAGE_TICKETS)
    agency, _ = await provider(api, "Clerk", 1)
    key_, secret = await create_api_client(database, agency.account_id, "clerk", "billing")
    clerk = Rest(http, key_, secret)
    await clerk.authorize()
    _, listed = await clerk.get("tickets")
    number = str(listed["ticket"][0]["id"])
    # when the clerk moves the ticket
    moved = await clerk.post("update_status", params={"id": number, "status": "Open"})
    # then it may read but not write
    assert listed["status"] == "Success"
    refused(*moved, 403, "FORBIDDEN")
    stored = await database.db.tickets.find_one({"_account": agency.account_id})
    assert stored is not None and stored["ticket_status"] == "New"


async def test_update_status_and_create_ticket_answer_get_as_well_as_post(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> None:
    # given a provider's ticket, resident and category
    agency, (ticket,) = await provider(api, "Getter", 1)
    partner = await rest_of(http, agency)
    _, listed = await partner.get("tickets")
    _, residents = await partner.get("all_residents")
    _, categories = await partner.get("provider_categories")
    number = listed["ticket"][0]["id"]
    # when the partner calls update_status as the seed's example is written (a plain GET)
    moved = await partner.get("update_status", params={"id": str(number), "status": "Reopen"})
    # then the status is updated, as by a POST
    assert moved == (200, {"status": "Success", "message": "Status Updated Successfully!!"})
    stored = await database.db.tickets.find_one({"_id": key(ticket["id"])})
    assert stored is not None and stored["ticket_status"] == "Reopen"
    # when it creates a ticket with a GET and query parameters
    created_status, created = await partner.get(
        "create_ticket",
        params={
            "title": "Asked by GET",
            "resident_id": str(residents["residents"][0]["id"]),
            f"category_{categories['categories'][0]['id']}": "No Issue",
        },
    )
    # then it is created, under the next number, with its category status
    assert created_status == 200 and created["ticket_id"] == number + 1, created
    made = await database.db.tickets.find_one(
        {"_account": agency.account_id, "title": "Asked by GET"}
    )
    assert made is not None and [c["status"] for c in made["categories"]] == ["no issue"]


async def test_unreadable_bodies_wrong_paths_and_unexpected_errors_answer_the_refusal_shape(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given an authorized provider
    agency, _ = await provider(api, "Broken", 1)
    partner = await rest_of(http, agency)
    before = await api.count("tickets", _account=agency.account_id)
    url = f"/api/{partner.token}/create_ticket"

    async def send(method: str, path: str, **options: Any) -> tuple[int, dict[str, Any]]:
        response = await http.request(method, path, **options)
        assert response.content_type == "application/json", await response.text()
        return response.status, await response.json()

    # when create_ticket gets a broken multipart body, and a form in an unknown charset
    multipart = await send(
        "POST",
        url,
        headers={**partner.headers, "Content-Type": "multipart/form-data; boundary=zzz"},
        data=b'--not-the-boundary\r\nContent-Disposition: form-data; name="title"\r\n\r\nx',
    )
    charset = await send(
        "POST",
        url,
        headers={
            **partner.headers,
            "Content-Type": "application/x-www-form-urlencoded; charset=no-such-charset",
        },
        data=b"title=x&resident_id=1",
    )
    # then both are 400s of the one shape, naming the body, and nothing is created
    assert refused(*multipart, 400, "INVALID") == ["body"]
    assert refused(*charset, 400, "INVALID") == ["body"]
    assert await api.count("tickets", _account=agency.account_id) == before
    # when it calls an endpoint that does not exist, an endpoint with a wrong method, and
    # authorize with a GET
    missing = await send("GET", f"/api/{partner.token}/no_such_thing", headers=partner.headers)
    wrong = await send("PUT", f"/api/{partner.token}/update_status", headers=partner.headers)
    authorize_get = await send("GET", "/api/authorize", headers=partner.headers)
    # then they are a 404 and two 405s of the one shape
    refused(*missing, 404, "NOT_FOUND")
    assert refused(*wrong, 405, "METHOD_NOT_ALLOWED") == ["method"]
    assert wrong[1]["message"] == "update_status answers GET or POST."
    refused(*authorize_get, 405, "METHOD_NOT_ALLOWED")

    # when something unexpected fails while answering
    async def failing(*args: Any) -> Any:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr("app.tickets.rest.all_tickets", failing)
    with caplog.at_level(logging.ERROR, logger="app.api"):
        response = await http.get(
            f"/api/{partner.token}/tickets",
            headers={**partner.headers, "X-Request-Id": "req-fire-1"},
        )
        body = await response.json()
    # then it is a 500 of the one shape, saying no more, logged with the request's id
    assert refused(response.status, body, 500, "INTERNAL") == [None]
    assert body["message"] == "Unexpected error."
    assert response.headers["X-Request-Id"] == "req-fire-1"
    assert "req-fire-1" in caplog.text and "the disk caught fire" in caplog.text


async def test_authorize_refusals_have_the_one_shape(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a provider
    agency, _ = await provider(api, "Knocking", 0)
    tokens = await api.count("access_tokens", _account=agency.account_id)
    # when it authorizes without headers, with a wrong secret, and with an unknown key
    calls = []
    for headers in (
        {},
        {"api_key": agency.key, "api_secret": "wrong"},
        {"api_key": "0" * 32, "api_secret": agency.secret},
    ):
        response = await http.post("/api/authorize", headers=headers)
        calls.append((response.status, await response.json()))
    # then each is a 401 of the one shape (UNAUTHENTICATED throughout), and no token is issued
    for call in calls:
        refused(*call, 401, "UNAUTHENTICATED")
    assert calls[0][1]["message"] == "Send the headers api_key and api_secret."
    assert calls[1][1]["message"] == "The api_key and api_secret do not match."
    assert await api.count("access_tokens", _account=agency.account_id) == tokens


async def test_a_resident_is_active_or_inactive_and_deleted_ones_are_not_listed(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> None:
    # given patients active, on hold, discharged, a prospect, and an active one deleted
    agency = await api.agency()
    for first, status in [
        ("Ada", "ACTIVE"), ("Ben", "ON_HOLD"), ("Cy", "DISCHARGED"), ("Di", "PROSPECT"),
        ("Ed", "ACTIVE"),
    ]:  # fmt: skip
        await create_patient(agency, name={"first": first, "last": "Resident"}, status=status)
    deleted = await database.db.patients.find_one(
        {"_account": agency.account_id, "name.first": "Ed"}
    )
    assert deleted is not None
    gone = await agency.ok(
        'mutation($id: ID!) { patientDelete(id: $id, reason: "Moved away") '
        "{ userErrors { code } } }",
        {"id": to_global_id("Patient", deleted["_id"])},
    )
    assert gone["patientDelete"]["userErrors"] == []
    partner = await rest_of(http, agency)
    # when the partner lists the residents
    status, body = await partner.get("all_residents")
    # then every patient not deleted is listed, "active" only when active
    assert status == 200
    assert [(r["first_name"], r["state"]) for r in body["residents"]] == [
        ("Ada", "active"), ("Ben", "inactive"), ("Cy", "inactive"), ("Di", "inactive"),
    ]  # fmt: skip
    # and the read of their dates of birth is in the audit trail, one entry per resident shown
    read = await database.db.audit_events.count_documents(
        {"_account": agency.account_id, "action": "read_sensitive"}
    )
    assert read == 4


async def test_first_reads_at_once_number_each_record_once_without_gaps(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> None:
    # given a provider whose four residents and two categories were never shown by number
    agency = await api.agency()
    for n in range(4):
        await create_patient(agency, name={"first": f"Fresh{n}", "last": "Resident"})
    await create_category(agency, "First")
    await create_category(agency, "Second")
    one, two = await rest_of(http, agency), await rest_of(http, agency)
    # when two partners list the residents and the categories at the same time
    answers = await asyncio.gather(
        one.get("all_residents"),
        two.get("all_residents"),
        one.get("provider_categories"),
        two.get("provider_categories"),
    )
    # then both see the same numbers: 1 to 4 and 1 to 2, in the order the records were added
    residents = [[r["id"] for r in body["residents"]] for _, body in answers[:2]]
    categories = [[c["id"] for c in body["categories"]] for _, body in answers[2:]]
    assert residents == [[1, 2, 3, 4]] * 2
    assert categories == [[1, 2]] * 2
    # and each record is stored with one number, the counters at the last number given
    stored = [
        (doc["kind"], doc["number"])
        async for doc in database.db.rest_ids.find({"_account": agency.account_id})
    ]
    assert sorted(stored) == [("category", 1), ("category", 2)] + [
        ("resident", n) for n in (1, 2, 3, 4)
    ]
    for kind, last in (("resident", 4), ("category", 2)):
        counter = await database.db.counters.find_one({"_id": f"rest:{agency.account_id}:{kind}"})
        assert counter is not None and counter["value"] == last
    # when two tickets are created at the same time
    made = await asyncio.gather(
        *(
            one.post("create_ticket", data={"title": f"At once {n}", "resident_id": "1"})
            for n in range(2)
        )
    )
    # then they are numbered 1 and 2, each number stored with its ticket
    assert sorted(body["ticket_id"] for _, body in made) == [1, 2]
    tickets = await api.count("rest_ids", _account=agency.account_id, kind="ticket")
    assert tickets == await api.count("tickets", _account=agency.account_id) == 2


async def test_a_ticket_is_numbered_in_the_transaction_that_creates_it(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a provider with a resident, whose ticket numbering will fail
    agency, _ = await provider(api, "Atomic", 1)
    partner = await rest_of(http, agency)
    _, residents = await partner.get("all_residents")
    before = {c: await api.count(c, _account=agency.account_id) for c in ("tickets", "rest_ids")}
    audit = await api.count("audit_events", _account=agency.account_id, record_type="Ticket")

    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("numbering failed")

    monkeypatch.setattr("app.tickets.services.number_new", failing)
    # when the partner creates a ticket
    answer = await partner.post(
        "create_ticket",
        data={"title": "Half made", "resident_id": str(residents["residents"][0]["id"])},
    )
    # then it is told it failed, and indeed nothing was written: no ticket, no number, no audit
    refused(*answer, 500, "INTERNAL")
    after = {c: await api.count(c, _account=agency.account_id) for c in ("tickets", "rest_ids")}
    assert after == before
    assert (
        await api.count("audit_events", _account=agency.account_id, record_type="Ticket") == audit
    )


async def test_a_matched_secret_is_not_hashed_again_within_the_cache_time(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an authorized provider, and a count of the secrets hashed
    agency, _ = await provider(api, "Cached", 1)
    partner = await rest_of(http, agency)
    hashed: list[str] = []
    real = partners.secret_matches_async

    async def counting(secret: str, stored: str | None) -> bool:
        hashed.append(secret)
        return await real(secret, stored)

    monkeypatch.setattr(partners, "secret_matches_async", counting)
    # when it calls three times, then once with a wrong secret
    calls = [await partner.get("tickets") for _ in range(3)]
    wrong = await partner.get("tickets", headers={"api_key": agency.key, "api_secret": "wrong"})
    # then its secret was hashed once, the wrong one too, and the wrong one refused
    assert [status for status, _ in calls] == [200, 200, 200]
    assert hashed == [agency.secret, "wrong"]
    refused(*wrong, 401, "UNAUTHENTICATED")
    # when its key is revoked (the application forgets the account's cached callers)
    await database.db.api_clients.update_one(
        {"key_hash": lookup_hash(agency.key)}, {"$set": {"revoked": True}}
    )
    http.app[AUTHENTICATOR].forget(agency.account_id)
    # then the remembered secret no longer lets it in
    refused(*(await partner.get("tickets")), 401, "UNAUTHENTICATED")


async def test_two_numberings_of_the_same_fresh_records_at_once_agree_without_gaps(
    api: Api,
    database: Database,
) -> None:
    # given a provider's four residents and a category never numbered
    agency = await api.agency()
    patients = [
        key((await create_patient(agency, name={"first": f"Twin{n}", "last": "R"}))["id"])
        for n in range(4)
    ]
    category = key((await create_category(agency, "Only"))["id"])
    wanted = {"resident": patients, "category": [category]}
    # when two requests number them at the same time (their reads and writes interleave)
    scope = Scope(database, Actor(agency.account_id))
    first, second = await asyncio.gather(numbers_of(scope, wanted), numbers_of(scope, wanted))
    # then both get the same numbers, in the order asked, with no number skipped or repeated
    assert first == second
    assert [first["resident"][p] for p in patients] == [1, 2, 3, 4]
    assert first["category"] == {category: 1}
    counter = await database.db.counters.find_one({"_id": f"rest:{agency.account_id}:resident"})
    assert counter is not None and counter["value"] == 4
    assert await api.count("rest_ids", _account=agency.account_id, kind="resident") == 4
