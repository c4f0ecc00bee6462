"""The /graphql endpoint: strawberry's aiohttp view with our context, GraphiQL and media types."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import orjson
from aiohttp import ClientConnectionResetError, WSMsgType, web
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError
from pymongo.errors import ConnectionFailure
from strawberry.aiohttp.views import AiohttpWebSocketAdapter, GraphQLView
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from app.data.audit import sensitive_read_events
from app.data.scope import request_scope
from app.db import current_tally
from app.graphql.context import Context
from app.graphql.graphiql import graphiql_page
from app.graphql.loaders import Loaders
from app.graphql.socket_operations import SubscriptionsOnly
from app.keys import (
    CALLER,
    DATABASE,
    GRAPHQL_CONTEXT,
    MEDIA_TYPE,
    REQUEST_ID,
    SETTINGS,
    SUB_RESPONSE,
)
from app.live.sockets import end_socket, opened_socket
from app.live.subscriptions import admit

log = logging.getLogger("app.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ALLOWED_METHODS = "GET, POST"


class TextFrames(AiohttpWebSocketAdapter):
    """graphql-transport-ws speaks in text frames of JSON: send them as text (our JSON encoder
    answers bytes), and read them without the HTTP body's rules."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object]:
        async for message in self.ws:
            if message.type == WSMsgType.BINARY:
                raise NonTextMessageReceived
            if message.type != WSMsgType.TEXT:
                continue
            try:
                yield orjson.loads(message.data)
            except orjson.JSONDecodeError:
                if not ignore_parsing_errors:
                    raise NonJsonMessageReceived from None

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_str(orjson.dumps(message).decode())
        except (RuntimeError, ClientConnectionResetError) as error:
            raise WebSocketDisconnected from error


