"""The run store, on a real SQLite file and a real PostgreSQL database.

Every test runs once per backend (the `database_url` fixture). The store is
async; each test drives it on one event loop of its own through `call`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from ulid import ULID

from bench.plans import with_literals
from runyard.domain import Credential, Environment, NewRun, RunConflict, RunFilter, RunNotFound, RunState
from runyard.service import RunService
from runyard.store.db import Database, open_database
from runyard.store.driver import numbered_placeholders
from runyard.store.run_filters import count_sql, page_sql, where
from runyard.store.runs import SUMMARY_SQL, RunStore
from runyard.store.schema import runs
from runyard.timeutil import now_us

ADMIN = Credential(None, Environment("env_x", "default"), admin=True)  # sees every environment

T = TypeVar("T")


@dataclass
class Store:
    """A migrated database, its RunStore and RunService, and a way to await on one loop."""

    db: Database
    runs: RunStore
    service: RunService
    call: Callable[[Awaitable[Any]], Any]

    def insert(self, job: str = "demo", **fields: Any):
        """Insert one run and return it (the `created` flag is checked where it matters)."""
        run, _created = self.call(self.runs.insert(NewRun(job, **fields)))
        return run

    def set_state(self, run_id: str, state: RunState, **columns: Any) -> None:
        """Change a run's row directly, as a worker would."""

        async def update() -> None:
            async with self.db.engine.begin() as conn:
                await conn.execute(runs.update().where(runs.c.id == run_id).values(state=state.value, **columns))

        self.call(update())

    def count_rows(self) -> int:
        async def count() -> int:
            async with self.db.engine.connect() as conn:
                return (await conn.execute(sa.select(sa.func.count()).select_from(runs))).scalar_one()

        return self.call(count())

    def page(self, flt: RunFilter = RunFilter(), *, offset: int = 0, limit: int = 100):
        return self.call(self.runs.list_page(flt, offset=offset, limit=limit))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    db = open_database(database_url, run_migrations=False)  # a clone of the migrated template
    loop = asyncio.new_event_loop()
    try:
        yield Store(db, RunStore(db), RunService(db), loop.run_until_complete)
    finally:
        loop.run_until_complete(db.close())
        loop.close()


def _alembic_config() -> Config:
    from runyard.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def _all(*awaitables: Awaitable[T]) -> list[T]:
    return list(await asyncio.gather(*awaitables))


# ---------------------------------------------------------------- migrations


def test_migrations_are_idempotent_and_keep_data(empty_database_url: str) -> None:
    database_url = empty_database_url  # migrated from nothing here, not a clone of the migrated template
    first = open_database(database_url)
    run, _ = asyncio.run(_insert_and_close(first, NewRun("demo")))

    second = open_database(database_url)  # migrates again: must be a no-op

    async def read_back() -> tuple[Any, list[str]]:
        try:
            async with second.engine.connect() as conn:
                versions = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars().all()
            return await RunStore(second).get(run.id), list(versions)
        finally:
            await second.close()

    again, versions = asyncio.run(read_back())
    assert again == run
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert versions == [head]


