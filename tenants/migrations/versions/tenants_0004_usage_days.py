"""tenant_usage_days: each municipality's usage per day (requests, API calls, mail, accounts, storage)

Revision ID: tenants_0004
Revises: tenants_0003
Create Date: 2026-12-01 12:30:00

Written by the periodic ``tenants.usage_collect`` job, read by the operator console (issue 13 §2).
Tenant-owned (forced RLS, keyed by ``(tenant_id, id)``, unique per ``(tenant_id, day)``).
"""

import sqlalchemy as sa
from alembic import op

from core.schema import create_tenant_table, drop_tenant_table

revision = "tenants_0004"
down_revision = "tenants_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        op,
        "tenant_usage_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("api_requests", sa.BigInteger(), nullable=False),
        sa.Column("mail_sent", sa.BigInteger(), nullable=False),
        sa.Column("active_accounts", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("storage_bytes", sa.BigInteger(), nullable=True),
        sa.Column("attachment_bytes", sa.BigInteger(), nullable=True),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "day", name=op.f("uq_tenant_usage_days_tenant_id_day")),
    )


def downgrade() -> None:
    drop_tenant_table(op, "tenant_usage_days")
