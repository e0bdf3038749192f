"""The execution side of the store: claims with leases, heartbeats, outcomes and housekeeping.

Every change a worker makes is guarded by its lease (`lease_owner`): a worker
that lost its lease (it stalled and another took the run over) cannot
overwrite what happened since.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from runyard.domain import Run, RunState
from runyard.store.db import Database
from runyard.store.driver import HotTransaction, Row
from runyard.store.runs import HELD, QUOTED_RUN_COLUMNS, RUN_COLUMNS, RunStore, run_from_tuple
from runyard.store.schema import runs


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended, as the worker saw it."""

    state: RunState  # succeeded, failed, timed_out, system_failure, cancelled, or retrying
    error: str | None = None
    exit_code: int | None = None
    result: Any = None
    duration_ms: int | None = None
    stdout_tail: str | None = None
    stderr_tail: str | None = None
    retry_at: int | None = None


@dataclass(frozen=True)
class Housekeeping:
    promoted: int
    expired: int
    crashed: int
    requeued: int


def _us(seconds: float) -> int:
    return int(seconds * 1_000_000)


# The hot statements of execution, on the driver (runyard.store.driver), in both dialects but for
# two spellings: PostgreSQL's row locks (workers skip each other's candidates instead of queueing on
# them) and how a NULL concurrency key equals another.
_HELD = ", ".join(f"'{state}'" for state in HELD)
_RUN_ORDER = "runs.priority DESC, runs.created_at, runs.id"  # the claim order (index ix_runs_claim_order)
# A run whose job or queue has a concurrency limit: claimed only as the first of a claim (see claim_many).
_LIMITED = (
    "(EXISTS (SELECT 1 FROM jobs WHERE jobs.name = runs.job_name AND jobs.concurrency IS NOT NULL)"
    " OR EXISTS (SELECT 1 FROM queues WHERE queues.name = runs.queue_name AND queues.concurrency_limit IS NOT NULL))"
)
# A run's start is never before its creation: a claimer reads its clock before its statement, and a
# run stored and committed in between (its created_at later than that reading) is claimable too.
_TAKE = (
    "UPDATE runs SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempt = attempt + 1, "
    "started_at = coalesce(started_at, CASE WHEN created_at > ? THEN created_at ELSE ? END), updated_at = ?"
)
_TAKEN = f"RETURNING {QUOTED_RUN_COLUMNS}, {_LIMITED}"
_QUALIFIED_RUN_COLUMNS = ", ".join(f'runs."{name}"' for name in RUN_COLUMNS)
_TAKEN_COLUMNS = ", ".join(f'taken."{name}"' for name in RUN_COLUMNS)


