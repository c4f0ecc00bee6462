"""Conversations between staff (participants, messages posted atomically) and notes about staff."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bson import ObjectId

from app.common.demo import DemoAccount
from app.common.services import Actor
from app.conversations import demo
from app.graphql.relay import from_global_id
from tests.factories import Agency, Api, audit_entries, create_patient, create_user
from tests.factories_conversations import (
    CONVERSATION_FIELDS,
    CREATE_CONVERSATION,
    CREATE_NOTE,
    NOTE_FIELDS,
    UPDATE_CONVERSATION,
    UPDATE_NOTE,
    conversation_input,
    create_conversation,
    create_note,
    note_input,
    office_member,
    post,
    posted,
)

MESSAGES = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(id: $id) { messages(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { body } } } }"""


def oid(global_id: str) -> ObjectId:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]  # type: ignore[no-any-return]


async def stored_conversation(api: Api, conversation: dict[str, Any]) -> dict[str, Any]:
    found = await api.database.db.conversations.find_one({"_id": oid(conversation["id"])})
    assert found is not None
    return found


async def subjects(agency: Agency, filter: Any = None, order: Any = None) -> list[str]:
    data = await agency.ok(
        """query($f: ConversationFilter, $o: ConversationOrder) {
          conversations(filter: $f, orderBy: $o) { totalCount nodes { subject } } }""",
        {"f": filter, "o": order},
    )
    nodes = data["conversations"]["nodes"]
    assert data["conversations"]["totalCount"] == len(nodes)
    return [n["subject"] for n in nodes]


async def titles(agency: Agency, filter: Any = None, order: Any = None) -> list[str]:
    data = await agency.ok(
        """query($f: UserNoteFilter, $o: UserNoteOrder) {
          userNotes(filter: $f, orderBy: $o) { totalCount nodes { title } } }""",
        {"f": filter, "o": order},
    )
    nodes = data["userNotes"]["nodes"]
    assert data["userNotes"]["totalCount"] == len(nodes)
    return [n["title"] for n in nodes]


# --- conversations ----------------------------------------------------------------------


async def test_a_conversation_copies_participant_names_and_reads_back_by_id(api: Api) -> None:
    # given two office members and a patient
    agency = await api.agency()
    dana, eve = await office_member(agency), await office_member(agency, "Eve", "Stone")
    patient = await create_patient(agency)
    # when a conversation about the patient is started between them, and read by id
    made = await create_conversation(agency, [dana, eve], patient=patient["id"], pinned=True)
    read = await agency.ok(
        f"query($id: ID!) {{ conversation(id: $id) {{ {CONVERSATION_FIELDS} "
        "lastMessage { body } messages { totalCount nodes { body } } } }",
        {"id": made["id"]},
    )
    # then it is open, names are copied in, and it reads back the same
    assert made["status"] == "OPEN" and made["pinned"] is True and made["revision"] == 1
    assert made["patient"] == {"id": patient["id"]}
    assert [(p["name"], p["record"]["id"]) for p in made["participants"]] == [
        ("Dana Office", dana),
        ("Eve Stone", eve),
    ]
    assert made["lastMessageDate"] == made["createdDate"]
    conversation = read["conversation"]
    assert conversation["lastMessage"] is None
    assert conversation["messages"] == {"totalCount": 0, "nodes": []}
    assert {k: conversation[k] for k in made} == made
    # and it is stored under the account with participants by `_id`
    stored = await stored_conversation(api, made)
    assert stored["_account"] == agency.account_id and stored["status"] == "open"
    assert stored["participants"][1] == {"_id": oid(eve), "name": "Eve Stone"}
    assert stored["messages"] == [] and stored["last_message_date"] == stored["_created_date"]


