"""Fixtures that build real databases and real servers (their helpers: tests/support)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.web import replies
from tests.support import hand_over, validated_specs
from tests.support.databases import (
    PG_ADMIN_URL,
    pg_database,
    pg_template,
    pg_unavailable_reason,
    sqlite_database,
    sqlite_template,
    wait_for_drops,
)
from tests.support.processes import Processes
from tests.support.servers import ROOT, LiveServer, free_port, start_server, stop_server

__all__ = ["PG_ADMIN_URL", "ROOT", "LiveServer", "free_port", "start_server", "stop_server"]

# Every `runyard serve` a test starts is one process (the default on PostgreSQL is one per core),
# unless the test asks for more with --processes (tests/test_serve_modes.py): the tests of one
# server's behaviour must not depend on the machine's cores.
os.environ.setdefault("RUNYARD_PROCESSES", "1")
# Where PYTHONDONTWRITEBYTECODE is set (this host's shell sets it), every process the suite starts
# compiled everything from source: each xdist worker re-ran pytest's assertion rewriting of the
# plugins it loads (schemathesis, hypothesis, anyio: 433 modules, ~4 s of CPU per worker), and each
# `runyard serve` / CLI subprocess compiled runyard. The suite's processes (started after this
# conftest is read) keep their bytecode under a directory of their own instead, outside the tree.
if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "runyard-tests-pycache")
# Every list page answered in the suite, in-process or by a server it starts, is also sent through
# its generated model and must encode to the same bytes (runyard/web/replies.page_reply).
os.environ.setdefault("RUNYARD_CHECK_PAGES", "1")
replies.CHECK_PAGES = os.environ["RUNYARD_CHECK_PAGES"] == "1"  # this process may have imported it already

# Every request an in-process app of the suite hands over to a handler is handed over by
# connexion's prep_kwargs too, and the two must agree (tests/support/hand_over.py).
hand_over.install()

# connexion validates one document against the OpenAPI meta-schema once per test process, not at
# every in-process create_app (tests/support/validated_specs.py).
validated_specs.install()

_SLOW_AS_A_WHOLE = re.compile(r"^pytestmark = pytest\.mark\.slow\b", re.MULTILINE)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The test databases this process used are dropped in the background (tests/support/databases.py):
    the session ends once the last of them is gone."""
    wait_for_drops()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In the fast loop (`-m "not slow"`), a test module marked slow as a whole is not imported at all.

    Deselection by mark comes after collection, and collecting costs: importing schemathesis'
    variants builds every operation's test (seconds of each test process's CPU), an SDK's module
    imports the SDK. Such a module says `pytestmark = pytest.mark.slow` at its top level; every
    test in it would be deselected anyway, so skipping it changes which tests run in no way.
    """
    if config.getoption("markexpr", "").strip() != "not slow":
        return None
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    return True if _SLOW_AS_A_WHOLE.search(collection_path.read_text(encoding="utf-8")) else None


@pytest.fixture(scope="session")
def pg_server() -> str:
    reason = pg_unavailable_reason()
    if reason:
        print(f"\nSKIPPING PostgreSQL tests: {reason}")
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_template_name(pg_server: str) -> Iterator[str]:
    """One migrated PostgreSQL database per session, cloned by every test that needs one."""
    with pg_template(pg_server) as name:
        yield name


@pytest.fixture
def pg_url(pg_server: str, pg_template_name: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test (a clone of the template), dropped afterwards."""
    with pg_database(pg_server, pg_template_name) as url:
        yield url


@pytest.fixture
def empty_pg_url(pg_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database no migration has touched, dropped afterwards."""
    with pg_database(pg_server, None) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session, copied by every test that needs one."""
    return sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template_path: Path) -> str:
    """A migrated SQLite file of this test's own (a copy of the template)."""
    return sqlite_database(sqlite_template_path, tmp_path / "runyard.db")


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """A SQLite file no migration has touched (it does not exist yet)."""
    return f"sqlite:///{tmp_path / 'runyard.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each store test runs on a real SQLite file and on a real PostgreSQL database."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """database_url before any migration: for the tests of the migrations themselves."""
    return request.getfixturevalue("empty_sqlite_url" if request.param == "sqlite" else "empty_pg_url")


@pytest.fixture
def client(sqlite_url: str):
    """The app in-process over a real SQLite file."""
    from starlette.testclient import TestClient

    from runyard.web.app import create_app

    with TestClient(create_app(sqlite_url)) as test_client:
        yield test_client


@pytest.fixture
def live_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A real server without an embedded worker: submitted runs stay queued."""
    server = start_server(sqlite_url, tmp_path / "server.log", "--workers", "0")
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    """Servers and workers a test starts as real processes, killed at its end."""
    processes = Processes(tmp_path)
    try:
        yield processes
    finally:
        processes.close()
