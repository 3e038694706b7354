"""A person's notification settings (global, theirs) and the digest queue (per municipality)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.columns import AccountId
from core.db import TenantScoped
from core.extensions import db
from core.tenancy import utcnow

#: How a kind of notification reaches a person.
MODES = ("immediate", "digest", "off")


class NotificationPreference(db.Model):
    """One person's choice for one kind of notification, in one municipality or in all
    (``municipality_id`` NULL). Global like the account it belongs to: the person edits them on
    the apex across municipalities, and a mail in one municipality reads the row of that
    municipality first, then the one for all. Deleted with the account."""

    __tablename__ = "core_notification_preferences"

    id: Mapped[int] = mapped_column(AccountId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(AccountId, sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    municipality_id: Mapped[int | None] = mapped_column(
        sa.Integer, sa.ForeignKey("tenants.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(100))
    mode: Mapped[str] = mapped_column(sa.String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("mode IN ('immediate', 'digest', 'off')", name="mode"),
        # one row per (person, municipality or all, kind): NULL is "all", so two partial indexes
        sa.Index(
            "uq_core_notification_preferences_all",
            "account_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("municipality_id IS NULL"),
            sqlite_where=sa.text("municipality_id IS NULL"),
        ),
        sa.Index(
            "uq_core_notification_preferences_one",
            "account_id",
            "municipality_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("municipality_id IS NOT NULL"),
            sqlite_where=sa.text("municipality_id IS NOT NULL"),
        ),
    )


class QueuedNotification(TenantScoped, db.Model):
    """A notification kept for the person's daily digest, written (subject and text) in their
    language when it happened; ``sent_at`` once the digest carrying it has been queued."""

    __tablename__ = "core_notification_queue"

    account_id: Mapped[int] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
