"""API docs served from the spec: the raw 3.1 document and Swagger UI 5, offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.support.databases import sqlite_database

ROOT = Path(__file__).resolve().parent.parent
SPEC_TEXT = (ROOT / "openapi" / "runyard.yaml").read_text()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path):
    """The app in-process over a real SQLite file, once for the module: these tests only read."""
    from starlette.testclient import TestClient

    from runyard.web.app import create_app

    url = sqlite_database(sqlite_template_path, tmp_path_factory.mktemp("docs") / "runyard.db")
    with TestClient(create_app(url)) as test_client:
        yield test_client


def test_openapi_yaml_is_the_hand_written_document(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.text == SPEC_TEXT


def test_openapi_json_is_the_same_3_1_document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == yaml.safe_load(SPEC_TEXT)
    assert response.json()["openapi"] == "3.1.0"


@pytest.mark.parametrize("page_path", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client, page_path: str):
    page = client.get(page_path).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, "the page references its assets"
    assert all(s.startswith(f"{page_path}/static/") or s.startswith("/openapi") for s in sources), sources
    assert "http://" not in page and "https://" not in page


def test_docs_assets_are_swagger_ui_5(client):
    bundle = client.get("/docs/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    versions = set(re.findall(r'"(5\.\d+\.\d+)"', bundle.text))
    assert versions, "Swagger UI 5.x bundle"


def _rendered(url: str) -> str:
    """The page's DOM after a real headless browser ran its scripts."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom", url,
            ],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout


@pytest.mark.slow  # a real headless browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_redoc_page_shows_every_operation_summary_in_a_real_browser(live_server):
    dom = _rendered(f"{live_server.url}/redoc")
    spec = yaml.safe_load(SPEC_TEXT)
    summaries = {op["summary"] for item in spec["paths"].values() for m, op in item.items() if m in ("get", "post", "put", "delete", "patch")}
    missing = {s for s in summaries if s.replace("&", "&amp;") not in dom}
    assert not missing, missing


@pytest.mark.slow  # a real headless browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_docs_page_lists_every_operation_in_a_real_browser(live_server):
    dom = _rendered(f"{live_server.url}/docs")
    spec = yaml.safe_load(SPEC_TEXT)
    expected = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m in ("get", "post", "put", "delete", "patch")}
    rendered = set(re.findall(r'opblock-summary-method">(\w+)<.*?data-path="([^"]+)"', dom, flags=re.S))
    assert rendered == expected, json.dumps(sorted(rendered))
