"""Uploading and reading files, free of HTTP: the route, the demo data and tests call these.

An upload streams its bytes into GridFS while hashing them (never the whole file in memory),
then writes the metadata record and its audit entry in one transaction. The content is written
first; if the record cannot be written (a rule refuses it, the checksum does not match, the
database fails) the content is deleted again, so no bytes stay behind without a record.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.asynchronous.grid_file import AsyncGridOut
from gridfs.errors import NoFile

from app.audit.documents import AuditAction
from app.audit.services import audit_event
from app.common.clock import now
from app.common.codes import Permission
from app.common.services import Actor, RawDoc
from app.common.store import RecordStore
from app.common.text import keywords, normalise
from app.db import Database
from app.errors import ErrorCode, Problem, ServiceError, not_found
from app.files.documents import (
    OWNER_TYPE_OF,
    SHA256_HEX,
    File,
    FileOwnerType,
    FileType,
    owner_kind,
)
from app.graphql.relay import from_global_id, to_global_id

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 25 * 1024 * 1024
"""The largest file accepted (25 MiB); a larger upload is refused and nothing is kept."""
BUCKET_NAME = "file_contents"
CHUNK_BYTES = 255 * 1024
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
    """Bytes written to GridFS: their id there, size and SHA-256."""

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


def content_bucket(database: Database) -> AsyncGridFSBucket:
    """The GridFS bucket holding every account's file contents."""
    return AsyncGridFSBucket(database.db, bucket_name=BUCKET_NAME, chunk_size_bytes=CHUNK_BYTES)


def name_words(name: str) -> list[str]:
    """The words of a file name: `care-plan_2025.pdf` is care, plan, 2025 and pdf."""
    return keywords(re.sub(r"[\W_]+", " ", name))


def file_search(file: File) -> dict[str, Any]:
    return {"name": name_words(file.name), "sort": normalise(file.name)}


def file_store(database: Database) -> RecordStore:
    """Writes file records: created only by an upload; name, notes and type can change."""
    return RecordStore(database, File, "File", search_keys=file_search)


def owner_from_global_id(value: str | None, field: str = "owner") -> Owner:
    """The owner a global ID names, if it is of a kind that can own files; else a user error."""
    if value is None or not str(value).strip():
        raise ServiceError.one(MISSING_OWNER, ErrorCode.REQUIRED, field)
    decoded = from_global_id(str(value).strip())
    kind = OWNER_TYPE_OF.get(decoded[0]) if decoded is not None else None
    if decoded is None or kind is None:
        raise ServiceError.one(f"Not the id of {OWNER_KINDS_TEXT}.", ErrorCode.INVALID, field)
    return Owner(kind, decoded[1])


def owner_global_id(raw: RawDoc) -> str | None:
    """The global ID of a file record's owner."""
    kind = owner_kind(raw.get("owner"))
    return None if kind is None else to_global_id(kind.type_name, raw["owner"].get("id"))


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


async def check_details(database: Database, actor: Actor, details: UploadDetails) -> None:
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
        problem = await _owner_problem(database, actor, details.owner)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ServiceError(*problems)


async def _owner_problem(database: Database, actor: Actor, owner: Owner) -> Problem | None:
    found = await database.db[owner.type.collection].find_one(
        {"_id": owner.key, "_account": actor.account_id}, {"_deleted": 1}
    )
    what = owner.type.type_name
    if found is None:
        return Problem(f"No {what} with this id.", ErrorCode.NOT_FOUND, "owner")
    if found.get("_deleted"):
        message = f"This {what.lower()} is deleted; restore it first."
        return Problem(message, ErrorCode.INVALID_STATE, "owner")
    return None


