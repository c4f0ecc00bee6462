"""Files uploaded over HTTP (POST /files) and read back through the API."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import FormData, web
from aiohttp.test_utils import TestClient

from tests.factories import Agency

CARE_PLAN = b"CARE PLAN - Walter Green\nAt every visit:\n  [ ] Check vital signs\n"

FILE_FIELDS = """id name type notes contentType size checksum file uploadedDate url ownerType
  revision deleted owner { id __typename }"""
FILE = f"query($id: ID!) {{ file(id: $id) {{ {FILE_FIELDS} }} }}"
FILES = """query($filter: FileFilter, $orderBy: FileOrder, $first: Int, $after: String) {
  files(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount nodes { name } pageInfo { endCursor hasNextPage } } }"""
UPDATE_FILE = """mutation($id: ID!, $revision: Int!, $input: FileUpdateInput!) {
  fileUpdate(id: $id, revision: $revision, input: $input) {
    file { name type notes revision } userErrors { field message code } } }"""


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class Upload:
    """The answer to POST /files."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]

    @property
    def codes(self) -> list[str]:
        return [e["extensions"]["code"] for e in self.body.get("errors", [])]


def upload_form(
    content: bytes,
    *,
    owner: str | None,
    filename: str | None = "care-plan.txt",
    content_type: str | None = "text/plain",
    file_last: bool = False,
    **fields: str,
) -> FormData:
    """A multipart form as a browser sends it: the text fields, and the file first or last."""
    form = FormData(quote_fields=False)  # names as browsers send them: UTF-8, not %-escaped
    text = {**({"owner": owner} if owner is not None else {}), **fields}
    if not file_last:
        form.add_field("file", content, filename=filename, content_type=content_type)
    for name, value in text.items():
        form.add_field(name, value)
    if file_last:
        form.add_field("file", content, filename=filename, content_type=content_type)
    return form


async def upload(
    http: TestClient,  # type: ignore[type-arg]
    agency: Agency | None,
    content: bytes = CARE_PLAN,
    *,
    owner: str | None,
    role: str | None = None,
    **options: Any,
) -> Upload:
    """POST /files as the agency (its administrator key unless a role is named)."""
    headers = {}
    if agency is not None:
        headers["Authorization"] = f"Bearer {agency.keys[role] if role else agency.key}"
    data: Any = options.pop("data", None) or upload_form(content, owner=owner, **options)
    response = await http.post("/files", data=data, headers=headers)
    body = await response.json(content_type=None)
    return Upload(response.status, body, response.headers)


async def upload_ok(
    http: TestClient,  # type: ignore[type-arg]
    agency: Agency,
    content: bytes = CARE_PLAN,
    *,
    owner: str,
    **options: Any,
) -> dict[str, Any]:
    """An upload that must succeed: its 201 body."""
    answer = await upload(http, agency, content, owner=owner, **options)
    assert answer.status == web.HTTPCreated.status_code, answer.body
    return answer.body


async def download(
    http: TestClient,  # type: ignore[type-arg]
    agency: Agency | None,
    url: str,
    **headers: str,
) -> tuple[int, bytes, Mapping[str, str]]:
    """GET a file's content as the agency: status, bytes and headers (any case)."""
    sent = {key.replace("_", "-"): value for key, value in headers.items()}
    if agency is not None:
        sent["Authorization"] = f"Bearer {agency.key}"
    response = await http.get(url, headers=sent)
    return response.status, await response.read(), response.headers


async def stored_contents(agency: Agency) -> tuple[int, int]:
    """How many GridFS entries the agency's contents take, and how many chunks the whole
    bucket holds (a chunk left behind by a failed upload belongs to no entry)."""
    db = agency.api.database.db
    entries = await db["file_contents.files"].count_documents(
        {"metadata._account": agency.account_id}
    )
    return entries, await db["file_contents.chunks"].count_documents({})
