"""Today's planned routes are kept in the store, so every server shows an officer the same route.

Revision ID: 0008_planned_routes
Revises: 0007_key_blocks_standby
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_planned_routes"
down_revision = "0007_key_blocks_standby"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "planned_routes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False, index=True),
        sa.Column("patrol_id", sa.String(64), nullable=False),
        sa.Column("plan_key", sa.String(64), nullable=False),
        sa.Column("payload_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("city", "patrol_id", "plan_key", name="uq_planned_route"),
    )


def downgrade() -> None:
    op.drop_table("planned_routes")
