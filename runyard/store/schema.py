"""Tables of the store. Alembic migrations create them; this module names them for queries.

Times are BigInteger epoch microseconds (see runyard.timeutil).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("concurrency", sa.Integer),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

job_versions = sa.Table(
    "job_versions",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

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
    sa.Column("idempotency_key", sa.String(256)),
    sa.UniqueConstraint("idempotency_key", name="uq_runs_idempotency_key"),
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
    # Each list filter has an index ending in (created_at, id), the list order,
    # so a page is read from the index without sorting the whole match.
    sa.Index("ix_runs_created", "created_at", "id"),
    sa.Index("ix_runs_state_created", "state", "created_at", "id"),
    sa.Index("ix_runs_session_created", "session_id", "created_at", "id"),
    sa.Index("ix_runs_session_state_created", "session_id", "state", "created_at", "id"),
    sa.Index("ix_runs_job_created", "job_name", "created_at", "id"),
    # The worker's housekeeping: due delayed/retrying runs, expired leases, TTLs.
    sa.Index("ix_runs_state_delayed", "state", "delayed_until"),
    sa.Index("ix_runs_state_retry", "state", "retry_at"),
    sa.Index("ix_runs_state_lease", "state", "lease_expires_at"),
    sa.Index("ix_runs_state_expires", "state", "expires_at"),
)
