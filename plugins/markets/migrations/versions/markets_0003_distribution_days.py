"""markets: the social grocery's distribution days, their slots, and households' orders for them

Revision ID: markets_0003
Revises: markets_0002
Create Date: 2026-12-01 18:40:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "markets_0003"
down_revision = "markets_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        op,
        "markets_distribution_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    create_tenant_table(
        op,
        "markets_distribution_slots",
        sa.Column("distribution_day_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_markets_distribution_slots_capacity_positive")),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_markets_distribution_slots_ends_after_start")
        ),
        sa.CheckConstraint(
            "taken >= 0 AND taken <= capacity", name=op.f("ck_markets_distribution_slots_taken_range")
        ),
        references={"distribution_day_id": ("markets_distribution_days", "CASCADE")},
    )
    op.create_index(
        "ix_markets_distribution_slots_tenant_id_distribution_day_id",
        "markets_distribution_slots",
        ["tenant_id", "distribution_day_id"],
    )
    create_tenant_table(
        op,
        "markets_grocery_orders",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("distribution_day_id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "distribution_day_id",
            "household_id",
            name=op.f("uq_markets_grocery_orders_tenant_id_distribution_day_id_household_id"),
        ),
        references={
            "household_id": ("markets_households", "CASCADE"),
            "distribution_day_id": ("markets_distribution_days", "CASCADE"),
            "slot_id": ("markets_distribution_slots", "RESTRICT"),
        },
    )
    op.create_index(
        "ix_markets_grocery_orders_tenant_id_slot_id", "markets_grocery_orders", ["tenant_id", "slot_id"]
    )
    with op.batch_alter_table("markets_redemptions") as batch:  # SQLite (the demo) rebuilds the table
        batch.add_column(sa.Column("grocery_order_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_markets_redemptions_tenant_id_grocery_order_id_markets_grocery_orders"),
            "markets_grocery_orders",
            ["tenant_id", "grocery_order_id"],
            ["tenant_id", "id"],
            ondelete="CASCADE",
        )
    op.create_index(
        "ix_markets_redemptions_tenant_id_grocery_order_id",
        "markets_redemptions",
        ["tenant_id", "grocery_order_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_markets_redemptions_tenant_id_grocery_order_id", table_name="markets_redemptions")
    with op.batch_alter_table("markets_redemptions") as batch:
        batch.drop_constraint(
            op.f("fk_markets_redemptions_tenant_id_grocery_order_id_markets_grocery_orders"),
            type_="foreignkey",
        )
        batch.drop_column("grocery_order_id")
    drop_tenant_table(op, "markets_grocery_orders")
    drop_tenant_table(op, "markets_distribution_slots")
    drop_tenant_table(op, "markets_distribution_days")
