"""Tables of the store. Alembic migrations create them; this module names them for queries.

Times are BigInteger epoch microseconds (see runyard.timeutil).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("id", sa.String(40), unique=True),
    # Environment names whose keys may see the job through the TrueFoundry dialect (null: every one).
    sa.Column("environments", sa.JSON),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("concurrency", sa.Integer),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

job_counters = sa.Table(
    "job_counters",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("last_number", sa.BigInteger, nullable=False),
)

job_versions = sa.Table(
    "job_versions",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

environments = sa.Table(
    "environments",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("name", name="uq_environments_name"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("env_id", sa.String(40), sa.ForeignKey("environments.id"), nullable=False),
    sa.Column("prefix", sa.String(48), nullable=False),  # tr_<environment, up to 32>_ and 4 characters
    # Only a SHA-256 of the secret is kept: a leaked database leaks no usable key.
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger),
    sa.Column("expires_at", sa.BigInteger),  # null: never
    sa.Column("last_used_at", sa.BigInteger),  # written at most once a minute (see runyard.store.keys)
    sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()),  # sees every environment, decides what runs
    sa.UniqueConstraint("secret_hash", name="uq_api_keys_secret_hash"),
)


def _only_with(column: str) -> dict[str, Any]:
    """A partial index's options: only runs whose `column` is set."""
    where = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("job_name", sa.String(128), nullable=False),
    sa.Column("job_version", sa.Integer),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("session_id", sa.String(256)),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("input", sa.JSON),
    sa.Column("idempotency_key", sa.String(320)),  # a client's key (up to 256), unique within its environment
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("delayed_until", sa.BigInteger),
    sa.Column("ttl_seconds", sa.Integer),
    sa.Column("started_at", sa.BigInteger),
    sa.Column("completed_at", sa.BigInteger),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("progress_percentage", sa.Float, nullable=False),
    sa.Column("progress_step", sa.Text),
    sa.Column("result", sa.JSON),
    sa.Column("error", sa.Text),
    sa.Column("exit_code", sa.Integer),
    sa.Column("lease_owner", sa.String(128)),
    sa.Column("lease_expires_at", sa.BigInteger),
    sa.Column("expires_at", sa.BigInteger),
    sa.Column("retry_at", sa.BigInteger),
    sa.Column("duration_ms", sa.BigInteger),
    sa.Column("stdout_tail", sa.Text),
    sa.Column("stderr_tail", sa.Text),
    sa.Column("env_id", sa.String(40)),  # every run's environment (runs without a key: `default`)
    sa.UniqueConstraint("env_id", "idempotency_key", name="uq_runs_env_idempotency_key"),
    sa.Column("is_test", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("name", sa.String(160)),  # `<job>-<n>`, readable and unique per job
    sa.Column("triggered_by", sa.String(128)),  # the API key that submitted the run, if any
    sa.Column("command_override", sa.JSON),  # an argv replacing the job's command for this run
    sa.Column("timeout_seconds", sa.Integer),  # this run's own timeout, else the job's
    sa.Column("schedule_id", sa.String(40)),  # the schedule that fired the run, if one did
    sa.Column("scheduled_for", sa.BigInteger),  # and the due time it fired it for (unique with schedule_id)
    # Migration 0011: what a trigger may ask beyond the input.
    sa.Column("metadata", sa.JSON),  # a JSON object (runyard.domain.metadata), at most 256 KiB
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),  # claim order among ready runs: higher first
    sa.Column("queue_name", sa.String(128)),  # a queue's limit applies (per concurrency key, if any)
    sa.Column("concurrency_key", sa.String(256)),
    sa.Column("machine", sa.String(32)),  # recorded and shown, not acted on
    sa.Column("region", sa.String(64)),  # recorded and shown, not acted on
    sa.Column("batch_id", sa.String(40)),  # the batch it was triggered in
    sa.Column("idempotency_expires_at", sa.BigInteger),  # after it the key no longer returns this run
    # Each list filter has an index ending in (created_at, id), the list order,
    # so a page is read from the index without sorting the whole match. An index that only runs with
    # a value need holds only those (migration 0018): a claim or an outcome of a plain run writes none.
    sa.Index("ix_runs_schedule_due", "schedule_id", "scheduled_for", unique=True),  # one run per due time
    sa.Index("ix_runs_env_batch_created", "env_id", "batch_id", "created_at", "id", **_only_with("batch_id")),
    sa.Index("ix_runs_claim_order", "state", sa.text("priority DESC"), "created_at", "id"),  # the claim's order
    sa.Index("ix_runs_queue_held", "env_id", "queue_name", "concurrency_key", "state", **_only_with("queue_name")),  # a queue's runs held by workers
    sa.Index("ix_runs_env_schedule_created", "env_id", "schedule_id", "created_at", "id", **_only_with("schedule_id")),
    sa.Index("ix_runs_created", "created_at", "id"),
    sa.Index("ix_runs_state_created", "state", "created_at", "id"),
    sa.Index("ix_runs_session_created", "session_id", "created_at", "id", **_only_with("session_id")),
    sa.Index("ix_runs_session_state_created", "session_id", "state", "created_at", "id", **_only_with("session_id")),
    sa.Index("ix_runs_job_created", "job_name", "created_at", "id"),
    # The worker's housekeeping: due delayed/retrying runs, expired leases, TTLs.
    sa.Index("ix_runs_state_delayed", "state", "delayed_until", **_only_with("delayed_until")),
    sa.Index("ix_runs_state_retry", "state", "retry_at", **_only_with("retry_at")),
    sa.Index("ix_runs_state_lease", "state", "lease_expires_at", **_only_with("lease_expires_at")),
    sa.Index("ix_runs_state_expires", "state", "expires_at", **_only_with("expires_at")),
    sa.Index("ix_runs_env_created", "env_id", "created_at", "id"),
    sa.Index("ix_runs_env_state_created", "env_id", "state", "created_at", "id"),
    sa.Index("ix_runs_env_job_created", "env_id", "job_name", "created_at", "id"),
    sa.Index("ix_runs_job_name", "job_name", "name"),
    # Retention: a job's finished runs, oldest completion first (migration 0013; runyard.store.retention).
    sa.Index(
        "ix_runs_job_completed",
        "job_name",
        "completed_at",
        sqlite_where=sa.text("completed_at IS NOT NULL"),
        postgresql_where=sa.text("completed_at IS NOT NULL"),
    ),
    # One index per TrueFoundry sort key, each ending in id: sorted pages with stable ties
    # (on PostgreSQL created NULLS FIRST by migration 0003, matching SQLite's NULL order).
    *(sa.Index(f"ix_runs_env_job_{c}", "env_id", "job_name", c, "id") for c in ("started_at", "duration_ms", "job_version", "triggered_by")),
    # and ix_runs_env_job_shown_status on (env_id, job_name, SHOWN_STATUS_SQL, id), see runyard.store.runs
)

