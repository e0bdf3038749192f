"""The floor: a bare Starlette app answering the benchmark's queries from runyard's database.

`python -m bench.floor --database-url URL --port P` (one uvicorn process, no access log).

It runs the same SQL runyard runs for each case, through the same drivers
(sqlite3, psycopg) and the same JSON encoder (the standard library's), but with
no OpenAPI routing, no validation, no ORM and no models: what is left is the
cost of HTTP, the query and encoding, i.e. what runyard cannot go below on this
machine. It imports nothing from runyard on purpose: the few mappings it needs
are copied here.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

NATIVE_STATUS = {
    "delayed": "queued", "queued": "queued", "retrying": "queued", "running": "running", "cancelling": "running",
    "succeeded": "succeeded", "failed": "failed", "timed_out": "failed", "crashed": "failed", "system_failure": "failed",
    "cancelled": "cancelled", "expired": "cancelled",
}  # fmt: skip
STATES_OF: dict[str, list[str]] = {}
for _state, _status in NATIVE_STATUS.items():
    STATES_OF.setdefault(_status, []).append(_state)
TRIGGER_STATUS = {
    "delayed": "DELAYED", "queued": "QUEUED", "retrying": "QUEUED", "running": "EXECUTING", "cancelling": "EXECUTING",
    "succeeded": "COMPLETED", "failed": "FAILED", "timed_out": "TIMED_OUT", "crashed": "CRASHED",
    "system_failure": "SYSTEM_FAILURE", "cancelled": "CANCELED", "expired": "EXPIRED",
}  # fmt: skip
TF_SORT = {"startTime": "started_at", "duration": "duration_ms"}
RUN_COLUMNS = "id, job_name, job_version, state, session_id, tags, created_at, updated_at, started_at, completed_at, duration_ms, error, exit_code, attempt, name, triggered_by, is_test, progress_percentage, progress_step"


def iso(us: int | None) -> str | None:
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, media_type="application/json")


class Db:
    """Run one query and fetch its rows: blocking sqlite3 on the loop (the cheapest way), or a small psycopg pool."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.kind = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._sqlite: sqlite3.Connection | None = None
        self._pool: asyncio.Queue[Any] | None = None

    async def open(self) -> None:
        if self.kind == "sqlite":
            self._sqlite = sqlite3.connect(self.url.split(":///", 1)[1], check_same_thread=False, isolation_level=None)
            self._sqlite.execute("PRAGMA busy_timeout=10000")
        else:
            import psycopg

            conninfo = self.url.replace("postgresql+psycopg://", "postgresql://")
            self._pool = asyncio.Queue()
            # SQLAlchemy's default pool holds 5 connections (+10 overflow): the same order of size.
            for _ in range(10):
                self._pool.put_nowait(await psycopg.AsyncConnection.connect(conninfo, autocommit=True))

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pool is not None:
            while not self._pool.empty():
                await self._pool.get_nowait().close()

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._sqlite is not None:
            return self._sqlite.execute(sql, params).fetchall()
        assert self._pool is not None
        conn = await self._pool.get()
        try:
            cur = await conn.execute(sql.replace("?", "%s"), params)
            return await cur.fetchall() if cur.description else []
        finally:
            self._pool.put_nowait(conn)

    async def transaction(self, statements: list[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        """Several statements in one transaction (a submit); returns each one's rows."""
        out = []
        if self._sqlite is not None:
            self._sqlite.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    out.append(self._sqlite.execute(sql, params).fetchall())
                self._sqlite.execute("COMMIT")
            except BaseException:
                self._sqlite.execute("ROLLBACK")
                raise
            return out
        assert self._pool is not None
        conn = await self._pool.get()
        try:
            async with conn.transaction():
                for sql, params in statements:
                    cur = await conn.execute(sql.replace("?", "%s"), params)
                    out.append(await cur.fetchall() if cur.description else [])
            return out
        finally:
            self._pool.put_nowait(conn)


def make_app(url: str) -> Starlette:
    db = Db(url)

    async def environment(request: Request) -> tuple[str, str] | None:
        """The key's environment (id, name), as runyard checks a bearer key: one query per request."""
        secret = request.headers.get("authorization", "").removeprefix("Bearer ")
        rows = await db.rows(
            "SELECT api_keys.id, environments.id, environments.name FROM api_keys JOIN environments ON api_keys.env_id = environments.id "
            "WHERE api_keys.secret_hash = ? AND api_keys.revoked_at IS NULL",
            (hashlib.sha256(secret.encode()).hexdigest(),),
        )
        return (rows[0][1], rows[0][2]) if rows else None

    async def status(request: Request) -> Response:
        rows = await db.rows(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (request.path_params["run_id"],))
        if not rows:
            return json_response({"detail": "Job not found"}, 404)
        r = rows[0]
        shown = NATIVE_STATUS[r[3]]
        body: dict[str, Any] = {"job_id": r[0], "status": shown, "progress": {"percentage": r[17], "current_step": r[18]}, "created_at": iso(r[6])}
        if r[8] is not None:
            body["started_at"] = iso(r[8])
        if r[9] is not None:
            body["completed_at"] = iso(r[9])
        if shown in ("queued", "running"):
            body["retry_after"] = 2 if shown == "queued" else 5
        if r[11] is not None and shown not in ("queued", "running"):
            body["error"] = r[11]
        return json_response(body)

    async def native_list(request: Request) -> Response:
        q = request.query_params
        page, size = int(q.get("page", 1)), int(q.get("page_size", 20))
        where, params = [], []
        if "status" in q:
            states = sorted(STATES_OF[q["status"]])
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params += states
        if "session_id" in q:
            where.append("session_id = ?")
            params.append(q["session_id"])
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = (await db.rows(f"SELECT count(*) FROM runs{clause}", params))[0][0]
        rows = []
        if (page - 1) * size < total:
            rows = await db.rows(
                f"SELECT id, state, created_at, session_id FROM runs{clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                [*params, size, (page - 1) * size],
            )
        jobs = [{"job_id": r[0], "status": NATIVE_STATUS[r[1]], "created_at": iso(r[2]), "session_id": r[3]} for r in rows]
        return json_response({"jobs": jobs, "total": total, "page": page, "page_size": size})

    def trigger_item(r: tuple[Any, ...], env: tuple[str, str]) -> dict[str, Any]:
        item = {
            "id": r[0], "status": TRIGGER_STATUS[r[3]], "taskIdentifier": r[1], "version": str(r[2]), "env": {"id": env[0], "name": env[1]},
            "isTest": bool(r[16]), "createdAt": iso(r[6]), "updatedAt": iso(r[7]), "tags": json.loads(r[5]) if isinstance(r[5], str) else r[5],
            "durationMs": r[10] or 0, "costInCents": 0, "baseCostInCents": 0,
        }  # fmt: skip
        if r[8] is not None:
            item["startedAt"] = iso(r[8])
        if r[9] is not None:
            item["finishedAt"] = iso(r[9])
        return item

    async def trigger_list(request: Request) -> Response:
        env = await environment(request)
        if env is None:
            return json_response({"error": "Invalid API key"}, 401)
        q = request.query_params
        size = int(q.get("page[size]", 25))
        where, params = "env_id = ?", [env[0]]
        after = q.get("page[after]")
        if after:
            created, _, run_id = after.rpartition("_run_")
            where += " AND (created_at, id) < (?, ?)"  # the row-value condition runyard's store sends
            params += [int(created), "run_" + run_id]
        rows = await db.rows(f"SELECT {RUN_COLUMNS} FROM runs WHERE {where} ORDER BY created_at DESC, id DESC LIMIT ?", [*params, size + 1])
        page = rows[:size]
        pagination = {"next": f"{page[-1][6]}_{page[-1][0]}"} if len(rows) > size else {}
        if after:
            pagination["previous"] = f"{page[0][6]}_{page[0][0]}" if page else ""
        return json_response({"data": [trigger_item(r, env) for r in page], "pagination": pagination})

    async def tf_list(request: Request) -> Response:
        env = await environment(request)
        if env is None:
            return json_response({"message": "Unauthorized"}, 401)
        q = request.query_params
        jobs = await db.rows("SELECT name, id, version FROM jobs WHERE id = ? OR name = ?", (request.path_params["job"],) * 2)
        if not jobs:
            return json_response({"message": "Job not found"}, 404)
        name, job_id, _ = jobs[0]
        limit, offset = int(q.get("limit", 100)), int(q.get("offset", 0))
        column = TF_SORT.get(q.get("sortBy", ""), "created_at")
        direction = "ASC" if q.get("order") == "asc" else "DESC"
        nulls = " NULLS LAST" if column != "created_at" else ""
        params = [env[0], name]
        total = (await db.rows("SELECT count(*) FROM runs WHERE env_id = ? AND job_name = ?", params))[0][0]
        rows = []
        if offset < total:
            rows = await db.rows(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE env_id = ? AND job_name = ? ORDER BY {column} {direction}{nulls}, id {direction} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        data = [
            {
                "id": r[0], "name": r[14], "applicationName": r[1], "applicationId": job_id, "deploymentVersion": str(r[2]),
                "deploymentId": f"{job_id}:{r[2]}", "createdAt": r[6] // 1000, "endTime": r[9] // 1000 if r[9] else None,
                "duration": r[10] // 1000 if r[10] is not None else None, "totalRetries": max(0, r[13] - 1), "status": r[3], "triggeredBy": r[15],
            }
            for r in rows
        ]  # fmt: skip
        return json_response({"data": data, "pagination": {"total": total, "offset": offset, "limit": limit}})

    async def submit(request: Request) -> Response:
        body = json.loads(await request.body())
        job = body["job"]
        jobs = await db.rows("SELECT version, definition FROM jobs WHERE name = ?", (job,))
        if not jobs:
            return json_response({"detail": "Unknown job"}, 404)
        now = time.time_ns() // 1000
        run_id = f"run_{now // 1000:012x}{secrets.token_hex(7)}"  # unique and time-ordered enough for a floor
        # As runyard: the job's run counter and the run, in one transaction.
        await db.transaction(
            [
                ("UPDATE job_counters SET last_number = last_number + 1 WHERE name = ?", (job,)),
                (
                    (
                        "INSERT INTO runs (id, job_name, job_version, state, tags, input, created_at, updated_at, attempt, max_attempts, progress_percentage, is_test, name) "
                        "VALUES (?, ?, ?, 'queued', '[]', ?, ?, ?, 0, 1, 0.0, ?, CAST(? AS TEXT) || CAST((SELECT last_number FROM job_counters WHERE name = ?) AS TEXT))"
                    ),
                    (run_id, job, jobs[0][0], json.dumps(body.get("input")), now, now, False, f"{job}-", job),
                ),
            ]
        )
        path = f"/api/v1/runs/{run_id}"
        return json_response({"job_id": run_id, "status": "queued", "created_at": iso(now), "poll_url": path, "stream_url": f"{path}/stream"}, 202)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await db.open()
        try:
            yield
        finally:
            await db.close()

    routes = [
        Route("/health", lambda _r: json_response({"status": "ok"})),
        Route("/api/v1/runs", native_list, methods=["GET"]),
        Route("/api/v1/runs", submit, methods=["POST"]),
        Route("/api/v1/runs/{run_id}", status),
        Route("/trigger/api/v1/runs", trigger_list),
        Route("/api/svc/v1/jobs/{job}/runs", tf_list),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The benchmark's floor: bare Starlette over runyard's database.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(make_app(args.database_url), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
