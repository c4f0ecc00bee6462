"""The committed schema is the documentation: it must match the code, and describe everything."""

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, build_schema

from app.graphql.schema import schema_sdl

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"


def test_schema_graphql_equals_the_exported_sdl() -> None:
    # given the SDL the code exports, when compared with the committed file, then they match
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql is stale: run `python -m app export-schema > schema.graphql`"
    )


def test_every_public_type_and_field_has_a_description() -> None:
    # given the exported schema
    schema = build_schema(schema_sdl())
    missing = []
    # when every user-defined type and field is inspected
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInputObjectType)):
            missing += [f"{name}.{f}" for f, d in graphql_type.fields.items() if not d.description]
        if isinstance(graphql_type, GraphQLEnumType) and not graphql_type.description:
            missing.append(name)
    # then none lacks one
    assert missing == []
