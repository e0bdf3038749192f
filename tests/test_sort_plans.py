"""Every TrueFoundry sort key (and the default order) reads an index: no sort step over a job's runs.

The plans are taken on 100,000 runs of one environment (5 jobs), with ANALYZE
run, for the exact statements the store sends (runyard.store.run_filters.page_sql),
with the parameters written in. `scripts/bench` prints the same plans for the runs it seeds
(README, Benchmarks: 1,000,000 runs).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.plans import with_literals
from runyard.domain import RunFilter
from runyard.store.db import normalise_url
from runyard.store.run_filters import SORTABLE, page_sql, where
from runyard.store.runs import QUOTED_RUN_COLUMNS
from tests.support.databases import pg_database, sqlite_database

ROWS = 100_000


def _seed(engine: sa.Engine) -> None:
    # One statement both databases understand: a recursive count, NULLs sprinkled in.
    seed = f"""
        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {ROWS})
        INSERT INTO runs (id, job_name, job_version, state, tags, created_at, updated_at, attempt, max_attempts,
                          progress_percentage, env_id, is_test, started_at, duration_ms, triggered_by, name)
        SELECT 'run_' || substr('00000000000000000000000000' || n, -26), 'job' || (n % 5), 1 + n % 3,
               CASE n % 4 WHEN 0 THEN 'queued' WHEN 1 THEN 'running' ELSE 'succeeded' END, '[]', n, n, 1, 1, 0,
               'env1', false, CASE WHEN n % 10 = 0 THEN NULL ELSE n END,
               CASE WHEN n % 7 = 0 THEN NULL ELSE (n * 7919) % 100000 END,
               CASE WHEN n % 3 = 0 THEN NULL ELSE 'key_' || (n % 11) END, 'job' || (n % 5) || '-' || n
        FROM g
    """
    with engine.begin() as conn:
        conn.execute(sa.text(seed))
        conn.execute(sa.text("ANALYZE"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if request.param == "sqlite":
        url = sqlite_database(request.getfixturevalue("sqlite_template_path"), tmp_path_factory.mktemp("plans") / "runyard.db")
        engine = sa.create_engine(normalise_url(url).sync)
        _seed(engine)
        yield request.param, engine
        engine.dispose()
        return
    admin_url = request.getfixturevalue("pg_server")
    with pg_database(admin_url, request.getfixturevalue("pg_template_name"), "runyard_plans") as url:
        engine = sa.create_engine(normalise_url(url).sync)
        _seed(engine)
        yield request.param, engine
        engine.dispose()


def _plan(kind: str, engine: sa.Engine, sort: str, descending: bool) -> list[str]:
    found = where(RunFilter(env_id="env1", job_name="job1"))
    sql = with_literals(page_sql(QUOTED_RUN_COLUMNS, found, sort, descending), [*found.params, 20, 0])
    explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        return [" ".join(str(c) for c in row) for row in conn.execute(sa.text(explain + sql))]


@pytest.mark.slow  # seeds 100,000 runs per backend
@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
@pytest.mark.parametrize("sort", SORTABLE)
def test_a_sorted_job_runs_page_is_read_from_an_index(seeded, sort: str, descending: bool) -> None:
    kind, engine = seeded
    plan = _plan(kind, engine, sort, descending)
    text = "\n".join(plan)
    print(f"{kind} {sort} {'desc' if descending else 'asc'}:\n{text}")
    if kind == "sqlite":
        assert "TEMP B-TREE" not in text, text
        assert "USING INDEX" in text or "USING COVERING INDEX" in text, text
    else:
        assert "Sort" not in text, text
        assert "Index Scan" in text, text


def test_the_status_sort_expression_shows_what_the_truefoundry_dialect_shows() -> None:
    """SHOWN_STATUS_SQL is written out for its index; it must say what JOB_RUN_STATUS says, state by state."""
    import sqlite3

    from runyard.dialects.truefoundry import JOB_RUN_STATUS
    from runyard.store.run_filters import SHOWN_STATUS_SQL

    with sqlite3.connect(":memory:") as conn:
        for state, shown in JOB_RUN_STATUS.items():
            (value,) = conn.execute(f"SELECT {SHOWN_STATUS_SQL} FROM (SELECT ? AS state)", (state.value,)).fetchone()
            assert value == shown.value, state
