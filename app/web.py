"""HTTP plumbing around the endpoints: request ids, CORS, credentials, health."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

import pymongo
from aiohttp import web
from pymongo.errors import ConnectionFailure, PyMongoError

from app.accounts.auth import credential_from_header
from app.keys import AUTHENTICATOR, CALLER, DATABASE, REQUEST_ID, SETTINGS

log = logging.getLogger("app.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PROTECTED_PREFIXES = ("/graphql", "/files", "/evv")
DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."
RETRY_AFTER_SECONDS = "5"


def unauthorized(message: str) -> web.Response:
    return web.json_response(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="caregraph"'},
    )


def database_unavailable_response() -> web.Response:
    return web.json_response(
        {
            "errors": [
                {"message": DATABASE_UNAVAILABLE, "extensions": {"code": "DATABASE_UNAVAILABLE"}}
            ]
        },
        status=503,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request gets an id, echoed in X-Request-Id and written in the logs."""
    given = request.headers.get("X-Request-Id", "")
    request_id = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    response = await handler(request)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def database_unavailable(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A database that cannot be reached is a 503 with a JSON error, not a 500."""
    try:
        return await handler(request)
    except ConnectionFailure as error:
        log.warning(
            "database unavailable in request %s (%s %s): %s",
            request.get(REQUEST_ID, "-"),
            request.method,
            request.path,
            type(error).__name__,
        )
        return database_unavailable_response()


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Lets the configured front-end origins call the API from a browser."""
    origin = request.headers.get("Origin")
    allowed = origin is not None and origin in request.app[SETTINGS].cors_origins
    preflight = request.method == "OPTIONS" and origin is not None
    if preflight and "Access-Control-Request-Method" in request.headers and not allowed:
        return origin_not_allowed(request, origin or "")
    if request.method == "OPTIONS" and allowed:
        response: web.StreamResponse = web.Response(status=204)
        response.headers.update(
            {
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, "
                "X-Request-Id, If-None-Match, api_key, api_secret",
                "Access-Control-Max-Age": "600",
            }
        )
    else:
        response = await handler(request)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin or ""
        response.headers["Access-Control-Expose-Headers"] = (
            "X-Request-Id, Idempotent-Replayed, Retry-After, ETag, Content-Disposition, Location"
        )
        response.headers["Vary"] = "Origin"
    return response


def origin_not_allowed(request: web.Request, origin: str) -> web.Response:
    """A browser's preflight from an origin not configured: refused plainly, so the front end's
    developer reads why (a 405 would send them looking at the method)."""
    message = (
        f"The origin {origin!r} is not allowed to call this API from a browser; "
        "the server's CAREGRAPH_CORS_ORIGINS lists the origins that are."
    )
    extensions = {"code": "ORIGIN_NOT_ALLOWED", "requestId": request.get(REQUEST_ID, "")}
    return web.json_response(
        {"errors": [{"message": message, "extensions": extensions}]},
        status=403,
        headers={"Vary": "Origin"},
    )


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A credential, when sent, must be valid: otherwise 401 and nothing else happens."""
    if request.path.startswith(PROTECTED_PREFIXES) and request.method != "OPTIONS":
        credential = credential_from_header(request.headers.get("Authorization"))
        if credential is not None:
            caller = await request.app[AUTHENTICATOR].caller_for(credential)
            if caller is None:
                return unauthorized(
                    "The credentials are not valid (unknown, revoked or expired; or a key that "
                    "must be exchanged with its secret for a token: authorize)."
                )
            request[CALLER] = caller
        elif not request.path.startswith("/graphql"):
            return unauthorized("Authentication required.")
    return await handler(request)


async def no_store(request: web.Request, response: web.StreamResponse) -> None:
    """No cache, shared or private, keeps an answer of the API: they hold health records and
    credentials. Responses that say otherwise themselves (GraphiQL's assets) keep their own."""
    response.headers.setdefault("Cache-Control", "no-store")


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 when it does not."""
    timeout = request.app[SETTINGS].database_timeout_seconds
    try:
        with pymongo.timeout(timeout):  # bounded even if the client's own timeouts change
            await request.app[DATABASE].client.admin.command("ping")
    except PyMongoError as error:
        log.warning("health check: database unreachable: %s", error)
        return web.json_response(
            {"status": "unavailable", "database": "down"},
            status=503,
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    return web.json_response({"status": "ok", "database": "up"})