def test_migration_0004_puts_keyless_runs_in_default_keeps_their_tags_and_unprefixes_trigger_keys(empty_database_url: str) -> None:
    from alembic import command

    from runyard.store.db import _sqlite_migration_pragmas, normalise_url

    urls = normalise_url(empty_database_url)
    engine = sa.create_engine(urls.sync)
    if urls.kind == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_migration_pragmas)

    def upgrade(revision: str) -> None:
        with engine.begin() as conn:
            config = _alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    upgrade("0003")
    insert_run = sa.text(
        "INSERT INTO runs (id, job_name, state, tags, created_at, updated_at, attempt, max_attempts, progress_percentage, env_id, idempotency_key, is_test) "
        "VALUES (:id, 'demo', 'queued', '[]', :t, :t, 0, 1, 0, :env, :key, false)"
    )
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO environments (id, name, created_at) VALUES ('env_prod', 'prod', 1)"))
        rows = [("run_a", None, "k1"), ("run_b", "env_prod", "env_prod:k1"), ("run_c", None, "env_prod:k2"), ("run_d", "env_prod", None)]
        for t, (run_id, env, key) in enumerate(rows):
            conn.execute(insert_run, {"id": run_id, "t": t, "env": env, "key": key})
        conn.execute(sa.text("INSERT INTO run_tags (run_id, tag, env_id, created_at) VALUES ('run_a', 'nightly', NULL, 0), ('run_b', 'nightly', 'env_prod', 1)"))
    upgrade("head")
    with engine.connect() as conn:
        migrated = conn.execute(sa.text("SELECT r.id, e.name, r.idempotency_key FROM runs r JOIN environments e ON e.id = r.env_id ORDER BY r.id")).all()
        tags = conn.execute(sa.text("SELECT t.run_id, e.name FROM run_tags t JOIN environments e ON e.id = t.env_id ORDER BY t.run_id")).all()
    engine.dispose()
    assert [tuple(row) for row in migrated] == [("run_a", "default", "k1"), ("run_b", "prod", "k1"), ("run_c", "default", "env_prod:k2"), ("run_d", "prod", None)]
    assert [tuple(row) for row in tags] == [("run_a", "default"), ("run_b", "prod")]


async def _insert_and_close(db: Database, new: NewRun):
    try:
        return await RunStore(db).insert(new)
    finally:
        await db.close()


# ---------------------------------------------------------------- insert


def test_postgresql_statements_number_their_parameters_in_order() -> None:
    assert numbered_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?") == "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4"


def test_insert_returns_a_new_queued_run_with_zero_progress(store: Store) -> None:
    before = now_us()
    run, created = store.call(store.runs.insert(NewRun("demo", input={"topic": "x"}, session_id="s1", tags=("a", "b"))))
    after = now_us()

    assert created is True
    assert run.id.startswith("run_") and len(run.id) == len("run_") + 26
    assert run.state is RunState.QUEUED
    assert before <= run.created_at <= after
    assert run.updated_at == run.created_at
    assert (run.progress_percentage, run.progress_step) == (0.0, None)
    assert (run.started_at, run.completed_at, run.delayed_until, run.error, run.result) == (None, None, None, None, None)
    assert (run.job_name, run.input, run.session_id, run.tags) == ("demo", {"topic": "x"}, "s1", ("a", "b"))
    assert run.attempt == 0


def test_insert_reads_back_what_get_returns(store: Store) -> None:
    run = store.insert(input=[1, "two", None], idempotency_key="k", ttl_seconds=60, max_attempts=3)

    assert store.call(store.runs.get(run.id)) == run
    assert (run.input, run.ttl_seconds, run.max_attempts, run.idempotency_key) == ([1, "two", None], 60, 3, "k")


def test_insert_with_a_delay_is_delayed_until_that_many_seconds_after_creation(store: Store) -> None:
    run = store.insert(delay_seconds=30)

    assert run.state is RunState.DELAYED
    assert run.delayed_until == run.created_at + 30 * 1_000_000


def test_insert_with_a_known_idempotency_key_returns_the_first_run_and_stores_nothing(store: Store) -> None:
    first, first_created = store.call(store.runs.insert(NewRun("demo", idempotency_key="order-42")))
    again, again_created = store.call(store.runs.insert(NewRun("other", session_id="s", idempotency_key="order-42")))

    assert (first_created, again_created) == (True, False)
    assert again == first
    assert store.count_rows() == 1


def test_runs_without_an_idempotency_key_are_never_merged(store: Store) -> None:
    store.insert()
    store.insert()

    assert store.count_rows() == 2


