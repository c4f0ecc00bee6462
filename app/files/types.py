"""GraphQL type of stored files."""

from __future__ import annotations

import strawberry

from app.files.documents import File as FileDocument
from app.files.documents import FileOwnerType, owner_kind
from app.graphql.context import Info
from app.graphql.crud import Versioned
from app.graphql.modeled import record_type
from app.graphql.projection import reads
from app.graphql.records import Record
from app.graphql.relay import Node, node_types, to_global_id


@record_type(
    FileDocument,
    name="File",
    description="A stored file (a care plan, a photo, a contract...) and what it belongs to. "
    "Upload one with POST /files; download its content from `url`.",
    exclude=("owner",),
)
class File(Record, Node, Versioned):
    """Plain fields come from the document model; the owner and the url are resolved here."""

    @strawberry.field(
        description="Where to download the content: GET it with the same Authorization as "
        "/graphql. Every download is written to the audit trail."
    )
    @reads()
    def url(self) -> str:
        return f"/files/{to_global_id('File', self.doc['_id'])}"

    @strawberry.field(description="What kind of record the file belongs to.")
    @reads("owner")
    def owner_type(self) -> FileOwnerType | None:
        return owner_kind(self.doc.get("owner"))

    @strawberry.field(
        description="The record the file belongs to: a Patient, User, Account, Contact or "
        "Candidate; null if it is no longer there."
    )
    @reads("owner")
    async def owner(self, info: Info) -> Node | None:
        kind = owner_kind(self.doc.get("owner"))
        cls = node_types().get(kind.type_name) if kind is not None else None
        if cls is None:
            return None
        return await cls.load(info, self.doc["owner"].get("id"))
