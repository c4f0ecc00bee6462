"""Which stored keys a request reads: the projection every list and loader asks MongoDB for.

A page of patients showing three fields used to fetch, and BSON-decode, whole patients. Here
the operation's selection set (fragments and inline fragments included) is walked once per
document, and each collection it reaches gets the stored keys its fields need:

- a plain stored field reads its key, and a subdocument only the keys selected inside it
  (`locations.city`, `locations.geo.coordinates`);
- a field with a resolver reads what the resolver declares with `@reads(...)`, relative to the
  record (or subdocument) it resolves on; a resolver that declares nothing reads the whole
  record, so forgetting a declaration costs bytes, never a wrong answer;
- a record type may declare keys every read of it needs (`__reads__`: a check its `load` does);
- ids, `_revision` and `_deleted` are always fetched; lists add what their cursors and
  groupings need (`connections`, `edges`).

The plan is per collection, not per field: every list and loader of one collection in a
request asks for the same keys, so a page primes the loaders that later resolve references
to its records. Code that reads records for its own rules (an account's time zone, a
caregiver's conflicts) asks for whole documents, which the loaders keep apart.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField

from app.common.documents import stored_key
from app.graphql.records import Record

F = TypeVar("F", bound=Callable[..., Any])
Info = Any
"""A resolver's `info` (app.graphql.context.Info): its context holds the request's plan. Not
imported, as the context names the plan's type."""

Fields = frozenset[str] | None
"""Stored keys (dotted paths) to fetch; None: the whole document."""

ALWAYS = frozenset({"_id", "_revision", "_deleted"})
"""Fetched whatever is selected: identity, the revision an update is based on, deletion."""

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
WHOLE = None
PLANS_KEPT = 512


def reads(*keys: str) -> Callable[[F], F]:
    """Declare the stored keys a resolver reads, relative to the record or subdocument it
    resolves on (`@reads("name")`, `@reads("attendees")`); `@reads()` for none beyond ids."""

    def declare(resolver: F) -> F:
        resolver.__reads__ = tuple(keys)  # type: ignore[attr-defined]
        return resolver

    return declare


def declared_reads(resolver: object) -> tuple[str, ...] | None:
    """What a resolver declared it reads; None when it declared nothing (the whole record)."""
    found: tuple[str, ...] | None = getattr(resolver, "__reads__", None)
    return found


@dataclass(frozen=True)
class FieldReads:
    """What one field of a record type reads: keys, a subdocument to walk into, or all; and,
    for a reference, its stored key and the collection it points into."""

    keys: tuple[str, ...] | None = ()
    nested: str | None = None
    reference: tuple[str, str] | None = None


@dataclass
class Plan:
    """The keys each collection must return for one operation."""

    wanted: dict[str, set[str] | None] = field(default_factory=dict)
    fields: dict[str, Fields] = field(default_factory=dict)
    references: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """By list field (its node's id): the references its rows show, as (key, collection)."""

    def add(self, collection: str, keys: Iterable[str] | None) -> None:
        if collection in self.wanted and self.wanted[collection] is None:
            return
        if keys is None:
            self.wanted[collection] = None
            return
        self.wanted.setdefault(collection, set(ALWAYS)).update(keys)  # type: ignore[union-attr]

    def freeze(self) -> Plan:
        self.fields = {
            name: None if keys is None else frozenset(narrowest(keys))
            for name, keys in self.wanted.items()
        }
        return self

    def of(self, collection: str) -> Fields:
        """The keys to fetch of a collection; a collection the walk did not reach (records
        read for a rule, not shown) is fetched whole."""
        return self.fields.get(collection, WHOLE)


def narrowest(keys: Iterable[str]) -> list[str]:
    """The keys without those inside another one kept (`locations` covers `locations.city`):
    MongoDB refuses a projection naming both."""
    kept: list[str] = []
    for key in sorted(set(keys)):
        if not any(key.startswith(f"{outer}.") for outer in kept):
            kept.append(key)
    return kept


def with_keys(fields: Fields, *keys: str) -> Fields:
    """The fields plus keys a list needs for itself (its sort key, the key it groups by)."""
    if fields is None or not keys:
        return fields
    return frozenset(narrowest([*fields, *keys]))


