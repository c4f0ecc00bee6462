"""Finding files."""

from __future__ import annotations

import strawberry

from app.files.inputs import NEWEST_UPLOADS, FileFilter, FileOrder
from app.files.types import File
from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy, RecordId
from app.graphql.connections import Connection, Page, list_records
from app.graphql.context import Info
from app.graphql.relay import decode_id


@strawberry.type
class FileQueries:
    @strawberry.field(description="A file by global ID; null if not in your account.")
    async def file(self, info: Info, id: RecordId) -> File | None:
        return await File.load(info, decode_id(id, File))

    @strawberry.field(description="The account's files, newest upload first unless told.")
    async def files(
        self,
        info: Info,
        filter: Filter[FileFilter] = None,
        order_by: OrderBy[FileOrder] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[File]:
        page = Page(first=first, after=after, last=last, before=before)
        query = (filter or FileFilter()).query(info)
        return await list_records(info, File, query, order_by, NEWEST_UPLOADS, page)