@dataclass(frozen=True)
class _Dialect:
    """The claim's statements as one dialect spells them."""

    ready: str  # a queued run whose job and queue (per concurrency key) have a slot left
    lock: str  # what a candidate's SELECT adds to lock the rows it picks

    @classmethod
    def of(cls, kind: str) -> _Dialect:
        same_key = "IS NOT DISTINCT FROM" if kind == "postgresql" else "IS"
        held_of_job = f"SELECT count(*) FROM runs AS held WHERE held.job_name = jobs.name AND held.state IN ({_HELD})"
        held_in_queue = (
            "SELECT count(*) FROM runs AS queue_held WHERE queue_held.env_id = runs.env_id AND queue_held.queue_name = runs.queue_name"
            f" AND queue_held.concurrency_key {same_key} runs.concurrency_key AND queue_held.state IN ({_HELD})"
        )
        ready = (
            "runs.state = 'queued'"
            " AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.name = runs.job_name AND jobs.concurrency IS NOT NULL"
            f" AND jobs.concurrency <= ({held_of_job}))"
            " AND NOT EXISTS (SELECT 1 FROM queues WHERE queues.name = runs.queue_name AND queues.concurrency_limit IS NOT NULL"
            f" AND queues.concurrency_limit <= ({held_in_queue}))"
        )
        return cls(ready=ready, lock=" FOR UPDATE OF runs SKIP LOCKED" if kind == "postgresql" else "")

    @property
    def claim_first(self) -> str:
        """Take the first ready run: the claim of one slot, a single statement."""
        first = f"SELECT runs.id FROM runs WHERE {self.ready} ORDER BY {_RUN_ORDER} LIMIT 1{self.lock}"
        return f"{_TAKE} WHERE id = ({first}) AND state = 'queued' {_TAKEN}"

    def free_ctes(self, unless: str = "") -> str:
        """PostgreSQL: the first `?` ready runs (`numbered`, each with whether it is under a limit),
        and those before the first under a limit taken (`taken`, their columns), unless `unless`."""
        return (
            "candidates AS ("
            f"SELECT runs.id, runs.priority, runs.created_at, {_LIMITED} AS limited FROM runs WHERE {self.ready}"
            f" ORDER BY {_RUN_ORDER} LIMIT ?{self.lock}),"
            " numbered AS (SELECT id, limited, row_number() OVER (ORDER BY priority DESC, created_at, id) AS n FROM candidates),"
            " free AS (SELECT id FROM numbered WHERE NOT EXISTS (SELECT 1 FROM numbered AS limiting WHERE limiting.limited AND limiting.n <= numbered.n)"
            f"{f' AND NOT ({unless})' if unless else ''}),"
            # Each free run by its key alone. Joined with `free`, or with `state = 'queued'` beside
            # the key, the planner (with statistics from when the table was small) walked the queued
            # runs in claim order to find the few free ones: 1-2 ms a claim behind 3,000 queued runs,
            # growing with the queue. The state needs no second look: `candidates` locked these rows
            # (FOR UPDATE re-reads them as queued), so nothing else has changed them since.
            f" taken AS ({_TAKE} WHERE runs.id = ANY (ARRAY(SELECT id FROM free)) RETURNING {_QUALIFIED_RUN_COLUMNS})"
        )

    @property
    def claim_free(self) -> str:
        """PostgreSQL, in autocommit: take the first `?` ready runs up to the first under a limit, in
        one statement (one round trip: no transaction, which only a limit's recount needs). A row per
        candidate in claim order, (is it under a limit, the run's columns if taken, else NULLs)."""
        return f"WITH {self.free_ctes()} SELECT numbered.limited, {_TAKEN_COLUMNS} FROM numbered LEFT JOIN taken ON taken.id = numbered.id ORDER BY numbered.n"

    @property
    def candidates(self) -> str:
        """The first `?` ready runs in order, each with whether a limit applies to it (locked on PostgreSQL)."""
        return f"SELECT runs.id, {_LIMITED} FROM runs WHERE {self.ready} ORDER BY {_RUN_ORDER} LIMIT ?{self.lock}"


@functools.cache
def _claim_ids(count: int) -> str:
    """Take these `count` runs (chosen, and on PostgreSQL locked, in the same transaction)."""
    return f"{_TAKE} WHERE id IN ({', '.join('?' * count)}) AND state = 'queued' {_TAKEN}"


_JOB_LIMIT = "SELECT concurrency FROM jobs WHERE name = ?"
_QUEUE_LIMIT = "SELECT concurrency_limit FROM queues WHERE name = ?"
_ADVISORY_LOCK = "SELECT pg_advisory_xact_lock(hashtext(?))"
_HELD_OF_JOB = f"SELECT count(*) FROM runs WHERE job_name = ? AND state IN ({_HELD})"
_HELD_IN_QUEUE = f"SELECT count(*) FROM runs WHERE env_id = ? AND queue_name = ? AND concurrency_key IS NOT DISTINCT FROM ? AND state IN ({_HELD})"
_HAND_BACK = (
    "UPDATE runs SET state = 'queued', attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?"
    " WHERE id = ? AND lease_owner = ? AND state = 'running'"
)
_HOLDER = f"WHERE id = ? AND lease_owner = ? AND state IN ({_HELD})"  # this worker still holds the run
_FIELDS = frozenset(RUN_COLUMNS)


@functools.cache
def _heartbeat(fields: tuple[str, ...]) -> str:
    """Renew the lease, writing these columns too."""
    unknown = set(fields) - _FIELDS
    if unknown:
        raise ValueError(f"not columns of runs: {sorted(unknown)}")
    written = "".join(f', "{name}" = ?' for name in fields)
    return f"UPDATE runs SET lease_expires_at = ?, updated_at = ?{written} {_HOLDER} RETURNING state"


