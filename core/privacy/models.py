"""Tenant-owned tables of personal-data duties: retention settings and guests' data requests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.columns import AccountId
from core.db import TenantScoped
from core.extensions import db
from core.tenancy import utcnow


class RetentionSetting(TenantScoped, db.Model):
    """A municipality's own period for one kind of personal data (a rule's ``key``); without a
    row the rule's default applies."""

    __tablename__ = "core_retention_settings"

    key: Mapped[str] = mapped_column(sa.String(100))
    days: Mapped[int]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "key"),
        sa.CheckConstraint("days >= 1", name="days"),
    )


class DataRequest(TenantScoped, db.Model):
    """A guest's request for their data or its erasure: the single-use link's record.

    The link carries this row's id, signed (so the address never travels in a URL). The address
    itself is kept only while the link is open: using it, or its expiry, leaves a keyed hash, so
    the record of an erasure does not keep what was erased; ``used_at`` makes the link
    single-use and ``action`` says what it was used for (the municipality's record of rights
    exercised).
    """

    __tablename__ = "core_data_requests"

    email: Mapped[str | None] = mapped_column(sa.String(254))
    email_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    #: export or erase, once used
    action: Mapped[str | None] = mapped_column(sa.String(16))

    __table_args__ = (sa.CheckConstraint("action IS NULL OR action IN ('export', 'erase')", name="action"),)
