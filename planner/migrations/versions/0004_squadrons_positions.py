"""Squadrons and the patrols' position tracks.

Revision ID: 0004_squadrons_positions
Revises: 0003_zones
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_squadrons_positions"
down_revision = "0003_zones"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "squadrons",
        sa.Column("city", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("leader", sa.String(128)),
        sa.Column("phone", sa.String(64)),
    )
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("patrol_id", sa.String(64), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_positions_patrol_id", "positions", ["patrol_id"])
    op.create_index("ix_positions_at", "positions", ["at"])


def downgrade() -> None:
    op.drop_table("positions")
    op.drop_table("squadrons")
