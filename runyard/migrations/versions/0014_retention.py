"""Retention: an index of finished runs by job and completion time, so that deleting a job's runs
finished before a cut-off reads only those runs, oldest first, however many runs the table holds.

Partial (`completed_at IS NOT NULL`: only finished runs have a completion time), so submits and
claims, which write runs not yet finished, add nothing to it.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_FINISHED = sa.text("completed_at IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_runs_job_completed", "runs", ["job_name", "completed_at"], sqlite_where=_FINISHED, postgresql_where=_FINISHED)


def downgrade() -> None:
    op.drop_index("ix_runs_job_completed", "runs")
