"""A run's duration has one meaning in every dialect: its executing time, summed over its attempts."""

from __future__ import annotations

import asyncio

from runyard.dialects import native, trigger, truefoundry
from runyard.domain import JobDefinition, NewRun, Run, RunState
from runyard.store.db import open_database
from runyard.store.jobs import JobStore
from runyard.store.queue import Outcome, RunQueue
from runyard.store.runs import RunStore
from runyard.timeutil import now_us


def _run_with_two_attempts(database_url: str, first_ms: int, second_ms: int) -> tuple[Run, object]:
    """A run whose first attempt failed after `first_ms` and whose retry succeeded after `second_ms`."""

    async def scenario() -> tuple[Run, object]:
        db = open_database(database_url)
        job, _ = await JobStore(db).put(JobDefinition(name="twice", command=("true",), max_attempts=2))
        run, _ = await RunStore(db).insert(NewRun(job_name="twice", job_version=job.version, max_attempts=2))
        queue = RunQueue(db)
        for state, duration_ms in ((RunState.RETRYING, first_ms), (RunState.SUCCEEDED, second_ms)):
            await queue.housekeeping(now_us())  # a retrying run whose time has come is queued again
            claimed = await queue.claim("worker", now_us(), 30)
            assert claimed is not None and claimed.id == run.id
            await queue.finish(run.id, "worker", now_us(), Outcome(state, duration_ms=duration_ms, exit_code=0, retry_at=0))
        final = await RunStore(db).get(run.id)
        await db.close()
        return final, job

    return asyncio.run(scenario())


def test_a_runs_duration_is_the_sum_of_its_attempts(database_url: str) -> None:
    run, _ = _run_with_two_attempts(database_url, 1500, 2500)
    assert run.state is RunState.SUCCEEDED and run.attempt == 2
    assert run.duration_ms == 4000


def test_every_dialect_shows_the_same_duration(database_url: str) -> None:
    run, job = _run_with_two_attempts(database_url, 1500, 2500)
    assert native.run_result(run).duration_seconds == 4.0
    assert trigger.retrieved(run).durationMs == 4000
    assert truefoundry.job_run(run, job, "true").duration == 4  # TrueFoundry counts whole seconds


def test_a_run_that_never_ran_has_no_duration_in_any_dialect(database_url: str) -> None:
    async def scenario() -> tuple[Run, object]:
        db = open_database(database_url)
        job, _ = await JobStore(db).put(JobDefinition(name="never", command=("true",)))
        run, _ = await RunStore(db).insert(NewRun(job_name="never", job_version=job.version))
        cancelled = await RunStore(db).cancel(run.id)
        await db.close()
        return cancelled, job

    run, job = asyncio.run(scenario())
    assert native.run_result(run).duration_seconds is None
    assert trigger.retrieved(run).durationMs == 0
    assert truefoundry.job_run(run, job, "true").duration is None
