"""Tables of the ``tenants`` package: audit trail, invitations, billing, logos, Stripe events.

Tenant-owned rows (invitations, billing state, logos) carry ``tenant_id`` through
:class:`~core.db.TenantScoped` and get forced row-level security in their migration, like every
other tenant-owned table. Two tables are platform-wide on purpose and therefore have *no*
``tenant_id`` column (see their docstrings): the audit log and the Stripe event store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped
from core.extensions import db
from core.tenancy import utcnow

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class AuditEvent(db.Model):
    """One operator or admin action: who, what, which municipality, when, from where.

    Platform-wide, not tenant-owned: the operator reads the whole trail across municipalities,
    and events about the platform itself (a refused onboarding, a plugin catalogue change) have
    no municipality at all. So the municipality is a *subject* (``subject_tenant_id``, nullable,
    deliberately not named ``tenant_id``) and the table carries no RLS policy. Access is reviewed
    instead: only :mod:`tenants.audit` reads it, the operator console sees everything, and a
    municipality's admin pages always filter on ``subject_tenant_id`` = the current tenant.

    Append-only: on PostgreSQL a trigger raises on UPDATE, DELETE and TRUNCATE, for every role
    (the owner included), so the application role cannot rewrite history.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="RESTRICT"))
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_tenant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class Invitation(TenantScoped, db.Model):
    """An invitation to join a municipality with a role; the token is stored only as a hash."""

    __tablename__ = "tenant_invitations"

    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(16))
    #: unique within the municipality (tenant_id in every key: DESIGN §3, Citus)
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (
        sa.CheckConstraint("role IN ('member', 'moderator', 'staff', 'admin')", name="role"),
        sa.UniqueConstraint("tenant_id", "token_hash"),
    )


class TenantBilling(TenantScoped, db.Model):
    """A municipality's plan and billing state (one row per tenant)."""

    __tablename__ = "tenant_billing"

    plan: Mapped[str] = mapped_column(sa.String(32))
    collection_method: Mapped[str] = mapped_column(sa.String(32), default="send_invoice")
    days_until_due: Mapped[int | None]
    billing_email: Mapped[str | None] = mapped_column(sa.String(254))
    billing_name: Mapped[str | None] = mapped_column(sa.String(200))
    stripe_customer_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: none (billing off), active, past_due, canceled
    state: Mapped[str] = mapped_column(sa.String(16), default="none")
    past_due_since: Mapped[dt.datetime | None]
    #: True when the municipality was made read-only for non-payment (a payment lifts it).
    suspended_for_billing: Mapped[bool] = mapped_column(default=False)
    #: pending (not synced yet), synced, failed, off
    sync_state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    synced_at: Mapped[dt.datetime | None]
    sync_error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.UniqueConstraint("tenant_id"),
        sa.CheckConstraint("collection_method IN ('charge_automatically', 'send_invoice')", name="method"),
    )


class TenantLogo(TenantScoped, db.Model):
    """The municipality's logo (checked PNG, JPEG or WebP), served from its own host."""

    __tablename__ = "tenant_logos"

    mimetype: Mapped[str] = mapped_column(sa.String(32))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StripeEvent(db.Model):
    """A Stripe webhook event, stored once by its id (the unique primary key).

    Platform-wide like :class:`AuditEvent`: an event arrives before we know which municipality it
    concerns, so the municipality is a nullable ``subject_tenant_id`` and there is no RLS; only
    :mod:`tenants.billing` touches it.
    """

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    created: Mapped[int] = mapped_column(sa.BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    subject_tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id", ondelete="RESTRICT"))
    #: ignored, unknown_customer, pending (stored, its re-read from Stripe still owed), applied
    outcome: Mapped[str] = mapped_column(sa.String(32), default="received")
    #: when the municipality's state was re-read for this event (None while pending)
    refreshed_at: Mapped[dt.datetime | None]
    #: why the last re-read failed (Stripe or the broker down), while the event is pending
    refresh_error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        # the sweeper's question, "which events are still owed a refresh?", reads only these
        sa.Index(
            "ix_stripe_events_pending",
            "subject_tenant_id",
            postgresql_where=sa.text("outcome = 'pending'"),
            sqlite_where=sa.text("outcome = 'pending'"),
        ),
    )


class BillingCatalogEntry(db.Model):
    """A plan or paid plugin mapped to its Stripe product and price (platform-wide)."""

    __tablename__ = "billing_catalog"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    stripe_product_id: Mapped[str | None] = mapped_column(sa.String(64))
    stripe_price_id: Mapped[str | None] = mapped_column(sa.String(64))
    synced_at: Mapped[dt.datetime | None]


class TenantUsageDay(TenantScoped, db.Model):
    """One municipality's usage on one UTC day, written by the ``tenants.usage_collect`` job.

    Counters (requests, API calls, mail sent, distinct signed-in accounts) come from
    :mod:`core.usage`; the storage figures (rows and bytes of every tenant-owned table, the bytes
    of attached files) are measured when the job runs, so the last run of a day is its figure.
    Tenant-owned like the rows it measures; the operator reads it across municipalities inside
    ``cross_tenant_read()`` (tenants.usage).
    """

    __tablename__ = "tenant_usage_days"

    day: Mapped[dt.date]
    requests: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    api_requests: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    mail_sent: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    active_accounts: Mapped[int] = mapped_column(default=0)
    members: Mapped[int] = mapped_column(default=0)
    #: None until the job has measured storage on that day
    storage_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    attachment_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: {table: {"rows": n, "bytes": n}}
    tables: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("tenant_id", "day"),)


class TenantDeletion(db.Model):
    """The deletion of a municipality's data at the end of its contract: scheduled, then done,
    and then its certificate (what was deleted, row counts per table, the check that nothing is
    left, when and by whom).

    Platform-wide like :class:`AuditEvent`: it must outlive the municipality's rows, so the
    municipality is a ``subject_tenant_id`` (the tenants row stays as a tombstone with status
    ``deleted``) and there is no RLS; only :mod:`tenants.deletion` touches it.
    """

    __tablename__ = "tenant_deletions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_tenant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(sa.String(63))
    name: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: scheduled (waiting for due_at), cancelled, done
    status: Mapped[str] = mapped_column(sa.String(16), default="scheduled")
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="RESTRICT"))
    requested_by_email: Mapped[str | None] = mapped_column(sa.String(254))
    due_at: Mapped[dt.datetime]
    cancelled_at: Mapped[dt.datetime | None]
    executed_at: Mapped[dt.datetime | None]
    #: None: the scheduled job (or the command line) carried it out
    executed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="RESTRICT"))
    executed_by_email: Mapped[str | None] = mapped_column(sa.String(254))
    #: table -> rows deleted (or anonymised, for the platform-wide tables), once done
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: table -> rows of the municipality found afterwards (every value 0 when verified)
    remaining: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    verified: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.CheckConstraint("status IN ('scheduled', 'cancelled', 'done')", name="status"),
        # one deletion waiting per municipality
        sa.Index(
            "uq_tenant_deletions_scheduled",
            "subject_tenant_id",
            unique=True,
            postgresql_where=sa.text("status = 'scheduled'"),
            sqlite_where=sa.text("status = 'scheduled'"),
        ),
    )
