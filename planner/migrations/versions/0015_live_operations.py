"""Live operations: a position keeps the phone's accuracy (metres); a dispatch keeps when the officer accepted
it and, when closed, the outcome and a short note; the audit log (append-only: the database itself refuses
to update or delete its rows).

Revision ID: 0015_live_operations
Revises: 0014_api_tokens
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_live_operations"
down_revision = "0014_api_tokens"
branch_labels = None
depends_on = None

_SQLITE_GUARDS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]
_POSTGRES_GUARDS = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("accuracy_m", sa.Float, nullable=True))
    with op.batch_alter_table("dispatches") as batch:
        batch.add_column(sa.Column("accepted_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(32), nullable=True))
        batch.add_column(sa.Column("close_note", sa.Text, nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("origin", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False, index=True),
        sa.Column("subject", sa.String(128), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
    )
    guards = _POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else _SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.drop_table("audit_log")
    with op.batch_alter_table("dispatches") as batch:
        batch.drop_column("close_note")
        batch.drop_column("outcome")
        batch.drop_column("accepted_at")
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("accuracy_m")
