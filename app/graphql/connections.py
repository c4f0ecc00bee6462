"""Relay connections over MongoDB with keyset cursors.

A page is narrowed in the filter itself (`(sort key, _id)` past the cursor), never by skipping:
the embedded server decodes every match before it applies a limit, and MongoDB rewards the same.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from bson import ObjectId, json_util
from bson.errors import InvalidId

from app.errors import PublicError
from app.graphql.context import Info
from app.graphql.projection import Fields, fields_for, page_references, projection, values_at

T = TypeVar("T")

DEFAULT_PAGE = 20
MAX_PAGE = 100


@strawberry.enum(description="Which way a list is sorted.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest, earliest or A first.")
    DESC = strawberry.enum_value("DESC", description="Largest, latest or Z first.")


@strawberry.type(description="A record in a list, with the cursor that points at it.")
class Edge(Generic[T]):
    record: strawberry.Private[T]
    doc: strawberry.Private[dict[str, Any]]
    ordering: strawberry.Private[Ordering]

    @strawberry.field(description="Pass as `after` or `before` to page from here.")
    def cursor(self) -> str:
        return self.position()

    @strawberry.field(description="The record.")
    def node(self) -> T:
        return self.record

    def position(self) -> str:
        """The cursor, made when asked: most pages are read through `nodes`, and encoding one
        is not free."""
        return encode_cursor(self.ordering, self.doc)


@strawberry.type(description="Where a page of a list starts and ends.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more records follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether records come before this page (when paging backwards, exact; "
        "when paging forwards, true whenever `after` was given)."
    )
    edges: strawberry.Private[list[Edge[Any]]]

    @strawberry.field(description="The cursor of the first record.")
    def start_cursor(self) -> str | None:
        return self.edges[0].position() if self.edges else None

    @strawberry.field(description="The cursor of the last record.")
    def end_cursor(self) -> str | None:
        return self.edges[-1].position() if self.edges else None


@strawberry.type(description="A page of a list, with its cursors and the size of the whole list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The records of this page with cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page starts and ends.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The records of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.record for edge in self.edges]

    @strawberry.field(description="How many records the whole list holds (one count query).")
    async def total_count(self) -> int:
        return await self.count()


@dataclass(frozen=True)
class Ordering:
    """A stored key to sort by; `_id` breaks ties so every cursor is a unique position."""

    key: str = "_id"
    descending: bool = False

    @classmethod
    def of(cls, key: str, direction: OrderDirection | None) -> Ordering:
        return cls(key, direction == OrderDirection.DESC)


NEWEST_FIRST = Ordering("_id", descending=True)
"""Records by creation, newest first: ObjectIds grow with time."""


ORDER_INPUTS: dict[str, type] = {}
"""Every ordering input by its GraphQL name (`InvoiceOrder`): a reverse edge to a record type
offers that type's own ordering, found here when the schema is built."""


def order_input(name: str, fields: type[Enum], what: str) -> type:
    """`<Record>Order`: which stored key a list of `what` is sorted by, and which way."""

    def ordering(self: Any) -> Ordering:
        return Ordering.of(str(self.field.value), self.direction)

    namespace = {
        "__annotations__": {"field": fields, "direction": OrderDirection},
        "field": strawberry.field(description="What to sort by."),
        "direction": strawberry.field(default=OrderDirection.ASC, description="Which way."),
        "ordering": ordering,
    }
    cls = type(name, (), namespace)
    made = strawberry.input(cls, name=name, description=f"How a list of {what} is sorted.")
    ORDER_INPUTS[name] = made
    return made


