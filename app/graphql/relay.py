"""Relay global IDs and the Node interface: `node(id:)` and `nodes(ids:)` for every record."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Self

import strawberry
from beanie import Document
from bson import ObjectId
from strawberry.types.lazy_type import LazyType

from app.errors import ErrorCode, PublicError
from app.graphql.arguments import RecordId
from app.graphql.context import Info
from app.graphql.projection import fields_for, reads
from app.graphql.records import Record


def to_global_id(type_name: str, key: Any) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, Any] | None:
    """The type name and stored key of a global ID, or None when it is not one of ours."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw = base64.urlsafe_b64decode(padded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if ObjectId.is_valid(raw) and len(raw) == 24:
        return type_name, ObjectId(raw)
    if raw.isascii() and raw.isdecimal() and len(raw) < 19:
        return type_name, int(raw)
    return None


@strawberry.interface(description="A record with a global ID, fetchable with `node(id:)`.")
class Node:
    @strawberry.field(description="The global ID of this record (opaque; stable across versions).")
    @reads("_id")
    def id(self) -> strawberry.ID:
        record: Record = self  # type: ignore[assignment]
        return strawberry.ID(to_global_id(type_name_of(type(self)), record.doc["_id"]))

    @classmethod
    def collection(cls) -> str:
        model = cls.__model__  # type: ignore[attr-defined]
        assert issubclass(model, Document)
        return str(model.Settings.name)

    @classmethod
    async def load(cls, info: Info, key: Any) -> Self | None:
        """The record with this stored id in the caller's account, through the request loader
        (with the keys the request reads of it)."""
        collection = cls.collection()
        doc = await info.context.loaders.load(collection, key, fields_for(info, collection))
        return None if doc is None else cls.from_doc(doc)  # type: ignore[attr-defined]


def type_name_of(cls: type) -> str:
    return str(cls.__strawberry_definition__.name)  # type: ignore[attr-defined]


@cache
def node_types() -> dict[str, type[Node]]:
    """Every concrete Node type by its GraphQL name."""
    found: dict[str, type[Node]] = {}
    pending = list(Node.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if hasattr(cls, "__model__"):
            found[type_name_of(cls)] = cls
    return found


@dataclass(frozen=True)
class RecordRef(LazyType[str, str]):
    """A record type named by its GraphQL name, found in the registry when the schema is built:
    a package can point at another's type without importing it (no import cycles)."""

    def resolve_type(self) -> type[Any]:
        return node_types()[self.type_name]


def record_ref(type_name: str) -> Any:
    """An annotation for the record type of that GraphQL name: `record_ref("User") | None`."""
    return RecordRef(type_name, module=__name__)


async def load_node(info: Info, global_id: str, expected: type[Node] | None = None) -> Node | None:
    """The record a global ID names, or None if it is malformed, of another type, or missing."""
    decoded = from_global_id(global_id)
    if decoded is None:
        return None
    cls = node_types().get(decoded[0])
    if cls is None or (expected is not None and not issubclass(cls, expected)):
        return None
    if not info.context.may_read_type(decoded[0]):
        raise PublicError(
            f"Your role may not read {decoded[0]} records.", code=ErrorCode.FORBIDDEN.value
        )
    return await cls.load(info, decoded[1])


def key_of(global_id: str, type_name: str) -> Any | None:
    """The stored key of a global ID of the named type, or None."""
    decoded = from_global_id(str(global_id))
    return decoded[1] if decoded is not None and decoded[0] == type_name else None


def decode_id(global_id: str, expected: type[Node]) -> Any | None:
    """The stored key of a global ID of the expected type, or None."""
    return key_of(global_id, type_name_of(expected))


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="The record with this global ID, or null if there is none in your account; "
        "FORBIDDEN for a record type your role may not read."
    )
    async def node(self, info: Info, id: RecordId) -> Node | None:
        return await load_node(info, id)

    @strawberry.field(
        description="The records with these global IDs, in the same order; null "
        "for each that is not in your account. At most 100."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global IDs, at most 100.")
        ],
    ) -> list[Node | None]:
        if len(ids) > 100:
            raise PublicError("Ask for at most 100 ids at a time.")
        return list(await asyncio.gather(*(load_node(info, i) for i in ids)))
