"""Sign-in sessions kept on the server, so that signing out (or a password change) ends them everywhere;
failed sign-ins counted per account and per address, for throttling; users whose printed password
must be changed at first sign-in.

Revision ID: 0011_sign_in_sessions
Revises: 0010_jobs
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_sign_in_sessions"
down_revision = "0010_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "sign_in_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failure_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
    op.drop_table("sign_in_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
