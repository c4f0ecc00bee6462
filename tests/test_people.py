"""Candidates (hired into users), clients who pay and contacts about patients: stored under the
catalogue's names, found by their filters, changed by revision, kept apart between accounts."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

from app.common.demo import DemoAccount
from app.common.services import Actor
from app.graphql.relay import from_global_id
from app.people import demo
from app.people.services import CandidateStore
from tests.factories import Agency, Api, audit_entries, create_patient, create_user, location
from tests.factories_people import (
    CREATE_CANDIDATE,
    CREATE_CLIENT,
    CREATE_CONTACT,
    HIRE,
    UPDATE_CANDIDATE,
    UPDATE_CLIENT,
    create_candidate,
    create_client,
    create_contact,
)


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


async def stored(api: Api, collection: str, global_id: str) -> dict[str, Any]:
    document = await api.database.db[collection].find_one({"_id": key(global_id)})
    assert document is not None
    return document


def names(data: dict[str, Any], field: str) -> list[str]:
    return [node["displayName"] for node in data[field]["nodes"]]


def errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


# Candidates

CANDIDATE = """query($id: ID!) { candidate(id: $id) {
  id fullName status rating manager { id } candidateNotes { text author date }
  skills { title } certifications { name verified } coverLetter resume experience
  hired hiredDate hiredUser { id } hiredAs { id } deletedDates { reason } } }"""
LIST_CANDIDATES = """query($filter: CandidateFilter, $order: CandidateOrder, $first: Int,
  $after: String) { candidates(filter: $filter, orderBy: $order, first: $first, after: $after) {
  totalCount nodes { fullName } pageInfo { endCursor hasNextPage } } }"""


async def listed_candidates(agency: Agency, **variables: Any) -> list[str]:
    data = await agency.ok(LIST_CANDIDATES, variables)
    return [node["fullName"] for node in data["candidates"]["nodes"]]


async def test_a_candidate_is_created_read_by_id_and_by_ext_id_and_stored_as_catalogued(
    api: Api,
) -> None:
    # given an agency with a manager
    agency = await api.agency()
    manager = await create_user(agency, roleType="OFFICE", role="scheduler")
    # when a candidate is created with a manager and an id in another system
    candidate = await create_candidate(agency, manager=manager["id"], extId="ats-7")
    data = await agency.ok(CANDIDATE, {"id": candidate["id"]})
    by_ext = await agency.ok('{ candidateByExtId(extId: "ats-7") { id } }')
    managed = await agency.ok(
        """query($id: ID!) { user(id: $id) { managedCandidates(filter: {status: [APPLIED]}) {
        nodes { id } } } }""",
        {"id": manager["id"]},
    )
    # then it reads back whole, its manager resolved (and the manager's candidates), not hired
    read = data["candidate"]
    assert read["fullName"] == "Lucia Ferreira" and read["status"] == "APPLIED"
    assert read["manager"] == {"id": manager["id"]} and read["rating"] == 4
    assert read["candidateNotes"][0]["text"] == "Called back the same day."
    assert read["candidateNotes"][0]["date"] is not None
    assert (read["hired"], read["hiredUser"], read["hiredAs"]) == (False, None, None)
    assert by_ext == {"candidateByExtId": {"id": candidate["id"]}}
    assert managed["user"]["managedCandidates"]["nodes"] == [{"id": candidate["id"]}]
    # and it is stored under the catalogue's names, with its search keys
    document = await stored(api, "candidates", candidate["id"])
    assert document["_account"] == agency.account_id and document["status"] == "applied"
    assert document["candidate_notes"][0]["author"] == "Recruiting"
    assert document["cover_letter"] == "I would like to join your team."
    assert document["manager"] == key(manager["id"])
    assert document["_search"]["rating"] == 4 and document["_search"]["skills"] == ["dementia care"]


async def test_candidates_are_filtered_by_search_status_skill_language_city_and_hired(
    api: Api,
) -> None:
    # given candidates at different stages, with different skills, languages and cities
    agency = await api.agency()
    await create_candidate(agency, name={"first": "Ana", "last": "Lopez"})
    await create_candidate(
        agency,
        name={"first": "Ben", "last": "Okafor"},
        status="INTERVIEWED",
        skills=[{"title": "Palliative care"}],
        languages=[{"code": "fr"}],
        locations=[location("Ottawa")],
    )
    hired = await create_candidate(agency, name={"first": "Cleo", "last": "Roy"})
    await agency.ok(HIRE, {"id": hired["id"], "revision": 1})
    # when they are listed with each filter
    found = {
        "search": await listed_candidates(agency, filter={"search": "lop"}),
        "status": await listed_candidates(agency, filter={"status": ["INTERVIEWED", "HIRED"]}),
        "skill": await listed_candidates(agency, filter={"skill": "PALLIATIVE care"}),
        "language": await listed_candidates(agency, filter={"language": "fr"}),
        "city": await listed_candidates(agency, filter={"city": "ottawa"}),
        "hired": await listed_candidates(agency, filter={"hired": True}),
        "not hired": await listed_candidates(agency, filter={"hired": False}),
    }
    # then each finds exactly its candidates
    assert found == {
        "search": ["Ana Lopez"],
        "status": ["Ben Okafor", "Cleo Roy"],
        "skill": ["Ben Okafor"],
        "language": ["Ben Okafor"],
        "city": ["Ben Okafor"],
        "hired": ["Cleo Roy"],
        "not hired": ["Ana Lopez", "Ben Okafor"],
    }


async def test_candidates_are_ordered_by_name_created_date_and_rating_and_paged(
    api: Api,
) -> None:
    # given three candidates, one unrated
    agency = await api.agency()
    for given, family, stars in (("Zoe", "Adams", 3), ("Amy", "Young", None), ("Max", "Brown", 5)):
        await create_candidate(agency, name={"first": given, "last": family}, rating=stars)
    # when they are listed in each order, and by rating a page of two at a time
    by_name = await listed_candidates(agency)
    by_created = await listed_candidates(
        agency, order={"field": "CREATED_DATE", "direction": "DESC"}
    )
    rating = {"field": "RATING", "direction": "DESC"}
    first = await agency.ok(LIST_CANDIDATES, {"order": rating, "first": 2})
    cursor = first["candidates"]["pageInfo"]["endCursor"]
    rest = await listed_candidates(agency, order=rating, first=2, after=cursor)
    # then names sort by last name, newest come first, and the unrated ones last
    assert by_name == ["Zoe Adams", "Max Brown", "Amy Young"]
    assert by_created == ["Max Brown", "Amy Young", "Zoe Adams"]
    assert [n["fullName"] for n in first["candidates"]["nodes"]] == ["Max Brown", "Zoe Adams"]
    assert first["candidates"]["pageInfo"]["hasNextPage"] is True
    assert rest == ["Amy Young"]


async def test_a_candidate_is_updated_with_its_revision_and_a_stale_one_conflicts(
    api: Api,
) -> None:
    # given a candidate at revision 1
    agency = await api.agency()
    candidate = await create_candidate(agency)
    # when it is moved on a stage at revision 1, then again at revision 1
    moved = await agency.ok(
        UPDATE_CANDIDATE,
        {"id": candidate["id"], "revision": 1, "input": {"status": "PHONE_SCREENED"}},
    )
    before = await stored(api, "candidates", candidate["id"])
    stale = await agency.ok(
        UPDATE_CANDIDATE, {"id": candidate["id"], "revision": 1, "input": {"rating": 1}}
    )
    # then the first is stored at revision 2, and the stale one is refused, changing nothing
    assert moved["candidateUpdate"]["candidate"] == {
        "id": candidate["id"],
        "revision": 2,
        "status": "PHONE_SCREENED",
        "rating": 4,
    }
    assert before["status"] == "phone_screened" and before["_revision"] == 2
    assert errors(stale["candidateUpdate"]) == [("revision", "CONFLICT")]
    assert await stored(api, "candidates", candidate["id"]) == before


async def test_a_candidate_is_deleted_with_a_reason_and_restored(api: Api) -> None:
    # given a candidate
    agency = await api.agency()
    candidate = await create_candidate(agency)
    # when it is deleted with a reason, listed, then restored
    deleted = await agency.ok(
        """mutation($id: ID!) { candidateDelete(id: $id, reason: "Withdrew") {
        candidate { deleted deletedDates { reason } } userErrors { code } } }""",
        {"id": candidate["id"]},
    )
    active = await listed_candidates(agency)
    only_deleted = await listed_candidates(agency, filter={"deleted": "DELETED"})
    restored = await agency.ok(
        """mutation($id: ID!) { candidateRestore(id: $id) { candidate { deleted } } }""",
        {"id": candidate["id"]},
    )
    # then it is hidden while deleted, with its reason stored, and back once restored
    assert deleted["candidateDelete"] == {
        "candidate": {"deleted": True, "deletedDates": [{"reason": "Withdrew"}]},
        "userErrors": [],
    }
    assert active == [] and only_deleted == ["Lucia Ferreira"]
    assert restored["candidateRestore"]["candidate"] == {"deleted": False}
    document = await stored(api, "candidates", candidate["id"])
    assert document["_deleted"] is False and document["_deleted_dates"][0]["reason"] == "Withdrew"


async def test_hiring_makes_a_user_from_the_candidate_and_marks_the_candidate_hired(
    api: Api,
) -> None:
    # given an interviewed candidate with a manager
    agency = await api.agency()
    manager = await create_user(agency, roleType="OFFICE", role="scheduler")
    candidate = await create_candidate(agency, manager=manager["id"], status="INTERVIEWED")
    # when they are hired
    data = await agency.ok(HIRE, {"id": candidate["id"], "revision": 1})
    # then the candidate is hired, and a caregiver user is made from them, linked both ways
    payload = data["candidateHire"]
    assert payload["userErrors"] == []
    hired, user = payload["candidate"], payload["user"]
    assert (hired["revision"], hired["status"], hired["hired"]) == (2, "HIRED", True)
    assert hired["hiredDate"] is not None and hired["hiredUser"] is None  # an API client hired
    assert hired["hiredAs"] == {"id": user["id"]}
    assert user["roleType"] == "CAREGIVER" and user["email"] == "lucia@example.com"
    assert user["name"] == {"first": "Lucia", "last": "Ferreira"}
    assert user["skills"] == [{"title": "Dementia care", "level": "EXPERT"}]
    assert user["candidate"] == {"id": candidate["id"], "fullName": "Lucia Ferreira"}
    # and both are stored, with an audit entry each
    document = await stored(api, "users", user["id"])
    assert document["_candidate"] == key(candidate["id"]) and document["role"] == "caregiver"
    assert document["manager"] == key(manager["id"]) and document["languages"][0]["code"] == "pt"
    assert document["_search"]["skills"] == ["dementia care"]
    assert "ext_id" not in document and "candidate_notes" not in document
    after = await stored(api, "candidates", candidate["id"])
    assert (after["_hired"], after["status"], after["_revision"]) == (True, "hired", 2)
    actions = [(e["record_type"], e["action"]) for e in await audit_entries(agency)]
    assert actions[-2:] == [("User", "create"), ("Candidate", "update")]


async def test_a_hired_candidate_is_not_hired_again_and_a_stale_revision_makes_no_user(
    api: Api,
) -> None:
    # given a hired candidate and another candidate updated since it was read
    agency = await api.agency()
    hired = await create_candidate(agency)
    await agency.ok(HIRE, {"id": hired["id"], "revision": 1})
    moved = await create_candidate(agency, name={"first": "Ben", "last": "Okafor"})
    await agency.ok(UPDATE_CANDIDATE, {"id": moved["id"], "revision": 1, "input": {"rating": 5}})
    users = await api.count("users", _account=agency.account_id)
    # when the hired one is hired again, and the other with its old revision
    again = await agency.ok(HIRE, {"id": hired["id"], "revision": 2})
    stale = await agency.ok(HIRE, {"id": moved["id"], "revision": 1})
    # then both are refused, and no user is made
    assert again["candidateHire"]["candidate"] is None
    assert errors(again["candidateHire"]) == [("id", "INVALID_STATE")]
    assert errors(stale["candidateHire"]) == [("revision", "CONFLICT")]
    assert await api.count("users", _account=agency.account_id) == users == 1
    assert (await stored(api, "candidates", moved["id"])).get("_hired") is not True


async def test_status_hired_is_set_only_by_hiring_and_then_stays(api: Api) -> None:
    # given a candidate, and a hired one
    agency = await api.agency()
    candidate = await create_candidate(agency)
    hired = await create_candidate(agency, name={"first": "Ben", "last": "Okafor"})
    await agency.ok(HIRE, {"id": hired["id"], "revision": 1})
    # when a candidate is created as HIRED, one is updated to HIRED, the hired one to REJECTED
    created = await agency.ok(CREATE_CANDIDATE, {"input": {**_name("Cy"), "status": "HIRED"}})
    updated = await agency.ok(
        UPDATE_CANDIDATE, {"id": candidate["id"], "revision": 1, "input": {"status": "HIRED"}}
    )
    unhired = await agency.ok(
        UPDATE_CANDIDATE, {"id": hired["id"], "revision": 2, "input": {"status": "REJECTED"}}
    )
    # then each is refused, and nothing changed
    assert errors(created["candidateCreate"]) == [("input.status", "INVALID")]
    assert errors(updated["candidateUpdate"]) == [("input.status", "INVALID")]
    assert errors(unhired["candidateUpdate"]) == [("input.status", "INVALID_STATE")]
    assert await api.count("candidates", _account=agency.account_id) == 2
    assert (await stored(api, "candidates", candidate["id"]))["status"] == "applied"
    assert (await stored(api, "candidates", hired["id"]))["status"] == "hired"


def _name(first: str) -> dict[str, Any]:
    return {"name": {"first": first, "last": "Test"}}


async def test_a_bad_rating_and_a_bad_note_are_refused_and_nothing_is_written(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    # when candidates are created with a rating of 6 and an empty note
    rating = await agency.ok(CREATE_CANDIDATE, {"input": {**_name("Al"), "rating": 6}})
    note = await agency.ok(
        CREATE_CANDIDATE, {"input": {**_name("Bo"), "candidateNotes": [{"text": ""}]}}
    )
    # then both are refused, naming the field, and no candidate is stored
    assert errors(rating["candidateCreate"]) == [("input.rating", "INVALID")]
    assert errors(note["candidateCreate"]) == [("input.candidateNotes.0.text", "INVALID")]
    assert await api.count("candidates", _account=agency.account_id) == 0


async def test_another_accounts_manager_or_candidate_is_not_found(api: Api) -> None:
    # given two agencies, each with a user and a candidate
    agency, other = await api.agency(), await api.agency()
    theirs = await create_user(other)
    their_candidate = await create_candidate(other)
    # when the first refers to the other's user, reads and hires the other's candidate
    refused = await agency.ok(CREATE_CANDIDATE, {"input": {**_name("Al"), "manager": theirs["id"]}})
    read = await agency.ok(CANDIDATE, {"id": their_candidate["id"]})
    hire = await agency.ok(HIRE, {"id": their_candidate["id"], "revision": 1})
    # then the user is not found, the candidate reads as null and is not hired
    assert errors(refused["candidateCreate"]) == [("input.manager", "NOT_FOUND")]
    assert read == {"candidate": None}
    assert errors(hire["candidateHire"]) == [("id", "NOT_FOUND")]
    assert await api.count("candidates", _account=agency.account_id) == 0
    assert await api.count("users", _account=agency.account_id) == 0
    assert (await stored(api, "candidates", their_candidate["id"])).get("_hired") is not True


async def test_each_record_needs_its_permission(api: Api) -> None:
    # given a scheduler (staff and patients) and a billing clerk (billing)
    agency = await api.agency()
    candidate = await create_candidate(agency)
    await agency.key_for("scheduler")
    await agency.key_for("billing")
    # when the billing clerk hires and adds a contact, and the scheduler adds a client
    hire = await agency.gql(HIRE, {"id": candidate["id"], "revision": 1}, role="billing")
    contact = await agency.gql(CREATE_CONTACT, {"input": {"type": "COMPANY"}}, role="billing")
    client = await agency.gql(CREATE_CLIENT, {"input": {"type": "PERSON"}}, role="scheduler")
    # then each is forbidden and nothing is written
    assert errors(hire.data["candidateHire"]) == [(None, "FORBIDDEN")]
    assert errors(contact.data["contactCreate"]) == [(None, "FORBIDDEN")]
    assert errors(client.data["clientCreate"]) == [(None, "FORBIDDEN")]
    assert await api.count("users", _account=agency.account_id) == 0
    assert await api.count("contacts", _account=agency.account_id) == 0
    assert await api.count("clients", _account=agency.account_id) == 0


# Clients

CLIENT = """query($id: ID!) { client(id: $id) {
  type contactType displayName company { name website } email color accountingId extId
  contact { name { first last } phones { number type } }
  employees { name title office } locations { city } } }"""
LIST_CLIENTS = """query($filter: ClientFilter, $order: ClientOrder) {
  clients(filter: $filter, orderBy: $order) { totalCount nodes { displayName } } }"""


async def test_a_client_is_created_read_by_id_and_by_ext_id_and_stored_as_catalogued(
    api: Api,
) -> None:
    # given an agency
    agency = await api.agency()
    # when a company client is created, and read by id and by its id in another system
    client = await create_client(agency, extId="crm-1")
    data = await agency.ok(CLIENT, {"id": client["id"]})
    by_ext = await agency.ok('{ clientByExtId(extId: "crm-1") { id } }')
    # then it reads back whole
    assert data["client"] == {
        "type": "COMPANY",
        "contactType": "PERSON",
        "displayName": "Blue Cross",
        "company": {"name": "Blue Cross", "website": "https://bluecross.example.ca"},
        "email": "claims@example.ca",
        "color": "#1565c0",
        "accountingId": "AR-1",
        "extId": "crm-1",
        "contact": {
            "name": {"first": "Renee", "last": "Dubois"},
            "phones": [{"number": "416 555 0101", "type": "MOBILE"}],
        },
        "employees": [{"name": "Tom Fraser", "title": "Accounts payable", "office": "Finance"}],
        "locations": [{"city": "Toronto"}],
    }
    assert by_ext == {"clientByExtId": {"id": client["id"]}}
    # and is stored under the catalogue's names, sorted by the company's name
    document = await stored(api, "clients", client["id"])
    assert (document["type"], document["contact_type"]) == ("company", "person")
    assert document["accounting_id"] == "AR-1" and document["employees"][0]["name"] == "Tom Fraser"
    assert document["_search"]["sort"] == "blue cross"
    assert document["_search"]["name"] == ["blue", "cross", "renee", "dubois"]


async def test_a_client_needs_its_company_or_its_person_and_a_valid_colour(api: Api) -> None:
    # given an agency
    agency = await api.agency()
    # when a company client has no company, a person client no contact, another a bad colour
    company = await agency.ok(CREATE_CLIENT, {"input": {"type": "COMPANY"}})
    person = await agency.ok(CREATE_CLIENT, {"input": {"type": "PERSON"}})
    colour = await agency.ok(
        CREATE_CLIENT, {"input": {"type": "COMPANY", "company": {"name": "X"}, "color": "blue"}}
    )
    # then each is refused, naming the field, and no client is stored
    assert errors(company["clientCreate"]) == [("input.company", "REQUIRED")]
    assert errors(person["clientCreate"]) == [("input.contact", "REQUIRED")]
    assert errors(colour["clientCreate"]) == [("input.color", "INVALID")]
    assert await api.count("clients", _account=agency.account_id) == 0


async def test_clients_are_filtered_and_ordered(api: Api) -> None:
    # given a company client in Toronto and a person client in Ottawa, and a deleted one
    agency = await api.agency()
    await create_client(agency)
    await create_client(
        agency,
        type="PERSON",
        company=None,
        contact={"name": {"first": "Sara", "last": "Green"}},
        locations=[location("Ottawa")],
    )
    gone = await create_client(agency, company={"name": "Acme Insurance"})
    await agency.ok(
        'mutation($id: ID!) { clientDelete(id: $id, reason: "Duplicate") { client { id } } }',
        {"id": gone["id"]},
    )
    # when they are listed with each filter and order
    found = {}
    for label, variables in {
        "name": {},
        "newest": {"order": {"field": "CREATED_DATE", "direction": "DESC"}},
        "search company": {"filter": {"search": "blu"}},
        "search person": {"filter": {"search": "sara gr"}},
        "type": {"filter": {"type": "PERSON"}},
        "city": {"filter": {"city": "OTTAWA"}},
        "deleted": {"filter": {"deleted": "DELETED"}},
    }.items():
        found[label] = names(await agency.ok(LIST_CLIENTS, variables), "clients")
    # then each shows its clients
    assert found == {
        "name": ["Blue Cross", "Sara Green"],
        "newest": ["Sara Green", "Blue Cross"],
        "search company": ["Blue Cross"],
        "search person": ["Sara Green"],
        "type": ["Sara Green"],
        "city": ["Sara Green"],
        "deleted": ["Acme Insurance"],
    }


async def test_a_client_is_updated_with_its_revision_and_deleted_and_restored(api: Api) -> None:
    # given a client
    agency = await api.agency()
    client = await create_client(agency)
    # when it is renamed at revision 1, again at revision 1, then deleted and restored
    renamed = await agency.ok(
        UPDATE_CLIENT,
        {"id": client["id"], "revision": 1, "input": {"company": {"name": "Green Shield"}}},
    )
    stale = await agency.ok(
        UPDATE_CLIENT, {"id": client["id"], "revision": 1, "input": {"email": "a@b.ca"}}
    )
    await agency.ok(
        'mutation($id: ID!) { clientDelete(id: $id, reason: "Closed") { client { id } } }',
        {"id": client["id"]},
    )
    hidden = names(await agency.ok(LIST_CLIENTS), "clients")
    await agency.ok(
        "mutation($id: ID!) { clientRestore(id: $id) { client { id } } }", {"id": client["id"]}
    )
    # then the rename is stored, the stale update refused, and the client back after restore
    assert renamed["clientUpdate"]["client"] == {
        "id": client["id"],
        "revision": 2,
        "displayName": "Green Shield",
    }
    assert errors(stale["clientUpdate"]) == [("revision", "CONFLICT")]
    assert hidden == []
    assert names(await agency.ok(LIST_CLIENTS), "clients") == ["Green Shield"]
    document = await stored(api, "clients", client["id"])
    assert document["company"]["name"] == "Green Shield" and document["_search"]["sort"] == (
        "green shield"
    )
    assert document["_deleted"] is False and document["_deleted_dates"][0]["reason"] == "Closed"
    assert "email" in document and document["email"] == "claims@example.ca"


# Contacts

CONTACT = """query($id: ID!) { contact(id: $id) {
  type displayName company { name } contact { name { first last } gender } email
  fax { number label } notes photo { name contentType size } locations { city }
  referrals { nodes { fullName } } } }"""
LIST_CONTACTS = """query($filter: ContactFilter, $order: ContactOrder) {
  contacts(filter: $filter, orderBy: $order) { totalCount nodes { displayName } } }"""


async def test_a_contact_is_created_read_by_id_and_by_ext_id_with_its_referrals(
    api: Api,
) -> None:
    # given a doctor who referred a patient (referral set as an import would)
    agency = await api.agency()
    contact = await create_contact(agency, extId="ref-9")
    patient = await create_patient(agency)
    await api.database.db.patients.update_one(
        {"_id": key(patient["id"])}, {"$set": {"referred_by": key(contact["id"])}}
    )
    # when the contact is read by id and by its id in another system
    data = await agency.ok(CONTACT, {"id": contact["id"]})
    by_ext = await agency.ok('{ contactByExtId(extId: "ref-9") { id } }')
    # then it reads back whole, with the patient it referred
    assert data["contact"] == {
        "type": "PERSON",
        "displayName": "Anil Mehta",
        "company": {"name": "Family Health Team"},
        "contact": {"name": {"first": "Anil", "last": "Mehta"}, "gender": "MALE"},
        "email": "dr.mehta@example.ca",
        "fax": {"number": "416 555 0199", "label": "Clinic"},
        "notes": "Family doctor.",
        "photo": {"name": "mehta.jpg", "contentType": "image/jpeg", "size": 2048},
        "locations": [{"city": "Toronto"}],
        "referrals": {"nodes": [{"fullName": "Walter Green"}]},
    }
    assert by_ext == {"contactByExtId": {"id": contact["id"]}}
    # and is stored under the catalogue's names
    document = await stored(api, "contacts", contact["id"])
    assert document["_type"] == "person" and "type" not in document
    assert document["fax"] == {"number": "416 555 0199", "label": "Clinic"}
    assert document["photo"]["content_type"] == "image/jpeg"
    assert document["_search"]["sort"] == "mehta anil"


async def test_contacts_are_filtered_and_ordered_and_a_company_needs_its_name(
    api: Api,
) -> None:
    # given a doctor in Toronto and a hospital in Ottawa
    agency = await api.agency()
    await create_contact(agency)
    await create_contact(
        agency,
        type="COMPANY",
        company={"name": "General Hospital"},
        contact=None,
        locations=[location("Ottawa")],
    )
    # when they are listed with each filter and order, and a company without a name is added
    found = {}
    for label, variables in {
        "name": {},
        "newest": {"order": {"field": "CREATED_DATE", "direction": "DESC"}},
        "search": {"filter": {"search": "gen hosp"}},
        "type": {"filter": {"type": "PERSON"}},
        "city": {"filter": {"city": "Ottawa"}},
        "deleted": {"filter": {"deleted": "DELETED"}},
    }.items():
        found[label] = names(await agency.ok(LIST_CONTACTS, variables), "contacts")
    refused = await agency.ok(CREATE_CONTACT, {"input": {"type": "COMPANY", "company": None}})
    # then each shows its contacts, and the nameless company is refused
    assert found == {
        "name": ["General Hospital", "Anil Mehta"],
        "newest": ["General Hospital", "Anil Mehta"],
        "search": ["General Hospital"],
        "type": ["Anil Mehta"],
        "city": ["General Hospital"],
        "deleted": [],
    }
    assert errors(refused["contactCreate"]) == [("input.company", "REQUIRED")]
    assert await api.count("contacts", _account=agency.account_id) == 2


async def test_another_accounts_contact_and_client_read_as_null(api: Api) -> None:
    # given a contact and a client of another agency
    agency, other = await api.agency(), await api.agency()
    contact, client = await create_contact(other, extId="c1"), await create_client(other)
    # when the first agency reads them by id and by ext id, and lists its own
    data = await agency.ok(
        """query($contact: ID!, $client: ID!) { contact(id: $contact) { id }
        client(id: $client) { id } contactByExtId(extId: "c1") { id }
        contacts { totalCount } clients { totalCount } }""",
        {"contact": contact["id"], "client": client["id"]},
    )
    # then it sees none of them
    assert data == {
        "contact": None,
        "client": None,
        "contactByExtId": None,
        "contacts": {"totalCount": 0},
        "clients": {"totalCount": 0},
    }


# Demo data


async def test_the_demo_makes_linked_candidates_clients_and_contacts(api: Api) -> None:
    # given an agency with office staff and a patient
    agency = await api.agency()
    manager = await create_user(agency, roleType="OFFICE", role="scheduler")
    patient = await create_patient(agency)
    database = api.database
    account = await database.db.accounts.find_one({"_id": agency.account_id})
    office = [await database.db.users.find_one({"_id": key(manager["id"])})]
    patients = [await database.db.patients.find_one({"_id": key(patient["id"])})]
    made = DemoAccount(
        database,
        Actor(account_id=agency.account_id),
        random.Random(7),
        account or {},
        office,  # type: ignore[arg-type]
        [],
        patients,  # type: ignore[arg-type]
        dt.date(2025, 6, 2),
    )
    # when the people demo is seeded
    await demo.seed(made)
    # then candidates, clients and contacts are made, one candidate hired into a caregiver
    hired = [c for c in made.made["candidates"] if c.get("_hired")]
    assert len(made.made["candidates"]) == len(demo.CANDIDATES) and len(hired) == 1
    user = await database.db.users.find_one({"_candidate": hired[0]["_id"]})
    assert user is not None and user["role_type"] == "caregiver"
    assert len(made.made["clients"]) == 3 and len(made.made["contacts"]) == 4
    assert await api.count("candidates", _account=agency.account_id) == len(demo.CANDIDATES)
    assert await api.count("clients", _account=agency.account_id) == 3
    assert await api.count("contacts", _account=agency.account_id) == 4
    assert all(c["manager"] == key(manager["id"]) for c in made.made["candidates"])


async def test_two_hires_at_once_make_one_user(api: Api) -> None:
    # given a candidate
    agency = await api.agency()
    candidate = await create_candidate(agency)
    # when two clerks hire them at the same moment
    first, second = await asyncio.gather(
        agency.ok(HIRE, {"id": candidate["id"], "revision": 1}),
        agency.ok(HIRE, {"id": candidate["id"], "revision": 1}),
    )
    # then one hire wins, the other is refused, and exactly one user is made
    outcomes = sorted([errors(first["candidateHire"]), errors(second["candidateHire"])], key=len)
    assert outcomes[0] == [] and len(outcomes[1]) == 1
    assert outcomes[1][0][1] in {"CONFLICT", "INVALID_STATE"}
    assert await api.count("users", _account=agency.account_id) == 1
    assert await api.count("users", _candidate=key(candidate["id"])) == 1


async def test_a_hire_that_loses_a_race_leaves_no_user_behind(api: Api, monkeypatch: Any) -> None:
    # given a candidate hired by someone else after this hire read it
    agency = await api.agency()
    candidate = await create_candidate(agency)
    snapshot = await stored(api, "candidates", candidate["id"])
    await agency.ok(HIRE, {"id": candidate["id"], "revision": 1})

    async def stale_read(self: CandidateStore, actor: Any, record: Any) -> dict[str, Any]:
        return dict(snapshot)

    monkeypatch.setattr(CandidateStore, "get", stale_read)
    # when this hire writes, its transaction finds the candidate changed
    data = await agency.ok(HIRE, {"id": candidate["id"], "revision": 1})
    # then it is a conflict, and its user was rolled back with the candidate's change
    assert errors(data["candidateHire"]) == [("revision", "CONFLICT")]
    assert await api.count("users", _account=agency.account_id) == 1
    assert len(await audit_entries(agency, record_type="User")) == 1


async def test_a_clients_invoices_and_visits_and_others_files_are_edges(api: Api) -> None:
    # given a client with two invoices and a visit, a contact and a candidate with a file each,
    # stored as the billing, scheduling and files packages store them
    agency, other = await api.agency(), await api.agency()
    client, contact = await create_client(agency), await create_contact(agency)
    candidate = await create_candidate(agency)
    db = api.database.db
    billed = [(agency.account_id, "A-1"), (agency.account_id, "A-2"), (other.account_id, "B-1")]
    await db.invoices.insert_many(
        [
            {"_account": account, "client": {"_id": key(client["id"])}, "_search": {"number": n}}
            for account, n in billed
        ]
    )
    await db.events.insert_one(
        {"_account": agency.account_id, "billing": {"client": key(client["id"])}}
    )
    await db.files.insert_many(
        [
            {"_account": agency.account_id, "owner": {"type": kind, "id": key(record["id"])}}
            for kind, record in (("contact", contact), ("candidate", candidate))
        ]
    )
    # when the edges are counted
    data = await agency.ok(
        """query($client: ID!, $contact: ID!, $candidate: ID!) {
        client(id: $client) { invoices { totalCount } events { totalCount } }
        contact(id: $contact) { uploadedFiles { totalCount } }
        candidate(id: $candidate) { uploadedFiles { totalCount } } }""",
        {"client": client["id"], "contact": contact["id"], "candidate": candidate["id"]},
    )
    # then each counts its own records, within the account
    assert data == {
        "client": {"invoices": {"totalCount": 2}, "events": {"totalCount": 1}},
        "contact": {"uploadedFiles": {"totalCount": 1}},
        "candidate": {"uploadedFiles": {"totalCount": 1}},
    }
