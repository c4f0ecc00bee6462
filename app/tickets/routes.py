"""The care-ticket REST API of seed 001, served as documented: same paths, methods, headers,
parameters and answers, so a partner system written for the old API works unchanged.

Every request needs the headers `api_key` and `api_secret` of an API client AND, in the URL, a
live access token (from `POST /api/authorize`) of the same account (app.tickets.partners).
Every refusal, of every /api/ path (an unknown one, a wrong method and anything unexpected
too), has the one shape of app.accounts.routes: `{"status": false, "message", "code",
"errors": [{"field", "message", "code"}]}` with a non-2xx status.

`update_status` and `create_ticket` answer GET as well as POST: the seed documents POST, while
its own `update_status` example is a plain call (a GET), and clients of the old API send both.
Their parameters come from the query string, a form body, or both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from app.accounts.routes import Refused, api_route, parameters
from app.common.codes import Permission
from app.errors import ErrorCode, Problem, ServiceError
from app.tickets import rest
from app.tickets.partners import Partner, partner_of

UPDATED = "Status Updated Successfully!!"
CREATED = "Ticket Created Successfully!!"
METHODS = {
    "authorize": "POST",
    "tickets": "GET",
    "ticket_detail": "GET",
    "all_residents": "GET",
    "provider_categories": "GET",
    "update_status": "GET or POST",
    "create_ticket": "GET or POST",
}

Handler = Callable[[web.Request, Partner], Awaitable[dict[str, Any]]]


def endpoint(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Check the caller, run the handler, answer its JSON (or, by api_route, the refusal)."""

    async def handle(request: web.Request) -> web.Response:
        partner = await partner_of(request)
        return web.json_response(await handler(request, partner))

    handle.__doc__ = handler.__doc__
    return api_route(handle)


def ticket_number(values: dict[str, str]) -> int:
    text = (values.get("id") or "").strip()
    if not (text.isascii() and text.isdecimal() and len(text) < 19):
        raise Refused(422, Problem("Give the ticket's id (id=<number>).", ErrorCode.INVALID, "id"))
    return int(text)


async def tickets(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/tickets"""
    found = await rest.all_tickets(partner.scope, partner.account)
    return {"status": "Success", "ticket": found}


async def ticket_detail(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/ticket_detail?id="""
    number = ticket_number(await parameters(request))
    return await rest.ticket_with_details(partner.scope, partner.account, number)


async def all_residents(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/all_residents"""
    found = await rest.all_residents(partner.scope, partner.account)
    return {"status": "Success", "residents": found}


async def provider_categories(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/provider_categories"""
    found = await rest.provider_categories(partner.scope)
    return {"status": "Success", "categories": found}


async def update_status(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET or POST /api/{token}/update_status?id=&status="""
    partner.require(Permission.MANAGE_TICKETS)
    values = await parameters(request)
    number = ticket_number(values)
    await rest.update_status(partner.scope, number, values.get("status"))
    return {"status": "Success", "message": UPDATED}


async def create_ticket(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET or POST /api/{token}/create_ticket"""
    partner.require(Permission.MANAGE_TICKETS)
    values = await parameters(request)
    try:
        number = await rest.create_ticket(partner.scope, values)
    except ServiceError as refused:  # a parameter naming nothing is a bad parameter too
        raise Refused(422, *refused.problems) from None
    return {"status": "Success", "ticket_id": number, "message": CREATED}


async def unknown(request: web.Request) -> web.Response:
    """Any other /api/ path or method: 405 for a known endpoint, 404 otherwise."""
    name = request.path.rstrip("/").rsplit("/", 1)[-1]
    depth = 2 if name == "authorize" else 3
    if name in METHODS and request.path.strip("/").count("/") + 1 == depth:
        raise Refused(405, Problem(f"{name} answers {METHODS[name]}.", ErrorCode.INVALID, "method"))
    raise Refused(404, Problem("No such endpoint of the care-ticket API.", ErrorCode.NOT_FOUND))


def add_ticket_routes(app: web.Application) -> None:
    """The care-ticket API's endpoints under /api/{access token}/ (authorize is the accounts'
    package's: POST /api/authorize, added before these), then every other /api/ path and
    method, refused in the one shape. Add them after every other /api/ route."""
    reads = {
        "tickets": tickets,
        "ticket_detail": ticket_detail,
        "all_residents": all_residents,
        "provider_categories": provider_categories,
    }
    for name, read in reads.items():
        app.router.add_get(f"/api/{{token}}/{name}", endpoint(read), allow_head=False)
    for name, write in {"update_status": update_status, "create_ticket": create_ticket}.items():
        handler = endpoint(write)
        app.router.add_get(f"/api/{{token}}/{name}", handler, allow_head=False)
        app.router.add_post(f"/api/{{token}}/{name}", handler)
    app.router.add_route("*", "/api/{path:.*}", api_route(unknown))
