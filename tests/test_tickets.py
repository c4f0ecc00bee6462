"""Care tickets in the graph: created with their category statuses in one write, statuses moved
along the allowed moves, comments and files added, listed with filters, kept per account."""

from __future__ import annotations

from typing import Any

import pytest

from app.graphql.schema import schema_sdl
from tests.factories import Agency, Api, audit_entries, create_patient, create_user
from tests.factories_tickets import (
    ATTACH,
    COMMENT,
    CREATE_TICKET,
    TICKET_FIELDS,
    UPDATE_STATUS,
    create_category,
    create_ticket,
    key,
    make_file,
    ticket_input,
)

READ = f"query($id: ID!) {{ ticket(id: $id) {{ {TICKET_FIELDS} }} }}"
UPDATE = """mutation($id: ID!, $revision: Int!, $input: TicketUpdateInput!) {
  ticketUpdate(id: $id, revision: $revision, input: $input) {
  ticket { revision ticketStatus title categories { status title comments { title } } }
  userErrors { field message code } } }"""


async def setting(agency: Agency) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A resident and two categories."""
    patient = await create_patient(agency)
    return (
        patient,
        await create_category(agency, "Weight Gain"),
        await create_category(agency, "Emergency"),
    )


async def test_a_ticket_is_created_with_its_category_statuses_in_one_write(api: Api) -> None:
    # given a resident, an employee and two categories
    agency = await api.agency()
    patient, weight, emergency = await setting(agency)
    employee = await create_user(agency)
    # when a ticket is created with a status in each category
    ticket = await create_ticket(
        agency,
        patient["id"],
        (weight["id"], "ISSUE"),
        (emergency["id"], "POTENTIAL_ISSUE"),
        employee=employee["id"],
        urgencyStatus="HIGH",
        sms=True,
        sentToPrimary=True,
        startDate="2025-06-02T09:00:00Z",
        endDate="2025-06-03T09:00:00Z",
    )
    read = await agency.ok(READ, {"id": ticket["id"]})
    # then it reads back whole, each status titled by its category
    assert read["ticket"] == ticket
    assert ticket["resident"] == {"id": patient["id"]}
    assert ticket["employee"] == {"id": employee["id"]}
    assert (ticket["ticketStatus"], ticket["urgencyStatus"]) == ("NEW", "HIGH")
    assert (ticket["sms"], ticket["sentToPrimary"], ticket["state"]) == (True, True, False)
    assert [(c["category"]["name"], c["status"], c["title"]) for c in ticket["categories"]] == [
        ("Weight Gain", "ISSUE", "Weight Gain"),
        ("Emergency", "POTENTIAL_ISSUE", "Emergency"),
    ]
    # and it is stored under the care-ticket API's names, with one audit entry
    stored = await api.database.db.tickets.find_one({"_id": key(ticket["id"])})
    assert stored is not None
    assert stored["resident_id"] == key(patient["id"])
    assert stored["employee_id"] == key(employee["id"])
    assert (stored["urgency_status_id"], stored["ticket_status"]) == (3, "New")
    assert stored["sentsent_to_primary"] is True
    assert [c["status"] for c in stored["categories"]] == ["issue", "potential issue"]
    entries = await audit_entries(agency, record_type="Ticket")
    assert [e["action"] for e in entries] == ["create"]
    # and it has its care-ticket API number from its creation: the account's first
    numbered = await api.database.db.rest_ids.find_one(
        {"_account": agency.account_id, "kind": "ticket", "record_id": key(ticket["id"])}
    )
    assert numbered is not None and numbered["number"] == 1


async def test_a_bad_ticket_is_refused_and_nothing_is_written(api: Api) -> None:
    # given a resident and a category, and another agency's resident and category
    agency, other = await api.agency(), await api.agency()
    patient, weight, _ = await setting(agency)
    their_patient, their_category, _ = await setting(other)
    same_twice = (weight["id"], "ISSUE"), (weight["id"], "NO_ISSUE")
    backwards = {"startDate": "2025-06-03T09:00:00Z", "endDate": "2025-06-02T09:00:00Z"}
    cases = [
        (ticket_input(patient["id"], (their_category["id"], "ISSUE")),
         "input.categories.0.category", "NOT_FOUND"),
        (ticket_input(their_patient["id"]), "input.resident", "NOT_FOUND"),
        (ticket_input(patient["id"], *same_twice), "input.categories", "INVALID"),
        (ticket_input(patient["id"], **backwards), "input", "INVALID"),
        (ticket_input(patient["id"], title=""), "input.title", "INVALID"),
    ]  # fmt: skip
    for data, field, code in cases:
        # when it is created
        answer = await agency.ok(CREATE_TICKET, {"input": data})
        # then it is refused, naming the field
        errors = answer["ticketCreate"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], errors
    assert await api.count("tickets", _account=agency.account_id) == 0


async def test_the_status_moves_only_along_the_allowed_moves(api: Api) -> None:
    # given a new ticket
    agency = await api.agency()
    patient, weight, _ = await setting(agency)
    ticket = await create_ticket(agency, patient["id"], (weight["id"], "ISSUE"))

    async def move(status: str, revision: int | None = None) -> dict[str, Any]:
        answer = await agency.ok(
            UPDATE_STATUS, {"id": ticket["id"], "status": status, "revision": revision}
        )
        return answer["ticketUpdateStatus"]  # type: ignore[no-any-return]

    # when it is reopened (as seed 001's example does), closed, then put in progress
    reopened = await move("REOPENED")
    closed = await move("CLOSED")
    refused = await move("IN_PROGRESS")
    stale = await move("REOPENED", revision=1)
    same = await move("CLOSED")
    # then the allowed moves are made, the others refused, and the same status changes nothing
    assert reopened["ticket"]["ticketStatus"] == "REOPENED"
    assert closed["ticket"]["ticketStatus"] == "CLOSED"
    assert refused["userErrors"] == [
        {
            "field": "status",
            "message": "A ticket that is CLOSED cannot move to IN_PROGRESS (it can move to "
            "REOPENED).",
            "code": "INVALID_STATE",
        }
    ]
    assert [e["code"] for e in stale["userErrors"]] == ["CONFLICT"]
    assert same["ticket"]["revision"] == closed["ticket"]["revision"] == 3
    stored = await api.database.db.tickets.find_one({"_id": key(ticket["id"])})
    assert stored is not None and (stored["ticket_status"], stored["_revision"]) == ("Closed", 3)
    # when the generic update tries the refused move
    sneaky = await agency.ok(
        UPDATE, {"id": ticket["id"], "revision": 3, "input": {"ticketStatus": "IN_PROGRESS"}}
    )
    # then it is refused the same way
    assert [e["code"] for e in sneaky["ticketUpdate"]["userErrors"]] == ["INVALID_STATE"]


async def test_comments_are_added_to_a_category_and_kept_by_updates(api: Api) -> None:
    # given a ticket with two category statuses, and a user
    agency = await api.agency()
    patient, weight, emergency = await setting(agency)
    writer = await create_user(agency, name={"first": "Dana", "last": "Roy"})
    ticket = await create_ticket(
        agency, patient["id"], (weight["id"], "ISSUE"), (emergency["id"], "NO_ISSUE")
    )
    # when the API client and the user comment on the weight category, and on a category the
    # ticket has no status for
    variables = {"id": ticket["id"], "category": weight["id"]}
    first = await agency.ok(COMMENT, {**variables, "text": "Weighed twice."})
    second = await agency.ok(
        COMMENT, {**variables, "text": "Diet plan sent.", "user": writer["id"]}
    )
    other = await create_category(agency, "Activity Level")
    missing = await agency.ok(COMMENT, {**variables, "category": other["id"], "text": "x"})
    # then the comments are on the category, oldest first, with who wrote them
    comments = second["ticketComment"]["ticket"]["categories"][0]["comments"]
    assert [(c["title"], c["commentedBy"], c["user"]) for c in comments] == [
        ("Weighed twice.", "Administrator", None),
        ("Diet plan sent.", "Dana Roy", {"id": writer["id"]}),
    ]
    assert first["ticketComment"]["comment"]["commentedBy"] == "Administrator"
    assert [e["code"] for e in missing["ticketComment"]["userErrors"]] == ["NOT_FOUND"]
    # when the statuses are changed with an update
    revision = second["ticketComment"]["ticket"]["revision"]
    updated = await agency.ok(
        UPDATE,
        {
            "id": ticket["id"],
            "revision": revision,
            "input": {
                "categories": [
                    {"category": weight["id"], "status": "NO_ISSUE", "title": "Back to normal"}
                ]
            },
        },
    )
    # then the category that stays keeps its comments
    assert updated["ticketUpdate"]["ticket"]["categories"] == [
        {
            "status": "NO_ISSUE",
            "title": "Back to normal",
            "comments": [{"title": "Weighed twice."}, {"title": "Diet plan sent."}],
        }
    ]


async def test_a_file_of_the_same_account_is_attached_once(api: Api) -> None:
    # given a ticket, a file of the account and a file of another account
    agency, other = await api.agency(), await api.agency()
    patient, weight, _ = await setting(agency)
    their_patient = await create_patient(other)
    ticket = await create_ticket(agency, patient["id"], (weight["id"], "ISSUE"))
    file = await make_file(agency, patient["id"])
    theirs = await make_file(other, their_patient["id"])
    # when the files are attached, the first twice
    attached = await agency.ok(ATTACH, {"id": ticket["id"], "file": file})
    again = await agency.ok(ATTACH, {"id": ticket["id"], "file": file})
    foreign = await agency.ok(ATTACH, {"id": ticket["id"], "file": theirs})
    # then the ticket carries the file once, and the other account's file is not found
    assert attached["ticketAttachFile"]["ticket"]["attachments"] == [
        {"name": "fall-report.pdf", "size": 15, "file": {"id": file}}
    ]
    assert [e["code"] for e in again["ticketAttachFile"]["userErrors"]] == ["DUPLICATE"]
    assert [e["code"] for e in foreign["ticketAttachFile"]["userErrors"]] == ["NOT_FOUND"]
    stored = await api.database.db.tickets.find_one({"_id": key(ticket["id"])})
    assert stored is not None and len(stored["ticket_attachments"]) == 1


async def test_tickets_are_listed_with_each_filter_and_order(api: Api) -> None:
    # given three tickets about two residents, with different statuses and urgencies
    agency = await api.agency()
    walter, weight, emergency = await setting(agency)
    rosa = await create_patient(agency, name={"first": "Rosa", "last": "Santos"})
    employee = await create_user(agency)
    falls = await create_ticket(
        agency, walter["id"], (emergency["id"], "ISSUE"), title="Falls at night",
        urgencyStatus="CRITICAL", employee=employee["id"],
    )  # fmt: skip
    await create_ticket(
        agency, walter["id"], (weight["id"], "NO_ISSUE"), title="Appetite", urgencyStatus="LOW"
    )
    gain = await create_ticket(agency, rosa["id"], (weight["id"], "POTENTIAL_ISSUE"), title="Gain")
    await agency.ok(UPDATE_STATUS, {"id": gain["id"], "status": "OPEN"})
    created = falls["createdDate"]

    async def titles(filter: dict[str, Any], order: dict[str, Any] | None = None) -> list[str]:
        data = await agency.ok(
            """query($filter: TicketFilter, $order: TicketOrder) {
              tickets(filter: $filter, orderBy: $order) { totalCount nodes { title } } }""",
            {"filter": filter, "order": order},
        )
        assert data["tickets"]["totalCount"] == len(data["tickets"]["nodes"])
        return [node["title"] for node in data["tickets"]["nodes"]]

    # when listed with each filter and order, then each shows its tickets
    assert await titles({}) == ["Gain", "Appetite", "Falls at night"]
    assert await titles({"status": ["OPEN"]}) == ["Gain"]
    assert await titles({"urgency": ["CRITICAL", "LOW"]}) == ["Appetite", "Falls at night"]
    assert await titles({"resident": rosa["id"]}) == ["Gain"]
    assert await titles({"employee": employee["id"]}) == ["Falls at night"]
    assert await titles({"category": weight["id"]}) == ["Gain", "Appetite"]
    assert await titles({"categoryStatus": ["ISSUE", "POTENTIAL_ISSUE"]}) == [
        "Gain",
        "Falls at night",
    ]
    assert await titles({"createdDate": {"end": created}}) == []
    assert await titles({"createdDate": {"start": created}}) == [
        "Gain",
        "Appetite",
        "Falls at night",
    ]
    assert await titles({"search": "fall"}) == ["Falls at night"]
    assert await titles({}, {"field": "URGENCY", "direction": "DESC"}) == [
        "Falls at night",
        "Gain",
        "Appetite",
    ]
    assert await titles({}, {"field": "TITLE"}) == ["Appetite", "Falls at night", "Gain"]
    # and a category lists its tickets
    data = await agency.ok(
        "query($id: ID!) { ticketCategory(id: $id) { tickets { nodes { title } } } }",
        {"id": emergency["id"]},
    )
    assert data["ticketCategory"]["tickets"]["nodes"] == [{"title": "Falls at night"}]


async def test_a_ticket_is_deleted_and_restored_and_another_account_never_sees_it(
    api: Api,
) -> None:
    # given a ticket, and another agency
    agency, other = await api.agency(), await api.agency()
    patient, weight, _ = await setting(agency)
    ticket = await create_ticket(agency, patient["id"], (weight["id"], "ISSUE"))
    # when it is deleted
    deleted = await agency.ok(
        """mutation($id: ID!) { ticketDelete(id: $id, reason: "Raised twice") {
          ticket { deleted } userErrors { code } } }""",
        {"id": ticket["id"]},
    )
    listed = await agency.ok(
        "{ tickets { nodes { id } } deleted: tickets(filter: {deleted: DELETED}) { nodes { id } } }"
    )
    commented = await agency.ok(
        COMMENT, {"id": ticket["id"], "category": weight["id"], "text": "x"}
    )
    # then it leaves the list, shows among the deleted, and takes no comment
    assert deleted["ticketDelete"] == {"ticket": {"deleted": True}, "userErrors": []}
    assert listed == {"tickets": {"nodes": []}, "deleted": {"nodes": [{"id": ticket["id"]}]}}
    assert [e["code"] for e in commented["ticketComment"]["userErrors"]] == ["INVALID_STATE"]
    # when it is restored, and the other agency reads it and tries to move it
    restored = await agency.ok(
        "mutation($id: ID!) { ticketRestore(id: $id) { ticket { deleted } } }",
        {"id": ticket["id"]},
    )
    seen = await other.ok(READ, {"id": ticket["id"]})
    moved = await other.ok(UPDATE_STATUS, {"id": ticket["id"], "status": "CLOSED"})
    # then it is back, and the other agency neither sees nor moves it
    assert restored["ticketRestore"]["ticket"] == {"deleted": False}
    assert seen == {"ticket": None}
    assert [e["code"] for e in moved["ticketUpdateStatus"]["userErrors"]] == ["NOT_FOUND"]
    stored = await api.database.db.tickets.find_one({"_id": key(ticket["id"])})
    assert stored is not None and stored["ticket_status"] == "New"


async def test_managing_tickets_needs_the_permission(api: Api) -> None:
    # given a ticket, and a caregiver's key
    agency = await api.agency()
    patient, weight, _ = await setting(agency)
    ticket = await create_ticket(agency, patient["id"], (weight["id"], "ISSUE"))
    await agency.key_for("caregiver")
    # when the caregiver moves it
    response = await agency.gql(
        UPDATE_STATUS, {"id": ticket["id"], "status": "CLOSED"}, role="caregiver"
    )
    # then it is forbidden and the ticket is unchanged
    errors = response.data["ticketUpdateStatus"]["userErrors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]
    stored = await api.database.db.tickets.find_one({"_id": key(ticket["id"])})
    assert stored is not None and stored["ticket_status"] == "New"


@pytest.mark.skipif(
    "tickets(" not in schema_sdl().split("type Patient ")[1].split("\n}")[0],
    reason="patient.tickets and user.tickets are added to the Patient and User types later",
)
async def test_a_patient_and_a_user_list_their_tickets(api: Api) -> None:
    # given tickets about two residents, one handled by a user
    agency = await api.agency()
    walter, weight, _ = await setting(agency)
    rosa = await create_patient(agency, name={"first": "Rosa", "last": "Santos"})
    employee = await create_user(agency)
    await create_ticket(agency, walter["id"], (weight["id"], "ISSUE"), title="One")
    await create_ticket(agency, walter["id"], title="Two", employee=employee["id"])
    await create_ticket(agency, rosa["id"], title="Three")
    # when the residents and the user list their tickets
    data = await agency.ok(
        """query($walter: ID!, $user: ID!) {
          walter: node(id: $walter) { ... on Patient { tickets { nodes { title } } } }
          user: node(id: $user) { ... on User { tickets { nodes { title } } } } }""",
        {"walter": walter["id"], "user": employee["id"]},
    )
    # then each sees its own, newest first
    assert data["walter"]["tickets"]["nodes"] == [{"title": "Two"}, {"title": "One"}]
    assert data["user"]["tickets"]["nodes"] == [{"title": "Two"}]
