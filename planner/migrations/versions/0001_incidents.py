"""Incidents table.

Revision ID: 0001_incidents
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_incidents"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128)),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reported_at", sa.DateTime, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("input_datum", sa.String(8), nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("geocode_confidence", sa.Float),
        sa.Column("geocode_match", sa.Text),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("description", sa.Text),
        sa.Column("segment_u", sa.Integer),
        sa.Column("segment_v", sa.Integer),
        sa.Column("segment_fraction", sa.Float),
        sa.Column("snapped_lon", sa.Float),
        sa.Column("snapped_lat", sa.Float),
        sa.Column("snap_distance_m", sa.Float),
        sa.Column("street_name", sa.Text),
        sa.Column("block_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("city", "external_id", name="uq_incident_external_id"),
    )
    op.create_index("ix_incidents_city", "incidents", ["city"])
    op.create_index("ix_incidents_category", "incidents", ["category"])
    op.create_index("ix_incidents_reported_at", "incidents", ["reported_at"])
    op.create_index("ix_incidents_block_id", "incidents", ["block_id"])


def downgrade() -> None:
    op.drop_table("incidents")
