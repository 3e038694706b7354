"""core: notification settings per person and the daily digest's queue

Revision ID: core_notifications
Revises: core_form_once
Create Date: 2026-12-01 19:00:00

Issue 16 §3: a person's choice per kind of notification, for one municipality or all
(core_notification_preferences, global like the account: NULL municipality is "all", hence two
partial unique indexes), and the notifications kept for their daily digest
(core_notification_queue, tenant-owned with forced RLS).
"""

import sqlalchemy as sa
from alembic import op

from core.schema import create_tenant_table, drop_tenant_table

revision = "core_notifications"
down_revision = "core_form_once"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "core_notification_preferences",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "mode IN ('immediate', 'digest', 'off')", name=op.f("ck_core_notification_preferences_mode")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_core_notification_preferences_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["tenants.id"],
            name=op.f("fk_core_notification_preferences_municipality_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_notification_preferences")),
    )
    op.create_index(
        "uq_core_notification_preferences_all",
        "core_notification_preferences",
        ["account_id", "kind"],
        unique=True,
        postgresql_where=sa.text("municipality_id IS NULL"),
        sqlite_where=sa.text("municipality_id IS NULL"),
    )
    op.create_index(
        "uq_core_notification_preferences_one",
        "core_notification_preferences",
        ["account_id", "municipality_id", "kind"],
        unique=True,
        postgresql_where=sa.text("municipality_id IS NOT NULL"),
        sqlite_where=sa.text("municipality_id IS NOT NULL"),
    )
    create_tenant_table(
        op,
        "core_notification_queue",
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_core_notification_queue_account_id_accounts"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_core_notification_queue_account_id"), "core_notification_queue", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_core_notification_queue_account_id"), table_name="core_notification_queue")
    drop_tenant_table(op, "core_notification_queue")
    op.drop_index("uq_core_notification_preferences_one", table_name="core_notification_preferences")
    op.drop_index("uq_core_notification_preferences_all", table_name="core_notification_preferences")
    op.drop_table("core_notification_preferences")
