"""File contents (the bytes of uploaded files), kept in the GridFS bucket `file_contents`.

The bucket holds every account's contents, so it is reached only through `Contents`, the
contents of one scope's account: each content it stores is marked with the account; a content
is opened for download only through a file record of the scope's account (the record names its
content, and the content must be marked with the same account), and deleted only if it is the
account's. A content's id alone never opens it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.asynchronous.grid_file import AsyncGridOut
from gridfs.errors import NoFile

from app.data.collections import ACCOUNT
from app.data.scope import Scope
from app.db import RawDoc

log = logging.getLogger(__name__)

BUCKET_NAME = "file_contents"
CHUNK_BYTES = 255 * 1024


class Download:
    """A content opened for reading: its length, then its bytes one stored chunk at a time."""

    def __init__(self, stored: AsyncGridOut) -> None:
        self._stored = stored

    @property
    def length(self) -> int:
        return int(self._stored.length)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The bytes, chunk by chunk; the content is closed at the end (or on leaving early)."""
        try:
            while chunk := await self._stored.readchunk():
                yield chunk
        finally:
            await self.close()

    async def close(self) -> None:
        await self._stored.close()


@dataclass(frozen=True)
class Contents:
    """The file contents of one scope's account."""

    scope: Scope

    def _bucket(self) -> AsyncGridFSBucket:
        return AsyncGridFSBucket(
            self.scope.database.db, bucket_name=BUCKET_NAME, chunk_size_bytes=CHUNK_BYTES
        )

    async def upload(
        self, chunks: AsyncIterable[bytes], *, filename: str, content_type: str
    ) -> ObjectId:
        """Store the bytes `chunks` yields as a new content of the account, and its id. If
        `chunks` raises (a limit passed, the client went away) nothing of it is kept."""
        content_id = ObjectId()
        stream = self._bucket().open_upload_stream_with_id(
            content_id,
            filename,
            metadata={ACCOUNT: self.scope.account_id, "content_type": content_type},
        )
        try:
            async for chunk in chunks:
                await stream.write(chunk)
            await stream.close()
        except BaseException:
            await stream.abort()
            raise
        return content_id

    async def open_download(self, record: RawDoc) -> Download | None:
        """The content a file record of the account names, open for reading; None when the
        record is not the account's, names no content, or its content is missing or not the
        account's."""
        if record.get(ACCOUNT) != self.scope.account_id:
            log.warning("file %s is not of account %s", record.get("_id"), self.scope.account_id)
            return None
        content_id = record.get("file")
        if not (isinstance(content_id, str) and ObjectId.is_valid(content_id)):
            return None
        try:
            stored = await self._bucket().open_download_stream(ObjectId(content_id))
        except NoFile:
            log.warning("file %s has no stored content (%s)", record["_id"], content_id)
            return None
        if (stored.metadata or {}).get(ACCOUNT) != self.scope.account_id:
            log.warning("file %s points at content of another account", record["_id"])
            return None
        return Download(stored)

    async def delete(self, content_id: Any) -> None:
        """Remove a content of the account (its entry and its chunks), such as one stored for
        an upload whose record could not be written; another account's is left alone."""
        files = self.scope.database.db[f"{BUCKET_NAME}.files"]
        mine = {"_id": content_id, f"metadata.{ACCOUNT}": self.scope.account_id}
        removed = await files.delete_one(mine)
        if removed.deleted_count:
            await self.scope.database.db[f"{BUCKET_NAME}.chunks"].delete_many(
                {"files_id": content_id}
            )
