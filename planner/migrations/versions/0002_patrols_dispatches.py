"""Patrol units and the dispatch log.

Revision ID: 0002_patrols_dispatches
Revises: 0001_incidents
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_patrols_dispatches"
down_revision = "0001_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrols",
        sa.Column("city", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("call_sign", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("base_lon", sa.Float, nullable=False),
        sa.Column("base_lat", sa.Float, nullable=False),
        sa.Column("zone", sa.String(64)),
        sa.Column("squadron", sa.String(128)),
        sa.Column("shift_start", sa.String(5), nullable=False, server_default="00:00"),
        sa.Column("shift_end", sa.String(5), nullable=False, server_default="24:00"),
        sa.Column("status", sa.String(16), nullable=False, server_default="available"),
        sa.Column("last_lon", sa.Float),
        sa.Column("last_lat", sa.Float),
        sa.Column("last_seen_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.Integer),
        sa.Column("patrol_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("zone", sa.String(64)),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("predicted_eta_s", sa.Float, nullable=False),
        sa.Column("target_s", sa.Float, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("candidates_json", sa.Text),
        sa.Column("status", sa.String(16), nullable=False, server_default="assigned"),
        sa.Column("reported_at", sa.DateTime, nullable=False),
        sa.Column("assigned_at", sa.DateTime, nullable=False),
        sa.Column("arrived_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
    )
    op.create_index("ix_dispatches_city", "dispatches", ["city"])
    op.create_index("ix_dispatches_patrol_id", "dispatches", ["patrol_id"])
    op.create_index("ix_dispatches_incident_id", "dispatches", ["incident_id"])


def downgrade() -> None:
    op.drop_table("dispatches")
    op.drop_table("patrols")
