"""Cheap fields resolve cheaply: plain functions for fields that only read what is there.

Strawberry resolves every field through layers made for the general case: an `Info` object,
argument conversion, field extensions, an async wrapper around async resolvers, and for a
stored field `Record.__getattr__` finding its reader by name. A page of a hundred records shows
one to two thousand such fields, and those layers were most of its cost. Once the schema is
built, each field that needs none of them gets a plain function as its GraphQL resolver:

- a stored field of a record type reads its key from the document and converts it, with the
  reader made here once (not looked up per row);
- any other field without a resolver reads its attribute;
- a resolver without arguments is called directly (with an `Info` only when it takes one);
  an async one hands its coroutine to graphql-core, which awaits it.

Each such resolver that answers at once is marked `__cheap__` (and says in `__wants_info__`
whether it needs a resolve info): `compiled.py` then completes the field by plan.

Fields with arguments, field extensions or permission classes keep Strawberry's path. The
schema itself (names, types, descriptions) does not change.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from app.common.documents import stored_key
from app.graphql.records import Record, converter, same

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
Resolve = Callable[..., Any]


def cheapen(schema: strawberry.Schema) -> int:
    """Give every cheap field of the schema a plain resolver; how many were given one."""
    given = 0
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        origin = getattr((type_.extensions or {}).get(BACKREF), "origin", None)
        for field in type_.fields.values():
            resolve = plain_resolver(origin, field, schema)
            if resolve is not None:
                # an async resolver is called cheaply, but its value is always awaited
                resolve.__cheap__ = not _is_async(field)  # type: ignore[attr-defined]
                field.resolve = resolve
                given += 1
    return given


def plain_resolver(origin: Any, field: GraphQLField, schema: strawberry.Schema) -> Resolve | None:
    definition = (field.extensions or {}).get(BACKREF)
    if not isinstance(definition, StrawberryField):
        return None
    if definition.extensions or definition.permission_classes:
        return None
    if definition.base_resolver is None:
        if isinstance(origin, type) and issubclass(origin, Record):
            return stored_reader(origin, definition)
        return attribute_reader(definition.python_name)
    return direct_call(definition, schema)


def stored_reader(origin: type[Record], definition: StrawberryField) -> Resolve:
    """A stored field: its key read from the document, converted as the type says."""
    key, name = stored_key(origin.__model__, definition.python_name), definition.python_name
    convert = converter(definition.type)

    if convert is same:

        def read(source: Any, info: Any) -> Any:
            try:
                doc = source._doc
            except AttributeError:  # not a record: an object holding the attribute
                return getattr(source, name)
            return doc.get(key)

        read.__wants_info__ = False  # type: ignore[attr-defined]
        return read

    def read_converted(source: Any, info: Any) -> Any:
        try:
            doc = source._doc
        except AttributeError:
            return getattr(source, name)
        return convert(doc.get(key))

    read_converted.__wants_info__ = False  # type: ignore[attr-defined]
    return read_converted


def attribute_reader(name: str) -> Resolve:
    def read(source: Any, info: Any) -> Any:
        return getattr(source, name)

    read.__wants_info__ = False  # type: ignore[attr-defined]
    return read


def direct_call(definition: StrawberryField, schema: strawberry.Schema) -> Resolve | None:
    """A resolver taking only its record (and perhaps `info`), called without the layers."""
    resolver = definition.base_resolver
    assert resolver is not None
    function = resolver.wrapped_func
    if resolver.arguments or not inspect.isfunction(function):
        return None
    parameters = list(inspect.signature(function).parameters.values())
    owner = resolver.self_parameter or resolver.root_parameter
    if owner is None or not parameters or (parameters[0] is not owner and parameters[0] != owner):
        return None
    rest = parameters[1:]
    if not rest:

        def call_alone(source: Any, info: Any) -> Any:
            return function(source)

        call_alone.__wants_info__ = False  # type: ignore[attr-defined]
        return call_alone
    info_parameter = resolver.info_parameter
    if len(rest) != 1 or info_parameter is None or rest[0].name != info_parameter.name:
        return None
    make_info = schema.config.info_class

    def call(source: Any, info: Any) -> Any:
        return function(source, make_info(_raw_info=info, _field=definition))

    call.__wants_info__ = True  # type: ignore[attr-defined]
    return call


def _is_async(field: GraphQLField) -> bool:
    definition = (field.extensions or {}).get(BACKREF)
    resolver = getattr(definition, "base_resolver", None)
    return resolver is not None and inspect.iscoroutinefunction(resolver.wrapped_func)
