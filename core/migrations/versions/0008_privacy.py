"""core: retention settings, guests' data requests, and the 'deleted' status of a municipality

Revision ID: core_privacy
Revises: core_legal_notices
Create Date: 2026-12-02 09:00:00

Issue 12 §4: a municipality's own retention period per kind of personal data
(core_retention_settings), the record of guests' requests for their data or its erasure
(core_data_requests, the single-use links), and the status a municipality takes when its data
is deleted at the end of its contract (the tenants row stays as the certificate's subject).
"""

import sqlalchemy as sa
from alembic import op

from core.schema import create_tenant_table, drop_tenant_table

revision = "core_privacy"
down_revision = "core_legal_notices"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        op,
        "core_retention_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["accounts.id"],
            name=op.f("fk_core_retention_settings_updated_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_core_retention_settings_tenant_id_key")),
        sa.CheckConstraint("days >= 1", name=op.f("ck_core_retention_settings_days")),
    )
    op.create_index(
        op.f("ix_core_retention_settings_updated_by_id"), "core_retention_settings", ["updated_by_id"]
    )
    create_tenant_table(
        op,
        "core_data_requests",
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "action IS NULL OR action IN ('export', 'erase')", name=op.f("ck_core_data_requests_action")
        ),
    )
    op.create_index(op.f("ix_core_data_requests_email_hash"), "core_data_requests", ["email_hash"])
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint(op.f("ck_tenants_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_tenants_status"), "status IN ('active', 'suspended', 'archived', 'deleted')"
        )


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint(op.f("ck_tenants_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_tenants_status"), "status IN ('active', 'suspended', 'archived')"
        )
    op.drop_index(op.f("ix_core_data_requests_email_hash"), table_name="core_data_requests")
    drop_tenant_table(op, "core_data_requests")
    op.drop_index(op.f("ix_core_retention_settings_updated_by_id"), table_name="core_retention_settings")
    drop_tenant_table(op, "core_retention_settings")
