"""markets: producers, market days, pre-orders, social grocery

Revision ID: markets_0001
Revises:
Create Date: 2026-12-01 15:35:54.551245
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, OrganisationId, create_tenant_table, drop_tenant_table


revision = "markets_0001"
down_revision = None
branch_labels = ("markets",)
depends_on = "core_privacy"  # the core as it is now


def upgrade() -> None:
    create_tenant_table(
        op,
        "markets_days",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'cancelled')", name=op.f("ck_markets_days_status")
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_markets_days_window")),
    )
    create_tenant_table(
        op,
        "markets_grocery_items",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.CheckConstraint("credits >= 0", name=op.f("ck_markets_grocery_items_credits_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_markets_grocery_items_stock_positive")),
    )
    create_tenant_table(
        op,
        "markets_households",
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("referred_by_organisation_id", OrganisationId, nullable=True),
        sa.Column("referred_by_account_id", AccountId, nullable=True),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('online', 'in_person', 'ngo')", name=op.f("ck_markets_households_channel")
        ),
        sa.CheckConstraint("size >= 1 AND size <= 20", name=op.f("ck_markets_households_size_range")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_markets_households_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_markets_households_referred_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_markets_households_referred_by_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        op.f("ix_markets_households_account_id"), "markets_households", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_markets_households_referred_by_account_id"),
        "markets_households",
        ["referred_by_account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_markets_households_referred_by_organisation_id"),
        "markets_households",
        ["referred_by_organisation_id"],
        unique=False,
    )
    create_tenant_table(
        op,
        "markets_producers",
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_reason", sa.String(length=1000), nullable=False),
        sa.Column("decided_by_id", AccountId, nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'suspended')",
            name=op.f("ck_markets_producers_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_markets_producers_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["accounts.id"],
            name=op.f("fk_markets_producers_decided_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_markets_producers_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        op.f("ix_markets_producers_account_id"), "markets_producers", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_markets_producers_decided_by_id"), "markets_producers", ["decided_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_markets_producers_organisation_id"), "markets_producers", ["organisation_id"], unique=False
    )
    create_tenant_table(
        op,
        "markets_applications",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("monthly_income", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("unemployed", sa.Boolean(), nullable=False),
        sa.Column("disability", sa.Boolean(), nullable=False),
        sa.Column("single_parent", sa.Boolean(), nullable=False),
        sa.Column("social_services_referral", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("decided_by_id", AccountId, nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'clarification', 'approved', 'rejected')",
            name=op.f("ck_markets_applications_status"),
        ),
        sa.CheckConstraint("monthly_income >= 0", name=op.f("ck_markets_applications_income_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["accounts.id"],
            name=op.f("fk_markets_applications_decided_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "household_id"],
            ["markets_households.tenant_id", "markets_households.id"],
            name=op.f("fk_markets_applications_tenant_id_household_id_markets_households"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_markets_applications_decided_by_id"), "markets_applications", ["decided_by_id"], unique=False
    )
    create_tenant_table(
        op,
        "markets_credit_periods",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "spent >= 0 AND spent <= granted", name=op.f("ck_markets_credit_periods_spent_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "household_id"],
            ["markets_households.tenant_id", "markets_households.id"],
            name=op.f("fk_markets_credit_periods_tenant_id_household_id_markets_households"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "household_id",
            "period",
            name=op.f("uq_markets_credit_periods_tenant_id_household_id_period"),
        ),
    )
    create_tenant_table(
        op,
        "markets_donations",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("donor_kind", sa.String(length=20), nullable=False),
        sa.Column("donor_name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("kilos", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", AccountId, nullable=True),
        sa.CheckConstraint(
            "donor_kind IN ('producer', 'business', 'ngo', 'citizen', 'purchase')",
            name=op.f("ck_markets_donations_donor_kind"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_markets_donations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["accounts.id"],
            name=op.f("fk_markets_donations_recorded_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "item_id"],
            ["markets_grocery_items.tenant_id", "markets_grocery_items.id"],
            name=op.f("fk_markets_donations_tenant_id_item_id_markets_grocery_items"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_markets_donations_recorded_by_id"), "markets_donations", ["recorded_by_id"], unique=False
    )
    create_tenant_table(
        op,
        "markets_producer_documents",
        sa.Column("producer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "producer_id"],
            ["markets_producers.tenant_id", "markets_producers.id"],
            name=op.f("fk_markets_producer_documents_tenant_id_producer_id_markets_producers"),
            ondelete="CASCADE",
        ),
    )
    create_tenant_table(
        op,
        "markets_products",
        sa.Column("producer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("price", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("labels", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "unit IN ('kg', 'piece', 'bunch', 'litre')", name=op.f("ck_markets_products_unit")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_markets_products_price_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "producer_id"],
            ["markets_producers.tenant_id", "markets_producers.id"],
            name=op.f("fk_markets_products_tenant_id_producer_id_markets_producers"),
            ondelete="CASCADE",
        ),
    )
    create_tenant_table(
        op,
        "markets_redemptions",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", AccountId, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_markets_redemptions_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["accounts.id"],
            name=op.f("fk_markets_redemptions_recorded_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "household_id"],
            ["markets_households.tenant_id", "markets_households.id"],
            name=op.f("fk_markets_redemptions_tenant_id_household_id_markets_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "item_id"],
            ["markets_grocery_items.tenant_id", "markets_grocery_items.id"],
            name=op.f("fk_markets_redemptions_tenant_id_item_id_markets_grocery_items"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_markets_redemptions_recorded_by_id"), "markets_redemptions", ["recorded_by_id"], unique=False
    )
    create_tenant_table(
        op,
        "markets_slots",
        sa.Column("market_day_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_markets_slots_capacity_positive")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_markets_slots_ends_after_start")),
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name=op.f("ck_markets_slots_taken_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "market_day_id"],
            ["markets_days.tenant_id", "markets_days.id"],
            name=op.f("fk_markets_slots_tenant_id_market_day_id_markets_days"),
            ondelete="CASCADE",
        ),
    )
    create_tenant_table(
        op,
        "markets_offers",
        sa.Column("market_day_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("producer_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("reserved", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.CheckConstraint(
            "reserved >= 0 AND reserved <= quantity", name=op.f("ck_markets_offers_reserved_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "market_day_id"],
            ["markets_days.tenant_id", "markets_days.id"],
            name=op.f("fk_markets_offers_tenant_id_market_day_id_markets_days"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "producer_id"],
            ["markets_producers.tenant_id", "markets_producers.id"],
            name=op.f("fk_markets_offers_tenant_id_producer_id_markets_producers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["markets_products.tenant_id", "markets_products.id"],
            name=op.f("fk_markets_offers_tenant_id_product_id_markets_products"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "market_day_id",
            "product_id",
            name=op.f("uq_markets_offers_tenant_id_market_day_id_product_id"),
        ),
    )
    create_tenant_table(
        op,
        "markets_orders",
        sa.Column("market_day_id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('confirmed', 'cancelled', 'collected', 'not_collected')",
            name=op.f("ck_markets_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_markets_orders_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "market_day_id"],
            ["markets_days.tenant_id", "markets_days.id"],
            name=op.f("fk_markets_orders_tenant_id_market_day_id_markets_days"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "slot_id"],
            ["markets_slots.tenant_id", "markets_slots.id"],
            name=op.f("fk_markets_orders_tenant_id_slot_id_markets_slots"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "market_day_id",
            "account_id",
            name=op.f("uq_markets_orders_tenant_id_market_day_id_account_id"),
        ),
    )
    op.create_index(op.f("ix_markets_orders_account_id"), "markets_orders", ["account_id"], unique=False)
    create_tenant_table(
        op,
        "markets_order_lines",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_markets_order_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "offer_id"],
            ["markets_offers.tenant_id", "markets_offers.id"],
            name=op.f("fk_markets_order_lines_tenant_id_offer_id_markets_offers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "order_id"],
            ["markets_orders.tenant_id", "markets_orders.id"],
            name=op.f("fk_markets_order_lines_tenant_id_order_id_markets_orders"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "order_id",
            "offer_id",
            name=op.f("uq_markets_order_lines_tenant_id_order_id_offer_id"),
        ),
    )
    # the joins of a market day's page and pick list (foreign keys are not indexed by themselves)
    for table, column in (
        ("markets_products", "producer_id"),
        ("markets_offers", "product_id"),
        ("markets_orders", "slot_id"),
        ("markets_order_lines", "offer_id"),
        ("markets_slots", "market_day_id"),
    ):
        op.create_index(f"ix_{table}_tenant_id_{column}", table, ["tenant_id", column])


def downgrade() -> None:
    drop_tenant_table(op, "markets_order_lines")
    drop_tenant_table(op, "markets_orders")
    drop_tenant_table(op, "markets_offers")
    drop_tenant_table(op, "markets_slots")
    drop_tenant_table(op, "markets_redemptions")
    drop_tenant_table(op, "markets_products")
    drop_tenant_table(op, "markets_producer_documents")
    drop_tenant_table(op, "markets_donations")
    drop_tenant_table(op, "markets_credit_periods")
    drop_tenant_table(op, "markets_applications")
    drop_tenant_table(op, "markets_producers")
    drop_tenant_table(op, "markets_households")
    drop_tenant_table(op, "markets_grocery_items")
    drop_tenant_table(op, "markets_days")
