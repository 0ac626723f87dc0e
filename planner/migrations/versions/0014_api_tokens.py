"""API tokens for machine clients (reports from the hotline or the city platform): name, role, the token's
sha256 (never the token), when made, last used and revoked.

Revision ID: 0014_api_tokens
Revises: 0013_dispatch_author
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_api_tokens"
down_revision = "0013_dispatch_author"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("city", "name", name="uq_api_token"),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
