"""Environments, their API keys, and what runs need to be found by environment and tag.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "environments",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("name", name="uq_environments_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("env_id", sa.String(40), sa.ForeignKey("environments.id"), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger),
        sa.UniqueConstraint("secret_hash", name="uq_api_keys_secret_hash"),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("env_id", sa.String(40)))
        batch.add_column(sa.Column("is_test", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_runs_env_created", "runs", ["env_id", "created_at", "id"])
    op.create_index("ix_runs_env_state_created", "runs", ["env_id", "state", "created_at", "id"])
    op.create_index("ix_runs_env_job_created", "runs", ["env_id", "job_name", "created_at", "id"])
    op.create_table(
        "run_tags",
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(128), primary_key=True),
        sa.Column("env_id", sa.String(40)),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_run_tags_tag_created", "run_tags", ["env_id", "tag", "created_at", "run_id"])


def downgrade() -> None:
    op.drop_table("run_tags")
    op.drop_index("ix_runs_env_job_created", "runs")
    op.drop_index("ix_runs_env_state_created", "runs")
    op.drop_index("ix_runs_env_created", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("is_test")
        batch.drop_column("env_id")
    op.drop_table("api_keys")
    op.drop_table("environments")