def test_concurrent_inserts_with_one_idempotency_key_store_exactly_one_run(store: Store) -> None:
    # Keys are unique within an environment (the service gives every run one).
    results = store.call(_all(*(store.runs.insert(NewRun("demo", idempotency_key="race", env_id="env_a")) for _ in range(10))))

    assert {run.id for run, _ in results} == {results[0][0].id}
    assert sum(created for _, created in results) == 1
    assert store.count_rows() == 1


def test_insert_that_loses_the_race_for_its_key_returns_the_winners_run(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic form of the race above: another submit stores the key between
    this insert's look-up (which found nothing) and its INSERT, so the INSERT hits
    the unique constraint and the insert must answer with the winner's run."""
    winner = store.insert(idempotency_key="race", env_id="env_a")
    real_lookup = store.runs.find_by_idempotency_key
    lookups: list[str] = []

    async def stale_first_lookup(env_id: str | None, key: str):
        lookups.append(key)
        return None if len(lookups) == 1 else await real_lookup(env_id, key)

    monkeypatch.setattr(store.runs, "find_by_idempotency_key", stale_first_lookup)

    run, created = store.call(store.runs.insert(NewRun("demo", idempotency_key="race", env_id="env_a")))

    assert (run, created) == (winner, False)
    assert len(lookups) == 2  # the stale look-up, then the one after the constraint fired
    assert store.count_rows() == 1


def test_one_idempotency_key_in_two_environments_makes_two_runs(store: Store) -> None:
    first, created_first = store.call(store.runs.insert(NewRun("demo", idempotency_key="nightly", env_id="env_a")))
    second, created_second = store.call(store.runs.insert(NewRun("demo", idempotency_key="nightly", env_id="env_b")))
    again, created_again = store.call(store.runs.insert(NewRun("demo", idempotency_key="nightly", env_id="env_a")))
    assert created_first and created_second and not created_again
    assert first.id != second.id and again.id == first.id
    assert (first.idempotency_key, second.idempotency_key) == ("nightly", "nightly")


def test_run_ids_sort_in_creation_order(store: Store) -> None:
    made = [store.insert().id for _ in range(30)]

    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_run_id_is_a_lower_case_ulid_of_its_creation_millisecond(store: Store) -> None:
    run = store.insert()

    ulid = run.id.removeprefix("run_")
    assert ulid == ulid.lower()
    assert ULID.from_str(ulid.upper()).milliseconds == run.created_at // 1000


# ---------------------------------------------------------------- get


def test_get_of_an_unknown_id_raises_run_not_found(store: Store) -> None:
    with pytest.raises(RunNotFound) as caught:
        store.call(store.runs.get("run_doesnotexist"))

    assert caught.value.run_id == "run_doesnotexist"


# ---------------------------------------------------------------- list


def test_list_is_newest_first(store: Store) -> None:
    made = [store.insert().id for _ in range(5)]

    page = store.page()

    assert [item.id for item in page.items] == made[::-1]
    assert page.total == 5


def test_list_orders_runs_created_in_the_same_microsecond_by_id_descending(store: Store) -> None:
    a, b, c = (store.insert().id for _ in range(3))
    store.set_state(a, RunState.QUEUED, created_at=1_000)
    store.set_state(b, RunState.QUEUED, created_at=1_000)
    store.set_state(c, RunState.QUEUED, created_at=500)  # the newest id but the oldest time

    assert [item.id for item in store.page().items] == [b, a, c]


def test_list_items_carry_state_created_at_and_session(store: Store) -> None:
    run = store.insert(session_id="s1", delay_seconds=5)

    (item,) = store.page().items

    assert (item.id, item.state, item.created_at, item.session_id) == (run.id, RunState.DELAYED, run.created_at, "s1")


def test_list_filters_by_a_set_of_states(store: Store) -> None:
    queued = store.insert().id
    delayed = store.insert(delay_seconds=60).id
    running = store.insert().id
    store.set_state(running, RunState.RUNNING)

    page = store.page(RunFilter(states=frozenset({RunState.QUEUED, RunState.DELAYED})))

    assert {item.id for item in page.items} == {queued, delayed}
    assert page.total == 2


def test_list_filters_by_session_id(store: Store) -> None:
    alpha = [store.insert(session_id="alpha").id for _ in range(2)]
    store.insert(session_id="beta")
    store.insert()

    page = store.page(RunFilter(session_id="alpha"))

    assert [item.id for item in page.items] == alpha[::-1]
    assert page.total == 2


def test_list_filters_by_job_name(store: Store) -> None:
    store.insert("demo")
    report = store.insert("report").id

    page = store.page(RunFilter(job_name="report"))

    assert [item.id for item in page.items] == [report]
    assert page.total == 1


def test_list_filters_combine_with_and(store: Store) -> None:
    wanted = store.insert("report", session_id="alpha").id
    store.insert("report", session_id="alpha", delay_seconds=60)  # wrong state
    store.insert("demo", session_id="alpha")  # wrong job
    store.insert("report", session_id="beta")  # wrong session

    page = store.page(RunFilter(states=frozenset({RunState.QUEUED}), session_id="alpha", job_name="report"))

    assert [item.id for item in page.items] == [wanted]
    assert page.total == 1


def test_list_total_counts_every_match_not_just_the_page(store: Store) -> None:
    for _ in range(5):
        store.insert(session_id="alpha")
    store.insert(session_id="beta")

    page = store.page(RunFilter(session_id="alpha"), offset=0, limit=2)

    assert len(page.items) == 2
    assert page.total == 5


def test_list_never_returns_more_rows_than_the_limit(store: Store) -> None:
    made = [store.insert().id for _ in range(7)]

    page = store.page(limit=3, offset=2)

    assert [item.id for item in page.items] == made[::-1][2:5]


def test_list_offset_past_the_end_is_empty_with_the_true_total(store: Store) -> None:
    for _ in range(3):
        store.insert()

    for offset in (3, 4, 1000):
        page = store.page(offset=offset, limit=10)
        assert (page.items, page.total) == ([], 3)


def test_service_pages_are_numbered_from_one_and_cover_every_run_once(store: Store) -> None:
    made = [store.insert().id for _ in range(25)]

    pages = [store.call(store.service.list(RunFilter(), ADMIN, page=n, page_size=10)).page for n in (1, 2, 3, 4)]

    assert [len(p.items) for p in pages] == [10, 10, 5, 0]
    assert [item.id for p in pages for item in p.items] == made[::-1]
    assert {p.total for p in pages} == {25}


# ---------------------------------------------------------------- cancel


def test_cancel_of_a_queued_run_cancels_it_at_once(store: Store) -> None:
    run = store.insert()

    cancelled = store.call(store.runs.cancel(run.id))

    assert cancelled.state is RunState.CANCELLED
    assert cancelled.completed_at is not None and cancelled.completed_at >= run.created_at
    assert cancelled.error == "Cancelled by user"
    assert store.call(store.runs.get(run.id)) == cancelled


def test_cancel_of_a_delayed_run_cancels_it_at_once(store: Store) -> None:
    run = store.insert(delay_seconds=60)

    assert store.call(store.runs.cancel(run.id)).state is RunState.CANCELLED


def test_cancel_of_a_running_run_asks_it_to_stop(store: Store) -> None:
    run = store.insert()
    store.set_state(run.id, RunState.RUNNING, started_at=run.created_at + 1)

    cancelling = store.call(store.runs.cancel(run.id))

    assert cancelling.state is RunState.CANCELLING
    assert cancelling.completed_at is None
    assert cancelling.error is None


def test_cancel_of_a_finished_run_is_a_conflict_and_changes_nothing(store: Store) -> None:
    run = store.insert()
    store.set_state(run.id, RunState.SUCCEEDED, completed_at=run.created_at + 10)
    before = store.call(store.runs.get(run.id))

    with pytest.raises(RunConflict, match="already finished \\(succeeded\\)") as caught:
        store.call(store.runs.cancel(run.id))

    assert caught.value.run == before
    assert store.call(store.runs.get(run.id)) == before


def test_cancel_of_a_cancelled_run_is_a_conflict(store: Store) -> None:
    run = store.insert()
    store.call(store.runs.cancel(run.id))

    with pytest.raises(RunConflict, match="already finished \\(cancelled\\)"):
        store.call(store.runs.cancel(run.id))


def test_cancel_of_an_unknown_run_raises_run_not_found(store: Store) -> None:
    with pytest.raises(RunNotFound):
        store.call(store.runs.cancel("run_doesnotexist"))


# ---------------------------------------------------------------- delete


def test_delete_removes_the_run(store: Store) -> None:
    kept = store.insert()
    gone = store.insert()

    store.call(store.runs.delete(gone.id))

    with pytest.raises(RunNotFound):
        store.call(store.runs.get(gone.id))
    assert store.call(store.runs.get(kept.id)) == kept
    assert store.count_rows() == 1


def test_delete_of_a_running_run_is_a_conflict_and_keeps_it(store: Store) -> None:
    run = store.insert()
    store.set_state(run.id, RunState.RUNNING)

    with pytest.raises(RunConflict, match="cancel it before deleting it"):
        store.call(store.runs.delete(run.id))

    assert store.call(store.runs.get(run.id)).state is RunState.RUNNING


def test_delete_of_an_unknown_run_raises_run_not_found(store: Store) -> None:
    with pytest.raises(RunNotFound):
        store.call(store.runs.delete("run_doesnotexist"))


# ---------------------------------------------------------------- indexes

SEEDED_RUNS = 3000
SEEDED_SESSIONS = 100

# One statement on both backends: a recursive series of SEEDED_RUNS rows.
_SEED_SQL = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {SEEDED_RUNS})
INSERT INTO runs (id, job_name, state, session_id, tags, created_at, updated_at, attempt, max_attempts, progress_percentage)
SELECT 'run_seed_' || (1000000 + i), 'demo', 'succeeded', 'session-' || (i % {SEEDED_SESSIONS}), '[]',
       i * 1000, i * 1000, 1, 1, 100.0
