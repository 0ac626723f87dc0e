"""Users and their roles.

Revision ID: 0005_users
Revises: 0004_squadrons_positions
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_users"
down_revision = "0004_squadrons_positions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("patrol_id", sa.String(64)),
        sa.UniqueConstraint("city", "username", name="uq_user"),
    )


def downgrade() -> None:
    op.drop_table("users")
