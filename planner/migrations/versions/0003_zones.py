"""Responsibility zones and their versions.

Revision ID: 0003_zones
Revises: 0002_patrols_dispatches
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_zones"
down_revision = "0002_patrols_dispatches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zone_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("city", "version", name="uq_zone_version"),
    )
    op.create_index("ix_zone_versions_city", "zone_versions", ["city"])
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("zone_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("patrol_ids", sa.Text, nullable=False),
        sa.Column("segments_json", sa.Text, nullable=False),
        sa.Column("polygon_wkt", sa.Text, nullable=False),
        sa.Column("street_km", sa.Float, nullable=False),
    )
    op.create_index("ix_zones_version_id", "zones", ["version_id"])


def downgrade() -> None:
    op.drop_table("zones")
    op.drop_table("zone_versions")
