"""The care-ticket REST API of seed 001, served as documented: same paths, methods, headers,
parameters and answers, so a partner system written for the old API works unchanged.

Every request needs the headers `api_key` and `api_secret` of an API client AND, in the URL, a
live access token (from `POST /api/authorize`) of the same account. Every refusal has one
shape, `{"status": false, "message": "...", "code": "...", "errors": [{"field", "message",
"code"}]}`, with 401 (credentials), 403 (the client's role may not do this), 404 (no such id in
the provider's account), 409 (the ticket's state does not allow it, or it changed meanwhile)
or 422 (bad parameters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from app.accounts.auth import lookup_hash, secret_matches_async
from app.common.codes import Permission
from app.common.services import Actor, RawDoc
from app.errors import ErrorCode, Problem, ServiceError
from app.keys import DATABASE, REQUEST_ID
from app.tickets import rest

STATUS = {
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.DUPLICATE: 409,
}
UPDATED = "Status Updated Successfully!!"
CREATED = "Ticket Created Successfully!!"


class Refused(Exception):
    """A request refused before it reached a service: its HTTP status and problems."""

    def __init__(self, status: int, *problems: Problem) -> None:
        super().__init__(problems[0].message)
        self.status = status
        self.problems = problems


def refusal(status: int, *problems: Problem) -> web.Response:
    """The one shape of every refusal of the care-ticket API."""
    return web.json_response(
        {
            "status": False,
            "message": " ".join(p.message for p in problems),
            "code": problems[0].code.value if status != 401 else "UNAUTHENTICATED",
            "errors": [
                {"field": p.field, "message": p.message, "code": p.code.value} for p in problems
            ],
        },
        status=status,
    )


def unauthenticated(message: str) -> Refused:
    return Refused(401, Problem(message, ErrorCode.FORBIDDEN))


@dataclass(frozen=True)
class Partner:
    """Who calls: the API client of the headers, its account and its role's permissions."""

    actor: Actor
    account: RawDoc
    permissions: frozenset[Permission]

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise Refused(
                403,
                Problem(
                    f"This API client's role may not do this: it needs {permission.name}.",
                    ErrorCode.FORBIDDEN,
                ),
            )


async def partner_of(request: web.Request) -> Partner:
    """The headers' API client, checked against the URL's access token: both of one account."""
    database = request.app[DATABASE]
    key, secret = request.headers.get("api_key"), request.headers.get("api_secret")
    if not key or not secret:
        raise unauthenticated("Send the headers api_key and api_secret.")
    client = await database.db.api_clients.find_one(
        {"key_hash": lookup_hash(key), "revoked": {"$ne": True}}
    )
    stored = client["secret_hash"] if client is not None else None
    if client is None or not await secret_matches_async(secret, stored):
        raise unauthenticated("The api_key and api_secret do not match.")
    token = await database.db.access_tokens.find_one(
        {"token_hash": lookup_hash(request.match_info["token"])}
    )
    expires = token.get("expires_at") if token is not None else None
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    if token is None or expires is None or expires <= dt.datetime.now(dt.UTC):
        raise unauthenticated("The access token is unknown or expired; authorize again.")
    if token["_account"] != client["_account"]:
        raise unauthenticated("The access token is not of this api_key's provider.")
    granted = await database.db.api_clients.find_one(
        {"_id": token["api_client"], "revoked": {"$ne": True}}, {"_id": 1}
    )
    account = await database.db.accounts.find_one({"_id": client["_account"], "active": 1})
    if granted is None or account is None:
        raise unauthenticated("The access token is no longer valid; authorize again.")
    role = next((r for r in account.get("roles", []) if r["key"] == client["role"]), None)
    permissions = frozenset(Permission(p) for p in (role or {}).get("permissions", []))
    return Partner(
        actor=Actor(
            account_id=int(client["_account"]),
            api_client_id=client["_id"],
            api_client_name=str(client["name"]),
            request_id=request.get(REQUEST_ID),
            client_address=request.remote,
            permissions=permissions,
        ),
        account=account,
        permissions=permissions,
    )


Handler = Callable[[web.Request, Partner], Awaitable[dict[str, Any]]]


def endpoint(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Check the caller, run the handler, answer its JSON or the refusal."""

    async def handle(request: web.Request) -> web.Response:
        try:
            partner = await partner_of(request)
            return web.json_response(await handler(request, partner))
        except Refused as refused:
            return refusal(refused.status, *refused.problems)
        except ServiceError as refused:
            return refusal(STATUS.get(refused.problems[0].code, 422), *refused.problems)

    handle.__doc__ = handler.__doc__
    return handle


async def parameters(request: web.Request) -> dict[str, str]:
    """Query and form parameters together (the form's win when both name one)."""
    values = {name: request.query[name] for name in request.query}
    if request.can_read_body and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        values.update({name: str(form[name]) for name in form if isinstance(form[name], str)})
    return values


def ticket_number(values: dict[str, str]) -> int:
    text = (values.get("id") or "").strip()
    if not (text.isascii() and text.isdecimal() and len(text) < 19):
        raise Refused(422, Problem("Give the ticket's id (id=<number>).", ErrorCode.INVALID, "id"))
    return int(text)


async def tickets(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/tickets"""
    found = await rest.all_tickets(request.app[DATABASE], partner.account)
    return {"status": "Success", "ticket": found}


async def ticket_detail(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/ticket_detail?id="""
    number = ticket_number(await parameters(request))
    return await rest.ticket_with_details(request.app[DATABASE], partner.account, number)


async def all_residents(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/all_residents"""
    found = await rest.all_residents(request.app[DATABASE], partner.actor, partner.account)
    return {"status": "Success", "residents": found}


async def provider_categories(request: web.Request, partner: Partner) -> dict[str, Any]:
    """GET /api/{token}/provider_categories"""
    found = await rest.provider_categories(request.app[DATABASE], partner.actor.account_id)
    return {"status": "Success", "categories": found}


async def update_status(request: web.Request, partner: Partner) -> dict[str, Any]:
    """POST /api/{token}/update_status?id=&status="""
    partner.require(Permission.MANAGE_TICKETS)
    values = await parameters(request)
    number = ticket_number(values)
    await rest.update_status(request.app[DATABASE], partner.actor, number, values.get("status"))
    return {"status": "Success", "message": UPDATED}


async def create_ticket(request: web.Request, partner: Partner) -> dict[str, Any]:
    """POST /api/{token}/create_ticket"""
    partner.require(Permission.MANAGE_TICKETS)
    values = await parameters(request)
    try:
        number = await rest.create_ticket(request.app[DATABASE], partner.actor, values)
    except ServiceError as refused:  # a parameter naming nothing is a bad parameter too
        raise Refused(422, *refused.problems) from None
    return {"status": "Success", "ticket_id": number, "message": CREATED}


def add_ticket_routes(app: web.Application) -> None:
    """The care-ticket API's endpoints under /api/{access token}/ (authorize is the accounts'
    package's: POST /api/authorize)."""
    app.router.add_get("/api/{token}/tickets", endpoint(tickets), allow_head=False)
    app.router.add_get("/api/{token}/ticket_detail", endpoint(ticket_detail), allow_head=False)
    app.router.add_get("/api/{token}/all_residents", endpoint(all_residents), allow_head=False)
    app.router.add_get(
        "/api/{token}/provider_categories", endpoint(provider_categories), allow_head=False
    )
    app.router.add_post("/api/{token}/update_status", endpoint(update_status))
    app.router.add_post("/api/{token}/create_ticket", endpoint(create_ticket))
