"""The `runyard` command line."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from runyard.settings import (
    DEFAULT_BODY_TIMEOUT_SECONDS,
    DEFAULT_HOST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_PORT,
    DEFAULT_PROMPT_JOB,
    DEFAULT_STORE_WAIT_SECONDS,
    MAX_RETENTION_DAYS,
    default_database_url,
)

if TYPE_CHECKING:  # imported where used, so that `runyard --help` stays quick
    from runyard.runtime import StartupJobs
    from runyard.store.db import Database
    from runyard.store.keys import KeyStore

T = TypeVar("T")

# connexion imports starlette's test client at start, which warns about httpx on every `runyard serve`:
# nothing a user can act on (runyard does not use that client).
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

app = typer.Typer(help="runyard: a self-hosted async-runs server.", no_args_is_help=True, add_completion=False)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar="RUNYARD_DATABASE_URL", help="sqlite:///FILE or postgresql://... (default: a SQLite file in the user data folder)."),
]
JobsFile = Annotated[Path | None, typer.Option("--jobs", help="A runyard.toml defining jobs ([jobs.NAME] tables).", exists=True, dir_okay=False)]
LeaseSeconds = Annotated[float, typer.Option(help="How long a claimed run stays held without a heartbeat.", min=1.0)]
StoreWait = Annotated[
    float,
    typer.Option(
        envvar="RUNYARD_STORE_WAIT",
        help="Seconds a request waits for the store (SQLite's write lock held by another process, a free PostgreSQL connection) before 503.",
        min=0.0,
    ),
]
WebhookAllowPrivate = Annotated[
    bool,
    typer.Option(
        "--webhook-allow-private",
        envvar="RUNYARD_WEBHOOK_ALLOW_PRIVATE",
        help="Let webhooks target private, loopback and link-local addresses (refused by default).",
    ),
]
ShutdownGrace = Annotated[float, typer.Option(help="Seconds running runs get to finish on SIGTERM before they are handed back.", min=0.0)]


def is_loopback(host: str) -> bool:
    """Whether an address to listen on is reachable from this machine only."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _prepare(database_url: str | None, jobs_file: Path | None, store_wait: float) -> tuple[str, Database, StartupJobs]:
    """Open the database (migrating it) and read the jobs file (runyard.runtime.read_jobs_file);
    clear errors for bad input."""
    from runyard.jobs import InvalidJob
    from runyard.runtime import read_jobs_file
    from runyard.store.db import UnsupportedDatabase, open_database

    url = database_url or default_database_url()
    try:
        read = read_jobs_file(jobs_file)
        db = open_database(url, wait_seconds=store_wait)
    except (InvalidJob, UnsupportedDatabase) as exc:
        raise _fail(str(exc)) from None
    return url, db, read


