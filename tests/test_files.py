"""Files: uploaded and downloaded over HTTP within one account, checksummed, audited, and
described in the graph by a File node linked to the record it belongs to."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from bson import ObjectId

from app.common.demo import DemoAccount
from app.common.services import Actor
from app.data.scope import Scope
from app.db import Database
from app.files import demo as files_demo
from app.files import services
from app.files.documents import FileOwnerType, FileType
from app.files.routes import add_file_routes
from app.files.services import Owner, UploadDetails, upload_file
from app.graphql.relay import from_global_id, to_global_id
from app.keys import AUTHENTICATOR, DATABASE, SETTINGS
from app.web import authenticate, database_unavailable, request_ids
from tests.factories import Agency, Api, audit_entries, create_patient, create_user
from tests.factories_catalog import create_skill
from tests.factories_files import (
    CARE_PLAN,
    FILE,
    FILES,
    UPDATE_FILE,
    download,
    sha256,
    stored_contents,
    upload,
    upload_ok,
)
from tests.factories_people import create_candidate, create_contact


@pytest.fixture(scope="module")
async def http(
    client: TestClient,  # type: ignore[type-arg]
    database: Database,
) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The application's client once create_app adds the file routes; until then, a server
    with the same middlewares, database and authenticator, and only these routes."""
    if any(r.canonical == "/files" for r in client.app.router.resources()):
        yield client
        return
    app = web.Application(middlewares=[request_ids, database_unavailable, authenticate])
    app[SETTINGS] = client.app[SETTINGS]
    app[DATABASE] = database
    app[AUTHENTICATOR] = client.app[AUTHENTICATOR]
    add_file_routes(app)
    async with TestClient(TestServer(app)) as files_client:
        yield files_client


