"""Tables of the legal notices: all tenant-owned (mixin, ``(tenant_id, id)`` key, forced RLS)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.columns import account_fk
from core.db import TenantScoped
from core.extensions import db
from core.tenancy import utcnow


class NoticeKind(enum.StrEnum):
    PRIVACY = "privacy"
    ACCESSIBILITY = "accessibility"
    TERMS = "terms"
    MODERATION = "moderation"


class Conformance(enum.StrEnum):
    """The compliance status of the model accessibility statement (Implementing Decision (EU) 2018/1523)."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class AssessmentMethod(enum.StrEnum):
    SELF = "self"
    THIRD_PARTY = "third_party"


class FeedbackStatus(enum.StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"


class LegalSettings(TenantScoped, db.Model):
    """The municipality as controller (GDPR Art. 13(1)(a)-(b)) and the facts of its accessibility
    statement; one row per municipality, absent until its staff fill it in."""

    __tablename__ = "legal_settings"

    legal_name: Mapped[str | None] = mapped_column(sa.String(300))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    dpo_name: Mapped[str | None] = mapped_column(sa.String(200))
    dpo_email: Mapped[str | None] = mapped_column(sa.String(254))
    dpo_phone: Mapped[str | None] = mapped_column(sa.String(50))
    #: where accessibility feedback is answered from (the general e-mail when empty)
    accessibility_email: Mapped[str | None] = mapped_column(sa.String(254))
    conformance: Mapped[str] = mapped_column(sa.String(16), default=Conformance.PARTIAL.value)
    assessed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    assessment_method: Mapped[str] = mapped_column(sa.String(16), default=AssessmentMethod.SELF.value)
    reviewed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id"),
        sa.CheckConstraint("conformance IN ('full', 'partial', 'none')", name="conformance"),
        sa.CheckConstraint("assessment_method IN ('self', 'third_party')", name="assessment_method"),
    )


class LegalNotice(TenantScoped, db.Model):
    """A notice as the municipality's staff edited it, in one language (Markdown with
    placeholders). No row: the template shipped for that kind and language is shown."""

    __tablename__ = "legal_notices"

    kind: Mapped[str] = mapped_column(sa.String(16))
    locale: Mapped[str] = mapped_column(sa.String(5))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = account_fk()

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "kind", "locale"),
        sa.CheckConstraint("kind IN ('privacy', 'accessibility', 'terms', 'moderation')", name="kind"),
    )


class AccessibilityFeedback(TenantScoped, db.Model):
    """A report about content that is not accessible (Directive (EU) 2016/2102 Art. 7(1)(b)),
    tracked until it is answered; the answer is mailed in the sender's language."""

    __tablename__ = "legal_accessibility_feedback"

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(5))
    page_url: Mapped[str | None] = mapped_column(sa.String(500))
    message: Mapped[str] = mapped_column(sa.Text)
    account_id: Mapped[int | None] = account_fk()
    status: Mapped[str] = mapped_column(sa.String(16), default=FeedbackStatus.RECEIVED.value)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[dt.datetime | None]
    answered_by_id: Mapped[int | None] = account_fk()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("status IN ('received', 'in_progress', 'answered')", name="status"),)

    @property
    def reference(self) -> str:
        """A short reference the sender can quote (the random tail of the UUIDv7)."""
        return "A11Y-" + self.id.hex[-6:].upper()
