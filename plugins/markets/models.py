"""Solidarity markets (producers, products, market days with pick-up slots, pre-orders) and the
social grocery (households, eligibility decisions, monthly credits, stock, redemptions).

Every table is tenant-owned (``TenantScoped``: key ``(tenant_id, id)``, forced row-level security
from the migration). Accounts and organisations are global, referenced by id. Times are UTC
(``UTCDateTime``), shown in the municipality's zone.

Stock and capacity are counters guarded twice: services change them with conditional updates
(``reserved + n <= quantity``), and a CHECK constraint refuses any row that would oversell.
"""

import datetime as dt
import decimal
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    TenantScoped,
    UTCDateTime,
    account_fk,
    db,
    organisation_fk,
    tenant_foreign_key,
    utcnow_aware,
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ProducerStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ALL = (PENDING, APPROVED, REJECTED, SUSPENDED)


class Units:
    KG = "kg"
    PIECE = "piece"
    BUNCH = "bunch"
    LITRE = "litre"
    ALL = (KG, PIECE, BUNCH, LITRE)
    #: units sold in whole numbers only
    WHOLE = (PIECE, BUNCH)


class DayStatus:
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    ALL = (DRAFT, PUBLISHED, CANCELLED)


class OrderStatus:
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COLLECTED = "collected"
    NOT_COLLECTED = "not_collected"
    ALL = (CONFIRMED, CANCELLED, COLLECTED, NOT_COLLECTED)
    HOLDING = (CONFIRMED, COLLECTED, NOT_COLLECTED)


class ApplicationStatus:
    SUBMITTED = "submitted"
    CLARIFICATION = "clarification"
    APPROVED = "approved"
    REJECTED = "rejected"
    ALL = (SUBMITTED, CLARIFICATION, APPROVED, REJECTED)


class Producer(TenantScoped, db.Model):
    """Someone who sells at the municipality's market: a person, or an organisation (a
    cooperative, a social enterprise) through the person who applied for it."""

    __tablename__ = "markets_producers"

    account_id: Mapped[int | None] = account_fk()
    organisation_id: Mapped[int | None] = organisation_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    area: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=ProducerStatus.PENDING)
    decision_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_by_id: Mapped[int | None] = account_fk()
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (sa.CheckConstraint(_in("status", ProducerStatus.ALL), name="status"),)


class ProducerDocument(TenantScoped, db.Model):
    """A document a producer gives with the application (producer-seller licence, organic
    certificate): PDF, PNG or JPEG, sniffed, at most the size the settings allow."""

    __tablename__ = "markets_producer_documents"

    producer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(30))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (tenant_foreign_key("producer_id", "markets_producers", ondelete="CASCADE"),)


class Product(TenantScoped, db.Model):
    """What a producer sells, with its price per unit (payment at pick-up)."""

    __tablename__ = "markets_products"

    producer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(50), default="")
    unit: Mapped[str] = mapped_column(sa.String(10), default=Units.KG)
    price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(8, 2))
    origin: Mapped[str] = mapped_column(sa.String(200), default="")
    labels: Mapped[str] = mapped_column(sa.String(200), default="")  # comma separated: organic, PDO
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("producer_id", "markets_producers", ondelete="CASCADE"),
        sa.CheckConstraint(_in("unit", Units.ALL), name="unit"),
        sa.CheckConstraint("price >= 0", name="price_positive"),
        sa.Index("ix_markets_products_tenant_id_producer_id", "tenant_id", "producer_id"),
    )


class ProductPhoto(TenantScoped, db.Model):
    """A product's photo (one per product): sniffed by content, re-encoded by Pillow to at most
    ``PHOTO_MAX_SIDE`` pixels a side without its metadata (EXIF, GPS), in its own table so
    that listing products never loads the bytes."""

    __tablename__ = "markets_product_photos"

    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    content_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    size: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("product_id", "markets_products", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "product_id"),
        sa.CheckConstraint("content_type IN ('image/png', 'image/jpeg', 'image/webp')", name="content_type"),
    )


