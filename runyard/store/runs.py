"""Runs in the store: insert, read, list a page, and the state changes the API makes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from ulid import ULID

from runyard.domain import (
    FINISHED_STATES,
    HELD_STATES,
    WAITING_STATES,
    BatchAlreadyStored,
    Cursor,
    ListedRun,
    MetadataClosed,
    NewRun,
    NotDelayed,
    Page,
    Run,
    RunConflict,
    RunFilter,
    RunNotFound,
    RunState,
    RunSummary,
    TooManyTags,
    Window,
)
from runyard.domain.metadata import apply_operations, check_size
from runyard.domain.overview import HOUR_US, Activity
from runyard.ids import new_run_id
from runyard.store import json_text
from runyard.store.counts import RunCounts
from runyard.store.db import Database, storable
from runyard.store.driver import INTEGRITY_ERRORS, HotTransaction, Row
from runyard.store.run_filters import Where, count_sql, newer_than, older_than, order_by, page_sql, where
from runyard.store.schema import bulk_action_runs, run_tags, runs
from runyard.timeutil import now_us

# The state groups as the database spells them (sorted: the same statement text every time).
WAITING = tuple(sorted(state.value for state in WAITING_STATES))
HELD = tuple(sorted(state.value for state in HELD_STATES))  # a worker holds the run (its lease)
# The columns a list page of summaries reads (RunSummary's fields, in its order). A page's rows are
# read by id (page_sql's `deferred`, or a keyset's few rows), so the wider select costs no statement per row.
SUMMARY_SQL = "id, state, created_at, session_id, progress_percentage, progress_step, started_at, completed_at, job_name, env_id, tags, duration_ms, attempt"
# The columns a cursor page reads (ListedRun's fields, in its order): a third of a run's, and of its
# JSON only the tags and metadata (not the input, the result or the output tails).
LISTED_SQL = ", ".join(field.name for field in dataclasses.fields(ListedRun))


def run_from_row(row: sa.Row[Any]) -> Run:
    return run_from_values(row._mapping)


def run_from_values(m: Mapping[Any, Any]) -> Run:
    return Run(
        id=m["id"],
        job_name=m["job_name"],
        job_version=m["job_version"],
        state=RunState(m["state"]),
        session_id=m["session_id"],
        tags=tuple(m["tags"] or ()),
        input=m["input"],
        idempotency_key=m["idempotency_key"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        delayed_until=m["delayed_until"],
        ttl_seconds=m["ttl_seconds"],
        started_at=m["started_at"],
        completed_at=m["completed_at"],
        attempt=m["attempt"],
        max_attempts=m["max_attempts"],
        progress_percentage=m["progress_percentage"],
        progress_step=m["progress_step"],
        result=m["result"],
        error=m["error"],
        exit_code=m["exit_code"],
        expires_at=m["expires_at"],
        retry_at=m["retry_at"],
        duration_ms=m["duration_ms"],
        stdout_tail=m["stdout_tail"],
        stderr_tail=m["stderr_tail"],
        lease_owner=m["lease_owner"],
        env_id=m["env_id"],
        is_test=bool(m["is_test"]),
        name=m["name"],
        triggered_by=m["triggered_by"],
        command_override=tuple(m["command_override"]) if m["command_override"] else None,
        timeout_seconds=m["timeout_seconds"],
        schedule_id=m["schedule_id"],
        scheduled_for=m["scheduled_for"],
        metadata=m["metadata"],
        priority=m["priority"],
        queue_name=m["queue_name"],
        concurrency_key=m["concurrency_key"],
        machine=m["machine"],
        region=m["region"],
        batch_id=m["batch_id"],
        idempotency_expires_at=m["idempotency_expires_at"],
    )


# A run by id on the driver itself (runyard.store.driver): its columns in table order.
RUN_COLUMNS = tuple(column.name for column in runs.c)
_RUN_JSON = frozenset(column.name for column in runs.c if isinstance(column.type, sa.JSON))
QUOTED_RUN_COLUMNS = ", ".join(f'"{name}"' for name in RUN_COLUMNS)
RUN_BY_ID = f"SELECT {QUOTED_RUN_COLUMNS} FROM runs WHERE id = ?"
# Every column is given: the values _write does not set are NULL, as the table's defaults are.
_INSERT_RUN = f"INSERT INTO runs ({QUOTED_RUN_COLUMNS}) VALUES ({', '.join('?' for _ in RUN_COLUMNS)}) RETURNING {QUOTED_RUN_COLUMNS}"


def run_from_tuple(row: tuple[Any, ...], *, json_as_text: bool) -> Run:
    values = dict(zip(RUN_COLUMNS, row, strict=True))
    if json_as_text:
        # A JSON column has NUMERIC affinity in SQLite: a number is stored (and comes back) as one.
        for name in _RUN_JSON:
            text = values[name]
            if isinstance(text, str):
                values[name] = json_text.loads(text)
    return run_from_values(values)


def _listed(row: Row, json_as_text: bool) -> ListedRun:
    (id_, job_name, job_version, state, is_test, created_at, updated_at, tags, duration_ms, idempotency_key) = row[:10]
    started_at, completed_at, delayed_until, ttl_seconds, metadata, batch_id, machine, region = row[10:]
    if json_as_text:  # as run_from_tuple decodes them
        if isinstance(tags, str):
            tags = json_text.loads(tags)
        if isinstance(metadata, str):
            metadata = json_text.loads(metadata)
    return ListedRun(
        id_, job_name, job_version, RunState(state), bool(is_test), created_at, updated_at, tuple(tags or ()), duration_ms, idempotency_key,
        started_at, completed_at, delayed_until, ttl_seconds, metadata, batch_id, machine, region,
    )  # fmt: skip


_HOUR_SQL = f"created_at / {HOUR_US}"  # hours since the epoch: both operands are integers, so is the quotient

METADATA_OPEN_AFTER_FINISH_US = 3600 * 1_000_000  # a finished run's metadata may change for an hour
MAX_TAGS = 10  # per run (Trigger.dev's limit)


_BUMP_COUNTER = "UPDATE job_counters SET last_number = last_number + 1 WHERE name = ? RETURNING last_number"
_FIRST_COUNTER = "INSERT INTO job_counters (name, last_number) VALUES (?, 1)"
_INSERT_TAG = "INSERT INTO run_tags (run_id, tag, env_id, created_at) VALUES (?, ?, ?, ?)"
_DELIVERY_COLUMNS = ("id", "run_id", "url", "state", "attempts", "next_attempt_at", "created_at")
_INSERT_DELIVERY = f"INSERT INTO webhook_deliveries ({', '.join(_DELIVERY_COLUMNS)}) VALUES ({', '.join('?' for _ in _DELIVERY_COLUMNS)})"
_COMPLETE_BATCH = "UPDATE batches SET status = 'COMPLETED', run_ids = ?, completed_at = ?, updated_at = ? WHERE id = ? AND status = 'PENDING'"


async def _next_run_number(tx: HotTransaction, job_name: str) -> int:
    """The job's next run number, counted in the same transaction as the insert (so it is never handed out twice)."""
    bumped = await tx.one(_BUMP_COUNTER, (job_name,))
    if bumped is not None:
        return int(bumped[0])
    # First run of this name; a concurrent first insert makes ours fail on the key and the submit is retried.
    await tx.count(_FIRST_COUNTER, (job_name,))
    return 1


