"""POST /api/authorize, exactly as seed 001 documents it."""

from __future__ import annotations

from aiohttp import web

from app.accounts import services
from app.errors import ServiceError
from app.keys import DATABASE, REQUEST_ID, SETTINGS

AUTHORIZED = "Authorized Successfully, Use the Provided Access Token for Future Requests."


async def authorize(request: web.Request) -> web.Response:
    """Headers api_key and api_secret (query or form parameters also accepted)."""
    form = await request.post() if request.can_read_body else {}
    values = {
        name: request.headers.get(name) or request.query.get(name) or str(form.get(name) or "")
        for name in ("api_key", "api_secret")
    }
    try:
        token, _, account = await services.authorize(
            request.app[DATABASE],
            values["api_key"],
            values["api_secret"],
            request.app[SETTINGS].access_token_ttl_seconds,
            request_id=request.get(REQUEST_ID),
            client_address=request.remote,
        )
    except ServiceError as refusal:
        return web.json_response({"status": False, "message": str(refusal)}, status=401)
    provider = (account.get("name") or {}).get("display") or "the provider"
    return web.json_response(
        {
            "status": True,
            "message": f"{AUTHORIZED} Thanks for connecting with {provider}",
            "access_token": token,
        }
    )