async def test_posting_appends_a_message_bumps_the_revision_and_is_audited(api: Api) -> None:
    # given a conversation between two office members
    agency = await api.agency()
    dana, eve = await office_member(agency), await office_member(agency, "Eve", "Stone")
    conversation = await create_conversation(agency, [dana, eve])
    # when Dana posts, then the API client posts on its own behalf
    first = await posted(agency, conversation["id"], "  New dose from Monday.  ", dana)
    second = await posted(agency, conversation["id"], "Pharmacy confirmed.", None)
    # then each post bumps the revision and the last message date
    assert first["conversation"]["revision"] == 2 and second["conversation"]["revision"] == 3
    assert first["message"]["body"] == "New dose from Monday."
    assert first["message"]["author"] == {"name": "Dana Office", "record": {"id": dana}}
    assert second["message"]["author"] == {"name": "Administrator", "record": None}
    assert second["conversation"]["lastMessageDate"] == second["message"]["sentDate"]
    # and posting counts as reading for the author only
    marks = {p["record"]["id"]: p["lastReadDate"] for p in first["conversation"]["participants"]}
    assert marks == {dana: first["message"]["sentDate"], eve: None}
    # and the stored messages are in order, each with its id
    stored = await stored_conversation(api, conversation)
    assert [m["body"] for m in stored["messages"]] == [
        "New dose from Monday.",
        "Pharmacy confirmed.",
    ]
    assert str(stored["messages"][0]["_id"]) == first["message"]["id"]
    assert stored["_revision"] == 3
    # and each post left an UPDATE entry naming the message, who posted it and when, but
    # not what it says
    entries = await audit_entries(agency, record_id=stored["_id"], action="update")
    assert [e["changes"][0]["field"] for e in entries] == ["messages", "messages"]
    logged = [e["changes"][0]["after"] for e in entries]
    assert [m["body"] for m in logged] == ["***", "***"]
    assert [m["_id"] for m in logged] == [m["_id"] for m in stored["messages"]]
    assert [m["author"] for m in logged] == [m["author"] for m in stored["messages"]]
    assert [m["sent_date"] for m in logged] == [m["sent_date"] for m in stored["messages"]]
    assert "New dose" not in str(entries) and "Pharmacy" not in str(entries)


async def test_messages_are_paged_oldest_first_with_cursors_both_ways(api: Api) -> None:
    # given a conversation with five messages
    agency = await api.agency()
    dana = await office_member(agency)
    conversation = await create_conversation(agency, [dana])
    for n in range(1, 6):
        await posted(agency, conversation["id"], f"m{n}", dana)

    async def page(**args: Any) -> dict[str, Any]:
        data = await agency.ok(MESSAGES, {"id": conversation["id"], **args})
        return data["conversation"]["messages"]  # type: ignore[no-any-return]

    # when the latest two are asked for, then the two before them, then two after the first
    latest = await page(last=2)
    earlier = await page(last=2, before=latest["pageInfo"]["startCursor"])
    onwards = await page(first=2, after=earlier["pageInfo"]["endCursor"])
    # then the pages follow the posting order, newest last
    assert [n["body"] for n in latest["nodes"]] == ["m4", "m5"]
    assert latest["totalCount"] == 5 and latest["pageInfo"]["hasPreviousPage"] is True
    assert [n["body"] for n in earlier["nodes"]] == ["m2", "m3"]
    assert [n["body"] for n in onwards["nodes"]] == ["m4", "m5"]
    assert onwards["pageInfo"]["hasNextPage"] is False
    assert [n["body"] for n in (await page())["nodes"]] == ["m1", "m2", "m3", "m4", "m5"]
    # and a cursor of another list is refused
    bad = await agency.gql(MESSAGES, {"id": conversation["id"], "after": "bm9wZQ"})
    assert bad.errors[0]["message"] == "The cursor is not one this API gave out."


async def test_posts_are_refused_when_closed_deleted_or_not_by_a_participant(api: Api) -> None:
    # given an open and a closed conversation, and a user outside them
    agency = await api.agency()
    dana, outsider = await office_member(agency), await office_member(agency, "Olga", "Out")
    open_one = await create_conversation(agency, [dana])
    closed = await create_conversation(agency, [dana], subject="Old", status="CLOSED")
    deleted = await create_conversation(agency, [dana], subject="Gone")
    await agency.ok(
        'mutation($id: ID!) { conversationDelete(id: $id, reason: "dup") { userErrors { code } } }',
        {"id": deleted["id"]},
    )
    # when posts break each rule
    refusals = [
        await post(agency, closed["id"], "Anyone?", dana),
        await post(agency, deleted["id"], "Anyone?", dana),
        await post(agency, open_one["id"], "Hello", outsider),
        await post(agency, open_one["id"], "   ", dana),
        await post(agency, open_one["id"], "x" * 5001, dana),
        await post(agency, open_one["id"], "Hello", open_one["id"]),
    ]
    # then each is refused with its code, and nothing is written
    assert [(r["userErrors"][0]["code"], r["userErrors"][0]["field"]) for r in refusals] == [
        ("INVALID_STATE", "id"),
        ("INVALID_STATE", "id"),
        ("INVALID", "author"),
        ("REQUIRED", "body"),
        ("INVALID", "body"),
        ("INVALID", "author"),
    ]
    assert all(r["conversation"] is None and r["message"] is None for r in refusals)
    for conversation in (open_one, closed):
        stored = await stored_conversation(api, conversation)
        assert stored["messages"] == [] and stored["_revision"] == 1
    assert await audit_entries(agency, record_type="Conversation", action="update") == []