FROM n
"""


async def _seed(store: Store) -> None:
    """SEEDED_RUNS finished runs, then ANALYZE, so that the planners choose with real statistics."""
    async with store.db.engine.begin() as conn:
        await conn.execute(sa.text(_SEED_SQL))
    async with store.db.engine.begin() as conn:
        await conn.execute(sa.text("ANALYZE"))


async def _explain(store: Store, statement: str, parameters: Any = None) -> str:
    prefix = "EXPLAIN QUERY PLAN " if store.db.kind == "sqlite" else "EXPLAIN "
    async with store.db.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
    return "\n".join(str(row[-1]) for row in rows)


async def _explain_store_queries(store: Store, flt: RunFilter) -> list[str]:
    """The query plan of each statement list_page(flt) sends when the counts cannot give the total:
    the count, then the page (the store builds both with run_filters.count_sql and page_sql)."""
    page = await store.runs.list_page(flt, offset=0, limit=20)
    assert page.total == SEEDED_RUNS // SEEDED_SESSIONS and len(page.items) == 20
    found = where(flt)
    statements = [with_literals(count_sql(found), found.params), with_literals(page_sql(SUMMARY_SQL, found), [*found.params, 20, 0])]

    return [await _explain(store, statement) for statement in statements]


def test_list_by_session_is_served_by_the_session_index(store: Store) -> None:
    """Both queries of a session-filtered page (count and rows) search ix_runs_session_*.

    The table holds 3000 runs over 100 sessions (one multi-row INSERT ... SELECT),
    then ANALYZE, so the planners choose with real statistics; the planner's own
    choice is asserted (no enable_seqscan = off): on SQLite the plan SEARCHes
    the index and never SCANs the table nor sorts in a temp b-tree; on
    PostgreSQL it uses an index scan (plain, index-only or bitmap) and no Seq Scan.
    """

    store.call(_seed(store))
    plans = store.call(_explain_store_queries(store, RunFilter(session_id="session-7")))

    assert len(plans) == 2, plans  # the count, then the page
    for plan in plans:
        assert "ix_runs_session" in plan, plan
        if store.db.kind == "sqlite":
            assert "SEARCH runs USING" in plan, plan
            assert "SCAN runs" not in plan and "TEMP B-TREE" not in plan, plan
        else:
            assert "Index" in plan, plan
            assert "Seq Scan" not in plan, plan


def test_each_housekeeping_update_searches_the_partial_index_of_its_time_column(store: Store) -> None:
    """Housekeeping's updates (due delays and retries, TTLs, lapsed cancels and leases) each search
    ix_runs_state_* on its time column, which holds only the runs with that time set (migration 0018):
    `column <= now` implies `column IS NOT NULL` to both planners. Planned on 3,000 finished runs,
    analysed, as the session test above; the planner's own choice is asserted."""
    from runyard.store.queue import RunQueue

    store.call(_seed(store))
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE RUNS"):
            sent.append((statement, parameters))

    async def housekeeping() -> None:
        engine = store.db.engine.sync_engine
        sa.event.listen(engine, "before_cursor_execute", capture)
        try:
            await RunQueue(store.db).housekeeping(now_us())
        finally:
            sa.event.remove(engine, "before_cursor_execute", capture)

    store.call(housekeeping())

    assert len(sent) == 6, [statement for statement, _ in sent]
    for statement, parameters in sent:
        plan = store.call(_explain(store, statement, parameters))
        assert "ix_runs_state_" in plan, (statement, plan)
        if store.db.kind == "sqlite":
            assert "SCAN runs" not in plan, (statement, plan)
        else:
            assert "Seq Scan" not in plan, (statement, plan)