def covers(held: Fields, wanted: Fields) -> bool:
    """Whether documents fetched with `held` hold everything `wanted` names."""
    if held is None:
        return True
    if wanted is None:
        return False
    return all(any(key == h or key.startswith(f"{h}.") for h in held) for key in wanted)


def values_at(doc: Mapping[str, Any], key: str) -> list[Any]:
    """Every value at a dotted key, through arrays of subdocuments (`attendees.user`)."""
    found: list[Any] = [doc]
    for part in key.split("."):
        step: list[Any] = []
        for value in found:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and part in item:
                    step.append(item[part])
        found = step
    return [v for value in found for v in (value if isinstance(value, list) else [value])]


def projection(fields: Fields) -> dict[str, int] | None:
    """The MongoDB projection of a set of fields (None: the whole document)."""
    return None if fields is None else dict.fromkeys(fields, 1)


def plan_of(info: Info) -> Plan:
    context = info.context
    plan = context.plan
    if plan is None:
        raw = info._raw_info
        plan = context.plan = plan_for(raw.schema, raw.operation, raw.fragments)
    return plan


def fields_for(info: Info, collection: str, *extra: str) -> Fields:
    """The keys this request reads of a collection, plus `extra` keys the caller needs for
    itself (a sort key, the key it groups by)."""
    return with_keys(plan_of(info).of(collection), *extra)


def page_references(info: Info) -> tuple[tuple[str, str], ...]:
    """The references the rows of this list field show (stored key, target collection): a
    page fetches them before its rows resolve, so each row answers at once."""
    plan, raw = plan_of(info), info._raw_info
    node = raw.field_nodes[0]
    found = plan.references.get(id(node))
    if found is None:
        references: set[tuple[str, str]] = set()
        walk = References(raw.schema, raw.fragments, references)
        for field_node in raw.field_nodes:
            if field_node.selection_set is not None:
                walk.selections(field_node.selection_set, get_named_type(raw.return_type), None)
        found = plan.references[id(node)] = tuple(sorted(references))
    return found


# the walk -----------------------------------------------------------------------------------

Where = tuple[str, str] | None
"""The collection and the key prefix the selected fields are stored under; None: not stored
(a connection, a payload)."""

_plans: OrderedDict[int, tuple[OperationDefinitionNode, Plan]] = OrderedDict()