class MarketDay(TenantScoped, db.Model):
    """One market (Open Food Network's order cycle): pre-orders between ``opens_at`` and
    ``closes_at``, picked up at the day's slots."""

    __tablename__ = "markets_days"

    title: Mapped[str] = mapped_column(sa.String(200))
    day: Mapped[dt.date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(20), default=DayStatus.DRAFT)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        sa.CheckConstraint(_in("status", DayStatus.ALL), name="status"),
        sa.CheckConstraint("closes_at > opens_at", name="window"),
    )


class PickupSlot(TenantScoped, db.Model):
    """A time to collect orders, with a number of orders it can serve (``taken`` is kept by the
    orders, under a CHECK that it never passes ``capacity``)."""

    __tablename__ = "markets_slots"

    market_day_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(sa.Integer)
    taken: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        tenant_foreign_key("market_day_id", "markets_days", ondelete="CASCADE"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_range"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_markets_slots_tenant_id_market_day_id", "tenant_id", "market_day_id"),
    )


class Offer(TenantScoped, db.Model):
    """A product offered at a market day, with the quantity available (``reserved``: what the
    orders hold, never more than ``quantity``)."""

    __tablename__ = "markets_offers"

    market_day_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    producer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    quantity: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 3))
    reserved: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 3), default=decimal.Decimal(0))

    __table_args__ = (
        tenant_foreign_key("market_day_id", "markets_days", ondelete="CASCADE"),
        tenant_foreign_key("product_id", "markets_products", ondelete="CASCADE"),
        tenant_foreign_key("producer_id", "markets_producers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "market_day_id", "product_id"),
        sa.CheckConstraint("reserved >= 0 AND reserved <= quantity", name="reserved_range"),
        sa.Index("ix_markets_offers_tenant_id_product_id", "tenant_id", "product_id"),
    )


class Order(TenantScoped, db.Model):
    """A citizen's pre-order for one market day (one per person and day: editing changes it).

    ``account_id`` is SET NULL on erasure: the market's records of what was sold stay."""

    __tablename__ = "markets_orders"

    market_day_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    slot_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk()
    customer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=OrderStatus.CONFIRMED)
    total: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 2), default=decimal.Decimal(0))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        tenant_foreign_key("market_day_id", "markets_days", ondelete="CASCADE"),
        tenant_foreign_key("slot_id", "markets_slots", ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "market_day_id", "account_id"),
        sa.CheckConstraint(_in("status", OrderStatus.ALL), name="status"),
        sa.Index("ix_markets_orders_tenant_id_slot_id", "tenant_id", "slot_id"),
    )


class OrderLine(TenantScoped, db.Model):
    __tablename__ = "markets_order_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    offer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    quantity: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 3))
    unit_price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(8, 2))

    __table_args__ = (
        tenant_foreign_key("order_id", "markets_orders", ondelete="CASCADE"),
        tenant_foreign_key("offer_id", "markets_offers", ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "order_id", "offer_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.Index("ix_markets_order_lines_tenant_id_offer_id", "tenant_id", "offer_id"),
    )


class SharePlan(TenantScoped, db.Model):
    """Community-supported agriculture: a producer's season shares, a box every week or
    fortnight from ``season_start`` to ``season_end``, ``shares`` of them (``taken`` kept by the
    subscriptions, under a CHECK), paid per season or per month (at pick-up: no online payment)."""

    __tablename__ = "markets_share_plans"

    producer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(8, 2))
    price_per: Mapped[str] = mapped_column(sa.String(10), default="season")
    frequency: Mapped[str] = mapped_column(sa.String(12), default="weekly")
    season_start: Mapped[dt.date] = mapped_column(sa.Date)
    season_end: Mapped[dt.date] = mapped_column(sa.Date)
    shares: Mapped[int] = mapped_column(sa.Integer)
    taken: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("producer_id", "markets_producers", ondelete="CASCADE"),
        sa.CheckConstraint("price_per IN ('season', 'month')", name="price_per"),
        sa.CheckConstraint("frequency IN ('weekly', 'fortnightly')", name="frequency"),
        sa.CheckConstraint("season_end >= season_start", name="season"),
        sa.CheckConstraint("shares > 0", name="shares_positive"),
        sa.CheckConstraint("taken >= 0 AND taken <= shares", name="taken_range"),
        sa.CheckConstraint("price >= 0", name="price_positive"),
    )


