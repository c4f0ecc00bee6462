"""Uploading and reading files, free of HTTP: the route, the demo data and tests call these.

An upload streams its bytes into the account's file contents while hashing them (never the
whole file in memory), then writes the metadata record and its audit entry in one transaction.
The content is written first; if the record cannot be written (a rule refuses it, the checksum
does not match, the database fails) the content is deleted again, so no bytes stay behind
without a record. Contents are kept by `app.data.content`, reached through file records.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from app.audit.documents import AuditAction
from app.common.clock import now
from app.common.codes import Permission
from app.common.services import RawDoc
from app.common.text import keywords, normalise
from app.data.audit import audit_event
from app.data.content import CHUNK_BYTES, Contents, Download
from app.data.records import RecordStore
from app.data.scope import Scope
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError, not_found
from app.files.documents import SHA256_HEX, File, FileOwnerType, FileType

MAX_FILE_BYTES = 25 * 1024 * 1024
"""The largest file accepted (25 MiB); a larger upload is refused and nothing is kept."""
DEFAULT_CONTENT_TYPE = "application/octet-stream"
OWNER_KINDS_TEXT = "a patient, user, account, contact or candidate"
MISSING_OWNER = f"Say what the file belongs to ({OWNER_KINDS_TEXT})."
BAD_CHECKSUM = "A checksum is a SHA-256 in hex: 64 digits 0-9 and a-f."


class FileTooLarge(Exception):
    """The content is larger than the limit; nothing of it was kept."""

    def __init__(self, limit: int) -> None:
        size = f"{limit / 1024**2:g} MiB" if limit >= 1024**2 else f"{limit} bytes"
        super().__init__(f"The file is larger than {size}, the most accepted.")
        self.limit = limit


@dataclass(frozen=True)
class Owner:
    """The record a file belongs to: its kind and stored id."""

    type: FileOwnerType
    key: Any

    def as_stored(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.key}


@dataclass(frozen=True)
class StoredContent:
    """Bytes stored as a content of the account: its id, size and SHA-256."""

    file_id: ObjectId
    size: int
    checksum: str


@dataclass(frozen=True)
class UploadDetails:
    """What an upload says about its file besides the bytes."""

    owner: Owner | None
    filename: str | None = None
    name: str | None = None
    content_type: str | None = None
    type: FileType = FileType.DOCUMENT
    notes: str | None = None
    checksum: str | None = None
    """The SHA-256 (hex) the client computed; the received bytes must have it."""

    @property
    def display_name(self) -> str | None:
        """The name given, else the upload's file name without any folder."""
        if self.name and self.name.strip():
            return self.name.strip()
        if self.filename:
            return re.split(r"[/\\]", self.filename)[-1].strip() or None
        return None

    @property
    def media_type(self) -> str:
        """The content type sent; when missing or generic, the one the name suggests."""
        given = (self.content_type or "").strip()
        if given and given.lower() != DEFAULT_CONTENT_TYPE:
            return given
        guessed, _ = mimetypes.guess_type(self.display_name or "", strict=False)
        return guessed or DEFAULT_CONTENT_TYPE


def name_words(name: str) -> list[str]:
    """The words of a file name: `care-plan_2025.pdf` is care, plan, 2025 and pdf."""
    return keywords(re.sub(r"[\W_]+", " ", name))


def file_search(file: File) -> dict[str, Any]:
    return {"name": name_words(file.name), "sort": normalise(file.name)}


def file_store(database: Database) -> RecordStore:
    """Writes file records: created only by an upload; name, notes and type can change."""
    return RecordStore(database, File, "File", search_keys=file_search)


def require_permission(
    may: Callable[[Permission], bool], role: str, owner_type: FileOwnerType
) -> None:
    """Files of patients and contacts need MANAGE_PATIENTS, of users and candidates
    MANAGE_STAFF, of the account MANAGE_ACCOUNT."""
    needed = owner_type.permission
    if not may(needed):
        raise ServiceError.one(
            f"Your role ({role}) may not change files of a {owner_type.value}: it needs "
            f"{needed.name}.",
            ErrorCode.FORBIDDEN,
        )


async def check_details(scope: Scope, details: UploadDetails) -> None:
    """Refuse, before any byte is stored, what the details alone show to be wrong."""
    problems = []
    if details.checksum is not None and not re.fullmatch(SHA256_HEX, details.checksum.lower()):
        problems.append(Problem(BAD_CHECKSUM, ErrorCode.INVALID, "checksum"))
    name = details.display_name
    if name is None:
        problems.append(Problem("Give the file a name.", ErrorCode.REQUIRED, "name"))
    elif len(name) > 255:
        problems.append(Problem("A name has at most 255 characters.", ErrorCode.INVALID, "name"))
    if details.notes is not None and len(details.notes) > 2000:
        problems.append(Problem("Notes have at most 2000 characters.", ErrorCode.INVALID, "notes"))
    if details.owner is None:
        problems.append(Problem(MISSING_OWNER, ErrorCode.REQUIRED, "owner"))
    else:
        problem = await _owner_problem(scope, details.owner)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ServiceError(*problems)