def test_a_postgresql_server_that_does_not_answer_is_store_unavailable_not_an_error() -> None:
    """Nothing listens on port 1: every API answers 503 with Retry-After (StoreUnavailable), never a 500."""
    from runyard.domain import StoreUnavailable
    from runyard.store.db import normalise_url

    async def read() -> None:
        db = Database(normalise_url("postgresql://postgres@127.0.0.1:1/test"), wait_seconds=1)
        try:
            with pytest.raises(StoreUnavailable):
                await RunStore(db).get("run_01jd3k5z8q4m2x7v9w0y1z2a3b")
            with pytest.raises(StoreUnavailable):
                await RunStore(db).ping()
        finally:
            await db.close()

    asyncio.run(read())


def test_run_counts_follow_every_insert_change_of_state_and_delete_before_and_after_folding(database_url: str) -> None:
    """Triggers keep counts by state (and of runs with idempotency keys) that /stats reads instead of counting runs."""
    from runyard.store.counts import RunCounts
    from runyard.store.queue import RunQueue

    async def scenario() -> list[tuple[dict[str, int], int]]:
        db = open_database(database_url, run_migrations=False)
        store, counts, queue = RunStore(db), RunCounts(db), RunQueue(db)
        seen: list[tuple[dict[str, int], int]] = []

        async def look() -> None:
            c = await counts.counts()
            seen.append((c.by_state, c.keyed))

        try:
            env = await RunService(db).default_environment()
            made = [
                (await store.insert(NewRun(job_name="demo", input=None, env_id=env.id, idempotency_key=f"k{i}" if i % 2 else None)))[0] for i in range(4)
            ]
            await look()
            claimed = await queue.claim("w1", now_us(), 15)
            assert claimed is not None
            await look()
            await counts.fold()
            await look()
            await store.delete(made[3].id)
            await look()
            await counts.fold()
            await counts.fold()  # folding nothing changes nothing
            await look()
        finally:
            await db.close()
        return seen

    seen = asyncio.run(scenario())
    assert seen == [
        ({"queued": 4}, 2),
        ({"queued": 3, "running": 1}, 2),
        ({"queued": 3, "running": 1}, 2),
        ({"queued": 2, "running": 1}, 1),
        ({"queued": 2, "running": 1}, 1),
    ]


