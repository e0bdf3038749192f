"""What the TrueFoundry dialect needs: job ids, readable run names, who triggered a run, command overrides.

Revision ID: 0003
Revises: 0002
"""

import secrets

import sqlalchemy as sa
from alembic import op

# A migration keeps its own copy: it must create the same index whatever the code says later.
SHOWN_STATUS_SQL = (
    "CASE state WHEN 'delayed' THEN 'SCHEDULED' WHEN 'queued' THEN 'CREATED' WHEN 'running' THEN 'RUNNING' "
    "WHEN 'retrying' THEN 'RUNNING' WHEN 'cancelling' THEN 'TERMINATION_REQUESTED' WHEN 'succeeded' THEN 'FINISHED' "
    "WHEN 'failed' THEN 'FAILED' WHEN 'timed_out' THEN 'FAILED' WHEN 'crashed' THEN 'FAILED' "
    "WHEN 'system_failure' THEN 'FAILED' WHEN 'cancelled' THEN 'TERMINATED' WHEN 'expired' THEN 'TERMINATED' END"
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("id", sa.String(40)))
        batch.add_column(sa.Column("environments", sa.JSON))
    conn = op.get_bind()
    for (name,) in conn.execute(sa.text("SELECT name FROM jobs")).all():
        conn.execute(sa.text("UPDATE jobs SET id = :id WHERE name = :name"), {"id": f"job_{secrets.token_hex(10)}", "name": name})
    op.create_index("ix_jobs_id", "jobs", ["id"], unique=True)
    # Run numbers per job name, never reset, so `<job>-<n>` names stay unique across delete and re-create.
    op.create_table(
        "job_counters",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("last_number", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("name", sa.String(160)))
        batch.add_column(sa.Column("triggered_by", sa.String(128)))
        batch.add_column(sa.Column("command_override", sa.JSON))
    op.create_index("ix_runs_job_name", "runs", ["job_name", "name"])
    # Sort indexes keep NULLs first, as SQLite always does, so that both directions
    # (ASC NULLS FIRST, and DESC NULLS LAST read backwards) are index scans on both databases.
    nulls_first = " NULLS FIRST" if conn.dialect.name == "postgresql" else ""
    for column in ("started_at", "duration_ms", "job_version", "triggered_by"):
        op.create_index(f"ix_runs_env_job_{column}", "runs", ["env_id", "job_name", sa.text(f"{column}{nulls_first}"), "id"])
    # Sorting by status orders by the status TrueFoundry shows (runyard.store.runs.SHOWN_STATUS_SQL, the same text).
    op.create_index("ix_runs_env_job_shown_status", "runs", ["env_id", "job_name", sa.text(f"({SHOWN_STATUS_SQL})"), "id"])


def downgrade() -> None:
    for column in ("started_at", "duration_ms", "job_version", "triggered_by", "shown_status"):
        op.drop_index(f"ix_runs_env_job_{column}", "runs")
    op.drop_index("ix_runs_job_name", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("command_override")
        batch.drop_column("triggered_by")
        batch.drop_column("name")
    op.drop_table("job_counters")
    op.drop_index("ix_jobs_id", "jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("environments")
        batch.drop_column("id")