async def _owner_problem(scope: Scope, owner: Owner) -> Problem | None:
    found = await scope[owner.type.collection].find_one({"_id": owner.key}, {"_deleted": 1})
    what = owner.type.type_name
    if found is None:
        return Problem(f"No {what} with this id.", ErrorCode.NOT_FOUND, "owner")
    if found.get("_deleted"):
        message = f"This {what.lower()} is deleted; restore it first."
        return Problem(message, ErrorCode.INVALID_STATE, "owner")
    return None


async def store_content(
    scope: Scope,
    chunks: AsyncIterable[bytes],
    *,
    filename: str,
    content_type: str,
    limit: int | None = None,
) -> StoredContent:
    """Stream bytes into the account's contents while hashing them; past `limit`
    (MAX_FILE_BYTES unless told) the partial content is removed and FileTooLarge raised."""
    limit = MAX_FILE_BYTES if limit is None else limit
    digest, size = hashlib.sha256(), 0

    async def measured() -> AsyncIterator[bytes]:
        nonlocal size
        async for chunk in chunks:
            if size + len(chunk) > limit:
                raise FileTooLarge(limit)
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    file_id = await Contents(scope).upload(measured(), filename=filename, content_type=content_type)
    return StoredContent(file_id=file_id, size=size, checksum=digest.hexdigest())


async def discard_content(scope: Scope, file_id: ObjectId) -> None:
    """Remove stored content (its chunks and its entry) that no record will name."""
    await Contents(scope).delete(file_id)


async def record_upload(scope: Scope, details: UploadDetails, content: StoredContent) -> RawDoc:
    """Write the record of stored content, with its audit entry; on any refusal or failure
    the content is deleted again and the error raised."""
    try:
        await check_details(scope, details)
        if details.checksum is not None and details.checksum.lower() != content.checksum:
            raise ServiceError.one(
                "The checksum does not match the content received (its SHA-256 is "
                f"{content.checksum}); the upload was damaged or the checksum is wrong.",
                ErrorCode.INVALID,
                "checksum",
            )
        assert details.owner is not None  # checked above
        return await file_store(scope.database).create(
            scope.actor,
            {
                "name": details.display_name,
                "type": details.type,
                "notes": details.notes or None,
                "content_type": details.media_type,
                "size": content.size,
                "checksum": content.checksum,
                "file": str(content.file_id),
                "uploaded_date": now(),
                "owner": details.owner.as_stored(),
            },
        )
    except BaseException:
        await discard_content(scope, content.file_id)
        raise


async def upload_file(
    scope: Scope,
    details: UploadDetails,
    content: bytes | AsyncIterable[bytes],
    *,
    limit: int | None = None,
) -> RawDoc:
    """Store a file and its record: details checked first, then the bytes, then the record."""
    await check_details(scope, details)
    stored = await store_content(
        scope,
        _as_chunks(content) if isinstance(content, bytes) else content,
        filename=details.display_name or "file",
        content_type=details.media_type,
        limit=limit,
    )
    return await record_upload(scope, details, stored)


async def _as_chunks(content: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(content), CHUNK_BYTES):
        yield content[start : start + CHUNK_BYTES]


async def find_file(scope: Scope, key: Any) -> RawDoc:
    """A file record of the scope's account that is not deleted; else NOT_FOUND."""
    raw = await scope["files"].find_one({"_id": key})
    if raw is None or raw.get("_deleted"):
        raise not_found("file")
    return raw


async def open_content(scope: Scope, raw: RawDoc) -> Download:
    """The stored bytes of a file record, ready to read chunk by chunk; NOT_FOUND when they
    are missing (or not the account's)."""
    content = await Contents(scope).open_download(raw)
    if content is None:
        raise not_found("file")
    return content


async def record_content_read(scope: Scope, raw: RawDoc) -> None:
    """A file's content is sensitive: every read is written to the audit trail (one entry,
    one insert: it needs no transaction)."""
    entry = audit_event(
        scope.actor, AuditAction.READ_SENSITIVE, "File", raw["_id"], fields_read=["content"]
    )
    await scope["audit_events"].insert_one(entry)


def file_snapshot(raw: RawDoc) -> dict[str, Any]:
    """What a record that carries a file (a photo, a logo) keeps of it: a FileSnapshot whose
    `file_id` is the File record's id."""
    return {
        "file_id": raw["_id"],
        "name": raw["name"],
        "content_type": raw.get("content_type"),
        "size": raw.get("size"),
        "checksum": raw.get("checksum"),
        "uploaded_date": raw.get("_uploaded_date"),
    }
