"""GraphiQL explorer that works without internet access.

Strawberry's built-in GraphiQL page loads react, react-dom, js-cookie, graphiql and
@graphiql/plugin-explorer from https://unpkg.com, which our machines cannot reach, so the explorer
would render "Loading..." forever. ``scripts/fetch-graphiql-assets`` copies the very same files out
of the npm registry tarballs into ``app/static/graphiql/<pkg>@<version>/<path>`` (an ignored
folder), and this module serves them and rewrites the page to load them from us.

The files are byte-identical to what unpkg serves, so the page keeps strawberry's SRI
``integrity`` attributes: the browser still verifies every script and stylesheet.

Wiring (aiohttp): call :func:`add_graphiql_asset_routes` on the application and make the GraphQL
view render :func:`graphiql_page`, e.g. by overriding ``render_graphql_ide`` in a subclass of
``strawberry.aiohttp.views.GraphQLView``.
"""

from __future__ import annotations

import functools
import json
import logging
import mimetypes
import re
from pathlib import Path

from aiohttp import web
from strawberry.http.ides import get_graphql_ide_html

__all__ = [
    "ASSETS_DIR",
    "ASSET_ROUTE",
    "add_graphiql_asset_routes",
    "graphiql_assets_present",
    "graphiql_page",
]

logger = logging.getLogger(__name__)

ASSET_ROUTE = "/graphiql/assets"
"""URL prefix the rewritten page loads its scripts and stylesheets from."""

ASSETS_DIR: Path = Path(__file__).resolve().parent.parent / "static" / "graphiql"
"""Where ``scripts/fetch-graphiql-assets`` puts the files (``app/static/graphiql``)."""

UNPKG_PREFIX = "https://unpkg.com/"
_UNPKG_URL_RE = re.compile(r"https://unpkg\.com/([^\"'\s>?#]+)")

# Every asset path carries its package version, so a URL's content never changes: let browsers
# and proxies keep it for a year without revalidating.
_CACHE_CONTROL = "public, max-age=31536000, immutable"

# Explicit types for what the page references: mimetypes depends on the host's tables
# (/etc/mime.types, Windows registry) and has been known to say text/plain for .js, which
# browsers refuse to execute with nosniff.
_CONTENT_TYPES: dict[str, str] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}

# The line of strawberry's template that decides where queries are sent; see graphiql_page.
_FETCH_URL_LINE = 'const fetchURL = window.location.href.split("?")[0];'

# Strawberry's template keeps the headers editor in localStorage: an Authorization header (an
# API key) would outlive the tab, readable by any script of the origin. Ours does not keep it.
_PERSIST_HEADERS = "shouldPersistHeaders: true,"
_FORGET_HEADERS = "shouldPersistHeaders: false,"


@functools.cache
def graphiql_page(graphql_path: str = "/graphql") -> str:
    """Strawberry's GraphiQL page, loading its assets from our server instead of unpkg.

    We start from strawberry's own HTML (``get_graphql_ide_html``), so upgrades pick up its
    changes, and only post-process it:

    * every ``https://unpkg.com/`` becomes ``ASSET_ROUTE + "/"``; the ``integrity`` attributes
      stay, because the served bytes are identical and SRI keeps protecting us;
    * the headers editor is not kept in the browser's localStorage (`shouldPersistHeaders:
      false`): an Authorization header typed there goes when the tab does;
    * the template has no template variables to fill in this strawberry version (its views serve
      the file as is); queries go to the page's own URL. We point them at ``graphql_path``
      instead, resolved against the page URL in the browser, so the page also works when it is
      not served from the GraphQL endpoint itself. If strawberry changes that line, the page
      keeps strawberry's behaviour and a warning is logged.

    Cached: the template is read from disk once per ``graphql_path``.
    """
    html = get_graphql_ide_html(graphql_ide="graphiql")
    html = html.replace(UNPKG_PREFIX, ASSET_ROUTE + "/")

    if _FETCH_URL_LINE in html:
        # json.dumps gives a valid JS string literal; escaping "<" keeps "</script>" inert.
        literal = json.dumps(graphql_path).replace("<", "\\u003c")
        html = html.replace(
            _FETCH_URL_LINE,
            f"const fetchURL = new URL({literal}, window.location.href).toString();",
        )
    else:
        logger.warning(
            "strawberry's GraphiQL template changed; graphql_path=%r not applied, "
            "the page sends queries to its own URL",
            graphql_path,
        )
    if _PERSIST_HEADERS in html:
        html = html.replace(_PERSIST_HEADERS, _FORGET_HEADERS)
    elif _FORGET_HEADERS not in html:
        # graphiql's default is not to persist; a template that names it otherwise is checked
        # by tests/test_http.py
        logger.warning("strawberry's GraphiQL template changed; shouldPersistHeaders not set")
    return html


@functools.cache
def _referenced_assets() -> tuple[str, ...]:
    """Asset paths (relative to ASSETS_DIR) that strawberry's GraphiQL page loads from unpkg."""
    html = get_graphql_ide_html(graphql_ide="graphiql")
    paths = _UNPKG_URL_RE.findall(html)
    return tuple(dict.fromkeys(paths))


def graphiql_assets_present() -> bool:
    """Whether every file the GraphiQL page needs has been fetched into ASSETS_DIR.

    False means ``scripts/fetch-graphiql-assets`` has not run (or npm was unavailable): the API
    still works, only the explorer page cannot load.
    """
    return ASSETS_DIR.is_dir() and all((ASSETS_DIR / p).is_file() for p in _referenced_assets())


@functools.cache
def _warn_assets_missing() -> None:
    """Log the missing-assets warning once per process, not once per application built."""
    logger.warning(
        "GraphiQL assets not found in %s; the explorer page will not load. "
        "Run scripts/fetch-graphiql-assets (needs npm) to fetch them.",
        ASSETS_DIR,
    )


async def _serve_asset(request: web.Request) -> web.StreamResponse:
    """Serve one file from ASSETS_DIR, refusing anything outside it or of an unexpected type."""
    relative = request.match_info["path"]
    root = ASSETS_DIR.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    content_type = _CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    if content_type is None:
        raise web.HTTPNotFound()
    # FileResponse handles ETag/Last-Modified, ranges and sendfile for us.
    return web.FileResponse(
        path,
        headers={
            "Content-Type": content_type,
            "Cache-Control": _CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
        },
    )


def add_graphiql_asset_routes(app: web.Application) -> None:
    """Serve ASSETS_DIR under ASSET_ROUTE with year-long caching and correct JS/CSS types.

    We use a small handler rather than ``router.add_static`` because the latter sets no
    Cache-Control and guesses content types from the host's mimetypes tables.

    When the folder is missing nothing is registered (requests to ASSET_ROUTE get a plain 404)
    and a warning is logged once: a missing explorer must not stop the API from starting.
    """
    if not ASSETS_DIR.is_dir():
        _warn_assets_missing()
        return
    app.router.add_get(ASSET_ROUTE + "/{path:.+}", _serve_asset)
