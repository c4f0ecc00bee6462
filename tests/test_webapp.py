"""Serving the built web app at `/` beside the API (app/webapp.py), without a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app.db import Database
from app.keys import SETTINGS
from app.server import announce
from app.settings import Settings
from app.webapp import IMMUTABLE, add_web_app_routes

Client = TestClient[web.Request, web.Application]


async def the_api(request: web.Request) -> web.Response:
    return web.Response(text="the API")


async def served(dist: Path) -> AsyncIterator[Client]:
    app = web.Application()
    app[SETTINGS] = Settings(environment="test", web_dist=dist)
    app.router.add_get("/graphql", the_api)
    add_web_app_routes(app)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def built(tmp_path: Path) -> AsyncIterator[Client]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<div id="root"></div>')
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("outside the build")
    async for client in served(tmp_path):
        yield client


async def test_without_a_build_the_page_says_how_to_build_it(tmp_path: Path) -> None:
    # given a server whose web app was never built
    async for client in served(tmp_path / "dist"):
        # when a browser opens / and a client route
        home, board = await client.get("/"), await client.get("/board")
        api = await client.get("/graphql")

        # then both say the app is not built and how to build it; the API answers
        text = await home.text()
        assert home.status == board.status == 503
        assert "The web app is not built" in text and "npm run build" in text
        assert await api.text() == "the API"


async def test_client_routes_answer_the_apps_page(built: Client) -> None:
    # when a browser opens the app's routes directly
    answers = [await built.get(path) for path in ("/", "/board", "/patients/UGF0aWVudDox")]

    # then each is index.html, not kept by any cache
    assert [a.status for a in answers] == [200, 200, 200]
    assert {await a.text() for a in answers} == {'<div id="root"></div>'}
    assert all(a.headers.get("Cache-Control") is None for a in answers)


async def test_built_assets_are_cached_for_a_year(built: Client) -> None:
    # when the browser loads an asset of the build, and one of an older build
    asset = await built.get("/assets/index-abc123.js")
    gone = await built.get("/assets/index-old999.js")

    # then the asset is served with its type and a year-long cache; the old one is a 404
    assert asset.status == 200 and await asset.text() == "console.log(1)"
    assert asset.headers["Cache-Control"] == IMMUTABLE
    assert asset.headers["Content-Type"].startswith("text/javascript")
    assert gone.status == 404


@pytest.mark.parametrize("path", ["/graphql/x", "/auth/refresh", "/files/1", "/api/x", "/evv/x"])
async def test_the_apis_paths_are_never_the_app(built: Client, path: str) -> None:
    # when an unknown path of the API is read
    response = await built.get(path)

    # then it is the API's 404, not the app's page
    assert response.status == 404
    assert "root" not in await response.text()


async def test_nothing_outside_the_build_is_served(built: Client) -> None:
    # when a path climbs out of the build folder
    response = await built.get("/assets/..%2F..%2Fsecret.txt")

    # then the file is not served
    assert "outside the build" not in await response.text()


async def test_the_banner_says_where_the_web_app_is_and_whether_it_is_built(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given settings that load no demo data, first with no build, then with one
    settings = Settings(environment="test", demo_data=False, web_dist=tmp_path, port=8123)
    # when the server announces itself
    await announce(database, settings)
    unbuilt = capsys.readouterr().out
    (tmp_path / "index.html").write_text('<div id="root"></div>')
    await announce(database, settings)
    built = capsys.readouterr().out
    # then it names the app's address, and says when it is not built
    assert "The agency's web app: http://127.0.0.1:8123/ (not built: see README)" in unbuilt
    assert "The agency's web app: http://127.0.0.1:8123/\n" in built
