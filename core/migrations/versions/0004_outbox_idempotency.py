"""core: the outbox of jobs and mail, API idempotency keys (issue 10 item 19); cross-tenant reads
for the reader role only, not for a setting the application role can change (item 16)

Revision ID: core_outbox_idempotency
Revises: core_0002
Create Date: 2026-12-01 09:10:00
"""

import sqlalchemy as sa
from alembic import op

from core.db import CROSS_TENANT_READ_EXPR, CROSS_TENANT_READERS_TABLE, ensure_cross_tenant_readers_table

revision = "core_outbox_idempotency"
down_revision = "core_0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "core_outbox",
        sa.Column("id", _ID, nullable=False),
        sa.Column("job", sa.String(length=120), nullable=False),
        sa.Column("job_tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("countdown", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_outbox")),
    )
    op.create_index(op.f("ix_core_outbox_next_attempt_at"), "core_outbox", ["next_attempt_at"])
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", _ID, nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope_tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_api_idempotency_keys_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_keys")),
        sa.UniqueConstraint(
            "account_id",
            "scope_tenant_id",
            "key",
            name=op.f("uq_api_idempotency_keys_account_id_scope_tenant_id_key"),
        ),
    )
    op.create_index(op.f("ix_api_idempotency_keys_created_at"), "api_idempotency_keys", ["created_at"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.create_table(
            CROSS_TENANT_READERS_TABLE,
            sa.Column("role_name", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("role_name", name=op.f(f"pk_{CROSS_TENANT_READERS_TABLE}")),
        )
        return
    ensure_cross_tenant_readers_table(op)  # tables made before this revision still read the setting
    for table in _tables_with_cross_tenant_policy(bind):
        op.execute(f'ALTER POLICY cross_tenant_read ON "{table}" USING ({CROSS_TENANT_READ_EXPR})')


def _tables_with_cross_tenant_policy(bind) -> list[str]:
    return [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT tablename FROM pg_policies "
            "WHERE schemaname = current_schema() AND policyname = 'cross_tenant_read'"
        )
    ]


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in _tables_with_cross_tenant_policy(bind):
            op.execute(
                f'ALTER POLICY cross_tenant_read ON "{table}" '
                "USING (current_setting('app.cross_tenant_read', true) = 'on')"
            )
    else:
        op.drop_table(CROSS_TENANT_READERS_TABLE)
    op.drop_index(op.f("ix_api_idempotency_keys_created_at"), table_name="api_idempotency_keys")
    op.drop_table("api_idempotency_keys")
    op.drop_index(op.f("ix_core_outbox_next_attempt_at"), table_name="core_outbox")
    op.drop_table("core_outbox")
