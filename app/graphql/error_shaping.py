"""Error shaping, the schema extension that runs after every operation: unexpected errors are
masked ("Unexpected error." and the request id, INTERNAL_ERROR), expected ones (GraphQL's own,
our refusals) keep their message and get a code, a lost database answers DATABASE_UNAVAILABLE
with HTTP 503, a throttled sign-in HTTP 429, and production drops "Did you mean" suggestions.
The guards that run before execution, and the cost they report, are in `extensions.py`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from pymongo.errors import ConnectionFailure
from strawberry.extensions import SchemaExtension

from app.accounts.throttle import Throttled
from app.errors import PublicError, ServiceError
from app.graphql.production import without_suggestions
from app.keys import SUB_RESPONSE
from app.web import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

log = logging.getLogger("app.graphql")


def is_public(error: GraphQLError) -> bool:
    """Errors a client may read as they are: GraphQL's own, and our expected refusals."""
    original = error.original_error
    if original is None:
        return True
    if isinstance(original, (PublicError, ServiceError)) or database_unavailable(error):
        return True
    # graphql-core wraps scalar parse errors; the cause is ours and is meant for the client
    return isinstance(original.__cause__, PublicError) or isinstance(original, GraphQLError)


def _throttled(error: GraphQLError) -> bool:
    return isinstance(error.original_error, Throttled)


def database_unavailable(error: GraphQLError) -> bool:
    """The database could not be reached (no server, connection lost, network timeout)."""
    original = error.original_error
    return isinstance(original, ConnectionFailure) or (
        original is not None and isinstance(original.__cause__, ConnectionFailure)
    )


class ErrorShaping(SchemaExtension):
    """Masks unexpected errors ("Unexpected error." + request id); codes the expected ones.

    A lost database is expected, not masked: DATABASE_UNAVAILABLE, and HTTP 503.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        context = self.execution_context.context
        request_id = context.request_id
        lost = [error for error in result.errors or [] if database_unavailable(error)]
        if lost:
            context.response_status = 503
            response = context.request.get(SUB_RESPONSE) if context.request else None
            if response is not None:
                response.headers["Retry-After"] = RETRY_AFTER_SECONDS
            original = lost[0].original_error
            log.warning(
                "database unavailable in request %s: %s", request_id, type(original).__name__
            )
        throttled = [e.original_error for e in result.errors or [] if _throttled(e)]
        if throttled:
            self._too_many(context, max(t.retry_after for t in throttled))  # type: ignore[union-attr]
        result.errors = [self._shape(error, request_id) for error in result.errors or []]
        if context.settings.production:
            result.errors = [without_suggestions(error) for error in result.errors]

    def _too_many(self, context: Any, retry_after: int) -> None:
        """A throttled sign-in or key exchange: HTTP 429, and when to try again."""
        context.response_status = 429
        response = context.request.get(SUB_RESPONSE) if context.request else None
        if response is not None:
            response.headers["Retry-After"] = str(retry_after)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """A subscription sends its results one by one, and its operation never ends while it
        runs: each result is shaped as it goes, and carries no cost (counted per request)."""
        errors = getattr(result, "errors", None)
        if errors:
            request_id = self.execution_context.context.request_id
            result.errors = [self._shape(error, request_id) for error in errors]
        extensions = getattr(result, "extensions", None)
        if isinstance(extensions, dict):
            extensions.pop("cost", None)
        yield

    def _shape(self, error: GraphQLError, request_id: str) -> GraphQLError:
        if database_unavailable(error):
            return GraphQLError(
                DATABASE_UNAVAILABLE,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "DATABASE_UNAVAILABLE"},
            )
        if not is_public(error):
            return GraphQLError(
                "Unexpected error.",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL_ERROR", "requestId": request_id},
            )
        original = error.original_error
        code = (error.extensions or {}).get("code") or (
            original.code
            if isinstance(original, PublicError)
            else "BAD_USER_INPUT"
            if original is not None
            else "GRAPHQL_VALIDATION_FAILED"
        )
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            path=error.path,
            extensions={**(error.extensions or {}), "code": code},
        )