async def test_an_update_checks_the_revision_keeps_read_marks_and_closed_only_reopens(
    api: Api,
) -> None:
    # given a conversation in which Dana has read (by posting)
    agency = await api.agency()
    dana, eve = await office_member(agency), await office_member(agency, "Eve", "Stone")
    conversation = await create_conversation(agency, [dana])
    sent = (await posted(agency, conversation["id"], "Hi", dana))["message"]["sentDate"]

    async def update(revision: int, **changes: Any) -> Any:
        data = await agency.ok(
            UPDATE_CONVERSATION, {"id": conversation["id"], "revision": revision, "input": changes}
        )
        return data["conversationUpdate"]

    # when Eve is added and the conversation closed, at the current revision
    added = await update(2, participants=[{"record": dana}, {"record": eve}], status="CLOSED")
    # and then a stale revision, an edit while closed, and a reopening are sent
    stale = await update(2, subject="Stale")
    while_closed = await update(3, subject="Renamed")
    reopened = await update(3, status="OPEN", subject="Renamed")
    # then Dana keeps her read mark and Eve is named; the stale and closed edits are refused
    assert added["userErrors"] == []
    marks = [(p["name"], p["lastReadDate"]) for p in added["conversation"]["participants"]]
    assert marks == [("Dana Office", sent), ("Eve Stone", None)]
    assert stale["userErrors"][0]["code"] == "CONFLICT"
    assert while_closed["userErrors"] == [
        {
            "field": "input.status",
            "message": "This conversation is closed: reopen it (status OPEN) to change it.",
            "code": "INVALID_STATE",
        }
    ]
    assert reopened["conversation"]["status"] == "OPEN"
    assert reopened["conversation"]["subject"] == "Renamed"
    stored = await stored_conversation(api, conversation)
    assert stored["_revision"] == 4 and len(stored["messages"]) == 1


async def test_a_conversation_is_deleted_with_a_reason_and_restored(api: Api) -> None:
    # given a conversation
    agency = await api.agency()
    conversation = await create_conversation(agency, [await office_member(agency)])
    # when it is deleted, listed, then restored
    deleted = await agency.ok(
        """mutation($id: ID!) { conversationDelete(id: $id, reason: "Opened twice") {
          conversation { deleted } userErrors { code } } }""",
        {"id": conversation["id"]},
    )
    hidden, shown = await subjects(agency), await subjects(agency, {"deleted": "DELETED"})
    restored = await agency.ok(
        """mutation($id: ID!) { conversationRestore(id: $id) {
          conversation { deleted revision } userErrors { code } } }""",
        {"id": conversation["id"]},
    )
    # then it leaves the default list while deleted, and comes back
    assert deleted["conversationDelete"] == {"conversation": {"deleted": True}, "userErrors": []}
    assert (hidden, shown) == ([], ["Medication change"])
    assert restored["conversationRestore"]["conversation"] == {"deleted": False, "revision": 3}
    stored = await stored_conversation(api, conversation)
    assert stored["_deleted_dates"][0]["reason"] == "Opened twice"


