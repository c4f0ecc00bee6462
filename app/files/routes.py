"""File content over HTTP: `POST /files` uploads, `GET /files/{id}` downloads.

Both are authenticated like /graphql (the `authenticate` middleware covers /files) and scoped to
the caller's account: another account's file answers 404, exactly like a missing one. Errors
are JSON, `{"errors": [{"message", "extensions": {"code", "field"}}]}`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import quote

from aiohttp import BodyPartReader, hdrs, web
from aiohttp.payload import AsyncIterablePayload

from app.accounts.auth import Caller
from app.common.services import RawDoc
from app.data.scope import Scope, request_scope
from app.errors import ErrorCode, ServiceError
from app.files import services
from app.files.documents import FileType, owner_kind
from app.files.inputs import owner_from_global_id
from app.files.services import (
    FileTooLarge,
    StoredContent,
    UploadDetails,
    check_details,
    discard_content,
    find_file,
    open_content,
    record_content_read,
    record_upload,
    require_permission,
    store_content,
)
from app.graphql.relay import key_of, to_global_id
from app.keys import CALLER, DATABASE, REQUEST_ID

log = logging.getLogger(__name__)

TEXT_FIELDS = frozenset({"name", "type", "notes", "owner", "checksum"})
MAX_TEXT_BYTES = 10_000
READ_BYTES = 64 * 1024
STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.DUPLICATE: 409,
}


class BadRequest(Exception):
    """The request is not a well-formed upload (400)."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def error_response(status: int, *errors: tuple[str, str, str | None]) -> web.Response:
    """The JSON error body every /files answer uses: message, code, and the form field."""
    body = [
        {"message": message, "extensions": {"code": code, **({"field": field} if field else {})}}
        for message, code, field in errors
    ]
    return web.json_response({"errors": body}, status=status)


def refusal_response(refusal: ServiceError) -> web.Response:
    """A service's refusal: 404, 403 or 409 by the first problem's code, 422 otherwise."""
    status = STATUS.get(refusal.problems[0].code, 422)
    return error_response(
        status,
        *(
            (p.message, p.code.value, p.field.removeprefix("input.") if p.field else None)
            for p in refusal.problems
        ),
    )


async def scope_of(request: web.Request) -> Scope:
    """The caller's view of its account, as the audit trail names them (a caregiver's: the
    files of the patients they are booked with, found once for the request)."""
    caller: Caller = request[CALLER]
    actor = caller.acting(request.get(REQUEST_ID), request.remote)
    return await request_scope(request.app[DATABASE], actor)


def owner_global_id(raw: RawDoc) -> str | None:
    """The global ID of a file record's owner."""
    kind = owner_kind(raw.get("owner"))
    return None if kind is None else to_global_id(kind.type_name, raw["owner"].get("id"))


def _details(
    fields: dict[str, str], filename: str | None, content_type: str | None
) -> UploadDetails:
    """The upload's details from its form fields; a malformed owner or type is refused."""
    owner = owner_from_global_id(fields["owner"]) if fields.get("owner") else None
    return UploadDetails(
        owner=owner,
        filename=filename,
        name=fields.get("name") or None,
        content_type=content_type,
        type=_file_type(fields.get("type")),
        notes=(fields.get("notes") or "").strip() or None,
        checksum=(fields.get("checksum") or "").strip() or None,
    )


def _file_type(value: str | None) -> FileType:
    if value is None or not value.strip():
        return FileType.DOCUMENT
    wanted = value.strip().upper()
    for kind in FileType:
        if wanted in (kind.name, kind.value.upper()):
            return kind
    names = ", ".join(kind.name for kind in FileType)
    raise ServiceError.one(f"A type is one of {names}.", ErrorCode.INVALID, "type")


MALFORMED = "The multipart body is malformed."


async def _parts(request: web.Request) -> AsyncIterator[BodyPartReader]:
    """The parts of a multipart body; one aiohttp cannot parse is a BadRequest."""
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise BadRequest("Nested multipart bodies are not accepted.")
            yield part
    except (ValueError, AssertionError) as malformed:
        log.info("malformed upload in request %s: %s", request.get(REQUEST_ID), malformed)
        raise BadRequest(MALFORMED) from None


async def _read(part: BodyPartReader, size: int) -> bytes:
    try:
        return await part.read_chunk(size)
    except ValueError:
        raise BadRequest(MALFORMED) from None