@functools.cache
def _finish(state: RunState, counted: bool) -> str:
    """Record an outcome in `state`; `counted`: with a duration to add to the run's (its attempts' sum)."""
    columns = "state = ?, error = ?, exit_code = ?, stdout_tail = ?, stderr_tail = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?"
    if counted:  # a run's duration is its executing time summed over its attempts
        columns += ", duration_ms = coalesce(duration_ms, 0) + ?"
    if state is RunState.RETRYING:
        columns += ", retry_at = ?"
    else:
        columns += ", completed_at = ?, result = ?"
        if state is RunState.SUCCEEDED:
            columns += ", progress_percentage = 100.0"
    return f"UPDATE runs SET {columns} {_HOLDER}"


@functools.cache
def _finish_then_claim_free(sql: _Dialect, state: RunState, counted: bool) -> str:
    """PostgreSQL, in autocommit: an outcome (see _finish) and the claim of `?` ready runs before the
    first under a limit (see _Dialect.claim_free), in one statement. Both see the statement's one
    snapshot, where the finished run still holds its slot: so the claim takes nothing when a limit
    applies to the finished run (the runs that slot lets start are claim_many's), and otherwise the
    finish changes no run's readiness. Rows as claim_free's, after the outcome's count; one row at least."""
    return (
        f"WITH finished AS ({_finish(state, counted)} RETURNING {_LIMITED} AS limited),"
        f" {sql.free_ctes(unless='EXISTS (SELECT 1 FROM finished WHERE finished.limited)')}"
        f" SELECT (SELECT count(*) FROM finished), numbered.limited, {_TAKEN_COLUMNS}"
        " FROM (SELECT 1) AS always LEFT JOIN numbered ON true LEFT JOIN taken ON taken.id = numbered.id ORDER BY numbered.n"
    )


def _outcome_values(tx: HotTransaction, run_id: str, worker_id: str, now: int, outcome: Outcome) -> tuple[Any, ...]:
    """The parameters of _finish(outcome.state, ...) for this outcome."""
    values: list[Any] = [outcome.state.value, outcome.error, outcome.exit_code, outcome.stdout_tail, outcome.stderr_tail, now]
    if outcome.duration_ms is not None:
        values.append(outcome.duration_ms)
    values += [outcome.retry_at] if outcome.state is RunState.RETRYING else [now, tx.json(outcome.result)]
    return (*values, run_id, worker_id)


class _OverLimit(Exception):
    """PostgreSQL: a claim went past a limit a concurrent claim took first (its transaction rolls back)."""


def _in_claim_order(run: Run) -> tuple[int, int, str]:
    return -run.priority, run.created_at, run.id


