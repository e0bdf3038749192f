"""Webhook deliveries, stored with their run at submit; the server's own secrets; a run's own timeout;
room for the prefix of a key of a long environment name.

A delivery row is written in the submit's transaction, so a run that was acknowledged has its
webhook for good; workers send it once the run has finished, retry it with backoff, and record
every attempt here (runyard.store.webhooks). `server_secrets` holds what every server and worker
on the database must share, such as the key webhooks are signed with.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A key's shown prefix is `tr_<environment>_` and 4 more characters: 40 for a 32-character
    # environment name, past the 32 the column had (PostgreSQL refused such keys with a 500).
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("prefix", type_=sa.String(48), existing_type=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("timeout_seconds", sa.Integer))  # this run's own timeout (PraisonAI's `timeout`), else the job's
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),  # pending, delivered, failed
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_expires_at", sa.BigInteger),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("delivered_at", sa.BigInteger),
    )
    op.create_index("ix_webhook_deliveries_run", "webhook_deliveries", ["run_id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")
    op.drop_index("ix_webhook_deliveries_due", "webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_run", "webhook_deliveries")
    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("timeout_seconds")
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("prefix", type_=sa.String(32), existing_type=sa.String(48), existing_nullable=False)
