"""Stored files: the metadata record (collection `files`); the bytes live in GridFS.

The content is kept in the GridFS bucket `file_contents` of the same database; the record's
`file` holds its GridFS id (as a string, as the old API did), and `owner` says which patient,
user, account, contact or candidate the file belongs to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import PydanticObjectId
from pydantic import Field

from app.common.codes import Code, Permission
from app.common.documents import READONLY, CareDocument, Embedded, SoftDeletable, by_account

SHA256_HEX = r"^[0-9a-f]{64}$"
CONTENT_TYPE = r"^[A-Za-z0-9][\w.+-]*/[\w.+-]+(\s*;.*)?$"


class FileType(Code):
    """What kind of file it is."""

    DOCUMENT = "document", "Any document."
    PHOTO = "photo", "A photo."
    CONTRACT = "contract", "A signed contract or agreement."
    CERTIFICATE = "certificate", "A certificate or licence."
    CARE_PLAN = "care_plan", "A care plan."
    ID_DOCUMENT = "id_document", "An identity document."
    OTHER = "other", "Anything else."


class FileOwnerType(Code):
    """What kind of record a file belongs to."""

    ACCOUNT = "account", "The account (agency) itself."
    USER = "user", "A user (staff or caregiver)."
    PATIENT = "patient", "A patient."
    CONTACT = "contact", "A contact."
    CANDIDATE = "candidate", "A candidate."

    @property
    def type_name(self) -> str:
        """The GraphQL type of owners of this kind."""
        return OWNER_KINDS[self][0]

    @property
    def collection(self) -> str:
        """The collection owners of this kind are stored in."""
        return OWNER_KINDS[self][1]

    @property
    def permission(self) -> Permission:
        """What a caller needs to upload, change or delete files of such an owner."""
        return OWNER_KINDS[self][2]


OWNER_KINDS: dict[FileOwnerType, tuple[str, str, Permission]] = {
    FileOwnerType.ACCOUNT: ("Account", "accounts", Permission.MANAGE_ACCOUNT),
    FileOwnerType.USER: ("User", "users", Permission.MANAGE_STAFF),
    FileOwnerType.PATIENT: ("Patient", "patients", Permission.MANAGE_PATIENTS),
    FileOwnerType.CONTACT: ("Contact", "contacts", Permission.MANAGE_PATIENTS),
    FileOwnerType.CANDIDATE: ("Candidate", "candidates", Permission.MANAGE_STAFF),
}
OWNER_TYPE_OF: dict[str, FileOwnerType] = {name: kind for kind, (name, _, _) in OWNER_KINDS.items()}


def owner_kind(stored_owner: Any) -> FileOwnerType | None:
    """The kind of a stored `owner` subdocument; None when it names no kind we know."""
    value = stored_owner.get("type") if isinstance(stored_owner, dict) else None
    return next((kind for kind in FileOwnerType if kind.value == value), None)


class FileOwner(Embedded):
    """The record a file belongs to: its kind and its stored id."""

    type: FileOwnerType = Field(description="What kind of record owns the file.")
    id: PydanticObjectId | int = Field(
        description="The stored id of the owner (a number for an account)."
    )


class File(CareDocument, SoftDeletable):
    """A stored file (a care plan, a photo, a contract...) and what it belongs to."""

    name: str = Field(min_length=1, max_length=255, description="Name of the file.")
    type: FileType = Field(FileType.DOCUMENT, description="Type of the file.")
    notes: str | None = Field(None, max_length=2000, description="Notes on the file.")
    content_type: str = Field(
        min_length=3, max_length=100, pattern=CONTENT_TYPE,
        description="Type of the content of the file (its MIME type).", json_schema_extra=READONLY,
    )  # fmt: skip
    size: int = Field(ge=0, description="Its size in bytes.", json_schema_extra=READONLY)
    checksum: str = Field(
        pattern=SHA256_HEX, description="SHA-256 of the content, in lower-case hex: detects "
        "errors in transfer and storage.", json_schema_extra=READONLY,
    )  # fmt: skip
    file: str = Field(
        min_length=1, max_length=64, json_schema_extra=READONLY,
        description="The id of the stored content (in the GridFS bucket file_contents).",
    )  # fmt: skip
    uploaded_date: dt.datetime = Field(
        alias="_uploaded_date", description="Date in which the file was uploaded.",
        json_schema_extra=READONLY,
    )  # fmt: skip
    owner: FileOwner = Field(
        description="The record the file belongs to.", json_schema_extra=READONLY
    )

    class Settings:
        name = "files"
        indexes = [
            by_account("owner.id", "_uploaded_date", "_id"),
            by_account("_uploaded_date", "_id"),
            by_account("_search.sort", "_id"),
            by_account("_search.name"),
            by_account("type"),
        ]
