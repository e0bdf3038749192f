"""Schedules declared on jobs in the jobs file (runyard.toml), told apart from those made through an API.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("declarative", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_schedules_env_created", "schedules", ["env_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_schedules_env_created", "schedules")
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("declarative")