class CaregraphView(GraphQLView[Context, None]):
    """Answers GraphQL over HTTP, in `application/json` or `application/graphql-response+json`.

    Whatever goes wrong, the answer is a GraphQL response (`{"errors": [...]}`) in the media
    type negotiated, carrying the request id: a body that cannot be read is a 400, a media type
    the client cannot take a 406, a mutation over GET a 405, anything unforeseen a 500.
    """

    websocket_adapter_class = TextFrames
    graphql_transport_ws_handler_class = SubscriptionsOnly

    def __init__(
        self, schema: BaseSchema, graphiql: bool, allowed_origins: list[str] | None = None
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=dt.timedelta(seconds=10),
            allowed_origins=allowed_origins or (),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """A subscription socket signs in with its connection_init payload (app/live)."""
        return await admit(context)

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        return web.Response(text=graphiql_page(), content_type="text/html")

    async def get_sub_response(self, request: web.Request) -> web.Response:
        response = web.Response()
        response[MEDIA_TYPE] = negotiate(request.headers.get("Accept", "")) or JSON
        request[SUB_RESPONSE] = response
        return response

    async def get_context(self, request: web.Request, response: Any) -> Context:
        if isinstance(response, web.WebSocketResponse):
            opened_socket(request, response)
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

    def decode_json(self, data: str | bytes) -> object:
        """Strict JSON in UTF-8 (a lone surrogate escape is refused too), and an object: the
        body, `variables` and `extensions` are all maps in the GraphQL-over-HTTP spec."""
        try:
            text = data.decode() if isinstance(data, bytes) else data
        except UnicodeDecodeError as error:
            raise HTTPException(
                400, f"The request is not UTF-8: byte {error.start} cannot be read."
            ) from None
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, f"The request is not valid JSON: {error}.") from None
        if not isinstance(value, dict):
            raise HTTPException(
                400,
                "Expected a JSON object (a request, its `variables` and its `extensions` are "
                f'objects, such as {{"query": "{{ account {{ id }} }}"}}); this was '
                f"{_json_kind(value)}.",
            )
        return value

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        parsed = super().parse_query_params(params)
        if parsed.get("operationName") == "":
            del parsed["operationName"]  # the spec: an empty name is as if left out
        return parsed

    async def parse_http_body(self, request: Any) -> Any:
        parsed = await super().parse_http_body(request)
        name = getattr(parsed, "operation_name", None)
        if name is not None and not isinstance(name, str):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string.")
        return parsed

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                # the spec: a mutation over GET is 405 Method Not Allowed, not 400
                raise HTTPException(405, "Send mutations with POST, not GET.") from None
            if isinstance(error.__cause__, CannotGetOperationTypeError):
                # a request error like any other: 200 in application/json, 400 in the other
                message = str(error.reason)
                refusal = GraphQLError(message, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
                return ExecutionResult(data=None, errors=[refusal])
            raise

    async def process_result(
        self, request: web.Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        response: web.Response = request[SUB_RESPONSE]
        context: Context = request[GRAPHQL_CONTEXT]
        if _is_request_error(result):
            # nothing was executed: the GraphQL spec leaves `data` out entirely
            data.pop("data", None)
            _code_syntax_errors(result, data)
            if context.response_status:
                response.set_status(context.response_status)
            elif response[MEDIA_TYPE] == GRAPHQL_RESPONSE:
                response.set_status(400)
        elif context.response_status and result.data is None:
            response.set_status(context.response_status)  # a lost database: 503
        if context.sensitive_reads and context.caller is not None:
            events = sensitive_read_events(context.actor, context.sensitive_reads)
            await context.scope.audit_reads(events)
        cost = (data.get("extensions") or {}).get("cost")
        if isinstance(cost, dict):
            cost["databaseCommands"] = context.tally.commands  # the audit of reads included
        if context.settings.expose_query_stats:
            response.headers["X-Db-Commands"] = str(context.tally.commands)
            if context.database.counter.measure_bytes:
                response.headers["X-Db-Bytes"] = str(context.tally.bytes_received)
        return data

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: web.Response,
    ) -> web.Response:
        sub_response.body = self.encode_json(response_data)
        sub_response.content_type = sub_response.get(MEDIA_TYPE, JSON)
        sub_response.charset = "utf-8"
        return sub_response

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        media_type = negotiate(request.headers.get("Accept", ""))
        if media_type is None and not _wants_graphiql(request):
            return error_response(
                request,
                406,
                "This endpoint answers application/graphql-response+json or application/json; "
                "list one of them in Accept.",
                "NOT_ACCEPTABLE",
                JSON,
            )
        try:
            response = await self.run(request=request)
        except HTTPException as error:
            code = "METHOD_NOT_ALLOWED" if error.status_code == 405 else "BAD_REQUEST"
            return error_response(
                request, error.status_code, error.reason, code, media_type or JSON
            )
        except (ConnectionFailure, web.HTTPException):
            raise  # answered by the middleware: 503, or aiohttp's own
        except Exception:
            log.exception("unexpected error in request %s", request.get(REQUEST_ID, "-"))
            message = "Unexpected error."
            return error_response(request, 500, message, "INTERNAL_ERROR", media_type or JSON)
        finally:
            await end_socket(request)  # a subscription socket is done: stop watching it
        return response


def error_response(
    request: web.Request, status: int, message: str, code: str, media_type: str
) -> web.Response:
    """A GraphQL response with one request error and no data, naming the request id."""
    request_id = request.get(REQUEST_ID) or ""
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    response = web.Response(body=orjson.dumps(body), status=status, content_type=media_type)
    response.charset = "utf-8"
    if status == 405:
        response.headers["Allow"] = ALLOWED_METHODS
    return response


def negotiate(accept: str) -> str | None:
    """The media type to answer in: the one the client ranks highest (q-values), the spec's
    graphql-response+json on a tie; application/json when Accept is missing or `*/*` (as the
    GraphQL-over-HTTP audit expects of a client that named no type); None when the client
    accepts neither."""
    if not accept.strip():
        return JSON
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        kind, _, parameters = part.strip().partition(";")
        quality = _quality(parameters)
        kind = kind.strip().lower()
        if quality <= 0:
            continue
        if kind in (GRAPHQL_RESPONSE, JSON):
            ranks[kind] = max(ranks.get(kind, 0.0), quality)
        elif kind in ("*/*", "application/*"):
            ranks[JSON] = max(ranks.get(JSON, 0.0), quality - 0.0001)  # named types win ties
    if not ranks:
        return None
    return max(ranks, key=lambda kind: (ranks[kind], kind == GRAPHQL_RESPONSE))


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def _wants_graphiql(request: web.Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("Accept", "")


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array"


def _code_syntax_errors(result: ExecutionResult, data: GraphQLHTTPResponse) -> None:
    """A document that does not parse never reaches the error shaping: code it here."""
    shown: list[Any] = list(data.get("errors") or [])
    for error, entry in zip(result.errors or [], shown, strict=False):
        if isinstance(error, GraphQLSyntaxError) and isinstance(entry, dict):
            entry.setdefault("extensions", {})["code"] = "GRAPHQL_PARSE_FAILED"


def _is_request_error(result: ExecutionResult) -> bool:
    """Whether the operation could not run (parse, validation, operation, variables, limits):
    request errors carry no path; a field error always does."""
    if result.data is not None or not result.errors:
        return False
    return all(not error.path for error in result.errors)