# One row per tag of a run, so that a tag filter reads an index instead of every run's JSON.
run_tags = sa.Table(
    "run_tags",
    metadata,
    sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String(128), primary_key=True),
    sa.Column("env_id", sa.String(40)),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_run_tags_tag_created", "env_id", "tag", "created_at", "run_id"),
    sa.Index("ix_run_tags_tag", "tag", "run_id"),  # a tag over every environment (an admin's list; migration 0017)
)

# Counts of runs by (environment, job, state), kept by triggers on `runs` (migration 0007): changes
# append deltas, housekeeping folds them into the counts (runyard.store.counts).
run_counts = sa.Table(
    "run_counts",
    metadata,
    sa.Column("env_id", sa.String(40), primary_key=True),
    sa.Column("job_name", sa.String(128), primary_key=True),
    sa.Column("state", sa.String(20), primary_key=True),
    sa.Column("runs", sa.BigInteger, nullable=False),
    sa.Column("keyed", sa.BigInteger, nullable=False),
)

run_count_deltas = sa.Table(
    "run_count_deltas",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("env_id", sa.String(40), nullable=False),
    sa.Column("job_name", sa.String(128), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("runs", sa.BigInteger, nullable=False),
    sa.Column("keyed", sa.BigInteger, nullable=False),
)


# Counts of runs by (environment, session, state), kept as run_counts is (migration 0015).
session_counts = sa.Table(
    "session_counts",
    metadata,
    sa.Column("session_id", sa.String(256), primary_key=True),
    sa.Column("state", sa.String(20), primary_key=True),
    sa.Column("env_id", sa.String(40), primary_key=True),
    sa.Column("runs", sa.BigInteger, nullable=False),
)

session_count_deltas = sa.Table(
    "session_count_deltas",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("env_id", sa.String(40), nullable=False),
    sa.Column("session_id", sa.String(256), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("runs", sa.BigInteger, nullable=False),
    sa.Index("ix_session_count_deltas_session", "session_id", "state"),
)

# A run's attempts, kept by triggers on `runs` (migration 0016): each claim begins one, the run leaving
# running or cancelling ends it, a hand-back removes it, and deleting the run deletes them.
run_attempts = sa.Table(
    "run_attempts",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("started_at", sa.BigInteger, nullable=False),
    sa.Column("worker_id", sa.String(200)),
    sa.Column("ended_at", sa.BigInteger),
    sa.Column("state", sa.String(20)),
    sa.Column("exit_code", sa.Integer),
    sa.Column("error", sa.Text),
)

# A run's webhook, written with the run at submit and sent by workers once it has finished (migration 0008).
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # pending, delivered, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
    sa.Column("lease_owner", sa.String(128)),  # the worker sending it now, until lease_expires_at
    sa.Column("lease_expires_at", sa.BigInteger),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("delivered_at", sa.BigInteger),
    sa.Index("ix_webhook_deliveries_run", "run_id"),
    sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
)

# What every server and worker on the database shares: the key webhooks are signed with, ...
server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# Cron schedules (migration 0009): each due time fires one run (runs.schedule_id, runs.scheduled_for).
schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("env_id", sa.String(40), nullable=False),
    sa.Column("job_name", sa.String(128), nullable=False),
    sa.Column("cron", sa.String(256), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("input", sa.JSON),
    sa.Column("external_id", sa.String(256)),
    sa.Column("deduplication_key", sa.String(256)),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("overlap", sa.String(10), nullable=False),  # allow, skip, replace
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("next_due_at", sa.BigInteger, nullable=False),
    sa.Column("last_due_at", sa.BigInteger),
    sa.Column("declarative", sa.Boolean, nullable=False, server_default=sa.false()),  # migration 0010: from the jobs file
    sa.UniqueConstraint("env_id", "deduplication_key", name="uq_schedules_env_deduplication_key"),
    sa.Index("ix_schedules_due", "active", "next_due_at"),
    sa.Index("ix_schedules_env_created", "env_id", "created_at", "id"),  # pages of an environment's schedules
)

# Batches of runs triggered together (migration 0011): their runs carry batch_id.
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("env_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # PENDING until its items are stored, then COMPLETED
    sa.Column("run_count", sa.Integer, nullable=False),
    sa.Column("idempotency_key", sa.String(320)),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("completed_at", sa.BigInteger),
    sa.Column("run_ids", sa.JSON),  # the runs of its items, in item order
    sa.UniqueConstraint("env_id", "idempotency_key", name="uq_batches_env_idempotency_key"),
)

# Queues' concurrency limits (migration 0011): at most this many runs of a queue run at once in an
# environment, or of one concurrency key within it.
queues = sa.Table(
    "queues",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("concurrency_limit", sa.Integer),  # null: no limit
    sa.Column("source", sa.String(10), nullable=False),  # file (runyard.toml, an admin's) or trigger (a trigger's queue option)
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

# Bulk actions (migration 0012): cancel or replay the runs of a filter (or of ids), a chunk at a time.
bulk_actions = sa.Table(
    "bulk_actions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("env_id", sa.String(40), nullable=False),
    sa.Column("name", sa.String(255)),
    sa.Column("kind", sa.String(10), nullable=False),  # CANCEL, REPLAY
    sa.Column("status", sa.String(10), nullable=False),  # PENDING, COMPLETED, ABORTED
    sa.Column("selection", sa.JSON, nullable=False),  # the run filter, or the run ids
    sa.Column("cutoff", sa.BigInteger, nullable=False),  # runs created after it are not selected
    sa.Column("cursor_created_at", sa.BigInteger),  # the last run done, in (created_at, id) order
    sa.Column("cursor_id", sa.String(40)),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("success", sa.Integer, nullable=False),
    sa.Column("failure", sa.Integer, nullable=False),
    sa.Column("lease_owner", sa.String(128)),
    sa.Column("lease_expires_at", sa.BigInteger),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("completed_at", sa.BigInteger),
    sa.Index("ix_bulk_actions_status", "status", "lease_expires_at"),
    sa.Index("ix_bulk_actions_env_created", "env_id", "created_at", "id"),
)

# The runs a bulk action cancelled or made (filter[bulkAction]).
bulk_action_runs = sa.Table(
    "bulk_action_runs",
    metadata,
    sa.Column("bulk_id", sa.String(40), primary_key=True),
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("env_id", sa.String(40)),
    sa.Index("ix_bulk_action_runs_run", "run_id"),
)
