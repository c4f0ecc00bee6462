"""Inputs of file queries and mutations."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from app.errors import ErrorCode, ServiceError
from app.files.documents import OWNER_TYPE_OF, File, FileOwnerType, FileType
from app.files.services import MISSING_OWNER, OWNER_KINDS_TEXT, Owner, name_words
from app.graphql.connections import Ordering, order_input
from app.graphql.context import Info
from app.graphql.edges import related
from app.graphql.filters import (
    DateTimeRange,
    DeletedState,
    deleted_clause,
    merge,
    search_field,
    words_clause,
)
from app.graphql.modeled import input_type
from app.graphql.relay import from_global_id

NEWEST_UPLOADS = Ordering("_uploaded_date", descending=True)
"""Files by upload time, newest first: the default order of every list of files."""


def owner_from_global_id(value: str | None, field: str = "owner") -> Owner:
    """The owner a global ID names (in a filter, or the `owner` of POST /files), if it is of a
    kind that can own files; else a user error."""
    if value is None or not str(value).strip():
        raise ServiceError.one(MISSING_OWNER, ErrorCode.REQUIRED, field)
    decoded = from_global_id(str(value).strip())
    kind = OWNER_TYPE_OF.get(decoded[0]) if decoded is not None else None
    if decoded is None or kind is None:
        raise ServiceError.one(f"Not the id of {OWNER_KINDS_TEXT}.", ErrorCode.INVALID, field)
    return Owner(kind, decoded[1])


if TYPE_CHECKING:  # derived at run time; to mypy it is plain data
    FileUpdateInput = Any
else:
    # Only name, type and notes: the content and what it belongs to are fixed by the upload.
    FileUpdateInput = input_type(File, name="FileUpdateInput", patch=True)


@strawberry.input(description="Which files a list shows. All given conditions must hold.")
class FileFilter:
    owner: strawberry.ID | None = strawberry.field(
        default=None,
        description="Files of this record: the global ID of a patient, user, account, "
        "contact or candidate.",
    )
    owner_type: list[FileOwnerType] | None = strawberry.field(
        default=None, description="Files of any of these kinds of record."
    )
    type: list[FileType] | None = strawberry.field(default=None, description="Any of these types.")
    search: str | None = search_field("Words that start words of the name; case ignored.")
    uploaded: DateTimeRange | None = strawberry.field(
        default=None, description="Uploaded in this span."
    )
    deleted: DeletedState = strawberry.field(
        default=DeletedState.ACTIVE, description="Deleted ones too, or only them."
    )

    def query(self, info: Info) -> dict[str, Any]:
        owner = owner_from_global_id(self.owner, "filter.owner") if self.owner else None
        return merge(
            {"owner.id": owner.key, "owner.type": owner.type.value} if owner else {},
            {"owner.type": {"$in": [t.value for t in self.owner_type]}} if self.owner_type else {},
            {"type": {"$in": [t.value for t in self.type]}} if self.type else {},
            words_clause("_search.name", " ".join(name_words(self.search or ""))),
            self.uploaded.clause("_uploaded_date") if self.uploaded else {},
            deleted_clause(self.deleted),
        )


@strawberry.enum(description="What a list of files is sorted by.")
class FileOrderField(Enum):
    UPLOADED_DATE = strawberry.enum_value("_uploaded_date", description="When it was uploaded.")
    NAME = strawberry.enum_value("_search.sort", description="The name, A to Z; case ignored.")


if TYPE_CHECKING:
    FileOrder = Any
else:
    FileOrder = order_input("FileOrder", FileOrderField, "files")


def uploaded_files_edge() -> Any:
    """The edge from any record files can belong to (POST /files `owner`) to those files."""
    return related(
        "File",
        "owner.id",
        "Files uploaded for it (POST /files), newest first.",
        filter_input=FileFilter,
        ordering=NEWEST_UPLOADS,
    )