class RunQueue:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._sql = _Dialect.of(db.kind)

    async def claim(self, worker_id: str, now: int, lease_seconds: float) -> Run | None:
        """Take the ready run that comes first (see claim_many), or None."""
        taken = await self.claim_many(worker_id, now, lease_seconds, 1)
        return taken[0] if taken else None

    async def claim_many(self, worker_id: str, now: int, lease_seconds: float, slots: int) -> list[Run]:
        """Take up to `slots` queued runs, atomically, in claim order: the highest priority first, the
        oldest among equals, then by id; only runs whose job is under its concurrency limit, and whose
        queue is under its own (of its concurrency key, if it has one) in its environment, are ready.

        Every limit is counted before the claim: so that one claim cannot take a limit's last slot
        twice, a run under a limit is taken only as the first of a claim, and the runs taken after
        it are the ready ones that follow it with no limit, up to the first with one. What is taken
        is thus always a prefix of the ready runs in order; the worker asks again for what is left.

        PostgreSQL: FOR UPDATE SKIP LOCKED picks the runs. Runs no limit applies to are taken in one
        statement in autocommit; when the first has a limit, a transaction takes it, and an advisory
        lock per job (per queue and key) serialises a recount, so two workers cannot both take the
        last free slot. SQLite: the claim runs under the database's one write lock, which is as exact.
        """
        params = (worker_id, now + _us(lease_seconds), now, now, now)
        if self._db.kind == "postgresql":
            free = await self._claim_free(params, slots)
            if free is not None:
                return free
        hot = self._db.hot
        try:
            async with hot.transaction() as tx:
                if slots == 1:
                    rows = await tx.all(self._sql.claim_first, params)
                else:
                    rows = await self._claim_prefix(tx, params, slots)
                taken = [(run_from_tuple(row[:-1], json_as_text=hot.json_as_text), bool(row[-1])) for row in rows]
                if self._db.kind == "postgresql":
                    for run, limited in taken:
                        if limited and not await self._within_limits(tx, run):
                            raise _OverLimit
        except _OverLimit:
            return []
        return sorted((run for run, _ in taken), key=_in_claim_order)

    async def _claim_free(self, params: tuple[Any, ...], slots: int) -> list[Run] | None:
        """PostgreSQL: the ready runs before the first under a limit, claimed in one statement; None
        when the first ready run is under a limit (a transaction with its recount takes it)."""
        hot = self._db.hot
        async with hot.writes() as tx:
            rows = await tx.all(self._sql.claim_free, (slots, *params))
        if rows and rows[0][0]:
            return None
        return [run_from_tuple(row[1:], json_as_text=hot.json_as_text) for row in rows if row[1] is not None]

    async def _claim_prefix(self, tx: HotTransaction, params: tuple[Any, ...], slots: int) -> list[Row]:
        """The first ready run and the unlimited ones after it, up to the first limited one or `slots`."""
        candidates = await tx.all(self._sql.candidates, (slots,))
        chosen = candidates[:1]
        chosen += itertools.takewhile(lambda candidate: not candidate[1], candidates[1:])
        if not chosen:
            return []
        return await tx.all(_claim_ids(len(chosen)), (*params, *(candidate[0] for candidate in chosen)))

    async def _within_limits(self, tx: HotTransaction, run: Run) -> bool:
        """PostgreSQL: recount the claimed run's job and queue under advisory locks (two workers may
        both have seen the last free slot); False when the claim went past a limit."""
        limit = await tx.one(_JOB_LIMIT, (run.job_name,))
        if limit is not None and limit[0] is not None:
            await tx.one(_ADVISORY_LOCK, (run.job_name,))
            held = await tx.one(_HELD_OF_JOB, (run.job_name,))
            if held is not None and held[0] > limit[0]:
                return False
        if run.queue_name is not None:
            queue_limit = await tx.one(_QUEUE_LIMIT, (run.queue_name,))
            if queue_limit is not None and queue_limit[0] is not None:
                await tx.one(_ADVISORY_LOCK, (f"queue:{run.env_id}:{run.queue_name}:{run.concurrency_key or ''}",))
                in_queue = await tx.one(_HELD_IN_QUEUE, (run.env_id, run.queue_name, run.concurrency_key))
                if in_queue is not None and in_queue[0] > queue_limit[0]:
                    return False
        return True

    async def heartbeat(self, run_id: str, worker_id: str, now: int, lease_seconds: float, **fields: Any) -> RunState | None:
        """Renew the lease (and write any progress fields); the run's state, or None when the lease is lost."""
        async with self._db.hot.writes() as tx:
            row = await tx.one(_heartbeat(tuple(fields)), (now + _us(lease_seconds), now, *fields.values(), run_id, worker_id))
        return RunState(row[0]) if row else None

    async def finish(self, run_id: str, worker_id: str, now: int, outcome: Outcome) -> bool:
        """Record how an attempt ended; False when this worker no longer holds the run."""
        async with self._db.hot.writes() as tx:
            done = await tx.count(_finish(outcome.state, outcome.duration_ms is not None), _outcome_values(tx, run_id, worker_id, now, outcome))
        return done == 1

    async def finish_and_claim(self, run_id: str, worker_id: str, now: int, outcome: Outcome, lease_seconds: float) -> tuple[bool, list[Run]]:
        """Record how an attempt ended (as finish) and take the next ready run for the slot it frees,
        at once: one transaction on SQLite, where the claim is as claim_many's; one statement on
        PostgreSQL, which takes the next run only when no limit applies to it nor to the finished run
        (see _finish_then_claim_free; claim_many takes the rest). Whether the outcome was recorded,
        and the run taken if any."""
        claim_params = (worker_id, now + _us(lease_seconds), now, now, now)
        hot = self._db.hot
        counted = outcome.duration_ms is not None
        async with hot.writes() as tx:
            outcome_params = _outcome_values(tx, run_id, worker_id, now, outcome)
            if self._db.kind != "postgresql":
                done = await tx.count(_finish(outcome.state, counted), outcome_params)
                rows = await tx.all(self._sql.claim_first, claim_params)
                return done == 1, [run_from_tuple(row[:-1], json_as_text=hot.json_as_text) for row in rows]
            rows = await tx.all(_finish_then_claim_free(self._sql, outcome.state, counted), (*outcome_params, 1, *claim_params))
        taken = [run_from_tuple(row[2:], json_as_text=hot.json_as_text) for row in rows if row[2] is not None]
        return rows[0][0] == 1, taken

    async def change_metadata(self, run_id: str, worker_id: str, operations: list[dict[str, Any]]) -> None:
        """A running job's own metadata operations, while this worker holds its run."""
        await RunStore(self._db).change_metadata(run_id, operations, lease_owner=worker_id)

    async def hand_back(self, run_id: str, worker_id: str, now: int) -> bool:
        """Return a run to the queue on shutdown; the interrupted attempt does not count."""
        async with self._db.hot.writes() as tx:
            done = await tx.count(_HAND_BACK, (now, run_id, worker_id))
        return done == 1

    async def housekeeping(self, now: int) -> Housekeeping:
        """Due delayed and retrying runs become queued; TTLs expire; expired leases end crashed or re-queue."""
        async with self._db.engine.begin() as conn:
            promoted = (
                await conn.execute(
                    runs.update().where(runs.c.state == RunState.DELAYED.value, runs.c.delayed_until <= now).values(state=RunState.QUEUED.value, updated_at=now)
                )
            ).rowcount
            promoted += (
                await conn.execute(
                    runs.update().where(runs.c.state == RunState.RETRYING.value, runs.c.retry_at <= now).values(state=RunState.QUEUED.value, updated_at=now)
                )
            ).rowcount
            expired = (
                await conn.execute(
                    runs.update()
                    .where(runs.c.state.in_([RunState.DELAYED.value, RunState.QUEUED.value]), runs.c.expires_at <= now)
                    .values(
                        state=RunState.EXPIRED.value,
                        completed_at=now,
                        updated_at=now,
                        error=sa.literal("Expired: not started within its TTL of ") + sa.cast(runs.c.ttl_seconds, sa.String) + sa.literal(" s"),
                    )
                )
            ).rowcount
            lapsed = [runs.c.state.in_(HELD), runs.c.lease_expires_at < now]
            cancelled = (
                await conn.execute(
                    runs.update()
                    .where(runs.c.state == RunState.CANCELLING.value, runs.c.lease_expires_at < now)
                    .values(
                        state=RunState.CANCELLED.value, completed_at=now, updated_at=now, lease_owner=None, lease_expires_at=None, error="Cancelled by user"
                    )
                )
            ).rowcount
            requeued = (
                await conn.execute(
                    runs.update()
                    .where(*lapsed, runs.c.attempt < runs.c.max_attempts)
                    .values(
                        state=RunState.QUEUED.value,
                        updated_at=now,
                        lease_owner=None,
                        lease_expires_at=None,
                        error=sa.literal("Attempt ") + sa.cast(runs.c.attempt, sa.String) + sa.literal(" lost: its worker stopped renewing the lease"),
                    )
                )
            ).rowcount
            crashed = (
                await conn.execute(
                    runs.update()
                    .where(*lapsed)
                    .values(
                        state=RunState.CRASHED.value,
                        completed_at=now,
                        updated_at=now,
                        lease_owner=None,
                        lease_expires_at=None,
                        error="Crashed: its worker stopped renewing the lease",
                    )
                )
            ).rowcount
        return Housekeeping(promoted, expired, crashed + cancelled, requeued)