def test_a_sessions_total_follows_every_insert_change_of_state_and_delete_before_and_after_folding(database_url: str) -> None:
    """Triggers keep counts by (environment, session, state) (migration 0015): a session's list total
    is read from them, and it is what counting the session's runs says, at every step."""
    from runyard.store.counts import RunCounts
    from runyard.store.queue import RunQueue

    async def scenario() -> list[tuple[int | None, int, int, int]]:
        db = open_database(database_url, run_migrations=False)
        store, counts, queue = RunStore(db), RunCounts(db), RunQueue(db)
        seen: list[tuple[int | None, int, int, int]] = []
        session, queued = RunFilter(session_id="chat-1"), RunFilter(session_id="chat-1", states=frozenset({RunState.QUEUED}))

        async def look() -> None:
            listed = await store.list_page(session, offset=0, limit=100)
            seen.append((await counts.total(session), listed.total, len(listed.items), (await counts.total(queued)) or 0))

        try:
            env = await RunService(db).default_environment()
            made = [(await store.insert(NewRun(job_name="demo", input=None, env_id=env.id, session_id="chat-1" if i < 3 else None)))[0] for i in range(4)]
            await look()
            assert await queue.claim("w1", now_us(), 15) is not None  # the oldest: a run of the session
            await look()
            await counts.fold()
            await look()
            await store.delete(made[2].id)
            await store.delete(made[3].id)  # no session: nothing to count
            await look()
            await counts.fold()
            await look()
        finally:
            await db.close()
        return seen

    assert asyncio.run(scenario()) == [(3, 3, 3, 3), (3, 3, 3, 2), (3, 3, 3, 2), (2, 2, 2, 1), (2, 2, 2, 1)]