def key(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


async def file_records(agency: Agency) -> list[dict[str, Any]]:
    cursor = agency.api.database.db.files.find({"_account": agency.account_id}, sort=[("_id", 1)])
    return [doc async for doc in cursor]


async def test_an_upload_is_stored_with_its_checksum_and_read_back_whole(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient, and a care plan with an accented file name and its SHA-256
    agency = await api.agency()
    patient = await create_patient(agency)
    content = CARE_PLAN * 5000  # ~330 KB: two GridFS chunks
    # when it is uploaded without a name
    answer = await upload_ok(
        http,
        agency,
        content,
        owner=patient["id"],
        filename="plan de soins é.txt",
        content_type="text/plain",
        type="CARE_PLAN",
        notes="Agreed at intake.",
        checksum=sha256(content).upper(),
    )
    # then the answer and the record describe it, named after the upload
    assert answer == {
        "id": answer["id"],
        "name": "plan de soins é.txt",
        "size": len(content),
        "checksum": sha256(content),
        "contentType": "text/plain",
        "type": "CARE_PLAN",
        "owner": patient["id"],
    }
    (record,) = await file_records(agency)
    assert record["_id"] == key(answer["id"])
    assert record["owner"] == {"type": "patient", "id": key(patient["id"])}
    assert (record["type"], record["notes"], record["size"]) == (
        "care_plan",
        "Agreed at intake.",
        len(content),
    )
    assert isinstance(record["_uploaded_date"], dt.datetime)
    content_id = ObjectId(record["file"])  # `file`: the GridFS id, as a string
    entry = await api.database.db["file_contents.files"].find_one({"_id": content_id})
    assert entry is not None and entry["length"] == len(content)
    assert entry["metadata"]["_account"] == agency.account_id
    chunks = api.database.db["file_contents.chunks"]
    assert await chunks.count_documents({"files_id": content_id}) == 2
    created = await audit_entries(agency, record_type="File", action="create")
    assert [e["record_id"] for e in created] == [record["_id"]]

    # when it is downloaded
    status, body, headers = await download(http, agency, f"/files/{answer['id']}")
    # then the bytes come back whole, with headers for a browser and a cache
    assert status == 200 and body == content
    assert headers["Content-Type"] == "text/plain"
    assert headers["Content-Length"] == str(len(content))
    assert headers["Content-Disposition"] == (
        'attachment; filename="plan de soins _.txt"; '
        "filename*=UTF-8''plan%20de%20soins%20%C3%A9.txt"
    )
    assert headers["ETag"] == f'"{sha256(content)}"'
    assert headers["Cache-Control"] == "private"
    reads = await audit_entries(agency, action="read_sensitive")
    assert [(e["record_type"], e["record_id"], e["fields_read"]) for e in reads] == [
        ("File", record["_id"], ["content"])
    ]

    # when it is asked for again with the entity tag the client holds
    status, body, headers = await download(
        http, agency, f"/files/{answer['id']}", If_None_Match=f'"{sha256(content)}"'
    )
    # then it is not sent again, and no read is recorded
    assert (status, body, headers["ETag"]) == (304, b"", f'"{sha256(content)}"')
    assert len(await audit_entries(agency, action="read_sensitive")) == 1


async def test_a_checksum_that_does_not_match_is_refused_and_nothing_is_kept(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient, and the chunks the bucket holds
    agency = await api.agency()
    patient = await create_patient(agency)
    _, chunks = await stored_contents(agency)
    # when a file comes with the checksum of other bytes, or with a malformed one
    wrong = await upload(http, agency, owner=patient["id"], checksum=sha256(b"other bytes"))
    malformed = await upload(http, agency, owner=patient["id"], checksum="abc")
    # then both are refused with 422, and no record, content or audit entry is left
    assert wrong.status == 422 and wrong.codes == ["INVALID"]
    assert wrong.body["errors"][0]["extensions"]["field"] == "checksum"
    assert sha256(CARE_PLAN) in wrong.body["errors"][0]["message"]
    assert malformed.status == 422
    assert malformed.body["errors"] == [
        {
            "message": "A checksum is a SHA-256 in hex: 64 digits 0-9 and a-f.",
            "extensions": {"code": "INVALID", "field": "checksum"},
        }
    ]
    assert await api.count("files", _account=agency.account_id) == 0
    assert await stored_contents(agency) == (0, chunks)
    assert await audit_entries(agency, record_type="File") == []


async def test_a_file_over_the_size_limit_is_refused_with_413(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a limit of 1000 bytes (25 MiB in production) and a patient
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 1000)
    agency = await api.agency()
    patient = await create_patient(agency)
    _, chunks = await stored_contents(agency)
    # when a file of 1001 bytes is uploaded, and one of 1000
    too_big = await upload(http, agency, b"x" * 1001, owner=patient["id"])
    just_fits = await upload(http, agency, b"x" * 1000, owner=patient["id"])
    # then the first is refused and not kept, the second is stored
    assert too_big.status == 413 and too_big.codes == ["PAYLOAD_TOO_LARGE"]
    assert "1000 bytes" in too_big.body["errors"][0]["message"]
    assert just_fits.status == 201 and just_fits.body["size"] == 1000
    assert [r["size"] for r in await file_records(agency)] == [1000]
    assert await stored_contents(agency) == (1, chunks + 1)


@pytest.mark.parametrize("file_last", [False, True], ids=["file-first", "details-first"])
async def test_the_owner_must_be_a_record_of_the_same_account(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
    file_last: bool,
) -> None:
    # given another agency's patient, and a skill of this agency
    agency, other = await api.agency(), await api.agency()
    theirs = await create_patient(other)
    skill = await create_skill(agency, "Wound care")
    _, chunks = await stored_contents(agency)
    # when files are uploaded for them, for a made-up id, and for nobody
    answers = [
        await upload(http, agency, owner=owner, file_last=file_last)
        for owner in (theirs["id"], skill["id"], "not-an-id", None)
    ]
    # then the other agency's patient is not found, the rest is refused, and nothing is kept
    assert [(a.status, a.codes) for a in answers] == [
        (404, ["NOT_FOUND"]),
        (422, ["INVALID"]),
        (422, ["INVALID"]),
        (422, ["REQUIRED"]),
    ]
    assert answers[0].body["errors"][0] == {
        "message": "No Patient with this id.",
        "extensions": {"code": "NOT_FOUND", "field": "owner"},
    }
    assert await api.count("files", _account=agency.account_id) == 0
    assert await stored_contents(agency) == (0, chunks)


async def test_uploading_needs_the_permission_of_the_owner_kind(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient, and keys of a billing clerk and a scheduler
    agency = await api.agency()
    patient = await create_patient(agency)
    await agency.key_for("billing")
    await agency.key_for("scheduler")
    # when the clerk uploads a patient's file, and the scheduler the account's and a patient's
    clerk = await upload(http, agency, owner=patient["id"], role="billing")
    account = await upload(http, agency, owner=agency.global_id, role="scheduler")
    allowed = await upload(http, agency, owner=patient["id"], role="scheduler")
    # then only the scheduler's patient file is stored
    assert (clerk.status, clerk.codes) == (403, ["FORBIDDEN"])
    assert "MANAGE_PATIENTS" in clerk.body["errors"][0]["message"]
    assert (account.status, account.codes) == (403, ["FORBIDDEN"])
    assert "MANAGE_ACCOUNT" in account.body["errors"][0]["message"]
    assert allowed.status == 201
    assert [r["_id"] for r in await file_records(agency)] == [key(allowed.body["id"])]
    assert (await stored_contents(agency))[0] == 1


async def test_without_credentials_or_from_another_account_a_file_is_not_there(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a file of one agency
    agency, other = await api.agency(), await api.agency()
    patient = await create_patient(agency)
    uploaded = await upload_ok(http, agency, owner=patient["id"])
    url = f"/files/{uploaded['id']}"
    # when it is read without credentials, by the other agency, and an unknown id is read
    anonymous = await download(http, None, url)
    theirs = await download(http, other, url)
    unknown = await download(http, other, f"/files/{to_global_id('File', '0' * 24)}")
    garbage = await download(http, other, "/files/nonsense")
    seen = await other.ok("query($id: ID!) { file(id: $id) { name } }", {"id": uploaded["id"]})
    post = await upload(http, None, owner=patient["id"])
    # then it is 401 without credentials, and for the other agency exactly like a missing one
    assert anonymous[0] == 401 and post.status == 401
    assert theirs[0] == 404
    assert theirs[1] == unknown[1] == garbage[1]
    assert b'"NOT_FOUND"' in theirs[1]
    assert seen == {"file": None}
    assert await audit_entries(other) == []
    assert await audit_entries(agency, action="read_sensitive") == []


async def test_a_request_that_is_not_a_form_with_a_file_is_refused(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient
    agency = await api.agency()
    patient = await create_patient(agency)
    # when JSON is posted, a form without a file, a file of an unknown type, and a broken form
    auth = {"Authorization": f"Bearer {agency.key}"}
    as_json = await http.post("/files", json={"owner": patient["id"]}, headers=auth)
    form = FormData()
    form.add_field("owner", patient["id"], content_type="text/plain")  # multipart, no file
    no_file = await upload(http, agency, owner=None, data=form)
    bad_type = await upload(http, agency, owner=patient["id"], type="SELFIE")
    garbled = await http.post(
        "/files",
        data=b"--xyz\r\nContent-Disposition: form-data; name=file\r\n\r\nabc",
        headers={**auth, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    # then each is refused and nothing is stored
    assert garbled.status == 400
    assert as_json.status == 400
    assert (await as_json.json())["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    assert (no_file.status, no_file.codes) == (400, ["REQUIRED"])
    assert (await garbled.json())["errors"][0]["message"] == "The multipart body is malformed."
    assert (bad_type.status, bad_type.codes) == (422, ["INVALID"])
    assert bad_type.body["errors"][0]["extensions"]["field"] == "type"
    assert await api.count("files", _account=agency.account_id) == 0
    assert (await stored_contents(agency))[0] == 0


async def test_details_after_the_file_count_and_a_generic_content_type_is_guessed(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a caregiver
    agency = await api.agency()
    user = await create_user(agency)
    pdf = files_demo.simple_pdf("Certificate", ["CPR, level C"])
    # when a PDF is sent as octet-stream, its name and type after it
    answer = await upload_ok(
        http,
        agency,
        pdf,
        owner=user["id"],
        filename="C:\\scans\\scan0001.pdf",
        content_type="application/octet-stream",
        name="CPR certificate.pdf",
        type="certificate",
    )
    # then the name and type given are kept, and the content type is the name's
    assert (answer["name"], answer["type"], answer["contentType"]) == (
        "CPR certificate.pdf",
        "CERTIFICATE",
        "application/pdf",
    )
    (record,) = await file_records(agency)
    assert record["owner"] == {"type": "user", "id": key(user["id"])}


async def test_a_file_is_a_node_with_every_field_and_its_owner(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient's care plan and the account's policy
    agency = await api.agency()
    patient = await create_patient(agency)
    plan = await upload_ok(http, agency, owner=patient["id"], type="CARE_PLAN", notes="v1")
    policy = await upload_ok(
        http,
        agency,
        b"%PDF-1.4",
        owner=agency.global_id,
        filename="policy.pdf",
        content_type="application/pdf",
    )
    # when they are read by id, and as nodes
    data = await agency.ok(FILE, {"id": plan["id"]})
    nodes = await agency.ok(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on File { name owner { id __typename } } } }",
        {"ids": [plan["id"], policy["id"]]},
    )
    # then every field is there, and each owner resolves to its record
    stored = (await file_records(agency))[0]
    assert data["file"] == {
        "id": plan["id"],
        "name": "care-plan.txt",
        "type": "CARE_PLAN",
        "notes": "v1",
        "contentType": "text/plain",
        "size": len(CARE_PLAN),
        "checksum": sha256(CARE_PLAN),
        "file": stored["file"],
        "uploadedDate": data["file"]["uploadedDate"],
        "url": f"/files/{plan['id']}",
        "ownerType": "PATIENT",
        "revision": 1,
        "deleted": False,
        "owner": {"id": patient["id"], "__typename": "Patient"},
    }
    uploaded = dt.datetime.fromisoformat(data["file"]["uploadedDate"])
    assert uploaded == stored["_uploaded_date"].replace(tzinfo=dt.UTC)
    assert nodes["nodes"] == [
        {"name": "care-plan.txt", "owner": {"id": patient["id"], "__typename": "Patient"}},
        {"name": "policy.pdf", "owner": {"id": agency.global_id, "__typename": "Account"}},
    ]


async def test_contacts_and_candidates_have_files_too(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a family doctor and a candidate for hire, and a billing clerk's key
    agency = await api.agency()
    contact, candidate = await create_contact(agency), await create_candidate(agency)
    await agency.key_for("billing")
    # when their photo and résumé are uploaded, and the clerk tries the same
    photo = await upload_ok(
        http,
        agency,
        b"\x89PNG",
        owner=contact["id"],
        filename="mehta.png",
        content_type="image/png",
        type="PHOTO",
    )
    resume = await upload_ok(
        http, agency, owner=candidate["id"], filename="resume.pdf", content_type=None
    )
    refused = [
        await upload(http, agency, owner=owner["id"], role="billing")
        for owner in (contact, candidate)
    ]
    listed = await agency.ok(
        "{ files(filter: {ownerType: [CONTACT, CANDIDATE]}, orderBy: {field: NAME}) {"
        " nodes { name ownerType owner { id __typename } } } }"
    )
    # then both are stored, listed with their owners, and the clerk may store neither
    assert (photo["type"], resume["contentType"]) == ("PHOTO", "application/pdf")
    assert listed["files"]["nodes"] == [
        {
            "name": "mehta.png",
            "ownerType": "CONTACT",
            "owner": {"id": contact["id"], "__typename": "Contact"},
        },
        {
            "name": "resume.pdf",
            "ownerType": "CANDIDATE",
            "owner": {"id": candidate["id"], "__typename": "Candidate"},
        },
    ]
    assert [(r.status, r.codes) for r in refused] == [(403, ["FORBIDDEN"])] * 2
    assert ["MANAGE_PATIENTS" in r.body["errors"][0]["message"] for r in refused] == [True, False]
    assert await api.count("files", _account=agency.account_id) == 2


async def test_files_are_listed_by_owner_kind_type_name_words_and_upload_time(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given two patients' files and a caregiver's
    agency = await api.agency()
    walter, rosa = await create_patient(agency), await create_patient(agency)
    user = await create_user(agency)
    for owner, filename, kind in [
        (walter, "care-plan_2025.txt", "CARE_PLAN"),
        (walter, "Consent form.pdf", "CONTRACT"),
        (rosa, "Care plan Rosa.txt", "CARE_PLAN"),
        (user, "cpr.pdf", "CERTIFICATE"),
    ]:
        await upload_ok(http, agency, owner=owner["id"], filename=filename, type=kind)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()

    async def names(**variables: Any) -> list[str]:
        data = await agency.ok(FILES, variables)
        return [node["name"] for node in data["files"]["nodes"]]

    # when they are listed in each way, then each list holds what it should
    newest_first = ["cpr.pdf", "Care plan Rosa.txt", "Consent form.pdf", "care-plan_2025.txt"]
    assert await names() == newest_first
    assert await names(filter={"owner": walter["id"]}) == newest_first[2:]
    assert await names(filter={"ownerType": ["USER"]}) == ["cpr.pdf"]
    plans_and_certificates = {"type": ["CARE_PLAN", "CERTIFICATE"]}
    assert await names(filter=plans_and_certificates, orderBy={"field": "NAME"}) == [
        "Care plan Rosa.txt",
        "care-plan_2025.txt",
        "cpr.pdf",
    ]
    z_to_a = {"field": "NAME", "direction": "DESC"}
    assert await names(filter={"search": "CARE-pl"}, orderBy=z_to_a) == [
        "care-plan_2025.txt",
        "Care plan Rosa.txt",
    ]
    assert await names(filter={"uploaded": {"start": later}}) == []
    assert len(await names(filter={"uploaded": {"end": later}})) == 4
    assert await names(orderBy={"field": "UPLOADED_DATE"}, first=1) == ["care-plan_2025.txt"]
    first = await agency.ok(FILES, {"orderBy": {"field": "NAME"}, "first": 2})
    rest = await agency.ok(
        FILES, {"orderBy": {"field": "NAME"}, "after": first["files"]["pageInfo"]["endCursor"]}
    )
    assert [n["name"] for n in first["files"]["nodes"] + rest["files"]["nodes"]] == [
        "Care plan Rosa.txt",
        "care-plan_2025.txt",
        "Consent form.pdf",
        "cpr.pdf",
    ]
    assert first["files"]["totalCount"] == 4
    bad = await agency.gql(FILES, {"filter": {"owner": "nonsense"}})
    assert bad.errors and bad.data is None


async def test_a_file_s_name_type_and_notes_change_with_its_revision(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient's file
    agency = await api.agency()
    patient = await create_patient(agency)
    uploaded = await upload_ok(http, agency, owner=patient["id"])
    # when it is renamed and retyped, then changed again from the old revision, then emptied
    changed = await agency.ok(
        UPDATE_FILE,
        {
            "id": uploaded["id"],
            "revision": 1,
            "input": {"name": "Care plan.txt", "type": "CARE_PLAN", "notes": "Signed"},
        },
    )
    stale = await agency.ok(
        UPDATE_FILE, {"id": uploaded["id"], "revision": 1, "input": {"notes": "Lost"}}
    )
    empty = await agency.ok(
        UPDATE_FILE, {"id": uploaded["id"], "revision": 2, "input": {"name": ""}}
    )
    # then the first change is stored and searchable, and the others write nothing
    assert changed["fileUpdate"] == {
        "file": {"name": "Care plan.txt", "type": "CARE_PLAN", "notes": "Signed", "revision": 2},
        "userErrors": [],
    }
    assert [e["code"] for e in stale["fileUpdate"]["userErrors"]] == ["CONFLICT"]
    assert empty["fileUpdate"]["userErrors"][0]["field"] == "input.name"
    assert empty["fileUpdate"]["userErrors"][0]["code"] in ("INVALID", "REQUIRED")
    (record,) = await file_records(agency)
    assert (record["name"], record["type"], record["notes"], record["_revision"]) == (
        "Care plan.txt",
        "care_plan",
        "Signed",
        2,
    )
    assert record["_search"] == {"name": ["care", "plan", "txt"], "sort": "care plan.txt"}
    assert len(await audit_entries(agency, record_type="File", action="update")) == 1


async def test_a_deleted_file_leaves_lists_and_downloads_until_restored(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient's file
    agency = await api.agency()
    patient = await create_patient(agency)
    uploaded = await upload_ok(http, agency, owner=patient["id"])
    url = f"/files/{uploaded['id']}"
    # when it is deleted without a reason, then with one
    no_reason = await agency.ok(
        'mutation($id: ID!) { fileDelete(id: $id, reason: " ") { userErrors { code } } }',
        {"id": uploaded["id"]},
    )
    deleted = await agency.ok(
        'mutation($id: ID!) { fileDelete(id: $id, reason: "Wrong patient") { '
        "file { deleted deletedDates { reason } } userErrors { code } } }",
        {"id": uploaded["id"]},
    )
    # then it is deleted with its reason, out of lists and downloads, but listed as deleted
    assert no_reason["fileDelete"]["userErrors"] == [{"code": "REQUIRED"}]
    assert deleted["fileDelete"] == {
        "file": {"deleted": True, "deletedDates": [{"reason": "Wrong patient"}]},
        "userErrors": [],
    }
    assert (await download(http, agency, url))[0] == 404
    active = await agency.ok(FILES)
    gone = await agency.ok(FILES, {"filter": {"deleted": "DELETED"}})
    assert (active["files"]["totalCount"], gone["files"]["totalCount"]) == (0, 1)
    assert (await stored_contents(agency))[0] == 1  # the content stays, for a restore

    # when it is restored
    restored = await agency.ok(
        "mutation($id: ID!) { fileRestore(id: $id) { file { deleted } userErrors { code } } }",
        {"id": uploaded["id"]},
    )
    # then it downloads again
    assert restored["fileRestore"] == {"file": {"deleted": False}, "userErrors": []}
    status, body, _ = await download(http, agency, url)
    assert (status, body) == (200, CARE_PLAN)


async def test_changing_a_file_needs_the_permission_of_its_owner_kind_and_account(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given the account's policy, a billing clerk's key, and another agency
    agency, other = await api.agency(), await api.agency()
    policy = await upload_ok(http, agency, owner=agency.global_id, filename="policy.txt")
    await agency.key_for("scheduler")
    # when the scheduler renames it, and the other agency deletes it
    renamed = await agency.gql(
        UPDATE_FILE,
        {"id": policy["id"], "revision": 1, "input": {"name": "Mine.txt"}},
        role="scheduler",
    )
    deleted = await other.ok(
        'mutation($id: ID!) { fileDelete(id: $id, reason: "x") { userErrors { field code } } }',
        {"id": policy["id"]},
    )
    # then both are refused and the file is unchanged
    assert [e["code"] for e in renamed.data["fileUpdate"]["userErrors"]] == ["FORBIDDEN"]
    assert deleted["fileDelete"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
    (record,) = await file_records(agency)
    assert (record["name"], record["_revision"], record.get("_deleted")) == (
        "policy.txt",
        1,
        False,
    )


async def test_content_is_removed_again_when_the_record_cannot_be_written(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a patient, and a database that fails when the record is written
    agency = await api.agency()
    patient = await create_patient(agency)
    _, chunks = await stored_contents(agency)

    def failing_store(database: Database) -> Any:
        store = services.RecordStore(database, services.File, "File")

        async def create(actor: Actor, data: dict[str, Any]) -> Any:
            raise RuntimeError("the database went away")

        store.create = create  # type: ignore[method-assign]
        return store

    monkeypatch.setattr(services, "file_store", failing_store)
    details = UploadDetails(owner=Owner(FileOwnerType.PATIENT, key(patient["id"])), name="a.txt")
    # when a file is uploaded through the service
    with pytest.raises(RuntimeError):
        await upload_file(Scope(api.database, Actor(agency.account_id)), details, b"x" * 300_000)
    # then neither its GridFS entry nor any chunk is left
    assert await stored_contents(agency) == (0, chunks)
    assert await api.count("files", _account=agency.account_id) == 0


async def test_the_demo_stores_plans_consents_certificates_and_the_policy(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given an agency with three patients and two caregivers
    agency = await api.agency()
    db = api.database.db
    for _ in range(3):
        await create_patient(agency)
    for _ in range(2):
        await create_user(agency)
    account = await db.accounts.find_one({"_id": agency.account_id})
    patients = [p async for p in db.patients.find({"_account": agency.account_id})]
    users = [u async for u in db.users.find({"_account": agency.account_id})]
    demo = DemoAccount(
        api.database,
        Actor(agency.account_id),
        random.Random(1),
        account or {},
        [],
        users,
        patients,
        dt.date(2025, 6, 2),
    )
    # when its demo files are made
    await files_demo.seed(demo)
    # then each patient has a care plan, some a consent form, caregivers certificates, and the
    # account its policy, all readable
    made = demo.made["files"]
    kinds = sorted(FileType(f["type"]).name for f in made)
    assert kinds == ["CARE_PLAN"] * 3 + ["CERTIFICATE"] * 2 + ["CONTRACT"] * 2 + ["DOCUMENT"]
    assert await api.count("files", _account=agency.account_id) == len(made)
    plan = next(f for f in made if f["type"] == "care_plan")
    status, body, _ = await download(http, agency, f"/files/{to_global_id('File', plan['_id'])}")
    assert status == 200 and body.startswith(b"CARE PLAN - ") and sha256(body) == plan["checksum"]
    policy = next(f for f in made if f["owner"]["type"] == "account")
    status, body, headers = await download(
        http, agency, f"/files/{to_global_id('File', policy['_id'])}"
    )
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    assert headers["Content-Type"] == "application/pdf"


FILES_BY_ROLE = """{ files(orderBy: {field: NAME}) { nodes { name } } }"""
FILE_NODE = """query($id: ID!) { node(id: $id) { ... on File { name } } }"""


async def test_a_file_holding_a_marked_group_is_read_with_that_groups_permission(
    api: Api,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    # given a patient's care plan and contract, and a caregiver's certificate; a billing
    # clerk's key and a scheduler's (VIEW_CLINICAL, not VIEW_HR)
    agency = await api.agency()
    patient = await create_patient(agency)
    user = await create_user(agency)
    plan = await upload_ok(http, agency, owner=patient["id"], type="care_plan",
                           filename="plan.txt")  # fmt: skip
    await upload_ok(http, agency, owner=patient["id"], type="contract", filename="terms.txt")
    cpr = await upload_ok(http, agency, owner=user["id"], type="certificate",
                          filename="cpr.txt")  # fmt: skip
    for role in ("billing", "scheduler"):
        await agency.key_for(role)
    # when each lists the files, reads the care plan and the certificate by id, and downloads
    # the care plan
    seen = {}
    for role in ("billing", "scheduler"):
        listed = await agency.gql(FILES_BY_ROLE, role=role)
        nodes = [await agency.gql(FILE_NODE, {"id": f["id"]}, role=role) for f in (plan, cpr)]
        got = await http.get(
            f"/files/{plan['id']}", headers={"Authorization": f"Bearer {agency.keys[role]}"}
        )
        seen[role] = (
            [n["name"] for n in listed.data["files"]["nodes"]],
            [n.data["node"] for n in nodes],
            got.status,
        )
    # then the clerk reads the contract only (a care plan is clinical, a certificate HR); the
    # scheduler the patient's files, not the certificate; by list, by id and by download alike
    assert seen["billing"] == (["terms.txt"], [None, None], 404)
    assert seen["scheduler"] == (["plan.txt", "terms.txt"], [{"name": "plan.txt"}, None], 200)
