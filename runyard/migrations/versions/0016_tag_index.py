"""Tags by name across environments: an index of `run_tags` on (tag, run_id), so that an admin's
native list filtered by a tag over every environment (issue 18's dashboard) finds and counts the
tagged runs with an index seek. ix_run_tags_tag_created leads with env_id and serves one
environment's tag filter only.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_run_tags_tag", "run_tags", ["tag", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_run_tags_tag", "run_tags")
