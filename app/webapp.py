"""The agency's web app (web/, built into web/dist) served at `/` beside the API.

The app routes in the browser (/board, /patients/...), so every GET that is not the API's and
not a built file answers index.html. Built assets have content hashes in their names and are
cached for a year; index.html is not cached, so a new build is seen at once. Without a build,
`/` says how to make one and the API runs as before.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from aiohttp import web

from app.graphql.graphiql import ASSET_ROUTE
from app.keys import SETTINGS

API_PREFIXES = ("/graphql", "/auth", "/files", "/api", "/evv", "/healthz", ASSET_ROUTE)
"""Paths the web app never answers: an unknown one of these stays the API's 404."""
IMMUTABLE = "public, max-age=31536000, immutable"
TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
}
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Caregraph: the web app is not built</title>
</head><body><main>
<h1>The web app is not built</h1>
<p>The API runs (<a href="/graphql">/graphql</a>), but the web app has no build in
<code>{dist}</code>.</p>
<p>Install Node.js with npm, then run <code>./scripts/serve</code> again (it builds the app when
its sources change), or build it by hand: <code>cd web &amp;&amp; npm ci &amp;&amp;
npm run build</code>.</p>
</main></body></html>
"""


def _is_api(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def _built_file(dist: Path, path: str) -> Path | None:
    """The file of the build at this URL path, if there is one (nothing outside the build)."""
    root = dist.resolve()
    candidate = (root / path.lstrip("/")).resolve()
    if candidate == root or not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _file(path: Path, cache: str | None) -> web.FileResponse:
    headers = {"X-Content-Type-Options": "nosniff"}
    content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    if content_type:
        headers["Content-Type"] = content_type
    if cache:
        headers["Cache-Control"] = cache  # otherwise no-store, as every answer (app/web.py)
    return web.FileResponse(path, headers=headers)


async def web_app(request: web.Request) -> web.StreamResponse:
    """A file of the build, else index.html for the app's own routes, else the not-built page."""
    path = request.path
    if _is_api(path):
        raise web.HTTPNotFound()
    dist: Path = request.app[SETTINGS].web_dist
    built = _built_file(dist, path)
    if built is not None:
        return _file(built, IMMUTABLE if path.startswith("/assets/") else None)
    if path.startswith("/assets/"):
        raise web.HTTPNotFound()  # an old asset after a new build: not the page instead
    index = dist / "index.html"
    if index.is_file():
        return _file(index, None)
    return web.Response(text=NOT_BUILT.format(dist=dist), content_type="text/html", status=503)


def add_web_app_routes(app: web.Application) -> None:
    """Register last: every route registered before it wins over the app's catch-all."""
    app.router.add_get("/{path:.*}", web_app)
