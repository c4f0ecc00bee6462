"""The /graphql endpoint: strawberry's aiohttp view with our context, GraphiQL and media types."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult

from app.data.audit import sensitive_read_events
from app.data.scope import request_scope
from app.db import current_tally
from app.graphql.context import Context
from app.graphql.graphiql import graphiql_page
from app.graphql.loaders import Loaders
from app.keys import (
    CALLER,
    DATABASE,
    GRAPHQL_CONTEXT,
    MEDIA_TYPE,
    REQUEST_ID,
    SETTINGS,
    SUB_RESPONSE,
)

GRAPHQL_RESPONSE = "application/graphql-response+json"


class CaregraphView(GraphQLView[Context, None]):
    """Answers GraphQL over HTTP, in `application/json` or `application/graphql-response+json`."""

    def __init__(self, schema: BaseSchema, graphiql: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        return web.Response(text=graphiql_page(), content_type="text/html")

    async def get_sub_response(self, request: web.Request) -> web.Response:
        response = web.Response()
        response[MEDIA_TYPE] = _negotiate(request.headers.get("Accept", ""))
        request[SUB_RESPONSE] = response
        return response

    async def get_context(self, request: web.Request, response: Any) -> Context:
        caller = request.get(CALLER)
        database = request.app[DATABASE]
        context = Context(
            request=request,
            database=database,
            settings=request.app[SETTINGS],
            caller=caller,
            loaders=Loaders(None),
            request_id=request.get(REQUEST_ID) or uuid.uuid4().hex,
        )
        current_tally.set(context.tally)
        if caller is not None:
            # one query for a caregiver (the patients they are booked with), once per request
            context._scope = await request_scope(database, context.actor)
            context.loaders = Loaders(context.scope)
        request[GRAPHQL_CONTEXT] = context
        return context

    async def process_result(
        self, request: web.Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        response: web.Response = request[SUB_RESPONSE]
        context: Context = request[GRAPHQL_CONTEXT]
        if context.response_status:
            response.set_status(context.response_status)
        elif response[MEDIA_TYPE] == GRAPHQL_RESPONSE and _is_request_error(result):
            response.set_status(400)  # the GraphQL-over-HTTP spec: nothing was executed
        if context.sensitive_reads and context.caller is not None:
            events = sensitive_read_events(context.actor, context.sensitive_reads)
            await context.scope.audit_reads(events)
        if context.settings.expose_query_stats:
            response.headers["X-Db-Commands"] = str(context.tally.commands)
        return data

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: web.Response,
    ) -> web.Response:
        sub_response.body = self.encode_json(response_data)
        sub_response.content_type = sub_response.get(MEDIA_TYPE, "application/json")
        sub_response.charset = "utf-8"
        return sub_response

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        response = await super().__call__(request)
        if response.status >= 400 and not response.content_type.endswith("json"):
            # strawberry answers malformed requests in plain text; clients expect JSON errors
            message = response.text if isinstance(response, web.Response) else None
            return web.json_response(
                {
                    "errors": [
                        {
                            "message": message or response.reason,
                            "extensions": {"code": "BAD_REQUEST"},
                        }
                    ]
                },
                status=response.status,
            )
        return response


def _negotiate(accept: str) -> str:
    """graphql-response+json when the client lists it; application/json otherwise."""
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else "application/json"


def _is_request_error(result: ExecutionResult) -> bool:
    if result.data is not None or not result.errors:
        return False
    return all(not error.path for error in result.errors)
