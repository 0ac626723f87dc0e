"""OSM node ids need 64-bit integers: incidents.segment_u / segment_v become BIGINT.

SQLite stores any integer in its INTEGER type (nothing changes there); PostgreSQL's INTEGER is
32-bit and refuses node ids such as 5530209334.

Revision ID: 0006_big_node_ids
Revises: 0005_users
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_big_node_ids"
down_revision = "0005_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # 64-bit already; no table rebuild
    for column in ("segment_u", "segment_v"):
        op.alter_column("incidents", column, type_=sa.BigInteger, existing_type=sa.Integer)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in ("segment_u", "segment_v"):
        op.alter_column("incidents", column, type_=sa.Integer, existing_type=sa.BigInteger)
