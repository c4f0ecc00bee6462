"""The web app's session cookie: `POST /auth/refresh` and `POST /auth/sign-out`.

A browser asks `signIn` (or `invitationAccept`) for a cookie with the header
`Caregraph-Session: cookie`. The cookie holds the session's refresh secret: HttpOnly (scripts
cannot read it), SameSite=Strict (other sites cannot send it), Secure in production, and sent
only to /auth. The page keeps its 15-minute access token in memory and asks /auth/refresh for
the next one, so no long-lived secret sits in browser storage.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from app.accounts.auth import Authenticator
from app.common.clock import now
from app.identity import passwords
from app.identity.logins import RequestFacts
from app.identity.sessions import Grant, RefreshRefused, refresh, sign_out_by_cookie
from app.keys import AUTHENTICATOR, DATABASE, REQUEST_ID, SETTINGS
from app.settings import Settings

COOKIE = "caregraph_session"
COOKIE_PATH = "/auth"
ASK_FOR_COOKIE = "Caregraph-Session"
NO_STORE = {"Cache-Control": "no-store"}


def wants_cookie(request: web.Request | None) -> bool:
    """Whether the client asked for the refresh cookie (`Caregraph-Session: cookie`)."""
    return request is not None and request.headers.get(ASK_FOR_COOKIE, "").lower() == "cookie"


def request_facts(request: web.Request | None, request_id: str | None = None) -> RequestFacts:
    if request is None:
        return RequestFacts(request_id=request_id)
    return RequestFacts(
        request_id=request_id or request.get(REQUEST_ID),
        address=request.remote,
        user_agent=request.headers.get("User-Agent"),
    )


def set_session_cookie(response: web.StreamResponse, settings: Settings, grant: Grant) -> None:
    if grant.refresh is None:
        return
    max_age = max(int((grant.session_expires_at - now()).total_seconds()), 0)
    response.set_cookie(
        COOKIE,
        grant.refresh,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="Strict",
    )


def clear_session_cookie(response: web.StreamResponse, settings: Settings) -> None:
    response.del_cookie(
        COOKIE, path=COOKIE_PATH, secure=settings.secure_cookies, httponly=True, samesite="Strict"
    )


def _error(status: int, message: str, code: str) -> web.Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return web.json_response(body, status=status, headers=NO_STORE)


async def refresh_route(request: web.Request) -> web.Response:
    """A new access token for the session in the cookie, and a new cookie. No cookie at all:
    204, no session to refresh (a page loaded signed out asks first; that is no error)."""
    settings = request.app[SETTINGS]
    cookie = request.cookies.get(COOKIE)
    if cookie is None:
        return web.Response(status=204, headers=NO_STORE)
    try:
        grant = await refresh(request.app[DATABASE], settings, cookie, request_facts(request))
    except RefreshRefused as refused:
        if refused.status == 409:
            return _error(409, str(refused), "CONFLICT")
        if refused.ended_in is not None:
            forget(request.app[AUTHENTICATOR], refused.ended_in)
        response = _error(401, str(refused), "UNAUTHENTICATED")
        clear_session_cookie(response, settings)
        return response
    response = web.json_response(
        {"accessToken": grant.access_token, "expiresAt": grant.expires_at.isoformat()},
        headers=NO_STORE,
    )
    set_session_cookie(response, settings, grant)
    return response


async def sign_out_route(request: web.Request) -> web.Response:
    """End the cookie's session (when its secret is the current one) and clear the cookie."""
    settings = request.app[SETTINGS]
    cookie = request.cookies.get(COOKIE)
    account_id = await sign_out_by_cookie(request.app[DATABASE], cookie, request_facts(request))
    if account_id is not None:
        forget(request.app[AUTHENTICATOR], account_id)
    response = web.Response(status=204, headers=NO_STORE)
    clear_session_cookie(response, settings)
    return response


def forget(authenticator: Authenticator, account_id: int) -> None:
    """Revocations take effect at once in this process: its cached callers of the account go."""
    authenticator.forget(account_id)


async def _warm(app: web.Application) -> None:
    # the dummy hash is made once, before the first unknown email could pay for it
    await asyncio.to_thread(passwords.dummy_hash)


def add_identity_routes(app: web.Application) -> None:
    app.router.add_post("/auth/refresh", refresh_route)
    app.router.add_post("/auth/sign-out", sign_out_route)
    app.on_startup.append(_warm)
