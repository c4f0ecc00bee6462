"""Progress notes: snapshots of tags and tagged users, service codes of the account, filters and
orderings, revisions, soft deletion, approval, private notes, audited reads, and tenancy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.common.services import BLANK
from app.graphql.relay import to_global_id
from tests.factories import Agency, Api, audit_entries, create_patient, create_user
from tests.factories_catalog import create_tag
from tests.factories_people import create_client
from tests.factories_progress_notes import (
    APPROVE_NOTE,
    CREATE_NOTE,
    NOTE_BY_ID,
    UPDATE_NOTE,
    create_note,
    note_input,
    stored_id,
    with_services,
    write_note,
)

NOW = dt.datetime.now(dt.UTC)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def titles(connection: dict[str, Any]) -> list[str]:
    return [node["title"] for node in connection["nodes"]]


async def test_a_note_is_stored_with_snapshots_and_read_back_with_every_field(api: Api) -> None:
    # given a patient, a tag, a user to tag and a referrer, in an agency selling services
    agency = await with_services(await api.agency())
    patient = await create_patient(agency)
    tag = await create_tag(agency, "Fall risk", color="#c62828")
    tagged = await create_user(agency, name={"first": "Ada", "last": "Kowalski"})
    referrer = await create_user(agency, email="ref@example.com")
    # when a note is written with every field, then read by id
    note = await create_note(
        agency,
        patient["id"],
        title="Fall in the bathroom",
        note="Found sitting on the floor; no injury.",
        priority="URGENT",
        referrer=referrer["id"],
        service="PSW",
        patientServices=["PSW", "RN", "PSW"],
        tags=[tag["id"], tag["id"]],
        users=[tagged["id"]],
        invoiceTo={"payer": "Blue Cross", "notes": "Bill under policy P123"},
    )
    read = (await agency.ok(NOTE_BY_ID, {"id": note["id"]}))["progressNote"]
    # then the answer shows the snapshots beside the live records, and nothing approved yet
    assert read == note
    assert read["title"] == "Fall in the bathroom"
    assert read["note"] == "Found sitting on the floor; no injury."
    assert (read["priority"], read["private"], read["revision"]) == ("URGENT", False, 1)
    assert read["patient"] == {"id": patient["id"]}
    assert read["referrer"] == {"id": referrer["id"]}
    assert (read["createdUser"], read["lastUpdatedUser"]) == (None, None)  # an API client wrote it
    assert (read["service"], read["patientServices"]) == ("PSW", ["PSW", "RN"])
    assert read["tags"] == [
        {"name": "Fall risk", "color": "#c62828", "record": {"id": tag["id"], "name": "Fall risk"}}
    ]
    assert read["users"] == [
        {"name": {"first": "Ada", "last": "Kowalski"}, "record": {"id": tagged["id"]}}
    ]
    assert read["invoiceTo"] == {
        "payer": "Blue Cross",
        "notes": "Bill under policy P123",
        "client": None,
    }
    assert read["approval"] == {
        "approved": False,
        "approvedDate": None,
        "apiClient": None,
        "approvedBy": None,
    }
    assert read["deleted"] is False and read["createdDate"] == read["lastUpdatedDate"]
    # and the stored document keeps the catalogue's names, in the catalogue's collection
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert stored["_account"] == agency.account_id
    assert stored["patient"] == stored_id(patient["id"])
    assert stored["tags"] == [
        {"_id": stored_id(tag["id"]), "name": "Fall risk", "color": "#c62828"}
    ]
    assert stored["users"][0]["_id"] == stored_id(tagged["id"])
    assert stored["users"][0]["name"]["first"] == "Ada"
    assert stored["patient_services"] == ["PSW", "RN"]
    assert stored["invoice_to"]["payer"] == "Blue Cross"
    assert stored["priority"] == "urgent" and stored["approval"] == {"approved": False}
    assert stored["_created_date"] is not None and stored["_deleted"] is False
    assert stored["_search"]["title"] == ["fall", "in", "the", "bathroom"]
    # and each read of the text was written to the audit trail
    reads = await audit_entries(agency, action="read_sensitive", record_type="ProgressNote")
    assert len(reads) == 2
    assert all(entry["fields_read"] == ["note"] for entry in reads)
    assert {entry["record_id"] for entry in reads} == {stored_id(note["id"])}


async def test_notes_are_listed_newest_first_filtered_ordered_and_paged(api: Api) -> None:
    # given notes about two patients by two writers, on several days, with tags and priorities
    agency = await api.agency()
    first, second = await create_patient(agency), await create_patient(agency)
    ann = await create_user(agency, email="ann@example.com")
    bob = await create_user(agency, email="bob@example.com")
    falls, mood = await create_tag(agency, "Fall risk"), await create_tag(agency, "Mood")
    visit = await write_note(
        agency, first["id"], author_id=ann["id"], written=ago(10), priority="low"
    )
    await write_note(
        agency,
        first["id"],
        author_id=bob["id"],
        written=ago(5),
        title="Fall in the kitchen",
        priority="urgent",
        tags=[stored_id(falls["id"])],
        users=[stored_id(ann["id"])],
    )
    await write_note(
        agency,
        second["id"],
        author_id=ann["id"],
        written=ago(2),
        title="Low mood",
        priority="high",
        tags=[stored_id(mood["id"])],
    )
    await write_note(
        agency, second["id"], author_id=bob["id"], written=ago(1), title="Family meeting",
        private=True,
    )  # fmt: skip
    gone = await write_note(agency, first["id"], written=ago(3), title="Duplicate entry")
    approved = await agency.ok(APPROVE_NOTE, {"id": _gid(visit), "revision": visit["_revision"]})
    assert approved["progressNoteApprove"]["userErrors"] == []
    deleted = await agency.ok(
        'mutation($id: ID!) { progressNoteDelete(id: $id, reason: "Written twice") '
        "{ userErrors { code } } }",
        {"id": _gid(gone)},
    )
    assert deleted["progressNoteDelete"]["userErrors"] == []
    # when the notes are listed with each filter and ordering
    data = await agency.ok(
        """query($a: ID!, $falls: ID!, $ann: ID!, $start: DateTime!, $end: DateTime!) {
        all: progressNotes { nodes { title } totalCount }
        patient: progressNotes(filter: {patient: $a}) { nodes { title } }
        priority: progressNotes(filter: {priority: [URGENT, HIGH]}) { nodes { title } }
        tag: progressNotes(filter: {tag: $falls}) { nodes { title } }
        tagged: progressNotes(filter: {taggedUser: $ann}) { nodes { title } }
        author: progressNotes(filter: {author: $ann}) { nodes { title } }
        dates: progressNotes(filter: {createdDate: {start: $start, end: $end}}) { nodes { title } }
        approved: progressNotes(filter: {approved: true}) { nodes { title } }
        waiting: progressNotes(filter: {approved: false}) { nodes { title } }
        private: progressNotes(filter: {private: true}) { nodes { title } }
        search: progressNotes(filter: {search: "KIT fal"}) { nodes { title } }
        deleted: progressNotes(filter: {deleted: DELETED}) { nodes { title } }
        everything: progressNotes(filter: {deleted: ALL}) { totalCount }
        urgent: progressNotes(orderBy: {field: PRIORITY, direction: DESC}) { nodes { title } }
        oldest: progressNotes(orderBy: {field: CREATED_DATE}) { nodes { title } }
        page: progressNotes(first: 2) { nodes { title } pageInfo { hasNextPage endCursor } }
      }""",
        {
            "a": first["id"],
            "falls": falls["id"],
            "ann": ann["id"],
            "start": ago(6).isoformat(),
            "end": ago(1.5).isoformat(),
        },
    )
    # then each list holds exactly the notes it should, in its order
    assert titles(data["all"]) == [
        "Family meeting", "Low mood", "Fall in the kitchen", "Visit summary",
    ]  # fmt: skip
    assert data["all"]["totalCount"] == 4
    assert titles(data["patient"]) == ["Fall in the kitchen", "Visit summary"]
    assert titles(data["priority"]) == ["Low mood", "Fall in the kitchen"]
    assert titles(data["tag"]) == ["Fall in the kitchen"]
    assert titles(data["tagged"]) == ["Fall in the kitchen"]
    assert titles(data["author"]) == ["Low mood", "Visit summary"]
    assert titles(data["dates"]) == ["Low mood", "Fall in the kitchen"]
    assert titles(data["approved"]) == ["Visit summary"]
    assert titles(data["waiting"]) == ["Family meeting", "Low mood", "Fall in the kitchen"]
    assert titles(data["private"]) == ["Family meeting"]
    assert titles(data["search"]) == ["Fall in the kitchen"]
    assert titles(data["deleted"]) == ["Duplicate entry"]
    assert data["everything"]["totalCount"] == 5
    assert titles(data["urgent"]) == [
        "Fall in the kitchen", "Low mood", "Family meeting", "Visit summary",
    ]  # fmt: skip
    assert titles(data["oldest"]) == [
        "Visit summary", "Fall in the kitchen", "Low mood", "Family meeting",
    ]  # fmt: skip
    assert titles(data["page"]) == ["Family meeting", "Low mood"]
    assert data["page"]["pageInfo"]["hasNextPage"] is True
    # and the next page continues where the first one stopped
    rest = await agency.ok(
        "query($after: String!) { progressNotes(first: 2, after: $after) "
        "{ nodes { title } pageInfo { hasNextPage } } }",
        {"after": data["page"]["pageInfo"]["endCursor"]},
    )
    assert titles(rest["progressNotes"]) == ["Fall in the kitchen", "Visit summary"]
    assert rest["progressNotes"]["pageInfo"]["hasNextPage"] is False
    # and the author and date a script gave are the stored ones
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": visit["_id"]})
    assert stored["_created_user"] == stored_id(ann["id"])
    assert abs(stored["_created_date"].replace(tzinfo=dt.UTC) - ago(10)) < dt.timedelta(seconds=1)


async def test_a_patient_lists_their_own_notes(api: Api) -> None:
    # given notes about two patients
    agency = await api.agency()
    first, second = await create_patient(agency), await create_patient(agency)
    await create_note(agency, first["id"], title="Morning visit", priority="HIGH")
    await create_note(agency, first["id"], title="Evening visit", priority="LOW")
    await create_note(agency, second["id"], title="Someone else's visit")
    # when the first patient's notes are read through the patient
    data = await agency.ok(
        """query($id: ID!) { patient(id: $id) {
          all: progressNotes { nodes { title } totalCount }
          high: progressNotes(filter: {priority: [HIGH]}) { nodes { title } } } }""",
        {"id": first["id"]},
    )
    # then only theirs are there, newest first, and the filter applies
    assert titles(data["patient"]["all"]) == ["Evening visit", "Morning visit"]
    assert data["patient"]["all"]["totalCount"] == 2
    assert titles(data["patient"]["high"]) == ["Morning visit"]


async def test_an_update_needs_the_current_revision_and_takes_new_snapshots(api: Api) -> None:
    # given a note with a tag, and the tag renamed since
    agency = await api.agency()
    patient = await create_patient(agency)
    tag = await create_tag(agency, "Nutrition", color="#ef6c00")
    note = await create_note(agency, patient["id"], tags=[tag["id"]])
    renamed = await agency.ok(
        'mutation($id: ID!) { tagUpdate(id: $id, revision: 1, input: {name: "Diet"}) '
        "{ userErrors { code } } }",
        {"id": tag["id"]},
    )
    assert renamed["tagUpdate"]["userErrors"] == []
    # when the note is changed at its revision, then again at the old revision
    changed = await agency.ok(
        UPDATE_NOTE,
        {"id": note["id"], "revision": 1, "input": {"title": "Poor appetite", "tags": [tag["id"]]}},
    )
    stale = await agency.ok(
        UPDATE_NOTE, {"id": note["id"], "revision": 1, "input": {"title": "Overwritten"}}
    )
    # then the first change is kept with a fresh snapshot, and the stale one is a conflict
    result = changed["progressNoteUpdate"]
    assert result["userErrors"] == []
    assert result["progressNote"]["title"] == "Poor appetite"
    assert result["progressNote"]["revision"] == 2
    assert result["progressNote"]["tags"][0]["name"] == "Diet"
    assert result["progressNote"]["note"] == note["note"]
    assert stale["progressNoteUpdate"]["progressNote"] is None
    assert [e["code"] for e in stale["progressNoteUpdate"]["userErrors"]] == ["CONFLICT"]
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert (stored["title"], stored["_revision"]) == ("Poor appetite", 2)
    assert stored["tags"][0]["name"] == "Diet"
    assert stored["_search"]["title"] == ["poor", "appetite"]


async def test_a_deleted_note_is_hidden_until_restored(api: Api) -> None:
    # given a note
    agency = await api.agency()
    patient = await create_patient(agency)
    note = await create_note(agency, patient["id"])
    # when it is deleted with a reason, listed, restored and listed again
    deleted = await agency.ok(
        'mutation($id: ID!) { progressNoteDelete(id: $id, reason: "Wrong patient", revision: 1) '
        "{ progressNote { deleted revision } userErrors { code } } }",
        {"id": note["id"]},
    )
    hidden = await agency.ok("{ progressNotes { totalCount } }")
    restored = await agency.ok(
        "mutation($id: ID!) { progressNoteRestore(id: $id) "
        "{ progressNote { deleted } userErrors { code } } }",
        {"id": note["id"]},
    )
    shown = await agency.ok("{ progressNotes { totalCount } }")
    # then it leaves the list while deleted, keeps the reason, and comes back
    assert deleted["progressNoteDelete"] == {
        "progressNote": {"deleted": True, "revision": 2},
        "userErrors": [],
    }
    assert hidden["progressNotes"]["totalCount"] == 0
    assert restored["progressNoteRestore"] == {"progressNote": {"deleted": False}, "userErrors": []}
    assert shown["progressNotes"]["totalCount"] == 1
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert stored["_deleted_dates"][0]["reason"] == "Wrong patient"
    assert stored["_deleted_dates"][0]["restored_date"] is not None


async def test_approving_a_note_records_who_and_when_and_twice_is_refused(api: Api) -> None:
    # given a note
    agency = await api.agency()
    patient = await create_patient(agency)
    note = await create_note(agency, patient["id"])
    # when it is approved, then approved again at its new revision
    first = await agency.ok(APPROVE_NOTE, {"id": note["id"], "revision": 1})
    again = await agency.ok(APPROVE_NOTE, {"id": note["id"], "revision": 2})
    # then the first approval names the API client and the time, the second is refused
    approval = first["progressNoteApprove"]["progressNote"]["approval"]
    assert first["progressNoteApprove"]["userErrors"] == []
    assert approval["approved"] is True and approval["approvedBy"] is None
    assert approval["apiClient"] == "Administrator" and approval["approvedDate"] is not None
    assert again["progressNoteApprove"] == {
        "progressNote": None,
        "userErrors": [
            {
                "field": "id",
                "message": "This progress note is already approved.",
                "code": "INVALID_STATE",
            }
        ],
    }
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert stored["_revision"] == 2 and stored["approval"]["approved"] is True
    assert stored["approval"]["api_client"] == "Administrator"
    changes = await audit_entries(agency, action="update", record_type="ProgressNote")
    assert [c["field"] for c in changes[0]["changes"]] == ["approval"]


async def test_an_approval_at_an_old_revision_is_a_conflict(api: Api) -> None:
    # given a note changed once
    agency = await api.agency()
    patient = await create_patient(agency)
    note = await create_note(agency, patient["id"])
    await agency.ok(UPDATE_NOTE, {"id": note["id"], "revision": 1, "input": {"title": "Edited"}})
    # when it is approved at the revision read before the change
    data = await agency.ok(APPROVE_NOTE, {"id": note["id"], "revision": 1})
    # then it is a conflict, and the note stays unapproved
    assert [e["code"] for e in data["progressNoteApprove"]["userErrors"]] == ["CONFLICT"]
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert stored["approval"] == {"approved": False}


async def test_service_codes_must_be_the_accounts(api: Api) -> None:
    # given an agency selling PSW, RN and COMP
    agency = await with_services(await api.agency())
    patient = await create_patient(agency)
    # when a note names a service the agency does not sell, in both places
    data = await agency.ok(
        CREATE_NOTE,
        {"input": note_input(patient["id"], service="XRAY", patientServices=["PSW", "SPA"])},
    )
    # then both are refused, and nothing is written
    assert data["progressNoteCreate"]["userErrors"] == [
        {
            "field": "input.service",
            "message": "The account has no service 'XRAY'.",
            "code": "NOT_FOUND",
        },
        {
            "field": "input.patientServices.1",
            "message": "The account has no service 'SPA'.",
            "code": "NOT_FOUND",
        },
    ]
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 0


async def test_a_blank_title_or_note_is_refused(api: Api) -> None:
    # given a patient
    agency = await api.agency()
    patient = await create_patient(agency)
    # when a note comes with an empty title and text
    data = await agency.ok(CREATE_NOTE, {"input": note_input(patient["id"], title="", note="")})
    # then both are refused, and nothing is written
    errors = data["progressNoteCreate"]["userErrors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("input.title", "INVALID"),
        ("input.note", "INVALID"),
    }
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 0


async def test_a_title_or_note_of_blanks_is_refused_in_words(api: Api) -> None:
    # given a patient and a note of theirs
    agency = await api.agency()
    patient = await create_patient(agency)
    note = await create_note(agency, patient["id"])
    # when a note comes with a title and text of spaces, and the note is changed to a blank title
    data = await agency.ok(
        CREATE_NOTE, {"input": note_input(patient["id"], title="   ", note=" \n\t ")}
    )
    changed = await agency.ok(
        UPDATE_NOTE, {"id": note["id"], "revision": note["revision"], "input": {"title": "  "}}
    )
    # then both are refused, each naming its field, and nothing is written
    errors = data["progressNoteCreate"]["userErrors"]
    assert {(e["field"], e["code"], e["message"]) for e in errors} == {
        ("input.title", "INVALID", BLANK),
        ("input.note", "INVALID", BLANK),
    }
    refused = changed["progressNoteUpdate"]["userErrors"]
    assert [(e["field"], e["code"]) for e in refused] == [("input.title", "INVALID")]
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 1
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert (stored["title"], stored["_revision"]) == (note["title"], note["revision"])


async def test_references_to_another_accounts_records_are_refused(api: Api) -> None:
    # given records of another agency
    agency, other = await api.agency(), await api.agency()
    patient = await create_patient(agency)
    foreign_patient = await create_patient(other)
    foreign_tag = await create_tag(other, "Mood")
    foreign_user = await create_user(other)
    # when a note points at each of them
    on_patient = await agency.ok(CREATE_NOTE, {"input": note_input(foreign_patient["id"])})
    on_rest = await agency.ok(
        CREATE_NOTE,
        {
            "input": note_input(
                patient["id"],
                tags=[foreign_tag["id"]],
                users=[foreign_user["id"]],
                referrer=foreign_user["id"],
            )
        },
    )
    # then each is not found, and nothing is written
    assert on_patient["progressNoteCreate"]["userErrors"] == [
        {"field": "input.patient", "message": "No Patient with this id.", "code": "NOT_FOUND"}
    ]
    assert {(e["field"], e["code"]) for e in on_rest["progressNoteCreate"]["userErrors"]} == {
        ("input.tags.0", "NOT_FOUND"),
        ("input.users.0", "NOT_FOUND"),
    }
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 0
    # and the referrer is checked too once the snapshots are fine
    referred = await agency.ok(
        CREATE_NOTE, {"input": note_input(patient["id"], referrer=foreign_user["id"])}
    )
    assert [(e["field"], e["code"]) for e in referred["progressNoteCreate"]["userErrors"]] == [
        ("input.referrer", "NOT_FOUND")
    ]
    # and an update that tags another agency's tag changes nothing
    note = await create_note(agency, patient["id"])
    changed = await agency.ok(
        UPDATE_NOTE,
        {"id": note["id"], "revision": 1, "input": {"tags": [foreign_tag["id"]], "title": "X"}},
    )
    assert [e["code"] for e in changed["progressNoteUpdate"]["userErrors"]] == ["NOT_FOUND"]
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert (stored["title"], stored["tags"], stored["_revision"]) == ("Visit summary", [], 1)


async def test_the_client_billed_is_a_client_of_the_same_account(api: Api) -> None:
    # given a client of this agency and one of another
    agency, other = await api.agency(), await api.agency()
    patient = await create_patient(agency)
    ours, theirs = await create_client(agency), await create_client(other)
    # when notes are billed to each
    billed = await agency.ok(
        CREATE_NOTE,
        {"input": note_input(patient["id"], invoiceTo={"payer": "Family", "client": ours["id"]})},
    )
    refused = await agency.ok(
        CREATE_NOTE,
        {"input": note_input(patient["id"], invoiceTo={"payer": "X", "client": theirs["id"]})},
    )
    # then our client is linked and resolved, the other agency's is not found and not written
    note = billed["progressNoteCreate"]["progressNote"]
    assert note["invoiceTo"] == {"payer": "Family", "notes": None, "client": {"id": ours["id"]}}
    assert refused["progressNoteCreate"]["userErrors"] == [
        {
            "field": "input.invoiceTo.client",
            "message": "No client with this id.",
            "code": "NOT_FOUND",
        }
    ]
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 1
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert stored["invoice_to"] == {"payer": "Family", "client": stored_id(ours["id"])}


async def test_another_accounts_note_reads_as_null_and_cannot_be_changed(api: Api) -> None:
    # given a note of one agency
    agency, other = await api.agency(), await api.agency()
    patient = await create_patient(agency)
    note = await create_note(agency, patient["id"])
    # when the other agency reads, lists, changes and approves it
    read = await other.ok(
        "query($id: ID!) { progressNote(id: $id) { id } node(id: $id) { id } "
        "progressNotes { totalCount } }",
        {"id": note["id"]},
    )
    changed = await other.ok(
        UPDATE_NOTE, {"id": note["id"], "revision": 1, "input": {"title": "Mine now"}}
    )
    approved = await other.ok(APPROVE_NOTE, {"id": note["id"], "revision": 1})
    # then it does not exist for them, and nothing changed
    assert read == {"progressNote": None, "node": None, "progressNotes": {"totalCount": 0}}
    assert [e["code"] for e in changed["progressNoteUpdate"]["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in approved["progressNoteApprove"]["userErrors"]] == ["NOT_FOUND"]
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(note["id"])})
    assert (stored["title"], stored["_revision"]) == ("Visit summary", 1)


async def test_private_notes_exist_only_for_roles_with_view_sensitive(api: Api) -> None:
    # given a private and a shared note, and a scheduler (MANAGE_PATIENTS, no VIEW_SENSITIVE)
    agency = await api.agency()
    await agency.key_for("scheduler")
    patient = await create_patient(agency)
    secret = await create_note(agency, patient["id"], title="Family finances", private=True)
    await create_note(agency, patient["id"], title="Visit summary")
    lists = """query($id: ID!, $patient: ID!) { progressNote(id: $id) { title } node(id: $id) { id }
      progressNotes { nodes { title } }
      private: progressNotes(filter: {private: true}) { totalCount }
      patient(id: $patient) { progressNotes { nodes { title } } } }"""
    variables = {"id": secret["id"], "patient": patient["id"]}
    # when the scheduler and the administrator read the notes
    seen = await agency.gql(lists, variables, role="scheduler")
    admin = await agency.ok(lists, variables)
    # then only the administrator sees the private note, by id, in lists and through the patient
    assert seen.errors == []
    assert seen.data["progressNote"] is None and seen.data["node"] is None
    assert titles(seen.data["progressNotes"]) == ["Visit summary"]
    assert seen.data["private"]["totalCount"] == 0
    assert titles(seen.data["patient"]["progressNotes"]) == ["Visit summary"]
    assert admin["progressNote"] == {"title": "Family finances"}
    assert titles(admin["progressNotes"]) == ["Visit summary", "Family finances"]
    assert titles(admin["patient"]["progressNotes"]) == ["Visit summary", "Family finances"]
    # and the scheduler can neither change the private note nor write a new one
    changed = await agency.gql(
        UPDATE_NOTE,
        {"id": secret["id"], "revision": 1, "input": {"title": "Seen"}},
        role="scheduler",
    )
    approved = await agency.gql(APPROVE_NOTE, {"id": secret["id"], "revision": 1}, role="scheduler")
    created = await agency.gql(
        CREATE_NOTE, {"input": note_input(patient["id"], private=True)}, role="scheduler"
    )
    assert [e["code"] for e in changed.data["progressNoteUpdate"]["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in approved.data["progressNoteApprove"]["userErrors"]] == ["NOT_FOUND"]
    assert created.data["progressNoteCreate"]["userErrors"] == [
        {
            "field": "input.private",
            "message": "Only roles with VIEW_SENSITIVE may write private notes.",
            "code": "FORBIDDEN",
        }
    ]
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 2
    stored = await api.database.db.patientsprogressnotes.find_one({"_id": stored_id(secret["id"])})
    assert (stored["title"], stored["_revision"]) == ("Family finances", 1)


async def test_a_deleted_tag_cannot_be_put_on_a_note(api: Api) -> None:
    # given a deleted tag
    agency = await api.agency()
    patient = await create_patient(agency)
    tag = await create_tag(agency, "Old label")
    await agency.ok(
        'mutation($id: ID!) { tagDelete(id: $id, reason: "Unused") { userErrors { code } } }',
        {"id": tag["id"]},
    )
    # when a note is written with it
    data = await agency.ok(CREATE_NOTE, {"input": note_input(patient["id"], tags=[tag["id"]])})
    # then it is refused, and nothing is written
    assert data["progressNoteCreate"]["userErrors"] == [
        {
            "field": "input.tags.0",
            "message": "This tag is deleted; restore it before using it.",
            "code": "INVALID_STATE",
        }
    ]
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 0


async def test_an_import_is_all_or_nothing(api: Api) -> None:
    # given an agency selling services, and a patient
    agency = await with_services(await api.agency())
    patient = await create_patient(agency)
    mutation = """mutation($input: [ProgressNoteCreateInput!]!) { progressNoteImport(input: $input)
      { progressNotes { title } userErrors { field code } } }"""
    good = note_input(patient["id"], title="First", service="PSW")
    # when two notes are imported with the second one bad, then both good
    refused = await agency.ok(mutation, {"input": [good, {**good, "service": "NOPE"}]})
    count_after_refusal = await api.count("patientsprogressnotes", _account=agency.account_id)
    accepted = await agency.ok(mutation, {"input": [good, {**good, "title": "Second"}]})
    # then the first import names the bad item and writes nothing; the second writes both
    assert refused["progressNoteImport"] == {
        "progressNotes": [],
        "userErrors": [{"field": "input.1.service", "code": "NOT_FOUND"}],
    }
    assert count_after_refusal == 0
    assert accepted["progressNoteImport"]["progressNotes"] == [
        {"title": "First"},
        {"title": "Second"},
    ]
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 2


async def test_a_role_without_manage_patients_cannot_write_notes(api: Api) -> None:
    # given a billing clerk's key
    agency = await api.agency()
    await agency.key_for("billing")
    patient = await create_patient(agency)
    # when the clerk writes a note
    response = await agency.gql(CREATE_NOTE, {"input": note_input(patient["id"])}, role="billing")
    # then it is forbidden, and nothing is written
    assert [e["code"] for e in response.data["progressNoteCreate"]["userErrors"]] == ["FORBIDDEN"]
    assert await api.count("patientsprogressnotes", _account=agency.account_id) == 0


def _gid(raw: dict[str, Any]) -> str:
    return to_global_id("ProgressNote", raw["_id"])


PATIENTS_WITH_NOTES = """{ patients(first: 50) { nodes { fullName
  progressNotes { totalCount nodes { title } }
  urgent: progressNotes(filter: {priority: [URGENT]}, orderBy: {field: CREATED_DATE}) {
    nodes { title } } } } }"""


async def agency_with_noted_patients(api: Api, patients: int) -> Agency:
    """Each patient has three notes, one of them urgent and one private."""
    agency = await api.agency()
    await agency.key_for("scheduler")
    for number in range(patients):
        patient = await create_patient(agency, name={"first": "Pat", "last": f"P{number:02}"})
        for days, title, fields in (
            (3, "Fall", {"priority": "urgent"}),
            (2, "Money worries", {"private": True}),
            (1, "Visit", {}),
        ):
            await write_note(agency, patient["id"], written=ago(days), title=title, **fields)
    return agency


async def test_the_notes_of_a_list_of_patients_cost_the_same_for_more_patients(api: Api) -> None:
    # given one agency with 2 patients and another with 6, each with three notes, one private
    small, large = (
        await agency_with_noted_patients(api, 2),
        await agency_with_noted_patients(api, 6),
    )
    # when the administrator and a scheduler (no VIEW_SENSITIVE) list the patients with notes
    counts = []
    for agency in (small, large):
        for role in (None, "scheduler"):
            response = await agency.gql(PATIENTS_WITH_NOTES, role=role)
            assert response.status == 200 and not response.errors, response.body
            counts.append(response.db_commands)
            # then every patient shows their own notes, newest first, private ones to the
            # administrator only, and the filtered, ordered edge beside them
            patients = response.data["patients"]["nodes"]
            assert len(patients) == (2 if agency is small else 6)
            for patient in patients:
                notes = patient["progressNotes"]
                expected = ["Visit", "Money worries", "Fall"] if role is None else ["Visit", "Fall"]
                assert titles(notes) == expected and notes["totalCount"] == len(expected)
                assert titles(patient["urgent"]) == ["Fall"]
    # and the database commands do not grow with the patients: 3 times the rows, same cost
    small_admin, small_scheduler, large_admin, large_scheduler = counts
    assert small_admin == large_admin and small_scheduler == large_scheduler
    assert large_admin == 3, counts  # the patients, then one per notes edge


EDGES = """query($tag: ID!, $user: ID!, $client: ID!) {
  tag: node(id: $tag) { ... on Tag { progressNotes { nodes { title } } } }
  user: node(id: $user) { ... on User {
    progressNotes { nodes { title } } writtenProgressNotes { nodes { title } } } }
  client: node(id: $client) { ... on Client { progressNotes { nodes { title } } } } }"""


async def test_tags_users_and_clients_list_their_notes_without_private_ones_for_others(
    api: Api,
) -> None:
    # given a shared and a private note, each with a tag, a tagged user, an author and a client
    agency = await api.agency()
    await agency.key_for("scheduler")
    patient, writer = await create_patient(agency), await create_user(agency)
    tag, client = await create_tag(agency, "Fall risk"), await create_client(agency)
    links = {
        "tags": [stored_id(tag["id"])],
        "users": [stored_id(writer["id"])],
        "invoice_to": {"payer": "Family", "client": stored_id(client["id"])},
    }
    for days, title, private in ((2, "Shared", False), (1, "Private", True)):
        await write_note(
            agency,
            patient["id"],
            author_id=writer["id"],
            written=ago(days),
            title=title,
            private=private,
            **links,
        )
    variables = {"tag": tag["id"], "user": writer["id"], "client": client["id"]}
    # when the administrator and a scheduler read the notes through each record
    admin = await agency.ok(EDGES, variables)
    scheduler = await agency.gql(EDGES, variables, role="scheduler")
    # then each lists both, newest first, to the administrator, and the shared one to others
    assert scheduler.errors == [], scheduler.body
    for data, expected in ((admin, ["Private", "Shared"]), (scheduler.data, ["Shared"])):
        assert titles(data["tag"]["progressNotes"]) == expected
        assert titles(data["user"]["progressNotes"]) == expected
        assert titles(data["user"]["writtenProgressNotes"]) == expected
        assert titles(data["client"]["progressNotes"]) == expected
    # and both are stored, the private one marked so
    stored = api.database.db.patientsprogressnotes.find({"_account": agency.account_id})
    assert sorted([(n["title"], n["private"]) async for n in stored]) == [
        ("Private", True),
        ("Shared", False),
    ]
