"""Counts of runs by (environment, session, state), kept by triggers as 0007 keeps them by job: the
native list's total for a session (PraisonAI's `session_id` filter, with or without a status) is a
sum over a few rows instead of a count over every run of the session, which grows with it.

As in 0007, every insert, delete or change of state, environment or session of a run with a session
appends a delta row (+1 for the new tuple, -1 for the old one) to `session_count_deltas`, so no
transaction waits on a counter row; runyard.store.counts folds them into `session_counts`, and a
reader sums both. Runs without a session add nothing.

A SQLite migration that rebuilds `runs` (batch_alter_table) drops its triggers: it must create these
again too (create_triggers below).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TUPLE = "COALESCE({row}.env_id, ''), {row}.session_id, {row}.state"


def _delta(row: str, sign: str) -> str:
    return f"INSERT INTO session_count_deltas (env_id, session_id, state, runs) VALUES ({_TUPLE.format(row=row)}, {sign}1)"


_CHANGED = "OLD.state IS NOT NEW.state OR OLD.env_id IS NOT NEW.env_id OR OLD.session_id IS NOT NEW.session_id"


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION session_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.session_id IS NOT NULL THEN
                {_delta("OLD", "-")};
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.session_id IS NOT NULL THEN
                {_delta("NEW", "")};
              END IF;
              RETURN NULL;
            END $$
            """
        )
        op.execute("CREATE TRIGGER session_count_insert_delete AFTER INSERT OR DELETE ON runs FOR EACH ROW EXECUTE FUNCTION session_count_delta()")
        op.execute(
            "CREATE TRIGGER session_count_update AFTER UPDATE OF state, env_id, session_id ON runs FOR EACH ROW "
            f"WHEN ({_CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')}) EXECUTE FUNCTION session_count_delta()"
        )
        return
    op.execute(f"CREATE TRIGGER session_count_insert AFTER INSERT ON runs WHEN NEW.session_id IS NOT NULL BEGIN {_delta('NEW', '')}; END")
    op.execute(f"CREATE TRIGGER session_count_delete AFTER DELETE ON runs WHEN OLD.session_id IS NOT NULL BEGIN {_delta('OLD', '-')}; END")
    # Two triggers for an update: SQLite's trigger body has no IF, and either side may have no session.
    op.execute(
        f"CREATE TRIGGER session_count_update_old AFTER UPDATE OF state, env_id, session_id ON runs "
        f"WHEN OLD.session_id IS NOT NULL AND ({_CHANGED}) BEGIN {_delta('OLD', '-')}; END"
    )
    op.execute(
        f"CREATE TRIGGER session_count_update_new AFTER UPDATE OF state, env_id, session_id ON runs "
        f"WHEN NEW.session_id IS NOT NULL AND ({_CHANGED}) BEGIN {_delta('NEW', '')}; END"
    )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS session_count_insert_delete ON runs")
        op.execute("DROP TRIGGER IF EXISTS session_count_update ON runs")
        op.execute("DROP FUNCTION IF EXISTS session_count_delta()")
        return
    for name in ("session_count_insert", "session_count_delete", "session_count_update_old", "session_count_update_new"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    op.create_table(
        "session_counts",
        sa.Column("session_id", sa.String(256), primary_key=True),
        sa.Column("state", sa.String(20), primary_key=True),
        sa.Column("env_id", sa.String(40), primary_key=True),
        sa.Column("runs", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "session_count_deltas",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("env_id", sa.String(40), nullable=False),
        sa.Column("session_id", sa.String(256), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("runs", sa.BigInteger, nullable=False),
    )
    # A reader looks up one session's deltas: an index keeps that a lookup however many wait to be folded.
    op.create_index("ix_session_count_deltas_session", "session_count_deltas", ["session_id", "state"])
    op.execute(
        "INSERT INTO session_counts (session_id, state, env_id, runs) "
        "SELECT session_id, state, COALESCE(env_id, ''), count(*) FROM runs WHERE session_id IS NOT NULL "
        "GROUP BY session_id, state, COALESCE(env_id, '')"
    )
    if op.get_bind().dialect.name == "postgresql":
        # As run_count_deltas (0007): every fold deletes what it counted; vacuum after a thousand dead rows.
        op.execute("ALTER TABLE session_count_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000)")
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("session_count_deltas")
    op.drop_table("session_counts")
