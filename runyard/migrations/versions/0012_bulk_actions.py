"""Bulk actions: cancel or replay every run of a filter (or of a list of ids), processed in the
background a chunk at a time; the runs each touched or made.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_actions",
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
    )
    op.create_index("ix_bulk_actions_status", "bulk_actions", ["status", "lease_expires_at"])
    op.create_index("ix_bulk_actions_env_created", "bulk_actions", ["env_id", "created_at", "id"])
    op.create_table(
        "bulk_action_runs",
        sa.Column("bulk_id", sa.String(40), primary_key=True),
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("env_id", sa.String(40)),
    )
    op.create_index("ix_bulk_action_runs_run", "bulk_action_runs", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_bulk_action_runs_run", "bulk_action_runs")
    op.drop_table("bulk_action_runs")
    op.drop_index("ix_bulk_actions_env_created", "bulk_actions")
    op.drop_index("ix_bulk_actions_status", "bulk_actions")
    op.drop_table("bulk_actions")
