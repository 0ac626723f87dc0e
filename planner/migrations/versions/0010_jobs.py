"""Background jobs: state, progress and results in the store, so every server and worker sees them.

Revision ID: 0010_jobs
Revises: 0009_postgis_geometry
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_jobs"
down_revision = "0009_postgis_geometry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("city", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("params_json", sa.Text, nullable=False),
        sa.Column("active_key", sa.String(64), nullable=True, unique=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("step", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("result_json", sa.Text, nullable=True),
        sa.Column("result_file", sa.LargeBinary, nullable=True),
        sa.Column("result_filename", sa.String(128), nullable=True),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker", sa.String(128), nullable=True),
        sa.Column("cancel_requested", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("enqueued_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("heartbeat_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("jobs")
