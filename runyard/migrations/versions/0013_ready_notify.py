"""PostgreSQL: a notification on channel `runyard_ready` whenever runs are stored, or a run goes
back to the queue, so that idle workers in every process start it at once instead of at their next
poll (runyard.store.notify); and one on `runyard_changed`, with the run's id, when a run's state,
progress or metadata changes or the run is deleted, so that open streams are told instead of
polling (runyard.watcher). A heartbeat that changes none of these notifies nothing. SQLite has no
such thing: its other processes poll.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # NOTIFY is sent at commit, once per transaction for the same channel and payload: a batch of
    # a thousand runs is one notification, and a rolled-back submit sends none.
    op.execute(
        """
        CREATE FUNCTION runyard_notify_ready() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('runyard_ready', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute("CREATE TRIGGER runs_stored_ready AFTER INSERT ON runs FOR EACH STATEMENT EXECUTE FUNCTION runyard_notify_ready()")
    op.execute(
        "CREATE TRIGGER runs_requeued_ready AFTER UPDATE OF state ON runs FOR EACH ROW "
        "WHEN (NEW.state = 'queued' AND OLD.state IS DISTINCT FROM 'queued') EXECUTE FUNCTION runyard_notify_ready()"
    )
    op.execute(
        """
        CREATE FUNCTION runyard_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('runyard_changed', COALESCE(NEW.id, OLD.id));
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER runs_changed AFTER UPDATE ON runs FOR EACH ROW WHEN ("
        "OLD.state IS DISTINCT FROM NEW.state OR OLD.progress_percentage IS DISTINCT FROM NEW.progress_percentage "
        "OR OLD.progress_step IS DISTINCT FROM NEW.progress_step OR OLD.metadata::text IS DISTINCT FROM NEW.metadata::text"
        ") EXECUTE FUNCTION runyard_notify_changed()"
    )
    op.execute("CREATE TRIGGER runs_deleted AFTER DELETE ON runs FOR EACH ROW EXECUTE FUNCTION runyard_notify_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS runs_deleted ON runs")
    op.execute("DROP TRIGGER IF EXISTS runs_changed ON runs")
    op.execute("DROP FUNCTION IF EXISTS runyard_notify_changed()")
    op.execute("DROP TRIGGER IF EXISTS runs_requeued_ready ON runs")
    op.execute("DROP TRIGGER IF EXISTS runs_stored_ready ON runs")
    op.execute("DROP FUNCTION IF EXISTS runyard_notify_ready()")
