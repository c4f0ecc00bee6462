"""Typed keys of what the aiohttp application, its requests and responses hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from app.accounts.auth import Authenticator, Caller
    from app.db import Database
    from app.settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE: web.AppKey[Database] = web.AppKey("database")
AUTHENTICATOR: web.AppKey[Authenticator] = web.AppKey("authenticator")

REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
CALLER: web.RequestKey[Caller] = web.RequestKey("caller")
SUB_RESPONSE: web.RequestKey[web.Response] = web.RequestKey("sub_response", web.Response)
GRAPHQL_CONTEXT: web.RequestKey[Any] = web.RequestKey("graphql_context")
MEDIA_TYPE: web.ResponseKey[str] = web.ResponseKey("media_type", str)
