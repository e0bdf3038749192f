"""What a trigger may ask of a run beyond its input: metadata, a priority, a queue and a concurrency
key, a machine and a region (recorded), the batch it came in, when its idempotency key expires;
batches themselves, and queues' concurrency limits.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added columns only: SQLite keeps the table (and migration 0007's triggers) as it is.
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("metadata", sa.JSON))
        batch.add_column(sa.Column("priority", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("queue_name", sa.String(128)))
        batch.add_column(sa.Column("concurrency_key", sa.String(256)))
        batch.add_column(sa.Column("machine", sa.String(32)))
        batch.add_column(sa.Column("region", sa.String(64)))
        batch.add_column(sa.Column("batch_id", sa.String(40)))
        batch.add_column(sa.Column("idempotency_expires_at", sa.BigInteger))
    op.create_index("ix_runs_env_batch_created", "runs", ["env_id", "batch_id", "created_at", "id"])
    op.create_index("ix_runs_claim_order", "runs", ["state", sa.text("priority DESC"), "created_at", "id"])
    op.create_index("ix_runs_queue_held", "runs", ["env_id", "queue_name", "concurrency_key", "state"])
    op.create_table(
        "queues",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("concurrency_limit", sa.Integer),  # null: no limit
        sa.Column("source", sa.String(10), nullable=False),  # file (runyard.toml, an admin's) or trigger (a trigger's queue option)
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "batches",
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


def downgrade() -> None:
    op.drop_table("queues")
    op.drop_table("batches")
    op.drop_index("ix_runs_queue_held", "runs")
    op.drop_index("ix_runs_claim_order", "runs")
    op.drop_index("ix_runs_env_batch_created", "runs")
    with op.batch_alter_table("runs") as batch:
        for column in ("idempotency_expires_at", "batch_id", "region", "machine", "concurrency_key", "queue_name", "priority", "metadata"):
            batch.drop_column(column)
