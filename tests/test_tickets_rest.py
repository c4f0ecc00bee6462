"""The care-ticket REST API of seed 001: each documented request, replayed against the example
provider (`seed --examples`), answers the documented data; providers stay apart; tokens expire;
bad parameters create nothing. Every refusal has one shape and a non-2xx status."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app.accounts.auth import lookup_hash
from app.accounts.routes import authorize
from app.accounts.services import create_api_client
from app.db import Database
from app.keys import AUTHENTICATOR, DATABASE, SETTINGS
from app.tickets.examples import API_KEY, API_SECRET, seed_examples
from app.tickets.routes import add_ticket_routes
from app.web import database_unavailable, request_ids
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


@pytest.fixture(scope="module")
async def http(
    client: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The application's client once create_app adds the ticket routes; until then, a server
    with the same database and only /api/authorize and these routes."""
    if any(r.canonical == "/api/{token}/tickets" for r in client.app.router.resources()):
        yield client
        return
    app = web.Application(middlewares=[request_ids, database_unavailable])
    app[SETTINGS] = client.app[SETTINGS]
    app[DATABASE] = database
    app[AUTHENTICATOR] = client.app[AUTHENTICATOR]
    app.router.add_post("/api/authorize", authorize)
    add_ticket_routes(app)
    async with TestClient(TestServer(app)) as rest_client:
        yield rest_client


def refused(status: int, body: dict[str, Any], expected: int, code: str) -> list[str | None]:
    """Check the one refusal shape; the fields the refusal names."""
    assert status == expected, body
    assert set(body) == REFUSAL_KEYS and body["status"] is False and body["code"] == code, body
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
    assert again == counts == {**counts, "patients": 3, "tickets": counts["tickets"]}
    assert await database.db.api_clients.count_documents({"key_hash": lookup_hash(API_KEY)}) == 1


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
