"""The schema documents itself: every type, field, argument, input field and enum value says
what it is, and every custom scalar names the specification of its wire format."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import NewType

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    specified_scalar_types,
)
from strawberry.schema.config import StrawberryConfig

from app.graphql.schema import build_schema


def undocumented(schema: GraphQLSchema) -> Iterator[str]:
    """Every part of the schema without a description, and every custom scalar without
    `@specifiedBy`, by its schema coordinate."""
    for name, kind in schema.type_map.items():
        if name.startswith("__"):
            continue
        if not kind.description:
            yield name
        custom_scalar = isinstance(kind, GraphQLScalarType) and name not in specified_scalar_types
        if custom_scalar and not kind.specified_by_url:
            yield f"{name} @specifiedBy"
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in kind.fields.items():
                if not field.description:
                    yield f"{name}.{field_name}"
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        yield f"{name}.{field_name}({arg_name}:)"
        if isinstance(kind, GraphQLInputObjectType):
            for field_name, input_field in kind.fields.items():
                if not input_field.description:
                    yield f"{name}.{field_name}"
        if isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                if not value.description:
                    yield f"{name}.{value_name}"


def test_every_part_of_the_schema_is_described() -> None:
    # given the schema the server serves
    schema = build_schema()._schema
    # when it is walked
    missing = list(undocumented(schema))
    # then nothing lacks a description, and every custom scalar names its specification
    assert missing == [], f"{len(missing)} without a description: {', '.join(missing)}"


class Colour(Enum):
    RED = "red"


@strawberry.input
class Paint:
    colour: Colour


Money = NewType("Money", str)


@strawberry.type
class Bare:
    @strawberry.field
    def mix(self, paint: Paint) -> Colour:
        return paint.colour

    @strawberry.field
    def price(self) -> Money:
        return Money("1.00")


def test_the_walk_names_each_kind_of_part_that_lacks_a_description() -> None:
    # given a schema that describes nothing
    money = strawberry.scalar(name="Money", serialize=str, parse_value=str)
    schema = strawberry.Schema(query=Bare, config=StrawberryConfig(scalar_map={Money: money}))
    # when it is walked
    missing = set(undocumented(schema._schema))
    # then each part is named by its coordinate
    assert {
        "Bare",
        "Bare.mix",
        "Bare.mix(paint:)",
        "Paint",
        "Paint.colour",
        "Colour",
        "Colour.RED",
        "Money",
        "Money @specifiedBy",
    } == missing - {"Bare.price"}