class ShareSubscription(TenantScoped, db.Model):
    """A household's share of a plan (one per account and plan); picked up each box week at the
    market day of that week. ``account_id`` SET NULL on erasure (the producer's records stay)."""

    __tablename__ = "markets_share_subscriptions"

    plan_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk()
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    #: cancelled by the subscriber: the share is freed (the row stays as the record; taking a
    #: share again revives it)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        tenant_foreign_key("plan_id", "markets_share_plans", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "plan_id", "account_id"),
    )


class SharePause(TenantScoped, db.Model):
    """A week a subscriber skips (``week``: the Monday of that week)."""

    __tablename__ = "markets_share_pauses"

    subscription_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    week: Mapped[dt.date] = mapped_column(sa.Date)

    __table_args__ = (
        tenant_foreign_key("subscription_id", "markets_share_subscriptions", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "subscription_id", "week"),
    )


class SharePickup(TenantScoped, db.Model):
    """The pick-up slot a subscriber chose for one box week (a slot of that week's market day;
    it takes a place of the slot's ``capacity``, as a pre-order does)."""

    __tablename__ = "markets_share_pickups"

    subscription_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    week: Mapped[dt.date] = mapped_column(sa.Date)
    slot_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("subscription_id", "markets_share_subscriptions", ondelete="CASCADE"),
        tenant_foreign_key("slot_id", "markets_slots", ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "subscription_id", "week"),
        sa.Index("ix_markets_share_pickups_tenant_id_slot_id", "tenant_id", "slot_id"),
    )


# --- social grocery -------------------------------------------------------------------------------


class Household(TenantScoped, db.Model):
    """A household that applies to the social grocery: online itself, in person with staff, or
    through an NGO on its behalf (``referred_by_organisation_id``, consent recorded)."""

    __tablename__ = "markets_households"

    account_id: Mapped[int | None] = account_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(sa.Integer)
    channel: Mapped[str] = mapped_column(sa.String(20), default="online")
    referred_by_organisation_id: Mapped[int | None] = organisation_fk()
    referred_by_account_id: Mapped[int | None] = account_fk()
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        sa.CheckConstraint("size >= 1 AND size <= 20", name="size_range"),
        sa.CheckConstraint("channel IN ('online', 'in_person', 'ngo')", name="channel"),
    )


class EligibilityApplication(TenantScoped, db.Model):
    """The answers to the municipality's criteria, and the validator's decision with reasons."""

    __tablename__ = "markets_applications"

    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    monthly_income: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 2))
    unemployed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    disability: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    single_parent: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    social_services_referral: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=ApplicationStatus.SUBMITTED)
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_by_id: Mapped[int | None] = account_fk()
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    #: when the household was told its eligibility ends soon (once per decision)
    renewal_reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("household_id", "markets_households", ondelete="CASCADE"),
        sa.CheckConstraint(_in("status", ApplicationStatus.ALL), name="status"),
        sa.CheckConstraint("monthly_income >= 0", name="income_positive"),
    )


class CreditPeriod(TenantScoped, db.Model):
    """A household's credits for one month (``period`` "2026-12"): ``spent`` never passes
    ``granted`` (conditional updates, and a CHECK)."""

    __tablename__ = "markets_credit_periods"

    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    period: Mapped[str] = mapped_column(sa.String(7))
    granted: Mapped[int] = mapped_column(sa.Integer)
    spent: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        tenant_foreign_key("household_id", "markets_households", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "household_id", "period"),
        sa.CheckConstraint("spent >= 0 AND spent <= granted", name="spent_range"),
    )


