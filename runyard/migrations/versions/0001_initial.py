"""The initial schema: jobs, their versions, and runs with their list indexes.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("concurrency", sa.Integer),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "job_versions",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("job_name", sa.String(128), nullable=False),
        sa.Column("job_version", sa.Integer),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("session_id", sa.String(256)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("input", sa.JSON),
        sa.Column("idempotency_key", sa.String(320)),  # a client key of up to 256, scoped by environment
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
        sa.UniqueConstraint("idempotency_key", name="uq_runs_idempotency_key"),
    )
    op.create_index("ix_runs_created", "runs", ["created_at", "id"])
    op.create_index("ix_runs_state_created", "runs", ["state", "created_at", "id"])
    op.create_index("ix_runs_session_created", "runs", ["session_id", "created_at", "id"])
    op.create_index("ix_runs_session_state_created", "runs", ["session_id", "state", "created_at", "id"])
    op.create_index("ix_runs_job_created", "runs", ["job_name", "created_at", "id"])
    op.create_index("ix_runs_state_delayed", "runs", ["state", "delayed_until"])
    op.create_index("ix_runs_state_retry", "runs", ["state", "retry_at"])
    op.create_index("ix_runs_state_lease", "runs", ["state", "lease_expires_at"])
    op.create_index("ix_runs_state_expires", "runs", ["state", "expires_at"])


def downgrade() -> None:
    op.drop_table("runs")
    op.drop_table("job_versions")
    op.drop_table("jobs")