async def _text(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await _read(part, 4096):
        data += chunk
        if len(data) > MAX_TEXT_BYTES:
            raise BadRequest(f"The {part.name} field is too long.", field=part.name)
    try:
        return data.decode(part.get_charset("utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise BadRequest(f"The {part.name} field is not text.", field=part.name) from None


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await _read(part, READ_BYTES):
        yield chunk


async def upload(request: web.Request) -> web.Response:
    """Store an uploaded file (multipart/form-data) and answer 201 with its id and digest."""
    caller = request[CALLER]
    scope = await scope_of(request)
    if request.content_type != "multipart/form-data":
        return error_response(400, ("Send the file as multipart/form-data.", "BAD_REQUEST", None))
    fields: dict[str, str] = {}
    stored: StoredContent | None = None
    handed_over = False
    try:
        filename: str | None = None
        content_type: str | None = None
        async for part in _parts(request):
            if part.name == "file":
                if stored is not None:
                    raise BadRequest("Send one file per request.", field="file")
                filename, content_type = part.filename, part.headers.get(hdrs.CONTENT_TYPE)
                details = _details(fields, filename, content_type)
                if details.owner is not None:  # the details came first: refuse before storing
                    require_permission(caller.may, caller.role, details.owner.type)
                    await check_details(scope, details)
                stored = await store_content(
                    scope,
                    _chunks(part),
                    filename=details.display_name or "file",
                    content_type=details.media_type,
                    limit=services.MAX_FILE_BYTES,
                )
            elif part.name in TEXT_FIELDS:
                fields[part.name] = await _text(part)
        if stored is None:
            raise BadRequest("Send the content in a form field named file.", "REQUIRED", "file")
        details = _details(fields, filename, content_type)
        if details.owner is not None:
            require_permission(caller.may, caller.role, details.owner.type)
        handed_over = True  # from here on, record_upload removes the content if it fails
        raw = await record_upload(scope, details, stored)
    except ServiceError as refusal:
        return refusal_response(refusal)
    except FileTooLarge as too_large:
        return error_response(413, (str(too_large), "PAYLOAD_TOO_LARGE", "file"))
    except BadRequest as bad:
        return error_response(400, (str(bad), bad.code, bad.field))
    finally:
        if stored is not None and not handed_over:
            await discard_content(scope, stored.file_id)
    return web.json_response(
        {
            "id": to_global_id("File", raw["_id"]),
            "name": raw["name"],
            "size": raw["size"],
            "checksum": raw["checksum"],
            "contentType": raw["content_type"],
            "type": FileType(raw["type"]).name,
            "owner": owner_global_id(raw),
        },
        status=201,
        headers={hdrs.LOCATION: f"/files/{to_global_id('File', raw['_id'])}"},
    )


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 5987/6266."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this entity tag (weak comparison, or `*`)."""
    if not header:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


async def download(request: web.Request) -> web.StreamResponse:
    """Stream a file's content; 304 when the client's copy is current. Audited as a read."""
    scope = await scope_of(request)
    key = key_of(request.match_info["id"], "File")
    try:
        if key is None:
            raise ServiceError.one("No file with this id.", ErrorCode.NOT_FOUND, "id")
        raw = await find_file(scope, key)
        etag = f'"{raw["checksum"]}"'
        cache: dict[str, str] = {hdrs.ETAG: etag, hdrs.CACHE_CONTROL: "private"}
        if etag_matches(request.headers.get(hdrs.IF_NONE_MATCH), etag):
            return web.Response(status=304, headers=cache)
        content = await open_content(scope, raw)
    except ServiceError as refusal:
        return refusal_response(refusal)
    try:
        await record_content_read(scope, raw)
    except BaseException:
        await content.close()
        raise
    headers = {
        **cache,
        hdrs.CONTENT_TYPE: raw["content_type"],
        hdrs.CONTENT_LENGTH: str(content.length),
        hdrs.CONTENT_DISPOSITION: content_disposition(raw["name"]),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    body = AsyncIterablePayload(content.chunks(), content_type=raw["content_type"])
    return web.Response(status=200, body=body, headers=headers)


def add_file_routes(app: web.Application) -> None:
    """`POST /files` (upload) and `GET /files/{id}` (download)."""
    app.router.add_post("/files", upload)
    app.router.add_get("/files/{id}", download, allow_head=False)
