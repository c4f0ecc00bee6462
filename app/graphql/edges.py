"""Reverse edges: a record's related records as a connection, batched across parents.

A list of patients each showing its visits would cost a query per patient; instead the first
pages of every parent asked for in the same tick come from one query, grouped here. So walking
the graph costs a query per level, not per row. A cursor (`after`/`before`) asks for a later
page of one parent: that is its own query, as is a batch too large to hold.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from bson import json_util
from strawberry.types.lazy_type import LazyType

from app.graphql.arguments import After, Before, Filter, First, Last, OrderBy
from app.graphql.connections import (
    NEWEST_FIRST,
    ORDER_INPUTS,
    Connection,
    Ordering,
    Page,
    connection_of,
    paginate,
    sort_of,
)
from app.graphql.context import Info
from app.graphql.filters import deleted_clause, merge
from app.graphql.projection import Fields, fields_for, projection, reads, values_at
from app.graphql.relay import node_types, record_ref

MAX_BATCH_ROWS = 5000
"""More related records than this for one batch: each parent is paged on its own instead."""

Docs = list[dict[str, Any]]


def grouped_by(
    info: Info, collection: str, key: str, condition: dict[str, Any], ordering: Ordering
) -> Callable[[], Callable[[list[Any]], Awaitable[list[Any]]]]:
    """A batch loader: for parent ids, each one's related documents in order (None: too many)."""

    def make() -> Callable[[list[Any]], Awaitable[list[Any]]]:
        async def load(parents: list[Any]) -> list[Docs | None]:
            query = merge({key: {"$in": list(set(parents))}}, condition)
            fields = fields_for(info, collection, key, ordering.key)
            cursor = info.context.scope[collection].find(
                query,
                projection(fields),
                sort=sort_of(ordering, ordering.descending),
                limit=MAX_BATCH_ROWS + 1,
            )
            docs = [doc async for doc in cursor]
            if len(docs) > MAX_BATCH_ROWS:
                return [None for _ in parents]
            groups: dict[Any, Docs] = defaultdict(list)
            wanted = set(parents)
            for doc in docs:
                for parent in {v for v in values_at(doc, key) if v in wanted}:
                    groups[parent].append(doc)
            return [groups.get(parent, []) for parent in parents]

        return load

    return make


def first_page(
    info: Info,
    collection: str,
    group: Docs,
    ordering: Ordering,
    page: Page,
    wrap: Callable[[dict[str, Any]], Any],
    fields: Fields = None,
) -> Connection[Any]:
    """The first (or, with `last`, the final) page of a parent's whole ordered group (read
    with `fields`)."""
    size = page.size()
    docs = group[-size:] if page.backwards and size else group[:size]
    more = len(group) > size

    async def count() -> int:
        return len(group)

    return connection_of(
        info,
        collection,
        docs,
        ordering,
        wrap,
        has_next=more and not page.backwards,
        has_previous=more and page.backwards,
        count=count,
        fields=fields,
    )


@dataclass(frozen=True)
class OrderRef(LazyType[str, str]):
    """A record type's ordering input (`InvoiceOrder`), found when the schema is built: an edge
    can offer it without importing the package that defines it."""

    def resolve_type(self) -> type[Any]:
        return ORDER_INPUTS[self.type_name]


def related(
    type_name: str,
    key: str,
    description: str,
    *,
    filter_input: type | None = None,
    order_input: type | None = None,
    ordering: Ordering = NEWEST_FIRST,
) -> Any:
    """A reverse edge: the `type_name` records whose stored `key` holds this record's id, as a
    connection in `ordering`, or in the `orderBy` the caller gives (the target's own ordering
    input, `<Type>Order`, unless another `order_input` is named), with that type's filter when
    one is given (its defaults apply when the caller sends none: soft-deleted records, for one,
    are left out unless the filter asks for them)."""
    order_input = order_input or OrderRef(f"{type_name}Order", module=__name__)  # type: ignore[assignment]
    if "unless told" not in description:
        description += " `orderBy` sorts them otherwise."

    @reads("_id")
    async def resolve(
        root: Any,
        info: Info,
        filter: Any = None,
        order_by: Any = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Any:
        node: Any = node_types()[type_name]
        if filter is None and filter_input is not None:
            filter = filter_input()  # the type's defaults: e.g. deleted and private ones hidden
        condition = filter.query(info) if filter is not None else deleted_clause(None)
        if inspect.isawaitable(condition):  # a filter that must read first (the account's day)
            condition = await condition
        order = order_by.ordering() if order_by is not None else ordering
        page, parent = Page(first, after, last, before), root.doc["_id"]
        if not (page.after or page.before):
            batch = (type_name, key, json_util.dumps(condition), order)
            loader = info.context.loaders.batch(
                batch, grouped_by(info, node.collection(), key, condition, order)
            )
            group = await loader.load(parent)
            if group is not None:
                fields = fields_for(info, node.collection(), key, order.key)
                return first_page(
                    info, node.collection(), group, order, page, node.from_doc, fields
                )
        query = merge({key: parent}, condition)
        return await paginate(info, node.collection(), query, order, page, node.from_doc)

    # The edge offers only the arguments it has inputs for: strawberry reads the signature.
    inputs: dict[str, Any] = {"filter": filter_input, "order_by": order_input}
    described: dict[str, Any] = {"filter": Filter, "order_by": OrderBy}
    returns = Connection[record_ref(type_name)]  # type: ignore[misc,valid-type]
    parameters = [
        p.replace(annotation=described[p.name][inputs[p.name]]) if inputs.get(p.name) else p
        for p in inspect.signature(resolve).parameters.values()
        if inputs.get(p.name, True) is not None
    ]
    resolve.__signature__ = inspect.Signature(parameters, return_annotation=returns)  # type: ignore[attr-defined]
    resolve.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": returns}
    return strawberry.field(resolver=resolve, description=description)