@app.callback()
def _root() -> None:
    """runyard: a self-hosted async-runs server."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    database_url: DatabaseUrl = None,
    jobs_file: JobsFile = None,
    workers: Annotated[int, typer.Option("--workers", help="Embedded worker concurrency (0: no embedded worker).", min=0)] = os.cpu_count() or 1,
    lease_seconds: LeaseSeconds = 15.0,
    shutdown_grace: ShutdownGrace = 30.0,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "info",
    require_keys: Annotated[
        bool, typer.Option("--require-keys", envvar="RUNYARD_REQUIRE_KEYS", help="Secured mode: every operation but /health needs a key.")
    ] = False,
    insecure_open: Annotated[
        bool, typer.Option("--insecure-open", help="Serve open (no key needed) on a non-loopback address anyway: anyone who reaches it is an admin.")
    ] = False,
    max_body_bytes: Annotated[
        int, typer.Option(envvar="RUNYARD_MAX_BODY_BYTES", help="Largest request body taken (413 beyond).", min=1024)
    ] = DEFAULT_MAX_BODY_BYTES,
    body_timeout: Annotated[
        float, typer.Option(envvar="RUNYARD_BODY_TIMEOUT", help="Seconds a client may pause while sending a body (408 beyond).", min=0.1)
    ] = DEFAULT_BODY_TIMEOUT_SECONDS,
    max_input_bytes: Annotated[
        int, typer.Option(envvar="RUNYARD_MAX_INPUT_BYTES", help="Largest run input, as JSON (413 beyond).", min=2)
    ] = DEFAULT_MAX_INPUT_BYTES,
    store_wait: StoreWait = DEFAULT_STORE_WAIT_SECONDS,
    prompt_job: Annotated[
        str | None,
        typer.Option(
            "--prompt-job",
            envvar="RUNYARD_PROMPT_JOB",
            help="The job a prompt submission without `job` runs (default: prompt_job in the jobs file, else praisonai).",
        ),
    ] = None,
    webhook_allow_private: WebhookAllowPrivate = False,
    trust_proxy: Annotated[
        bool,
        typer.Option(
            "--trust-proxy",
            envvar="RUNYARD_TRUST_PROXY",
            help="Behind a reverse proxy: take the client's scheme and host from X-Forwarded-Proto and X-Forwarded-Host.",
        ),
    ] = False,
    max_queued: Annotated[
        int | None,
        typer.Option(
            envvar="RUNYARD_MAX_QUEUED", help="Refuse submits with 503 and Retry-After while this many runs wait to start (default: no limit).", min=1
        ),
    ] = None,
    retention_days: Annotated[
        int | None,
        typer.Option(
            envvar="RUNYARD_RETENTION_DAYS",
            help="Delete finished runs this many days after they finished, in the background, in small batches "
            "(default: keep them; 0 keeps them too). A job's own retention_days wins, and its 0 keeps that job's runs.",
            min=0,
            max=MAX_RETENTION_DAYS,
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            envvar="RUNYARD_PROCESSES",
            help="Server processes sharing the port, each with its own --workers slots (default: one per core on PostgreSQL, "
            "1 on SQLite, whose one write lock the processes would take turns at).",
            min=1,
        ),
    ] = None,
) -> None:
    """Serve the API (docs at /docs) with an embedded worker pool."""
    open_on_network = not require_keys and not is_loopback(host)
    if open_on_network and not insecure_open:
        raise _fail(
            f"refusing to serve {host} without keys: anyone who reaches it could run commands; "
            "add --require-keys (and make keys with `runyard keys create`), or --insecure-open if the network is trusted"
        )
    import uvicorn

    from runyard.domain import RunyardError
    from runyard.jobs import InvalidJob, load_prompt_job
    from runyard.runtime import startup_jobs
    from runyard.serving import ServeOptions, build_app, serve_processes
    from runyard.store.db import UnsupportedDatabase, normalise_url

    url = database_url or default_database_url()
    try:
        jobs = startup_jobs(jobs_file)
        kind = normalise_url(url).kind
    except (InvalidJob, UnsupportedDatabase) as exc:
        raise _fail(str(exc)) from None
    chosen = prompt_job or (load_prompt_job(jobs_file) if jobs_file is not None else None) or DEFAULT_PROMPT_JOB
    if all(job.name != chosen for job in jobs):
        raise _fail(f"--prompt-job {chosen!r} names no job: define it in the jobs file (--jobs)")
    count = processes if processes is not None else (os.cpu_count() or 1) if kind == "postgresql" else 1
    options = ServeOptions(
        database_url=url,
        jobs_file=str(jobs_file) if jobs_file is not None else None,
        workers=workers,
        lease_seconds=lease_seconds,
        shutdown_grace=shutdown_grace,
        require_keys=require_keys,
        max_body_bytes=max_body_bytes,
        body_timeout=body_timeout,
        max_input_bytes=max_input_bytes,
        store_wait=store_wait,
        prompt_job=chosen,
        webhook_allow_private=webhook_allow_private,
        trust_proxy=trust_proxy,
        max_queued=max_queued,
        retention_days=retention_days,
        log_level=log_level,
    )
    try:
        # Built here whatever the number of processes: the database is migrated, the jobs and their
        # schedules stored, and bad input refused once, before any process serves.
        asgi = build_app(options)
    except (InvalidJob, UnsupportedDatabase, RunyardError) as exc:  # a declared schedule the store refuses (a job its environment may not use)
        raise _fail(str(exc)) from None
    if open_on_network:
        typer.echo(f"warning: --insecure-open: serving {host} with no key needed; anyone who reaches it is an admin and can run commands", err=True)
    mode = "keys required" if require_keys else "open (no key needed)"
    typer.echo(
        f"runyard serving http://{host}:{port} (docs at /docs), {mode}, {count} process(es) with {workers} embedded worker slot(s) each, "
        f"store {url.split('@')[-1]}",
        err=True,
    )
    # uvicorn annotates the timeout as an int; it passes it to asyncio.wait_for, which takes any number of seconds.
    # uvicorn applies X-Forwarded-Proto from the addresses it trusts: loopback by default, any with --trust-proxy.
    forwarded = "*" if trust_proxy else "127.0.0.1"
    if count > 1:
        serve_processes(options, count, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=shutdown_grace + 10, forwarded_allow_ips=forwarded)
        return
    uvicorn.run(asgi, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=shutdown_grace + 10, forwarded_allow_ips=forwarded)  # type: ignore[arg-type]


@app.command()
def worker(
    database_url: DatabaseUrl = None,
    jobs_file: JobsFile = None,
    concurrency: Annotated[int, typer.Option(help="Runs executed at once.", min=1)] = os.cpu_count() or 1,
    lease_seconds: LeaseSeconds = 15.0,
    shutdown_grace: ShutdownGrace = 30.0,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "info",
    store_wait: StoreWait = DEFAULT_STORE_WAIT_SECONDS,
    webhook_allow_private: WebhookAllowPrivate = False,
) -> None:
    """Run a worker alone against a database (any number of them may share one)."""
    from runyard.dialects import native
    from runyard.executor.webhooks import WebhookSettings
    from runyard.executor.worker import Worker, WorkerSettings
    from runyard.runtime import apply_declared, install_jobs

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url, db, read = _prepare(database_url, jobs_file, store_wait)
    settings = WorkerSettings(
        concurrency=concurrency,
        lease_seconds=lease_seconds,
        shutdown_grace_seconds=shutdown_grace,
        webhooks=WebhookSettings(allow_private=webhook_allow_private),
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        if jobs_file is not None:
            await install_jobs(db, read.jobs)
        if read.declared_schedules is not None:
            await apply_declared(db, read.declared_schedules, read.queue_limits)
        workers_db = db.separate()  # a worker's connections (Database._hot_options)
        try:
            await Worker(workers_db, settings, webhook_payload=native.webhook_payload).run(stop)
        finally:
            await workers_db.close()
            await db.close()

    typer.echo(f"runyard worker on {url.split('@')[-1]}, concurrency {concurrency}", err=True)
    asyncio.run(main())


from runyard.cli_client import jobs_app, runs_app  # noqa: E402  (the client commands, on the generated client)
from runyard.cli_schedules import schedules_app  # noqa: E402

app.add_typer(runs_app, name="runs")
app.add_typer(jobs_app, name="jobs")
app.add_typer(schedules_app, name="schedules")


@app.command("webhook-secret")
def webhook_secret(database_url: DatabaseUrl = None) -> None:
    """Print the key webhooks are signed with (made on first use; shared by every server on the database)."""
    from runyard.store.webhooks import WebhookStore

    typer.echo(_with_database(database_url, lambda db: WebhookStore(db).signing_key()))


keys_app = typer.Typer(help="Secret API keys of environments (admin keys with --admin).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _with_database(database_url: str | None, action: Callable[[Database], Awaitable[T]]) -> T:
    """Run `action(db)` against the database (migrated first), closing it afterwards."""
    from runyard.store.db import UnsupportedDatabase, open_database

    try:
        db = open_database(database_url or default_database_url())
    except UnsupportedDatabase as exc:
        raise _fail(str(exc)) from None

    async def run() -> T:
        try:
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(run())


def _with_keys(database_url: str | None, action: Callable[[KeyStore], Awaitable[T]]) -> T:
    """Run `action(KeyStore)` against the database, closing it afterwards."""
    from runyard.store.keys import KeyStore

    return _with_database(database_url, lambda db: action(KeyStore(db)))


@keys_app.command("create")
def keys_create(
    env: Annotated[str, typer.Option("--env", help="Environment name: dev, staging, prod, ... (created on first use).")],
    expires_in: Annotated[str | None, typer.Option("--expires-in", help="Refuse the key after this long: 90d, 12h, 2w, 1h30m (default: never).")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="An admin key: sees every environment, defines jobs, manages keys.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key and print its secret once (it is stored only as a hash)."""
    from runyard.domain import InvalidEnvironment
    from runyard.timeutil import DURATION, duration_seconds, to_iso

    if expires_in is not None and not (DURATION.fullmatch(expires_in) and duration_seconds(expires_in) > 0):
        raise _fail(f"invalid --expires-in {expires_in!r}: use a duration such as 90d, 12h, 2w or 1h30m")
    lifetime = duration_seconds(expires_in) if expires_in is not None else None
    try:
        key, secret = _with_keys(database_url, lambda store: store.create_key(env, admin=admin, expires_in_seconds=lifetime))
    except InvalidEnvironment as exc:
        raise _fail(str(exc)) from None
    until = f", expiring {to_iso(key.expires_at)}" if key.expires_at is not None else ""
    kind = "an admin key" if key.admin else "a key"
    typer.echo(f"Created {kind} {key.id} for environment {key.environment.name}{until}. Keep the secret now; it is not shown again:", err=True)
    typer.echo(secret)


