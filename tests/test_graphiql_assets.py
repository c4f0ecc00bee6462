"""The offline GraphiQL page loads nothing from unpkg, and each asset it loads passes SRI."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app.graphql.graphiql import (
    ASSET_ROUTE,
    ASSETS_DIR,
    add_graphiql_asset_routes,
    graphiql_page,
)

PAGE_PATH = "/graphql"


class _AssetRefs(HTMLParser):
    """Collects (url, integrity) of every <script src> and <link href> in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        url = {"script": attributes.get("src"), "link": attributes.get("href")}.get(tag)
        if url:
            self.refs.append((url, attributes.get("integrity")))


def _asset_refs(page: str) -> list[tuple[str, str | None]]:
    parser = _AssetRefs()
    parser.feed(page)
    return [(url, sri) for url, sri in parser.refs if url.startswith(ASSET_ROUTE + "/")]


def _skip_without_assets() -> None:
    if not ASSETS_DIR.is_dir():
        pytest.skip(f"{ASSETS_DIR} absent: run scripts/fetch-graphiql-assets (needs npm)")


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async def page(_: web.Request) -> web.Response:
        return web.Response(text=graphiql_page(), content_type="text/html")

    app = web.Application()
    add_graphiql_asset_routes(app)
    app.router.add_get(PAGE_PATH, page)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_page_loads_nothing_from_unpkg(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get(PAGE_PATH)
    assert response.status == 200
    page = await response.text()
    assert "https://unpkg.com" not in page
    assert "unpkg.com" not in page
    # Guards against a strawberry upgrade moving to another CDN: then nothing would be rewritten.
    assert len(_asset_refs(page)) >= 2, "expected the page to load its JS/CSS from ASSET_ROUTE"


async def test_every_asset_is_served_and_matches_its_integrity(
    client: TestClient[web.Request, web.Application],
) -> None:
    _skip_without_assets()
    page = await (await client.get(PAGE_PATH)).text()
    refs = _asset_refs(page)
    assert refs

    for url, integrity in refs:
        assert integrity is not None, f"{url} lost its integrity attribute"
        algorithm, _, expected = integrity.partition("-")
        assert algorithm == "sha384", integrity

        response = await client.get(url)
        assert response.status == 200, url
        body = await response.read()
        actual = base64.b64encode(hashlib.sha384(body).digest()).decode()
        assert actual == expected, f"{url}: sha384-{actual} != {integrity}"

        content_type = response.headers["Content-Type"]
        if url.endswith(".js"):
            assert content_type.startswith("text/javascript"), (url, content_type)
        elif url.endswith(".css"):
            assert content_type.startswith("text/css"), (url, content_type)
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/missing@1.0.0/nothing.js",
        "/..%2F..%2Fgraphql%2Fgraphiql.py",
        "/%2e%2e/%2e%2e/graphql/graphiql.py",
        "/react@18.2.0",
    ],
)
async def test_nothing_outside_the_assets_is_served(
    client: TestClient[web.Request, web.Application], path: str
) -> None:
    _skip_without_assets()
    response = await client.get(ASSET_ROUTE + path)
    assert response.status == 404
