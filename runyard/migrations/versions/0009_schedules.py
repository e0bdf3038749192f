"""Schedules, and the runs they fire: one run per (schedule, due time), by a unique index.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
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
        sa.UniqueConstraint("env_id", "deduplication_key", name="uq_schedules_env_deduplication_key"),
    )
    op.create_index("ix_schedules_due", "schedules", ["active", "next_due_at"])
    # Added columns only: SQLite keeps the table (and migration 0007's triggers) as it is.
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("schedule_id", sa.String(40)))
        batch.add_column(sa.Column("scheduled_for", sa.BigInteger))
    op.create_index("ix_runs_schedule_due", "runs", ["schedule_id", "scheduled_for"], unique=True)
    op.create_index("ix_runs_env_schedule_created", "runs", ["env_id", "schedule_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_runs_env_schedule_created", "runs")
    op.drop_index("ix_runs_schedule_due", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("scheduled_for")
        batch.drop_column("schedule_id")
    op.drop_index("ix_schedules_due", "schedules")
    op.drop_table("schedules")