async def store_content(
    database: Database,
    actor: Actor,
    chunks: AsyncIterable[bytes],
    *,
    filename: str,
    content_type: str,
    limit: int | None = None,
) -> StoredContent:
    """Stream bytes into GridFS while hashing them; past `limit` (MAX_FILE_BYTES unless told)
    the partial content is removed and FileTooLarge raised."""
    limit = MAX_FILE_BYTES if limit is None else limit
    file_id = ObjectId()
    stream = content_bucket(database).open_upload_stream_with_id(
        file_id,
        filename,
        metadata={"_account": actor.account_id, "content_type": content_type},
    )
    digest, size = hashlib.sha256(), 0
    try:
        async for chunk in chunks:
            if size + len(chunk) > limit:
                raise FileTooLarge(limit)
            digest.update(chunk)
            size += len(chunk)
            await stream.write(chunk)
        await stream.close()
    except BaseException:
        await stream.abort()
        raise
    return StoredContent(file_id=file_id, size=size, checksum=digest.hexdigest())


async def discard_content(database: Database, file_id: ObjectId) -> None:
    """Remove stored content (its chunks and its GridFS entry)."""
    with contextlib.suppress(NoFile):
        await content_bucket(database).delete(file_id)


async def record_upload(
    database: Database, actor: Actor, details: UploadDetails, content: StoredContent
) -> RawDoc:
    """Write the record of stored content, with its audit entry; on any refusal or failure
    the content is deleted again and the error raised."""
    try:
        await check_details(database, actor, details)
        if details.checksum is not None and details.checksum.lower() != content.checksum:
            raise ServiceError.one(
                "The checksum does not match the content received (its SHA-256 is "
                f"{content.checksum}); the upload was damaged or the checksum is wrong.",
                ErrorCode.INVALID,
                "checksum",
            )
        assert details.owner is not None  # checked above
        return await file_store(database).create(
            actor,
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
        await discard_content(database, content.file_id)
        raise


async def upload_file(
    database: Database,
    actor: Actor,
    details: UploadDetails,
    content: bytes | AsyncIterable[bytes],
    *,
    limit: int | None = None,
) -> RawDoc:
    """Store a file and its record: details checked first, then the bytes, then the record."""
    await check_details(database, actor, details)
    stored = await store_content(
        database,
        actor,
        _as_chunks(content) if isinstance(content, bytes) else content,
        filename=details.display_name or "file",
        content_type=details.media_type,
        limit=limit,
    )
    return await record_upload(database, actor, details, stored)


async def _as_chunks(content: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(content), CHUNK_BYTES):
        yield content[start : start + CHUNK_BYTES]


async def find_file(database: Database, actor: Actor, key: Any) -> RawDoc:
    """A file record of the actor's account that is not deleted; else NOT_FOUND."""
    raw = await database.db.files.find_one({"_id": key, "_account": actor.account_id})
    if raw is None or raw.get("_deleted"):
        raise not_found("file")
    return raw


async def open_content(database: Database, actor: Actor, raw: RawDoc) -> AsyncGridOut:
    """The stored bytes of a file record, ready to read chunk by chunk."""
    file_id = raw.get("file")
    if not (isinstance(file_id, str) and ObjectId.is_valid(file_id)):
        raise not_found("file")
    try:
        content = await content_bucket(database).open_download_stream(ObjectId(file_id))
    except NoFile:
        log.warning("file %s has no stored content (%s)", raw["_id"], file_id)
        raise not_found("file") from None
    if (content.metadata or {}).get("_account") != actor.account_id:
        log.warning("file %s points at content of another account", raw["_id"])
        raise not_found("file")
    return content


async def content_chunks(content: AsyncGridOut) -> AsyncIterator[bytes]:
    """The stored bytes, one GridFS chunk at a time."""
    try:
        while chunk := await content.readchunk():
            yield chunk
    finally:
        await content.close()


async def record_content_read(database: Database, actor: Actor, raw: RawDoc) -> None:
    """A file's content is sensitive: every read is written to the audit trail."""
    event = audit_event(
        actor, AuditAction.READ_SENSITIVE, "File", raw["_id"], fields_read=["content"]
    )
    await database.db.audit_events.insert_one(event)


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
