"""Key blocks and standby points move into the store (one home for all data).

Before, key blocks were a GeoPackage and standby points JSON files in one server's instance folder,
so two servers on one PostgreSQL did not see the same ones. Geometry is WKB (WGS-84); the files of
an existing instance are imported on first use (``planner.key_blocks``, ``planner.standby``).

Revision ID: 0007_key_blocks_standby
Revises: 0006_big_node_ids
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_key_blocks_standby"
down_revision = "0006_big_node_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_blocks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False, index=True),
        sa.Column("block_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("squadron", sa.String(64)),
        sa.Column("visits_per_shift", sa.Integer, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("geometry_wkb", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("city", "block_id", name="uq_key_block"),
    )
    op.create_table(
        "standby_solutions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False, index=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("payload_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("city", "mode", name="uq_standby_solution"),
    )


def downgrade() -> None:
    op.drop_table("standby_solutions")
    op.drop_table("key_blocks")