class GroceryItem(TenantScoped, db.Model):
    """A product on the grocery's shelves, its price in credits and the stock (never below 0)."""

    __tablename__ = "markets_grocery_items"

    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(50), default="")
    unit: Mapped[str] = mapped_column(sa.String(10), default=Units.PIECE)
    credits: Mapped[int] = mapped_column(sa.Integer)
    stock: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="stock_positive"),
        sa.CheckConstraint("credits >= 0", name="credits_positive"),
    )


class Donation(TenantScoped, db.Model):
    """Stock received: from whom (producer, business, NGO, citizen), when, how much."""

    __tablename__ = "markets_donations"

    item_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    donor_kind: Mapped[str] = mapped_column(sa.String(20))
    donor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    quantity: Mapped[int] = mapped_column(sa.Integer)
    kilos: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 3), default=decimal.Decimal(0))
    received_on: Mapped[dt.date] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int | None] = account_fk()

    __table_args__ = (
        tenant_foreign_key("item_id", "markets_grocery_items", ondelete="CASCADE"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "donor_kind IN ('producer', 'business', 'ngo', 'citizen', 'purchase')", name="donor_kind"
        ),
    )


class DistributionDay(TenantScoped, db.Model):
    """A day the social grocery hands out goods, at its slots (``taken`` kept by the orders,
    under a CHECK that it never passes ``capacity``)."""

    __tablename__ = "markets_distribution_days"

    day: Mapped[dt.date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)


class DistributionSlot(TenantScoped, db.Model):
    __tablename__ = "markets_distribution_slots"

    distribution_day_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(sa.Integer)
    taken: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        tenant_foreign_key("distribution_day_id", "markets_distribution_days", ondelete="CASCADE"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_range"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index(
            "ix_markets_distribution_slots_tenant_id_distribution_day_id", "tenant_id", "distribution_day_id"
        ),
    )


class GroceryOrder(TenantScoped, db.Model):
    """A household's order for a distribution day (one per household and day), paid with credits
    (its lines are ``Redemption`` rows), collected at its slot; ``collected_at`` when handed over."""

    __tablename__ = "markets_grocery_orders"

    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    distribution_day_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    slot_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    credits: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    collected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: cancelled by the household before the day, or by staff until it is collected (its credits
    #: and stock given back, its lines removed; ``credits`` keeps what was given back). Ordering
    #: again revives this row.
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: the staff member who cancelled it (None: the household did), and the reason they gave
    cancelled_by_id: Mapped[int | None] = account_fk()
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        tenant_foreign_key("household_id", "markets_households", ondelete="CASCADE"),
        tenant_foreign_key("distribution_day_id", "markets_distribution_days", ondelete="CASCADE"),
        tenant_foreign_key("slot_id", "markets_distribution_slots", ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "distribution_day_id", "household_id"),
        sa.Index("ix_markets_grocery_orders_tenant_id_slot_id", "tenant_id", "slot_id"),
    )


class Redemption(TenantScoped, db.Model):
    """Goods a household took with its credits (ordered online, or a handout staff recorded)."""

    __tablename__ = "markets_redemptions"

    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    item_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    period: Mapped[str] = mapped_column(sa.String(7))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    credits: Mapped[int] = mapped_column(sa.Integer)
    recorded_by_id: Mapped[int | None] = account_fk()
    #: the distribution day's order it belongs to (None: a handout at the counter, or older)
    grocery_order_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("household_id", "markets_households", ondelete="CASCADE"),
        tenant_foreign_key("item_id", "markets_grocery_items", ondelete="CASCADE"),
        tenant_foreign_key("grocery_order_id", "markets_grocery_orders", ondelete="CASCADE"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.Index("ix_markets_redemptions_tenant_id_grocery_order_id", "tenant_id", "grocery_order_id"),
    )
