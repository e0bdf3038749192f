"""A quick check of the benchmark's seeder (the benchmark itself is not part of the test suite: `python scripts/bench`)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.seed import JOBS, seed
from runyard.domain import FINISHED_STATES, RunFilter, RunState
from runyard.store.db import Database, normalise_url
from runyard.store.keys import KeyStore
from runyard.store.runs import RunStore

pytestmark = pytest.mark.slow  # seeds a benchmark store


def test_seeder_fills_a_store_runyard_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    info = seed(url, 500, seed=7)

    assert info.runs == 500
    engine = sa.create_engine(normalise_url(url).sync)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, job_name, state, name, tags, env_id, session_id, started_at, completed_at, duration_ms, created_at FROM runs")).all()
        tag_rows = conn.execute(sa.text("SELECT count(*) FROM run_tags")).scalar_one()
        counters = dict(conn.execute(sa.text("SELECT name, last_number FROM job_counters")).all())
        env_ids = {r[0] for r in conn.execute(sa.text("SELECT id FROM environments"))}
        versions = dict(conn.execute(sa.text("SELECT name, max(version) FROM job_versions GROUP BY name")).all())
        indexes = {r[0] for r in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'"))}
    engine.dispose()

    assert len(rows) == 500 and len({r.id for r in rows}) == 500
    # Every tag of a run is a run_tags row too (the tag filter reads that table).
    assert tag_rows == info.run_tags == sum(len(json.loads(r.tags)) for r in rows)
    # Names go 1..n per job, and the job counters continue from the last one.
    per_job = Counter(r.job_name for r in rows)
    assert {job: counters.get(job) for job in per_job} == dict(per_job)
    assert all(r.name.rsplit("-", 1)[0] == r.job_name for r in rows)
    assert {int(r.name.rsplit("-", 1)[1]) for r in rows if r.job_name == info.top_job} == set(range(1, per_job[info.top_job] + 1))
    assert versions == {job.name: job.versions for job in JOBS}
    # A spread of states, environments and times; finished runs that ran have their timings.
    states = Counter(r.state for r in rows)
    assert states[RunState.SUCCEEDED.value] > 250 and len(states) >= 6
    assert {r.env_id for r in rows} - {None} <= env_ids and Counter(r.env_id for r in rows)[info.dev_env_id] > 250
    ran = [r for r in rows if RunState(r.state) in FINISHED_STATES and r.started_at is not None]
    assert ran and all(r.completed_at >= r.started_at and r.duration_ms == (r.completed_at - r.started_at) // 1000 for r in ran)
    assert max(r.created_at for r in rows) - min(r.created_at for r in rows) > 25 * 86_400 * 1_000_000
    # The secondary indexes dropped for the load are back.
    assert {"ix_runs_created", "ix_runs_env_job_started_at", "ix_runs_session_state_created"} <= indexes

    async def through_runyard() -> None:
        db = Database(normalise_url(url))
        try:
            credential = await KeyStore(db).authenticate(info.dev_secret)
            assert credential is not None and credential.environment.id == info.dev_env_id
            store = RunStore(db)
            assert (await store.get(info.sample_ids[0])).id == info.sample_ids[0]
            page = await store.list_page(RunFilter(session_id=info.top_session), offset=0, limit=20)
            assert page.total == sum(1 for r in rows if r.session_id == info.top_session) > 0
        finally:
            await db.close()

    asyncio.run(through_runyard())
