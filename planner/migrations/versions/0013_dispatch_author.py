"""A dispatch records who assigned it (the dispatcher's user name; empty for the command line), so a
second dispatcher who chose the same patrol is told who was first.

Revision ID: 0013_dispatch_author
Revises: 0012_crs_datums
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_dispatch_author"
down_revision = "0012_crs_datums"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dispatches") as batch:
        batch.add_column(sa.Column("assigned_by", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispatches") as batch:
        batch.drop_column("assigned_by")
