"""The application factory: `create_app(settings)` gives a ready aiohttp application."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from app.accounts.revocation import watching
from app.accounts.routes import authorize
from app.db import open_database
from app.files.routes import add_file_routes
from app.graphql.graphiql import add_graphiql_asset_routes
from app.graphql.idempotency import create_idempotency_index, idempotency
from app.graphql.schema import build_schema
from app.graphql.view import CaregraphView
from app.identity.routes import add_identity_routes
from app.identity.sessions import PeopleAuthenticator
from app.keys import AUTHENTICATOR, DATABASE, SETTINGS
from app.live.running import add_live
from app.settings import Settings
from app.tickets.routes import add_ticket_routes
from app.visits.evv_routes import add_evv_routes
from app.web import authenticate, cors, database_unavailable, healthz, no_store, request_ids
from app.webapp import add_web_app_routes


async def _database(app: web.Application) -> AsyncIterator[None]:
    async with open_database(app[SETTINGS]) as database:
        app[DATABASE] = database
        app[AUTHENTICATOR] = PeopleAuthenticator(database)
        yield


async def _credential_watch(app: web.Application) -> AsyncIterator[None]:
    """Every credential change made anywhere reaches this process's cache within a second."""
    async with watching(app[DATABASE], app[AUTHENTICATOR], app[SETTINGS].credential_watch):
        yield


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[request_ids, database_unavailable, cors, authenticate, idempotency],
        client_max_size=32 * 1024**2,
    )
    app[SETTINGS] = settings
    app.on_response_prepare.append(no_store)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_credential_watch)
    add_live(app)  # after the database and the watch: it stops before them
    app.on_startup.append(create_idempotency_index)  # runs after the cleanup contexts open
    view = CaregraphView(
        build_schema(settings),
        graphiql=settings.graphiql_enabled,
        allowed_origins=settings.cors_origins,
    )
    app.router.add_route("*", "/graphql", view)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/authorize", authorize)
    add_file_routes(app)
    add_identity_routes(app)
    add_ticket_routes(app)
    add_evv_routes(app)
    if settings.graphiql_enabled:
        add_graphiql_asset_routes(app)
    add_web_app_routes(app)  # last: it answers every GET the API does not
    return app