@keys_app.command("list")
def keys_list(database_url: DatabaseUrl = None) -> None:
    """List keys (id, environment, admin, prefix, created, expires, last used, revoked)."""
    from rich.console import Console
    from rich.table import Column, Table

    from runyard.timeutil import to_iso

    keys = _with_keys(database_url, lambda store: store.list_keys())
    # An id is what `keys revoke` takes: it keeps its full width, the other columns give way.
    table = Table(Column("id", no_wrap=True, min_width=30), "environment", "admin", "prefix", "created", "expires", "last used", "revoked")
    for key in keys:
        table.add_row(
            key.id,
            key.environment.name,
            "admin" if key.admin else "",
            key.prefix + "...",
            to_iso(key.created_at),
            to_iso(key.expires_at) if key.expires_at else "never",
            to_iso(key.last_used_at) if key.last_used_at else "",
            to_iso(key.revoked_at) if key.revoked_at else "",
        )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from `runyard keys list`).")], database_url: DatabaseUrl = None) -> None:
    """Revoke a key: it stops working at once."""
    from runyard.domain import KeyNotFound

    try:
        _with_keys(database_url, lambda store: store.revoke(key_id))
    except KeyNotFound:
        raise _fail(f"no key {key_id!r}") from None
    typer.echo(f"Revoked {key_id}.", err=True)


def main() -> None:
    app()
