"""The dashboard's routes: /ui and its history-API routes answer index.html, its assets are served from
the package with the right types and no other origin, / leads to /ui, and none of it is part of the API."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support.databases import sqlite_database

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "runyard" / "web" / "ui"
ASSETS = sorted(p.name for p in UI.iterdir() if p.is_file())
SPEC = yaml.safe_load((ROOT / "openapi" / "runyard.yaml").read_text())
ROUTES = ["/ui", "/ui/", "/ui/runs", "/ui/runs?status=failed&job=report", "/ui/runs/run_01jd3k5z8q4m2x7v9w0y1z2a3b", "/ui/jobs", "/ui/jobs/demo", "/ui/overview?window=7d"]
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}
SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # a name, never fetched


def _client(url: str, **options: object):
    from starlette.testclient import TestClient

    from runyard.web.app import create_app

    return TestClient(create_app(url, **options))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path):
    """The app in-process over a real SQLite file, once for the module: these tests only read."""
    with _client(sqlite_database(sqlite_template_path, tmp_path_factory.mktemp("ui") / "runyard.db")) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def secured_client(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path):
    """The same app in secured mode (--require-keys)."""
    with _client(sqlite_database(sqlite_template_path, tmp_path_factory.mktemp("ui_secured") / "runyard.db"), require_keys=True) as test_client:
        yield test_client


def test_the_dashboard_page_loads_its_module_script_and_stylesheet(client):
    response = client.get("/ui")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/ui/static/app.js"></script>' in response.text
    assert '<link rel="stylesheet" href="/ui/static/style.css">' in response.text


@pytest.mark.parametrize("route", ROUTES)
def test_every_dashboard_route_answers_the_same_page_for_the_browser_to_route(client, route: str):
    response = client.get(route)
    assert response.status_code == 200
    assert response.text == (UI / "index.html").read_text()
    assert response.headers["cache-control"] == "no-cache"


def test_the_root_redirects_to_the_dashboard(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/ui"


@pytest.mark.parametrize("asset", ASSETS)
def test_each_asset_is_served_with_its_type_and_a_short_cache_lifetime(client, asset: str):
    response = client.get(f"/ui/static/{asset}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == TYPES[Path(asset).suffix]
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.content == (UI / asset).read_bytes()


@pytest.mark.parametrize("missing", ["/ui/static/nope.js", "/ui/static/app.js.map", "/ui/static/"])
def test_an_unknown_asset_is_404_not_the_page(client, missing: str):
    response = client.get(missing)
    assert response.status_code == 404
    assert "<html" not in response.text


def test_no_asset_loads_anything_from_another_origin():
    for asset in ASSETS:
        text = (UI / asset).read_text()
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", text)) - {SVG_NAMESPACE}
        assert not urls, f"{asset} refers to {urls}"
        assert "@import" not in text, asset


def test_every_module_a_script_imports_is_an_asset():
    for script in UI.glob("*.js"):
        for imported in re.findall(r'^import .* from "(\./[^"]+)";$', script.read_text(), flags=re.M):
            assert (UI / imported).is_file(), f"{script.name} imports {imported}"
    page = (UI / "index.html").read_text()
    for referenced in re.findall(r'(?:src|href)="/ui/static/([^"]+)"', page):
        assert referenced in ASSETS


def test_every_asset_ships_as_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["runyard"]
    for asset in ASSETS:
        assert any(fnmatch.fnmatch(f"web/ui/{asset}", pattern) for pattern in patterns), asset


def test_the_dashboard_is_outside_the_api_and_says_so():
    assert not [path for path in SPEC["paths"] if path == "/" or path.startswith("/ui")]
    assert "/ui" in SPEC["info"]["description"]
    assert "/ui" in (ROOT / "README.md").read_text()


def test_a_secured_server_serves_the_dashboard_without_a_key_but_not_the_api(secured_client):
    assert secured_client.get("/ui/runs").status_code == 200
    assert secured_client.get("/ui/static/app.js").status_code == 200
    assert secured_client.get("/api/v1/runs").status_code == 401


def test_the_dashboard_reads_the_key_only_from_session_storage():
    api = (UI / "api.js").read_text()
    assert "sessionStorage" in api
    assert not [asset for asset in ASSETS if "localStorage" in (UI / asset).read_text()]
    assert "new EventSource" not in api  # it cannot send the key; the stream is read with fetch()


def test_a_path_that_only_starts_like_the_dashboard_is_the_apis_404(client):
    response = client.get("/uix")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
