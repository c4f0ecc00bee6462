"""POST /api/authorize, exactly as seed 001 documents it; and what every /api/ route shares.

Every refusal of an /api/ route has one shape, `{"status": false, "message": "...", "code":
"...", "errors": [{"field", "message", "code"}]}`, with a non-2xx status: 400 (a body that
cannot be read as a form), 401 (credentials; code UNAUTHENTICATED, top-level and in each
error), 403 (the client's role may not do this), 404, 405, 409, 413, 422 (bad parameters),
429 (too many failed key exchanges: code TOO_MANY_ATTEMPTS, with Retry-After), 503 (the
database is unavailable) or 500 ("Unexpected error.", code INTERNAL, logged with the request id
that X-Request-Id echoes). `api_route` wraps a handler so that nothing else escapes it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pymongo.errors import ConnectionFailure

from app.accounts import services
from app.accounts.throttle import THROTTLED, Throttled
from app.errors import ErrorCode, Problem, ServiceError
from app.keys import DATABASE, REQUEST_ID, SETTINGS

log = logging.getLogger("app.api")
AUTHORIZED = "Authorized Successfully, Use the Provided Access Token for Future Requests."
UNAUTHENTICATED = "UNAUTHENTICATED"
UNEXPECTED = "Unexpected error."
DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."
STATUS = {
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.DUPLICATE: 409,
}
"""The HTTP status of a service's refusal by its first problem's code; 422 otherwise."""
CODES = {401: UNAUTHENTICATED, 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}
CODES.update({429: THROTTLED, 500: "INTERNAL", 503: "DATABASE_UNAVAILABLE"})
"""Codes of the statuses whose code is the status's own, for every problem of the refusal."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """A request refused: its HTTP status and problems."""

    def __init__(self, status: int, *problems: Problem) -> None:
        super().__init__(problems[0].message)
        self.status = status
        self.problems = problems


def refusal(status: int, *problems: Problem, headers: dict[str, str] | None = None) -> web.Response:
    """The one shape of every refusal of an /api/ route."""
    own = CODES.get(status)
    return web.json_response(
        {
            "status": False,
            "message": " ".join(p.message for p in problems),
            "code": own or problems[0].code.value,
            "errors": [
                {"field": p.field, "message": p.message, "code": own or p.code.value}
                for p in problems
            ],
        },
        status=status,
        headers=headers,
    )


def unauthenticated(message: str) -> Refused:
    return Refused(401, Problem(message, ErrorCode.FORBIDDEN))


def api_route(handler: Handler) -> Handler:
    """The handler, answering every refusal, and anything unexpected, in the one shape."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Refused as refused:
            return refusal(refused.status, *refused.problems)
        except Throttled as throttled:
            problem = Problem(str(throttled), ErrorCode.FORBIDDEN)
            return refusal(429, problem, headers={"Retry-After": str(throttled.retry_after)})
        except ServiceError as refused:
            return refusal(STATUS.get(refused.problems[0].code, 422), *refused.problems)
        except web.HTTPException as http:  # 413 from reading a body too large, ...
            return refusal(http.status, Problem(http.reason, ErrorCode.INVALID))
        except ConnectionFailure as error:
            log.warning(
                "database unavailable in request %s (%s %s): %s",
                request.get(REQUEST_ID, "-"),
                request.method,
                request.path,
                type(error).__name__,
            )
            problem = Problem(DATABASE_UNAVAILABLE, ErrorCode.INVALID)
            return refusal(503, problem, headers={"Retry-After": "5"})
        except Exception:
            log.exception(
                "unexpected error in request %s (%s %s)",
                request.get(REQUEST_ID, "-"),
                request.method,
                request.path,
            )
            return refusal(500, Problem(UNEXPECTED, ErrorCode.INVALID))

    return guarded


async def parameters(request: web.Request) -> dict[str, str]:
    """Query and form parameters together (the form's win when both name one). A body that
    cannot be read as a form (a broken multipart body, an unknown charset) is a 400."""
    values = {name: request.query[name] for name in request.query}
    if request.can_read_body and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            form = await request.post()
        except web.HTTPException:
            raise
        except Exception as error:
            raise Refused(
                400,
                Problem(
                    f"The request body cannot be read as {request.content_type} "
                    f"({type(error).__name__}).",
                    ErrorCode.INVALID,
                    "body",
                ),
            ) from None
        values.update({name: str(form[name]) for name in form if isinstance(form[name], str)})
    return values


@api_route
async def authorize(request: web.Request) -> web.Response:
    """Headers api_key and api_secret (query or form parameters also accepted)."""
    given = await parameters(request)
    key, secret = (request.headers.get(n) or given.get(n) for n in ("api_key", "api_secret"))
    if not key or not secret:
        raise unauthenticated("Send the headers api_key and api_secret.")
    try:
        token, _, account = await services.authorize(
            request.app[DATABASE],
            request.app[SETTINGS],
            key,
            secret,
            request_id=request.get(REQUEST_ID),
            client_address=request.remote,
        )
    except ServiceError as refused:
        raise Refused(401, *refused.problems) from None
    provider = (account.get("name") or {}).get("display") or "the provider"
    return web.json_response(
        {
            "status": True,
            "message": f"{AUTHORIZED} Thanks for connecting with {provider}",
            "access_token": token,
        }
    )
