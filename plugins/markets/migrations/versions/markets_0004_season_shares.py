"""markets: community-supported agriculture (season shares, subscriptions, paused weeks)

Revision ID: markets_0004
Revises: markets_0003
Create Date: 2026-12-01 18:55:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, create_tenant_table, drop_tenant_table

revision = "markets_0004"
down_revision = "markets_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        op,
        "markets_share_plans",
        sa.Column("producer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("price_per", sa.String(length=10), nullable=False),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("season_start", sa.Date(), nullable=False),
        sa.Column("season_end", sa.Date(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("price_per IN ('season', 'month')", name=op.f("ck_markets_share_plans_price_per")),
        sa.CheckConstraint(
            "frequency IN ('weekly', 'fortnightly')", name=op.f("ck_markets_share_plans_frequency")
        ),
        sa.CheckConstraint("season_end >= season_start", name=op.f("ck_markets_share_plans_season")),
        sa.CheckConstraint("shares > 0", name=op.f("ck_markets_share_plans_shares_positive")),
        sa.CheckConstraint("taken >= 0 AND taken <= shares", name=op.f("ck_markets_share_plans_taken_range")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_markets_share_plans_price_positive")),
        references={"producer_id": ("markets_producers", "CASCADE")},
    )
    create_tenant_table(
        op,
        "markets_share_subscriptions",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_markets_share_subscriptions_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "plan_id",
            "account_id",
            name=op.f("uq_markets_share_subscriptions_tenant_id_plan_id_account_id"),
        ),
        references={"plan_id": ("markets_share_plans", "CASCADE")},
    )
    op.create_index(
        op.f("ix_markets_share_subscriptions_account_id"),
        "markets_share_subscriptions",
        ["account_id"],
        unique=False,
    )
    create_tenant_table(
        op,
        "markets_share_pauses",
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "subscription_id",
            "week",
            name=op.f("uq_markets_share_pauses_tenant_id_subscription_id_week"),
        ),
        references={"subscription_id": ("markets_share_subscriptions", "CASCADE")},
    )


def downgrade() -> None:
    drop_tenant_table(op, "markets_share_pauses")
    drop_tenant_table(op, "markets_share_subscriptions")
    drop_tenant_table(op, "markets_share_plans")
