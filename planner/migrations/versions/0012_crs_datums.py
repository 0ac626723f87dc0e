"""Incidents may be given in a projected CRS (``EPSG:4549``, a bureau's own layer): the input datum
column holds such a code (up to 16 characters).

Revision ID: 0012_crs_datums
Revises: 0011_sign_in_sessions
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_crs_datums"
down_revision = "0011_sign_in_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("input_datum", type_=sa.String(16), existing_type=sa.String(8), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("input_datum", type_=sa.String(8), existing_type=sa.String(16), existing_nullable=False)
