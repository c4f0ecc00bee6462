"""A field declared non-null holds a value in every record: read every field of every record
type of the demo data through the API, and no non-null field comes back null."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Lexer,
    Source,
    TokenKind,
    get_named_type,
)

from app.accounts.services import create_api_client
from app.db import Database
from app.graphql.relay import node_types, to_global_id
from app.graphql.schema import build_schema
from tests.factories import Agency, Api, small_demo_of_last_week

MAX_TOKENS = 3500  # under the server's limit of 4,000 a document
MAX_DEPTH = 8  # a field's depth below its record, under the server's limit of 12
PAGE = 100


def selections(schema: GraphQLSchema, parent: GraphQLObjectType, depth: int) -> Iterator[str]:
    """Every field of a type that takes no required argument: scalars and enums as they are,
    subdocuments with their own fields, other records by id. Connections (reverse edges) are
    lists of records that are read as their own types."""
    for name, field in parent.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue
        kind = get_named_type(field.type)
        if isinstance(kind, (GraphQLInterfaceType, GraphQLUnionType)):
            yield f"{name} {{ __typename }}"
        elif not isinstance(kind, GraphQLObjectType):
            yield name
        elif kind.name.endswith("Connection"):
            continue
        elif "Node" in {i.name for i in kind.interfaces}:
            yield f"{name} {{ id }}"
        elif depth < MAX_DEPTH:
            inner = " ".join(selections(schema, kind, depth + 1))
            yield f"{name} {{ {inner} }}"


def tokens(text: str) -> int:
    lexer, count = Lexer(Source(text)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def queries(type_name: str, fields: list[str]) -> Iterator[str]:
    """`nodes(ids:)` queries reading the type's fields, as few as fit under the token limit."""
    head, tail = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on {type_name} {{ id", "} } }"
    chunk: list[str] = []
    for field in fields:
        if chunk and tokens(" ".join([head, *chunk, field, tail])) > MAX_TOKENS:
            yield " ".join([head, *chunk, tail])
            chunk = []
        chunk.append(field)
    if chunk:
        yield " ".join([head, *chunk, tail])


async def test_no_field_declared_non_null_reads_null_in_the_demo_data(
    api: Api, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo data of one small agency, and an administrator's key of it
    account, _ = await small_demo_of_last_week(database, monkeypatch)
    key, secret = await create_api_client(database, account["_id"], "Administrator")
    agency = Agency(api, account["_id"], key, secret)
    schema = build_schema()._schema
    nulls: set[str] = set()
    empty, read = [], 0
    for type_name, node in sorted(node_types().items()):
        # when every record of each type is read with every field it has
        collection = database.db[node.collection()]  # type: ignore[attr-defined]
        ids = [
            to_global_id(type_name, doc["_id"])
            async for doc in collection.find({"_account": account["_id"]}, {"_id": 1})
        ]
        if not ids:
            empty.append(type_name)
            continue
        graphql_type = schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType)
        fields = list(selections(schema, graphql_type, 1))
        read += len(ids)
        for query in queries(type_name, fields):
            for start in range(0, len(ids), PAGE):
                response = await agency.gql(query, {"ids": ids[start : start + PAGE]})
                assert response.status == 200, response.body
                # a null in a non-null field is an error (masked) at the field's path
                for error in response.errors:
                    path = [str(step) for step in error.get("path", []) if isinstance(step, str)]
                    nulls.add(f"{type_name}: {'.'.join(path[1:])} ({error['message']})")
                assert response.errors or None not in response.data["nodes"]
    # then every record type has records, and no field declared non-null read null
    assert empty == [] and read > 1000
    assert sorted(nulls) == []
