"""markets: a subscriber's chosen pick-up slot per box week; a subscription can be cancelled

Revision ID: markets_0006
Revises: markets_0005
Create Date: 2026-12-01 19:40:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "markets_0006"
down_revision = "markets_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("markets_share_subscriptions", sa.Column("cancelled_at", sa.DateTime(), nullable=True))
    create_tenant_table(
        op,
        "markets_share_pickups",
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "subscription_id",
            "week",
            name=op.f("uq_markets_share_pickups_tenant_id_subscription_id_week"),
        ),
        references={
            "subscription_id": ("markets_share_subscriptions", "CASCADE"),
            "slot_id": ("markets_slots", "RESTRICT"),
        },
    )
    op.create_index(
        "ix_markets_share_pickups_tenant_id_slot_id", "markets_share_pickups", ["tenant_id", "slot_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_markets_share_pickups_tenant_id_slot_id", table_name="markets_share_pickups")
    drop_tenant_table(op, "markets_share_pickups")
    op.drop_column("markets_share_subscriptions", "cancelled_at")