def test_a_session_filter_with_a_job_is_counted_over_the_runs_not_from_the_counts(database_url: str) -> None:
    """The session counts hold no job: a session and job filter counts the runs themselves (through an index)."""
    from runyard.store.counts import RunCounts

    async def scenario() -> tuple[int | None, int]:
        db = open_database(database_url, run_migrations=False)
        try:
            env = await RunService(db).default_environment()
            for job in ("demo", "demo", "other"):
                await RunStore(db).insert(NewRun(job_name=job, input=None, env_id=env.id, session_id="chat-2"))
            flt = RunFilter(session_id="chat-2", job_name="demo")
            return await RunCounts(db).total(flt), (await RunStore(db).list_page(flt, offset=0, limit=10)).total
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (None, 2)


def test_postgresql_sessions_never_compile_plans_with_jit_and_give_up_on_locks(pg_url: str) -> None:
    """Both pools' sessions (SQLAlchemy's and the driver's) run with jit off and the store's lock_timeout:
    on 10,000,000 runs a page whose plan was costed high spent 80-130 ms in JIT compilation."""

    async def settings() -> list[tuple[str, str]]:
        db = open_database(pg_url, run_migrations=False, wait_seconds=2)
        try:
            async with db.engine.connect() as conn:
                engine = (await conn.execute(sa.text("SELECT current_setting('jit'), current_setting('lock_timeout')"))).one()
            hot = await db.hot.one("SELECT current_setting('jit'), current_setting('lock_timeout')", ())
            assert hot is not None
            return [tuple(engine), tuple(hot)]
        finally:
            await db.close()

    assert asyncio.run(settings()) == [("off", "2s"), ("off", "2s")]
