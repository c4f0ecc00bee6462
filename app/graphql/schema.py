"""The schema: every domain's queries and mutations, the scalars, limits and error handling."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.domains import classes_named
from app.graphql.extensions import ErrorShaping, RequestGuards, is_public
from app.graphql.production import IntrospectionGate
from app.graphql.relay import NodeQueries
from app.graphql.scalars import SCALAR_MAP
from app.settings import Settings

log = logging.getLogger("app.graphql")


def _root(name: str, kind: str, description: str, *first: type) -> type:
    """A root type holding the fields of every domain's `<Record>Queries` (or `…Mutations`)."""
    bases = (*first, *classes_named(kind, kind.title()))
    return strawberry.type(type(name, bases, {}), name=name, description=description)


Query = _root(
    "Query",
    "queries",
    "Everything a caller can read, always within their own account.",
    NodeQueries,
)
Mutation = _root(
    "Mutation",
    "mutations",
    "Every change a caller can make. Expected refusals "
    "come back as `userErrors` in the payload, and then nothing was written.",
)


class CaregraphSchema(strawberry.Schema):
    """Logs unexpected errors with the request id; expected refusals are not logged."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context: Any = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", "-")
        for error in errors:
            if not is_public(error):
                log.error(
                    "unexpected error in request %s: %s",
                    request_id,
                    error.message,
                    exc_info=error.original_error,
                )


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    return CaregraphSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: ParserCache(maxsize=512),
            lambda: QueryDepthLimiter(max_depth=settings.max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: ValidationCache(maxsize=512),
            IntrospectionGate,
            RequestGuards,
            ErrorShaping,
        ],
    )


def schema_sdl() -> str:
    """The SDL that `schema.graphql` holds."""
    return str(build_schema().as_str()) + "\n"