def _webhook_delivery(run_id: str, url: str, now: int) -> dict[str, Any]:
    """The delivery a submit with a webhook writes in its own transaction (runyard.store.webhooks sends it)."""
    return {"id": f"whd_{str(ULID()).lower()}", "run_id": run_id, "url": url, "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}


def forget_deleted(run_ids: list[str]) -> sa.Delete:
    """What deleting runs leaves to delete in the same transaction: their rows in bulk_action_runs,
    which no foreign key ties to them. Their tags (run_tags) and webhook deliveries go with them by
    ON DELETE CASCADE and their counts by trigger (migration 0007); a batch's list of run ids keeps
    theirs, as the record of what the batch triggered. RunStore.delete and retention both use it."""
    return bulk_action_runs.delete().where(bulk_action_runs.c.run_id.in_(run_ids))


class RunStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._counts = RunCounts(db)

    async def ping(self) -> None:
        async with self._db.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def insert(self, new: NewRun) -> tuple[Run, bool]:
        """Store a new run; returns (run, created). An existing idempotency key returns its run."""
        if new.idempotency_key is not None:
            existing = await self.live_by_idempotency_key(new.env_id, new.idempotency_key)
            if existing is not None:
                return existing, False
        for _ in range(5):
            now = now_us()
            try:
                async with self._db.hot.transaction() as tx:
                    run = await self._write(tx, new, now)
                return run, True
            except INTEGRITY_ERRORS:
                # Either two submits with one key raced and the other one won (return its run),
                # or two first runs of a job raced for its counter (try again: it exists now).
                if new.idempotency_key is not None:
                    existing = await self.live_by_idempotency_key(new.env_id, new.idempotency_key)
                    if existing is not None:
                        return existing, False
                if new.schedule_id is not None and new.scheduled_for is not None:
                    # Another server fired this schedule for this due time first: its run is the one.
                    fired = await self.fired(new.schedule_id, new.scheduled_for)
                    if fired is not None:
                        return fired, False
        raise RuntimeError(f"could not store a run of {new.job_name!r}: conflicting concurrent inserts kept winning")

    async def insert_many(self, news: list[NewRun], *, batch_id: str | None = None) -> list[tuple[Run, bool]]:
        """Store runs in one transaction, all or none; each (run, created) in order. An item whose
        idempotency key a run holds (or an earlier item of the same call) is that run. With
        `batch_id`, the pending batch is completed in the same transaction (BatchAlreadyStored when
        another request completed it first, and nothing of this one is stored)."""
        for _ in range(5):
            now = now_us()
            found: list[tuple[Run, bool] | None] = []
            for new in news:
                existing = await self.live_by_idempotency_key(new.env_id, new.idempotency_key) if new.idempotency_key else None
                found.append((existing, False) if existing is not None else None)
            try:
                async with self._db.hot.transaction() as tx:
                    first_with_key: dict[str, int] = {}
                    for i, new in enumerate(news):
                        if found[i] is not None:
                            continue
                        key = new.idempotency_key
                        if key is not None and key in first_with_key:
                            continue  # filled in below from the first item with this key
                        found[i] = (await self._write(tx, new, now), True)
                        if key is not None:
                            first_with_key[key] = i
                    results = [item if item is not None else self._same_key(found, first_with_key, news[i]) for i, item in enumerate(found)]
                    if batch_id is not None:
                        done = await tx.count(_COMPLETE_BATCH, (tx.json([run.id for run, _ in results]), now, now, batch_id))
                        if done != 1:
                            raise BatchAlreadyStored(batch_id)
                return results
            except INTEGRITY_ERRORS:
                continue  # a concurrent insert took a key or a job's counter: look again and retry
        raise RuntimeError("could not store the runs: conflicting concurrent inserts kept winning")

    @staticmethod
    def _same_key(found: list[tuple[Run, bool] | None], first_with_key: dict[str, int], new: NewRun) -> tuple[Run, bool]:
        """An item that repeats an earlier item's idempotency key: that item's run."""
        earlier = found[first_with_key[new.idempotency_key or ""]]
        assert earlier is not None
        return earlier[0], False

    async def _write(self, tx: HotTransaction, new: NewRun, now: int) -> Run:
        """Insert one run (its tags and webhook delivery with it) in the caller's transaction, on the driver."""
        if new.job_name is None:
            raise ValueError("a run to store names its job (RunService.submit picks the prompt job)")
        job_name: str = new.job_name
        delayed_until = now + new.delay_seconds * 1_000_000 if new.delay_seconds > 0 else None
        # The TTL counts from when the run becomes ready, so a delay does not eat into it.
        expires_at = (delayed_until or now) + new.ttl_seconds * 1_000_000 if new.ttl_seconds else None
        values: dict[str, Any] = {
            "id": new_run_id(now // 1000),
            "job_name": new.job_name,
            "job_version": new.job_version,
            "state": (RunState.DELAYED if delayed_until else RunState.QUEUED).value,
            "session_id": new.session_id,
            "tags": list(new.tags),
            "input": new.input,
            "idempotency_key": new.idempotency_key,
            "created_at": now,
            "updated_at": now,
            "delayed_until": delayed_until,
            "ttl_seconds": new.ttl_seconds,
            "expires_at": expires_at,
            "attempt": 0,
            "max_attempts": new.max_attempts or 1,
            "env_id": new.env_id,
            "is_test": new.is_test,
            "triggered_by": new.triggered_by,
            "command_override": list(new.command_override) if new.command_override else None,
            "timeout_seconds": new.timeout_seconds,
            "schedule_id": new.schedule_id,
            "scheduled_for": new.scheduled_for,
            "progress_percentage": 0.0,
            "metadata": new.metadata,
            "priority": new.priority,
            "queue_name": new.queue_name,
            "concurrency_key": new.concurrency_key,
            "machine": new.machine,
            "region": new.region,
            "batch_id": new.batch_id,
            "idempotency_expires_at": now + new.idempotency_ttl_seconds * 1_000_000
            if new.idempotency_ttl_seconds is not None and new.idempotency_key
            else None,
        }
        values["name"] = f"{job_name}-{await _next_run_number(tx, job_name)}"
        for name in _RUN_JSON & values.keys():  # the others stay SQL NULL, as SQLAlchemy left them
            values[name] = tx.json(values[name])
        row = await tx.one(_INSERT_RUN, tuple(values.get(name) for name in RUN_COLUMNS))
        assert row is not None
        if new.tags:
            await tx.many(_INSERT_TAG, [(values["id"], tag, new.env_id, now) for tag in dict.fromkeys(new.tags)])
        if new.webhook_url is not None:
            # In the same transaction: an acknowledged run has its webhook for good.
            delivery = _webhook_delivery(values["id"], new.webhook_url, now)
            await tx.count(_INSERT_DELIVERY, tuple(delivery[name] for name in _DELIVERY_COLUMNS))
        return run_from_tuple(row, json_as_text=self._db.hot.json_as_text)

    async def fired(self, schedule_id: str, due: int) -> Run | None:
        """The run a schedule fired for a due time, if it did."""
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(runs).where(runs.c.schedule_id == schedule_id, runs.c.scheduled_for == due))).first()
        return run_from_row(row) if row else None

    async def latest_of_schedule(self, schedule_id: str) -> Run | None:
        """The schedule's most recent run (by due time), if any."""
        query = sa.select(runs).where(runs.c.schedule_id == schedule_id).order_by(runs.c.scheduled_for.desc()).limit(1)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return run_from_row(row) if row else None

    async def live_by_idempotency_key(self, env_id: str | None, key: str) -> Run | None:
        """The run this key returns, unless its key has expired: then the key is released (the run
        keeps everything else) and None says a new run may take it."""
        existing = await self.find_by_idempotency_key(env_id, key)
        if existing is None or existing.idempotency_expires_at is None:
            return existing
        now = now_us()
        if existing.idempotency_expires_at > now:
            return existing
        await self.release_idempotency_key(env_id, key, expired_by=now)
        return None

    async def release_idempotency_key(self, env_id: str | None, key: str, *, job_name: str | None = None, expired_by: int | None = None) -> int:
        """Free a key (of one job's run, if given; only when expired by then, if given); how many runs let go of it."""
        if not storable(key, job_name):
            return 0
        where = [runs.c.env_id == env_id, runs.c.idempotency_key == key]
        if job_name is not None:
            where.append(runs.c.job_name == job_name)
        if expired_by is not None:
            where.append(runs.c.idempotency_expires_at <= expired_by)
        async with self._db.engine.begin() as conn:
            done = await conn.execute(runs.update().where(*where).values(idempotency_key=None, idempotency_expires_at=None, updated_at=now_us()))
        return int(done.rowcount)

    async def find_by_idempotency_key(self, env_id: str | None, key: str) -> Run | None:
        """The run of this environment submitted with this key (keys are unique per environment)."""
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(runs).where(runs.c.env_id == env_id, runs.c.idempotency_key == key))).first()
        return run_from_row(row) if row else None

    async def change_metadata(self, run_id: str, operations: list[dict[str, Any]], *, lease_owner: str | None = None) -> Run:
        """Apply metadata operations to a run, atomically (the run is locked while its metadata is
        read and written). With `lease_owner`, only while that worker holds the run (a job's own
        `::metadata` lines). MetadataTooLarge past 256 KiB; MetadataClosed an hour after it finished."""
        async with self._db.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, the write lock from the read on
            run = await self._locked(conn, run_id)
            if lease_owner is not None and run.lease_owner != lease_owner:
                return run
            now = now_us()
            if run.completed_at is not None and now - run.completed_at > METADATA_OPEN_AFTER_FINISH_US:
                raise MetadataClosed(run, "Cannot update metadata for a completed run")
            changed = apply_operations(run.metadata, operations)
            check_size(changed)
            row = (await conn.execute(runs.update().where(runs.c.id == run_id).values(metadata=changed, updated_at=now).returning(*runs.c))).one()
        return run_from_row(row)

    async def get(self, run_id: str) -> Run:
        if not storable(run_id):
            raise RunNotFound(run_id)
        hot = self._db.hot
        row = await hot.one(RUN_BY_ID, (run_id,))
        if row is None:
            raise RunNotFound(run_id)
        return run_from_tuple(row, json_as_text=hot.json_as_text)

    async def versions(self, run_ids: list[str]) -> dict[str, int]:
        """When each of these runs last changed (`updated_at`); a deleted run is missing. One statement."""
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(runs.c.id, runs.c.updated_at).where(runs.c.id.in_(run_ids)))).all()
        return {row.id: row.updated_at for row in rows}

    async def get_many(self, run_ids: list[str]) -> list[Run]:
        """These runs, those that still exist, in one statement."""
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(runs).where(runs.c.id.in_(run_ids)))).all()
        return [run_from_row(row) for row in rows]

    async def _counted_rows(self, columns: str, flt: RunFilter, *, offset: int, limit: int, sort: str | None, descending: bool) -> tuple[list[Row], int]:
        """The page's rows and the total matching the filter; past the end no row query is made at all.

        The total comes from the counts by (environment, job, state) where they can say it
        (runyard.store.counts): it then costs the same on any number of runs. Other filters count
        their runs through an index.
        """
        found = where(flt)
        if found.nothing:
            return [], 0
        total = await self._total(flt, found)
        if offset >= total:
            return [], total
        rows = await self._db.hot.all(page_sql(columns, found, sort, descending, deferred=offset > 0), [*found.params, limit, offset])
        return rows, total

    async def _total(self, flt: RunFilter, found: Where) -> int:
        """How many runs the filter selects: from the counts where they can say, else counted through an index."""
        total = await self._counts.total(flt)
        if total is None:
            counted = await self._db.hot.each_time(count_sql(found), found.params)
            total = int(counted[0]) if counted is not None else 0
        return total

    async def list_page(self, flt: RunFilter, *, offset: int, limit: int, sort: str | None = None, descending: bool = True) -> Page:
        """One page of summaries and the total: newest first, or by `sort` (see run_filters.SORTABLE), ties by id.

        `Page.next` is the last item's position when runs lie beyond this page (in the newest-first order only)."""
        rows, total = await self._counted_rows(SUMMARY_SQL, flt, offset=offset, limit=limit, sort=sort, descending=descending)
        items = [self._summary(row) for row in rows]
        beyond = sort is None and descending and bool(items) and offset + len(items) < total
        return Page(items, total, Cursor(items[-1].created_at, items[-1].id) if beyond else None)

    async def list_after(self, flt: RunFilter, *, after: Cursor, limit: int) -> Page:
        """The `limit` summaries that follow a position in the newest-first order, and the total of the
        filter (as list_page counts it). A keyset read of limit + 1 rows, never an offset: a page deep in
        the list is an index seek, and whether a run lies beyond is the extra row."""
        found = where(flt)
        if found.nothing:
            return Page([], 0)
        total = await self._total(flt, found)
        older_than(found, after)
        rows = await self._db.hot.all(f"SELECT {SUMMARY_SQL} FROM runs{found.sql()}{order_by(None, descending=True)} LIMIT ?", [*found.params, limit + 1])
        items = [self._summary(row) for row in rows[:limit]]
        return Page(items, total, Cursor(items[-1].created_at, items[-1].id) if len(rows) > limit else None)

    def _summary(self, row: Row) -> RunSummary:
        tags = row[10]
        if isinstance(tags, str):  # SQLite hands JSON over as text (see run_from_tuple)
            tags = json_text.loads(tags)
        id_, state, created_at, session_id, percentage, step, started_at, completed_at, job_name, env_id = row[:10]
        return RunSummary(
            id_, RunState(state), created_at, session_id, percentage, step, started_at, completed_at, job_name, env_id, tuple(tags or ()), row[11], row[12]
        )

    async def list_full_page(self, flt: RunFilter, *, offset: int, limit: int, sort: str | None = None, descending: bool = True) -> tuple[list[Run], int]:
        """As list_page, with whole runs (for dialects whose items carry every field)."""
        rows, total = await self._counted_rows(QUOTED_RUN_COLUMNS, flt, offset=offset, limit=limit, sort=sort, descending=descending)
        return self._runs(rows), total

    def _runs(self, rows: list[Row]) -> list[Run]:
        json_as_text = self._db.hot.json_as_text
        return [run_from_tuple(row, json_as_text=json_as_text) for row in rows]

    async def activity(self, flt: RunFilter, *, since: int, until: int) -> list[Activity]:
        """The runs of the filter created in [since, until), grouped by (hour, job, state), with their
        executing times: one statement, reading the runs of the window through the (env_id, created_at)
        or (created_at) index. The hour is integer division of epoch microseconds, the same on both
        databases (SQLite's integer `/` truncates; PostgreSQL's bigint `/` does too)."""
        found = where(flt)
        if found.nothing:
            return []
        found.add("created_at >= ?", since)
        found.add("created_at < ?", until)
        rows = await self._db.hot.all(
            f"SELECT {_HOUR_SQL}, job_name, state, count(*), CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT), count(duration_ms), MAX(duration_ms)"
            f" FROM runs{found.sql()} GROUP BY {_HOUR_SQL}, job_name, state",
            found.params,
        )
        return [Activity(int(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5]), None if r[6] is None else int(r[6])) for r in rows]

    async def get_by_name(self, job_name: str, name: str) -> Run:
        if not storable(job_name, name):
            raise RunNotFound(name)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(runs).where(runs.c.job_name == job_name, runs.c.name == name))).first()
        if row is None:
            raise RunNotFound(name)
        return run_from_row(row)

    async def window(self, flt: RunFilter, *, limit: int, after: Cursor | None = None, before: Cursor | None = None) -> Window:
        """A keyset page, newest first: the `limit` runs older than `after`, or newer than `before`, or the newest.

        Reads limit + 1 rows to know whether more lie beyond, never an offset,
        so a page costs the same at any depth and inserts cannot shift it.
        """
        found = where(flt)
        if found.nothing:
            return Window([], has_older=False, has_newer=False)
        if before is not None:
            newer_than(found, (before.created_at, before.id))
            sql = f"SELECT {LISTED_SQL} FROM runs{found.sql()}{order_by(None, descending=False)} LIMIT ?"
        else:
            if after is not None:
                older_than(found, after)
            sql = f"SELECT {LISTED_SQL} FROM runs{found.sql()}{order_by(None, descending=True)} LIMIT ?"
        rows = await self._db.hot.all(sql, [*found.params, limit + 1])
        more = len(rows) > limit
        json_as_text = self._db.hot.json_as_text
        page = [_listed(row, json_as_text) for row in rows[:limit]]
        if before is not None:
            page.reverse()
            return Window(page, has_older=True, has_newer=more)
        return Window(page, has_older=more, has_newer=after is not None)

    async def cancel(self, run_id: str) -> Run:
        """Cancel a waiting run at once, or ask a running one to stop (cancelling)."""
        if not storable(run_id):
            raise RunNotFound(run_id)
        now = now_us()
        async with self._db.engine.begin() as conn:
            changed = (
                await conn.execute(
                    runs.update()
                    .where(runs.c.id == run_id, runs.c.state.in_(WAITING))
                    .values(state=RunState.CANCELLED.value, completed_at=now, updated_at=now, error="Cancelled by user")
                )
            ).rowcount
            if not changed:
                changed = (
                    await conn.execute(
                        runs.update().where(runs.c.id == run_id, runs.c.state == RunState.RUNNING.value).values(state=RunState.CANCELLING.value, updated_at=now)
                    )
                ).rowcount
        run = await self.get(run_id)
        if not changed and run.state in FINISHED_STATES:
            raise RunConflict(run, f"Job {run_id} has already finished ({run.state.value})")
        return run

    async def _locked(self, conn: Any, run_id: str) -> Run:
        """The run, locked for the rest of the transaction (SQLite's write lock is already held)."""
        if not storable(run_id):
            raise RunNotFound(run_id)
        query = sa.select(runs).where(runs.c.id == run_id)
        row = (await conn.execute(query.with_for_update() if self._db.kind == "postgresql" else query)).first()
        if row is None:
            raise RunNotFound(run_id)
        return run_from_row(row)

    async def oldest_after(self, flt: RunFilter, *, cutoff: int, after: tuple[int, str] | None, limit: int) -> list[Run]:
        """Runs of the filter created by `cutoff`, oldest first, after a (created_at, id) position."""
        found = where(flt)
        if found.nothing:
            return []
        found.add("created_at <= ?", cutoff)
        if after is not None:
            newer_than(found, after)
        return self._runs(
            await self._db.hot.all(f"SELECT {QUOTED_RUN_COLUMNS} FROM runs{found.sql()}{order_by(None, descending=False)} LIMIT ?", [*found.params, limit])
        )

    async def count(self, flt: RunFilter, *, cutoff: int) -> int:
        """How many runs of the filter were created by `cutoff`."""
        found = where(flt)
        if found.nothing:
            return 0
        found.add("created_at <= ?", cutoff)
        row = await self._db.hot.each_time(count_sql(found), found.params)
        return int(row[0]) if row is not None else 0

    async def add_tags(self, run_id: str, tags: list[str], *, limit: int = MAX_TAGS) -> int:
        """Add tags a run does not have yet (TooManyTags beyond `limit` in all, and nothing is added); how many were new."""
        async with self._db.engine.begin() as conn:
            run = await self._locked(conn, run_id)
            new = [tag for tag in dict.fromkeys(tags) if tag not in run.tags]
            if len(run.tags) + len(new) > limit:
                left = ", ".join(f"'{tag}'" for tag in new[limit - len(run.tags) if limit > len(run.tags) else 0 :])
                raise TooManyTags(
                    run, f"Runs can only have {limit} tags, you're trying to set {len(run.tags) + len(new)}. These tags have not been set: {left}."
                )
            if new:
                now = now_us()
                await conn.execute(runs.update().where(runs.c.id == run_id).values(tags=[*run.tags, *new], updated_at=now))
                await conn.execute(run_tags.insert(), [{"run_id": run_id, "tag": tag, "env_id": run.env_id, "created_at": now} for tag in new])
        return len(new)

    async def reschedule(self, run_id: str, delayed_until: int) -> Run:
        """Move a delayed run's start (NotDelayed for a run in any other state); its TTL counts from the new start."""
        async with self._db.engine.begin() as conn:
            run = await self._locked(conn, run_id)
            if run.state is not RunState.DELAYED:
                raise NotDelayed(run, "Cannot reschedule a run that is not delayed")
            expires_at = delayed_until + run.ttl_seconds * 1_000_000 if run.ttl_seconds else None
            row = (
                await conn.execute(
                    runs.update().where(runs.c.id == run_id).values(delayed_until=delayed_until, expires_at=expires_at, updated_at=now_us()).returning(*runs.c)
                )
            ).one()
        return run_from_row(row)

    async def delete(self, run_id: str) -> None:
        """Delete a run unless a worker holds it."""
        if not storable(run_id):
            raise RunNotFound(run_id)
        async with self._db.engine.begin() as conn:
            done = await conn.execute(runs.delete().where(runs.c.id == run_id, runs.c.state.not_in(HELD)))
            if done.rowcount:
                await conn.execute(forget_deleted([run_id]))
        if done.rowcount == 0:
            run = await self.get(run_id)  # raises RunNotFound when it never existed
            raise RunConflict(run, f"Job {run_id} is {run.state.value}; cancel it before deleting it")