def plan_for(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Plan:
    """The plan of an operation, walked once per parsed document (the parser cache hands the
    same document back for the same text)."""
    cached = _plans.get(id(operation))
    if cached is not None and cached[0] is operation:
        return cached[1]
    root = schema.get_root_type(operation.operation)
    plan = Plan()
    if root is not None:
        Walk(schema, fragments, plan).selections(operation.selection_set, root, None)
    _plans[id(operation)] = (operation, plan.freeze())
    while len(_plans) > PLANS_KEPT:
        _plans.popitem(last=False)
    return plan


@dataclass
class SelectionWalk:
    """Walks a selection set through fragments, inline fragments and abstract types; what a
    field means is each walk's own (`field`)."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]

    def selections(self, selection_set: SelectionSetNode, type_: Any, where: Where) -> None:
        if is_abstract_type(type_):
            abstract: GraphQLAbstractType = type_
            for possible in self.schema.get_possible_types(abstract):
                self.selections(selection_set, possible, self.where_in(possible, where))
            return
        if not isinstance(type_, GraphQLObjectType):
            return
        self.entered(type_, where)
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, type_, where)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or applies(self.schema, condition.name.value, type_):
                    self.selections(selection.selection_set, type_, where)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and applies(
                    self.schema, fragment.type_condition.name.value, type_
                ):
                    self.selections(fragment.selection_set, type_, where)

    def where_in(self, possible: GraphQLObjectType, where: Where) -> Where:
        """Where the rows of one possible type of an abstract type are read."""
        return where

    def entered(self, type_: GraphQLObjectType, where: Where) -> None:
        """Called once per object type a selection set is walked in."""

    def field(self, node: FieldNode, parent: GraphQLObjectType, where: Where) -> None:
        raise NotImplementedError


@dataclass
class Walk(SelectionWalk):
    plan: Plan

    def where_in(self, possible: GraphQLObjectType, where: Where) -> Where:
        return where_of(possible, where)

    def entered(self, type_: GraphQLObjectType, where: Where) -> None:
        if where is not None:
            self.plan.add(where[0], [where[1] + key for key in type_reads(type_)])

    def field(self, node: FieldNode, parent: GraphQLObjectType, where: Where) -> None:
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return  # __typename, or a meta field
        target = get_named_type(definition.type)
        reads = field_reads(parent, node.name.value)
        inner: Where = None
        if where is not None:
            collection, prefix = where
            if reads.nested is not None:
                inner = (collection, f"{prefix}{reads.nested}.")
                if node.selection_set is None:
                    self.plan.add(collection, [prefix + reads.nested])
            elif reads.keys is not None:
                self.plan.add(collection, [prefix + key for key in reads.keys])
            else:  # an undeclared resolver: the whole record, or the whole subdocument
                self.plan.add(collection, [prefix.rstrip(".")] if prefix else None)
        if node.selection_set is not None:
            self.selections(node.selection_set, target, inner or where_of(target, None))


def applies(schema: GraphQLSchema, condition: str, type_: GraphQLObjectType) -> bool:
    """Whether a fragment on `condition` applies to an object of `type_`."""
    named = schema.get_type(condition)
    if named is type_:
        return True
    return is_abstract_type(named) and schema.is_sub_type(named, type_)


def where_of(type_: GraphQLNamedType, where: Where) -> Where:
    """Where a type's fields are stored: a record type with a collection starts one, an
    embedded type keeps the prefix it was reached with, anything else has none."""
    collection = collection_of(type_)
    if collection is not None:
        return (collection, "")
    return where if record_class(type_) is not None else None


def record_class(type_: GraphQLNamedType) -> type[Record] | None:
    definition = (type_.extensions or {}).get(BACKREF)
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) and issubclass(origin, Record) else None


def collection_of(type_: GraphQLNamedType) -> str | None:
    cls = record_class(type_)
    collection = getattr(cls, "collection", None)
    if cls is None or collection is None or not hasattr(cls, "__model__"):
        return None
    try:
        return str(collection())
    except AssertionError:  # a record type over a model that is not a stored document
        return None


def type_reads(type_: GraphQLObjectType) -> tuple[str, ...]:
    """Keys every read of a record type needs, whatever is selected (`Record.__reads__`)."""
    cls = record_class(type_)
    return tuple(getattr(cls, "__reads__", ())) if cls is not None else ()


def field_reads(parent: GraphQLObjectType, name: str) -> FieldReads:
    cls = record_class(parent)
    definition = parent.fields[name]
    strawberry_field = (definition.extensions or {}).get(BACKREF)
    if cls is None or not isinstance(strawberry_field, StrawberryField):
        return FieldReads()
    resolver = strawberry_field.base_resolver
    if resolver is not None:
        function = resolver.wrapped_func
        reference = getattr(function, "__reference__", None)
        return FieldReads(keys=declared_reads(function), reference=reference)
    key = stored_key(cls.__model__, strawberry_field.python_name)
    if _embedded(strawberry_field.type):
        return FieldReads(nested=key)
    return FieldReads(keys=(key,))


def _embedded(annotation: Any) -> bool:
    while isinstance(annotation, (StrawberryOptional, StrawberryList)):
        annotation = annotation.of_type
    return isinstance(annotation, type) and issubclass(annotation, Record)


@dataclass
class References(SelectionWalk):
    """The references shown by the rows of one list (through `nodes` or `edges.node`, and
    the subdocuments of each row), not those of records further down."""

    found: set[tuple[str, str]]

    def field(self, node: FieldNode, parent: GraphQLObjectType, where: Where) -> None:
        definition = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return
        target = get_named_type(definition.type)
        if where is None:  # still above the rows: a connection, an edge
            self.selections(node.selection_set, target, where_of(target, None))
            return
        reads = field_reads(parent, node.name.value)
        if reads.reference is not None:
            key, collection = reads.reference
            self.found.add((where[1] + key, collection))
        elif reads.nested is not None:
            self.selections(node.selection_set, target, (where[0], f"{where[1]}{reads.nested}."))