async def test_conversations_are_filtered_and_ordered(api: Api) -> None:
    # given conversations with different participants, patients, states and message times
    agency = await api.agency()
    dana, eve = await office_member(agency), await office_member(agency, "Eve", "Stone")
    patient = await create_patient(agency)
    about = await create_conversation(agency, [dana], subject="Fall at home", patient=patient["id"])
    shared = await create_conversation(agency, [dana, eve], subject="Rota gaps", pinned=True)
    await create_conversation(agency, [eve], subject="Holiday cover", status="CLOSED")
    await posted(agency, shared["id"], "Who covers Friday?", dana)
    since = (await posted(agency, about["id"], "She is fine.", dana))["message"]["sentDate"]
    # when each filter and order is applied
    # then each narrows or sorts as it says
    assert await subjects(agency) == ["Fall at home", "Rota gaps", "Holiday cover"]
    assert await subjects(agency, order={"field": "CREATED_DATE", "direction": "ASC"}) == [
        "Fall at home",
        "Rota gaps",
        "Holiday cover",
    ]
    assert await subjects(agency, order={"field": "LAST_MESSAGE_DATE", "direction": "ASC"}) == [
        "Holiday cover",
        "Rota gaps",
        "Fall at home",
    ]
    assert await subjects(agency, {"participant": eve}) == ["Rota gaps", "Holiday cover"]
    assert await subjects(agency, {"patient": patient["id"]}) == ["Fall at home"]
    assert await subjects(agency, {"status": "CLOSED"}) == ["Holiday cover"]
    assert await subjects(agency, {"pinned": True}) == ["Rota gaps"]
    assert await subjects(agency, {"lastMessageDate": {"start": since}}) == ["Fall at home"]
    assert await subjects(agency, {"search": "ROTA g"}) == ["Rota gaps"]
    assert await subjects(agency, {"participant": dana, "search": "fall"}) == ["Fall at home"]
    # and pages follow one another in the default order
    data = await agency.ok("{ conversations(first: 2) { pageInfo { endCursor } } }")
    rest = await agency.ok(
        "query($a: String) { conversations(first: 2, after: $a) { nodes { subject } } }",
        {"a": data["conversations"]["pageInfo"]["endCursor"]},
    )
    assert rest["conversations"]["nodes"] == [{"subject": "Holiday cover"}]


async def test_bad_conversations_are_refused_and_nothing_is_written(api: Api) -> None:
    # given an agency, and another agency with its own user and patient
    agency, other = await api.agency(), await api.agency()
    dana = await office_member(agency)
    stranger, their_patient = await office_member(other), await create_patient(other)

    async def refused(**fields: Any) -> list[dict[str, Any]]:
        data = await agency.ok(CREATE_CONVERSATION, {"input": conversation_input(**fields)})
        assert data["conversationCreate"]["conversation"] is None
        return [(e["field"], e["code"]) for e in data["conversationCreate"]["userErrors"]]

    # when conversations break each rule
    # then each is refused with its code and field
    assert await refused(participants=[dana, stranger]) == [
        ("input.participants.1.record", "NOT_FOUND")
    ]
    assert await refused(participants=[dana], patient=their_patient["id"]) == [
        ("input.patient", "NOT_FOUND")
    ]
    assert await refused(participants=[dana, dana]) == [("input.participants", "INVALID")]
    assert await refused(participants=[]) == [("input.participants", "INVALID")]
    assert await refused(participants=[dana], subject="") == [("input.subject", "INVALID")]
    # and nothing was written
    assert await api.count("conversations", _account=agency.account_id) == 0


async def test_another_account_neither_reads_nor_posts_to_a_conversation(api: Api) -> None:
    # given a conversation of one agency
    agency, other = await api.agency(), await api.agency()
    dana = await office_member(agency)
    conversation = await create_conversation(agency, [dana])
    # when the other agency reads it, lists, and posts to it
    seen = await other.ok(
        "query($id: ID!) { conversation(id: $id) { id } }", {"id": conversation["id"]}
    )
    listed = await subjects(other)
    refused = await post(other, conversation["id"], "Hello", None)
    # then it is as if it did not exist, and nothing is written
    assert (seen, listed) == ({"conversation": None}, [])
    assert refused["userErrors"] == [
        {"field": "id", "message": "No conversation with this id.", "code": "NOT_FOUND"}
    ]
    assert (await stored_conversation(api, conversation))["messages"] == []