@dataclass(frozen=True)
class Page:
    """The paging arguments of a connection field, checked."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def size(self) -> int:
        if self.first is not None and self.last is not None:
            raise PublicError("Pass `first` or `last`, not both.")
        size = self.last if self.last is not None else self.first
        if size is None:
            return DEFAULT_PAGE
        if not 0 <= size <= MAX_PAGE:
            name = "last" if self.last is not None else "first"
            raise PublicError(f"`{name}` must be between 0 and {MAX_PAGE}; it was {size}.")
        return size

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)


CURSOR_VALUES = (str, int, float, bool, dt.datetime, ObjectId, type(None))


def encode_cursor(ordering: Ordering, doc: dict[str, Any]) -> str:
    """The position of a record in a list: its sort key, direction, sort value and id."""
    position = [ordering.key, ordering.descending, _value_at(doc, ordering.key), doc["_id"]]
    return base64.urlsafe_b64encode(json_util.dumps(position).encode()).decode()


def decode_cursor(cursor: str, ordering: Ordering) -> tuple[Any, Any]:
    """The sort value and id of a cursor given out for this same ordering; else refused."""
    try:
        position = json_util.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, InvalidId) as exc:
        raise PublicError("The cursor is not one this API gave out.") from exc
    if not (
        isinstance(position, list)
        and len(position) == 4
        and isinstance(position[2], CURSOR_VALUES)
        and isinstance(position[3], (ObjectId, int))
    ):
        raise PublicError("The cursor is not one this API gave out.")
    key, descending, value, last_id = position
    if key != ordering.key or descending != ordering.descending:
        raise PublicError(
            "The cursor belongs to a list in another order; page with the same "
            "orderBy it was given with."
        )
    return value, last_id


def _value_at(doc: dict[str, Any], key: str) -> Any:
    value: Any = doc
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _past(ordering: Ordering, cursor: str, forwards: bool) -> dict[str, Any]:
    """Rows beyond the cursor in the walking direction; nulls sort lowest, as in MongoDB."""
    value, last_id = decode_cursor(cursor, ordering)
    key = ordering.key
    descending = ordering.descending == forwards
    op = "$lt" if descending else "$gt"
    if key == "_id":
        return {"_id": {op: last_id}}
    tie = {key: value, "_id": {op: last_id}}
    if value is None:
        return tie if descending else {"$or": [{key: {"$ne": None}}, tie]}
    beyond = [{key: {op: value}}, tie] + ([{key: None}] if descending else [])
    return {"$or": beyond}


async def list_records(
    info: Info,
    node: type[Any],
    query: dict[str, Any],
    order_by: Any | None,
    default: Ordering,
    page: Page,
) -> Connection[Any]:
    """A connection of a record type: its collection, filtered, ordered and paged."""
    ordering = order_by.ordering() if order_by is not None else default
    return await paginate(info, node.collection(), query, ordering, page, node.from_doc)


async def paginate(
    info: Info,
    collection: str,
    query: dict[str, Any],
    ordering: Ordering,
    page: Page,
    wrap: Callable[[dict[str, Any]], T],
) -> Connection[T]:
    """One page of `collection` matching `query`, always within the caller's account."""
    size = page.size()
    db = info.context.scope[collection]
    fields = fields_for(info, collection, ordering.key)
    clauses = [query]
    if page.after:
        clauses.append(_past(ordering, page.after, forwards=True))
    if page.before:
        clauses.append(_past(ordering, page.before, forwards=False))
    narrowed = clauses[0] if len(clauses) == 1 else {"$and": clauses}
    descending = ordering.descending != page.backwards
    sort = sort_of(ordering, descending)
    docs = [doc async for doc in db.find(narrowed, projection(fields), sort=sort, limit=size + 1)]
    more = len(docs) > size
    docs = docs[:size]
    if page.backwards:
        docs.reverse()
    await fetch_references(info, docs)

    async def count() -> int:
        return int(await db.count_documents(query))

    has_next = more if not page.backwards else page.before is not None
    has_previous = more if page.backwards else page.after is not None
    return connection_of(
        info, collection, docs, ordering, wrap, has_next, has_previous, count, fields
    )


async def fetch_references(info: Info, docs: list[dict[str, Any]]) -> None:
    """Load what the rows of a page point at and show (a patient's coordinator), with one
    query per collection as the loaders would, but before the rows resolve: each row then
    answers its reference at once instead of waiting on the loader."""
    loads = []
    for key, collection in page_references(info):
        ids = list({value for doc in docs for value in values_at(doc, key) if value is not None})
        if ids:
            fields = fields_for(info, collection)
            loads.append(info.context.loaders.load_many(collection, ids, fields))
    if loads:
        await asyncio.gather(*loads)


def sort_of(ordering: Ordering, descending: bool) -> list[tuple[str, int]]:
    direction = -1 if descending else 1
    tie = [("_id", direction)] if ordering.key != "_id" else []
    return [(ordering.key, direction), *tie]


def connection_of(
    info: Info,
    collection: str,
    docs: list[dict[str, Any]],
    ordering: Ordering,
    wrap: Callable[[dict[str, Any]], T],
    has_next: bool,
    has_previous: bool,
    count: Callable[[], Awaitable[int]],
    fields: Fields = None,
) -> Connection[T]:
    """A page of documents already read (with `fields`, or whole), in order, as a connection."""
    info.context.loaders.prime(collection, docs, fields)
    edges = [Edge(record=wrap(doc), doc=doc, ordering=ordering) for doc in docs]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            edges=edges,
        ),
        count=count,
    )
