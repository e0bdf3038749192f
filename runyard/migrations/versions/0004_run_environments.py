"""Every run in an environment; idempotency keys unique per environment.

Runs submitted without a key (the native API on an open server) belong to the environment
`default`, created here when there are such runs. Idempotency keys were unique across the
store, the Trigger.dev dialect prefixing its keys with the environment id; they are now kept
as the client gave them and unique per (environment, key).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from ulid import ULID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# A migration keeps its own copy: it must create the same index whatever the code says later (see 0003).
SHOWN_STATUS_SQL = (
    "CASE state WHEN 'delayed' THEN 'SCHEDULED' WHEN 'queued' THEN 'CREATED' WHEN 'running' THEN 'RUNNING' "
    "WHEN 'retrying' THEN 'RUNNING' WHEN 'cancelling' THEN 'TERMINATION_REQUESTED' WHEN 'succeeded' THEN 'FINISHED' "
    "WHEN 'failed' THEN 'FAILED' WHEN 'timed_out' THEN 'FAILED' WHEN 'crashed' THEN 'FAILED' "
    "WHEN 'system_failure' THEN 'FAILED' WHEN 'cancelled' THEN 'TERMINATED' WHEN 'expired' THEN 'TERMINATED' END"
)


def upgrade() -> None:
    conn = op.get_bind()
    keyless: int = conn.execute(sa.text("SELECT count(*) FROM runs WHERE env_id IS NULL")).scalar_one()
    if keyless:
        default = conn.execute(sa.text("SELECT id FROM environments WHERE name = 'default'")).scalar()
        if default is None:
            default = f"env_{str(ULID()).lower()}"
            now = conn.execute(sa.text("SELECT max(created_at) FROM runs")).scalar() or 0
            conn.execute(sa.text("INSERT INTO environments (id, name, created_at) VALUES (:id, 'default', :now)"), {"id": default, "now": now})
        conn.execute(sa.text("UPDATE runs SET env_id = :env WHERE env_id IS NULL"), {"env": default})
        conn.execute(sa.text("UPDATE run_tags SET env_id = :env WHERE env_id IS NULL"), {"env": default})
    # SQLite rebuilds the table to change a constraint; its reflection cannot carry an expression index over.
    op.drop_index("ix_runs_env_job_shown_status", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("uq_runs_idempotency_key", type_="unique")
    # `<environment id>:<key>` (how the Trigger.dev dialect scoped its keys) becomes `<key>`.
    conn.execute(
        sa.text(
            "UPDATE runs SET idempotency_key = substr(idempotency_key, length(env_id) + 2) "
            "WHERE env_id IS NOT NULL AND substr(idempotency_key, 1, length(env_id) + 1) = env_id || ':'"
        )
    )
    with op.batch_alter_table("runs") as batch:
        batch.create_unique_constraint("uq_runs_env_idempotency_key", ["env_id", "idempotency_key"])
    op.create_index("ix_runs_env_job_shown_status", "runs", ["env_id", "job_name", sa.text(f"({SHOWN_STATUS_SQL})"), "id"])


def downgrade() -> None:
    op.drop_index("ix_runs_env_job_shown_status", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("uq_runs_env_idempotency_key", type_="unique")
        batch.create_unique_constraint("uq_runs_idempotency_key", ["idempotency_key"])
    op.create_index("ix_runs_env_job_shown_status", "runs", ["env_id", "job_name", sa.text(f"({SHOWN_STATUS_SQL})"), "id"])
