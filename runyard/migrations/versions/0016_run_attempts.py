"""Each run's attempts: when each began, on which worker, and how it ended (state, exit code, error).

A run row keeps only its latest attempt's exit code and error; a run page shows them all. Triggers
keep `run_attempts`, so every path that starts or ends an attempt is covered without a second write
in the executor's statements: a claim (attempt + 1) begins one; an attempt's end (the run leaves
running or cancelling: an outcome, a lost lease, a lapsed cancel) records how it ended; a hand-back
(attempt - 1: the worker stopped before starting it) removes it; deleting a run deletes its attempts.
Runs from before this migration have no rows here (their latest attempt is still on the run).

A SQLite migration that rebuilds `runs` (batch_alter_table) drops its triggers: it must create these
again too (create_triggers below).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_HELD = "('running', 'cancelling')"
_BEGIN = "INSERT INTO run_attempts (run_id, number, started_at, worker_id) VALUES (NEW.id, NEW.attempt, NEW.updated_at, NEW.lease_owner)"
_END = (
    "UPDATE run_attempts SET ended_at = NEW.updated_at, state = NEW.state, exit_code = NEW.exit_code, error = NEW.error"
    " WHERE run_id = NEW.id AND number = NEW.attempt"
)
_TAKEN_BACK = "DELETE FROM run_attempts WHERE run_id = NEW.id AND number = OLD.attempt"
_ENDED = f"OLD.state IN {_HELD} AND NEW.state NOT IN {_HELD}"


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION run_attempt_track() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                DELETE FROM run_attempts WHERE run_id = OLD.id;
              ELSIF NEW.attempt > OLD.attempt THEN
                {_BEGIN} ON CONFLICT (run_id, number) DO UPDATE SET started_at = EXCLUDED.started_at,
                  worker_id = EXCLUDED.worker_id, ended_at = NULL, state = NULL, exit_code = NULL, error = NULL;
              ELSIF NEW.attempt < OLD.attempt THEN
                {_TAKEN_BACK};
              ELSIF {_ENDED} THEN
                {_END};
              END IF;
              RETURN NULL;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER run_attempt_update AFTER UPDATE OF attempt, state ON runs FOR EACH ROW "
            f"WHEN (NEW.attempt <> OLD.attempt OR ({_ENDED})) EXECUTE FUNCTION run_attempt_track()"
        )
        op.execute("CREATE TRIGGER run_attempt_delete AFTER DELETE ON runs FOR EACH ROW EXECUTE FUNCTION run_attempt_track()")
        return
    # SQLite's trigger body has no IF: one trigger per case.
    op.execute(
        f"CREATE TRIGGER run_attempt_begin AFTER UPDATE OF attempt ON runs WHEN NEW.attempt > OLD.attempt BEGIN {_BEGIN.replace('INSERT', 'INSERT OR REPLACE', 1)}; END"
    )
    op.execute(f"CREATE TRIGGER run_attempt_taken_back AFTER UPDATE OF attempt ON runs WHEN NEW.attempt < OLD.attempt BEGIN {_TAKEN_BACK}; END")
    op.execute(f"CREATE TRIGGER run_attempt_end AFTER UPDATE OF state ON runs WHEN NEW.attempt = OLD.attempt AND {_ENDED} BEGIN {_END}; END")
    op.execute("CREATE TRIGGER run_attempt_delete AFTER DELETE ON runs BEGIN DELETE FROM run_attempts WHERE run_id = OLD.id; END")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS run_attempt_update ON runs")
        op.execute("DROP TRIGGER IF EXISTS run_attempt_delete ON runs")
        op.execute("DROP FUNCTION IF EXISTS run_attempt_track()")
        return
    for name in ("run_attempt_begin", "run_attempt_taken_back", "run_attempt_end", "run_attempt_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    op.create_table(
        "run_attempts",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("worker_id", sa.String(200)),
        sa.Column("ended_at", sa.BigInteger),
        sa.Column("state", sa.String(20)),  # the run's state as the attempt ended (retrying, queued for a lost lease, or final)
        sa.Column("exit_code", sa.Integer),
        sa.Column("error", sa.Text),
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("run_attempts")