async def test_a_role_without_manage_patients_cannot_change_conversations(api: Api) -> None:
    # given a conversation and a billing key (no MANAGE_PATIENTS, no MANAGE_STAFF)
    agency = await api.agency()
    dana = await office_member(agency)
    conversation = await create_conversation(agency, [dana])
    await agency.key_for("billing")
    # when the billing key posts, and writes a note about Dana
    posting = await agency.gql(
        'mutation($id: ID!) { conversationPost(id: $id, body: "Hi") { userErrors { code } } }',
        {"id": conversation["id"]},
        role="billing",
    )
    noting = await agency.gql(CREATE_NOTE, {"input": note_input(dana)}, role="billing")
    # then both are forbidden and nothing is written
    assert posting.data["conversationPost"]["userErrors"] == [{"code": "FORBIDDEN"}]
    assert noting.data["userNoteCreate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await stored_conversation(api, conversation))["messages"] == []
    assert await api.count("usersnotes", _account=agency.account_id) == 0


# --- user notes -------------------------------------------------------------------------


async def test_a_user_note_is_stored_under_the_catalogue_names_and_read_by_id(api: Api) -> None:
    # given a caregiver
    agency = await api.agency()
    caregiver = await office_member(agency, "Carl", "Giver")
    # when a note about them is written and read back
    note = await create_note(agency, caregiver, priority="HIGH")
    read = await agency.ok(
        f"query($id: ID!) {{ userNote(id: $id) {{ {NOTE_FIELDS} }} }}", {"id": note["id"]}
    )
    # then it reads back as written, about the caregiver, written by the API client (no user)
    assert read["userNote"] == note
    assert note["user"] == {"id": caregiver} and note["priority"] == "HIGH"
    assert note["createdUser"] is None and note["lastUpdatedUser"] is None
    assert note["lastUpdatedDate"] == note["createdDate"] and note["deleted"] is False
    # and it is stored with `last_updated_date` without the underscore
    stored = await api.database.db.usersnotes.find_one({"_id": oid(note["id"])})
    assert stored is not None and stored["_account"] == agency.account_id
    assert stored["user"] == oid(caregiver) and stored["priority"] == "high"
    assert "last_updated_date" in stored and "_last_updated_date" not in stored
    assert stored["_search"] == {"title": ["late", "twice", "this", "week"], "priority": 2}


async def test_user_notes_are_filtered_and_ordered(api: Api) -> None:
    # given notes of each priority about two users
    agency = await api.agency()
    carl, dora = await office_member(agency, "Carl"), await office_member(agency, "Dora")
    await create_note(agency, carl, title="Great feedback", priority="LOW")
    first = await create_note(agency, carl, title="Missed visit", priority="URGENT")
    await create_note(agency, dora, title="Certificate expiring", priority="HIGH")
    gone = await create_note(agency, dora, title="Duplicate note")
    await agency.ok(
        'mutation($id: ID!) { userNoteDelete(id: $id, reason: "dup") { userErrors { code } } }',
        {"id": gone["id"]},
    )
    # when each filter and order is applied
    # then each narrows or sorts as it says
    assert await titles(agency) == ["Certificate expiring", "Missed visit", "Great feedback"]
    assert await titles(agency, {"user": carl}) == ["Missed visit", "Great feedback"]
    assert await titles(agency, {"priority": ["HIGH", "URGENT"]}) == [
        "Certificate expiring",
        "Missed visit",
    ]
    assert await titles(agency, {"search": "cert EXP"}) == ["Certificate expiring"]
    assert await titles(agency, {"createdDate": {"end": first["createdDate"]}}) == [
        "Great feedback"
    ]
    assert await titles(agency, {"createdDate": {"start": first["createdDate"]}}) == [
        "Certificate expiring",
        "Missed visit",
    ]
    assert await titles(agency, {"deleted": "DELETED"}) == ["Duplicate note"]
    assert await titles(agency, order={"field": "PRIORITY", "direction": "DESC"}) == [
        "Missed visit",
        "Certificate expiring",
        "Great feedback",
    ]
    assert await titles(agency, order={"field": "CREATED_DATE", "direction": "ASC"}) == [
        "Great feedback",
        "Missed visit",
        "Certificate expiring",
    ]


async def test_a_user_note_update_checks_the_revision_and_delete_restore_keep_its_names(
    api: Api,
) -> None:
    # given a note
    agency = await api.agency()
    note = await create_note(agency, await office_member(agency))

    async def update(revision: int, **changes: Any) -> Any:
        data = await agency.ok(
            UPDATE_NOTE, {"id": note["id"], "revision": revision, "input": changes}
        )
        return data["userNoteUpdate"]

    # when it is updated, updated again at a stale revision, deleted and restored
    changed = await update(1, priority="URGENT", note="Third time late.")
    stale = await update(1, title="Stale")
    await agency.ok(
        """mutation($id: ID!) { userNoteDelete(id: $id, reason: "wrong person") {
          userErrors { code } } }""",
        {"id": note["id"]},
    )
    restored = await agency.ok(
        f"mutation($id: ID!) {{ userNoteRestore(id: $id) {{ userNote {{ {NOTE_FIELDS} }} }} }}",
        {"id": note["id"]},
    )
    # then the change is kept, the stale one refused, and the dates move on
    assert changed["userErrors"] == [] and changed["userNote"]["priority"] == "URGENT"
    assert changed["userNote"]["lastUpdatedDate"] > note["lastUpdatedDate"]
    assert stale["userErrors"][0]["code"] == "CONFLICT"
    back = restored["userNoteRestore"]["userNote"]
    assert back["revision"] == 4 and back["deleted"] is False
    assert back["lastUpdatedDate"] > changed["userNote"]["lastUpdatedDate"]
    # and they are stored under `last_updated_date`, the priority rank follows the priority
    stored = await api.database.db.usersnotes.find_one({"_id": oid(note["id"])})
    assert stored is not None and "_last_updated_date" not in stored
    assert stored["note"] == "Third time late." and stored["_search"]["priority"] == 3
    # and the audit entry of the update names the fields changed, not the date
    entries = await audit_entries(agency, record_type="UserNote", action="update")
    assert [c["field"] for c in entries[0]["changes"]] == ["note", "priority"]


async def test_bad_user_notes_are_refused_and_other_accounts_see_none(api: Api) -> None:
    # given an agency's note, and another agency's user
    agency, other = await api.agency(), await api.agency()
    mine = await office_member(agency)
    note = await create_note(agency, mine)
    stranger = await office_member(other)

    async def refused(**fields: Any) -> list[tuple[str, str]]:
        data = await agency.ok(CREATE_NOTE, {"input": note_input(**fields)})
        assert data["userNoteCreate"]["userNote"] is None
        return [(e["field"], e["code"]) for e in data["userNoteCreate"]["userErrors"]]

    # when notes break each rule, and the other agency reads the note
    errors = [
        await refused(user=stranger),
        await refused(user=mine, title=""),
        await refused(user=mine, note="x" * 10_001),
        await refused(user=note["id"]),
    ]
    seen = await other.ok("query($id: ID!) { userNote(id: $id) { id } }", {"id": note["id"]})
    # then each is refused with its code, nothing is written, and the note is invisible
    assert errors == [
        [("input.user", "NOT_FOUND")],
        [("input.title", "INVALID")],
        [("input.note", "INVALID")],
        [("input.user", "INVALID")],
    ]
    assert await api.count("usersnotes", _account=agency.account_id) == 1
    assert seen == {"userNote": None}
    assert await titles(other) == []


# --- demo data --------------------------------------------------------------------------


async def test_the_demo_makes_conversations_about_patients_and_notes_on_caregivers(
    api: Api,
) -> None:
    # given an agency with three office members, two caregivers and three patients
    agency = await api.agency()
    office = [await office_member(agency, first) for first in ("Ada", "Bo", "Cy")]
    carers = [(await create_user(agency))["id"] for _ in range(2)]
    patients = [(await create_patient(agency))["id"] for _ in range(3)]
    db = api.database.db

    async def raw(collection: str, ids: list[str]) -> list[dict[str, Any]]:
        return [await db[collection].find_one({"_id": oid(i)}) for i in ids]  # type: ignore[misc]

    week = dt.date(2025, 6, 2)
    made = DemoAccount(
        api.database,
        Actor(account_id=agency.account_id),
        random.Random(7),
        await db.accounts.find_one({"_id": agency.account_id}) or {},
        await raw("users", office),
        await raw("users", carers),
        await raw("patients", patients),
        week,
    )
    # when the conversations demo is seeded
    await demo.seed(made)
    # then each conversation is about a demo patient (or a topic) between office members
    conversations = made.made["conversations"]
    assert len(conversations) == 4  # three patients for four patient threads, and a topic
    office_ids = {oid(i) for i in office}
    patient_ids = {oid(i) for i in patients}
    assert sum(1 for c in conversations if c.get("patient") in patient_ids) == 3
    for conversation in conversations:
        people = {p["_id"] for p in conversation["participants"]}
        assert people <= office_ids and len(people) >= 2
        messages = conversation["messages"]
        assert 2 <= len(messages) <= 6
        assert all(m["author"]["_id"] in people for m in messages)
        dates = [m["sent_date"] for m in messages]
        assert dates == sorted(dates) and dates[-1] < dt.datetime(2025, 6, 2, tzinfo=dt.UTC)
        assert conversation["last_message_date"] == dates[-1]
    assert [c["status"] for c in conversations].count("closed") == 1
    # and one to three notes on some caregivers, by the first office member
    notes = made.made["usersnotes"]
    assert 1 <= len(notes) <= 3 and {n["user"] for n in notes} <= {oid(c) for c in carers}
    assert all(n["_created_user"] == oid(office[0]) for n in notes)
    assert await api.count("conversations", _account=agency.account_id) == 4
    assert await api.count("usersnotes", _account=agency.account_id) == len(notes)
