"""Tenant-owned tables of the hearings plugin: consultations, comments, meetings, registrations.

Every model mixes in ``TenantScoped`` (primary key ``(tenant_id, id)``) and every foreign key
between them carries ``tenant_id`` (``tenant_foreign_key``), so a row cannot point across
municipalities. Times are stored as naive UTC; forms and pages convert to the municipality's zone.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Reference, ReferenceType, TenantScoped, db, tenant_foreign_key, utcnow
from plugins.hearings.common import render_markdown

AccountId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Status(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    OUTCOME_PUBLISHED = "outcome_published"


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTLY = "partly"
    NOT_ACCEPTED = "not_accepted"
    OUT_OF_SCOPE = "out_of_scope"


class MeetingKind(enum.StrEnum):
    HEARING = "hearing"
    FORUM = "forum"
    WORKSHOP = "workshop"


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"  # a guest who has not confirmed by email yet: holds no seat
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class SpeakerStatus(enum.StrEnum):
    REQUESTED = "requested"
    SPOKEN = "spoken"
    WITHDRAWN = "withdrawn"


ACCESSIBILITY_NEEDS = ("interpretation", "step_free", "sign_language", "other")


def _stored_html(source: str, html: str) -> Markup:
    """The HTML stored at save (sanitised by nh3 then); a row written around the ORM without it
    is rendered here, so a page never shows raw Markdown."""
    if html or not source:
        return Markup(html or "")  # noqa: S704 (sanitised by nh3 when stored)
    return render_markdown(source)


class Consultation(TenantScoped, db.Model):
    """A draft put up for comment, article by article, for a fixed period."""

    __tablename__ = "hearings_consultations"

    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: ``summary`` rendered from Markdown and sanitised when it is set (never per request).
    summary_html: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=Status.DRAFT.value)
    opens_at: Mapped[dt.datetime | None]
    closes_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    outcome_summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: ``outcome_summary`` rendered when it is set.
    outcome_summary_html: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_published_at: Mapped[dt.datetime | None]
    #: When followers were told that the consultation closes in two days (sent once).
    closing_reminder_sent_at: Mapped[dt.datetime | None]
    #: The day the act is meant to be adopted (the municipality's calendar): Romania's 30 working
    #: days are counted back from it, and Bulgaria's «справка» is due before it.
    intended_adoption_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft', 'scheduled', 'open', 'closed', 'outcome_published')", name="status"
        ),
        sa.CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window"),
    )

    @property
    def summary_rendered(self) -> Markup:
        return _stored_html(self.summary, self.summary_html)

    @property
    def outcome_summary_rendered(self) -> Markup:
        return _stored_html(self.outcome_summary, self.outcome_summary_html)

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    def status_at(self, now: dt.datetime) -> str:
        """The status the dates give at ``now``: a scheduled consultation whose opening time has
        passed is open, an open one whose closing time has passed is closed, even before the
        periodic job records the transition (pages read; they never write it themselves)."""
        status = self.status
        if status == Status.SCHEDULED and self.opens_at is not None and self.opens_at <= now:
            status = Status.OPEN.value
        if status == Status.OPEN and self.closes_at is not None and self.closes_at <= now:
            status = Status.CLOSED.value
        return status

    @property
    def effective_status(self) -> str:
        """:meth:`status_at` now: what pages and the API show."""
        return self.status_at(utcnow())


class Article(TenantScoped, db.Model):
    """One article of one version of a consultation's draft (Markdown body)."""

    __tablename__ = "hearings_articles"

    consultation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(default=1)
    position: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: ``body`` rendered from Markdown and sanitised when it is set (never per request).
    body_html: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "consultation_id", "version", "position"),
    )

    @property
    def body_rendered(self) -> Markup:
        return _stored_html(self.body, self.body_html)


def _render_on_set(attribute: Any, html_name: str) -> None:
    """Markdown is rendered once, when the source is set (saving, editing, the demo, imports)."""

    @sa.event.listens_for(attribute, "set", propagate=True)
    def _render(target: Any, value: str | None, _old: Any, _initiator: Any) -> None:
        setattr(target, html_name, str(render_markdown(value)) if value else "")


_render_on_set(Consultation.summary, "summary_html")
_render_on_set(Consultation.outcome_summary, "outcome_summary_html")
_render_on_set(Article.body, "body_html")


class StatusChange(TenantScoped, db.Model):
    """A recorded transition of a consultation (``by_account_id`` None: by time)."""

    __tablename__ = "hearings_status_changes"

    consultation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    from_status: Mapped[str] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    by_account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    #: why staff did it now (opening or closing early, an outcome with comments unanswered)
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    __table_args__ = (tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),)


class Channel(enum.StrEnum):
    """How a recommendation reached the municipality: online, or entered by staff."""

    ONLINE = "online"
    PAPER = "paper"
    EMAIL = "email"
    REGISTRY = "registry"


class Comment(TenantScoped, db.Model):
    """A comment on an article or on the whole draft; replies have ``parent_id`` (one level).

    ``author_name`` and ``organisation_name`` are kept as written at the time, so the register of
    recommendations stays what it was; on erasure the person's name is replaced, the row kept.

    Recommendations received on paper, by e-mail or at the registry are comments too
    (``channel``), entered by staff (``entered_by_id``) with the day they were received and the
    sender's contact (staff only); every comment has a number in the consultation's one register.
    """

    __tablename__ = "hearings_comments"

    consultation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    article_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(default=1)
    account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    author_name: Mapped[str] = mapped_column(sa.String(120))
    organisation_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    organisation_name: Mapped[str | None] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
    hidden_at: Mapped[dt.datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    outcome_reason: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[dt.datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    #: The number in the consultation's register (online and received ones alike), from 1.
    register_number: Mapped[int | None]
    channel: Mapped[str] = mapped_column(sa.String(20), default=Channel.ONLINE.value)
    #: The day a recommendation entered by staff was received (the municipality's calendar).
    received_on: Mapped[dt.date | None]
    #: The sender's address, e-mail or telephone, for the answer: staff only, never published.
    sender_contact: Mapped[str] = mapped_column(sa.String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )

    __table_args__ = (
        tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),
        tenant_foreign_key("article_id", "hearings_articles"),
        tenant_foreign_key("parent_id", "hearings_comments"),
        sa.Index("ix_hearings_comments_consultation", "tenant_id", "consultation_id", "created_at"),
        # an article's comments in order (its tally is recounted from them), a thread's replies
        sa.Index("ix_hearings_comments_article", "tenant_id", "consultation_id", "article_id", "created_at"),
        sa.Index("ix_hearings_comments_parent", "tenant_id", "parent_id", "created_at"),
        sa.UniqueConstraint("tenant_id", "consultation_id", "register_number"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('accepted', 'partly', 'not_accepted', 'out_of_scope')",
            name="outcome",
        ),
        sa.CheckConstraint("channel IN ('online', 'paper', 'email', 'registry')", name="channel"),
    )

    @property
    def received(self) -> bool:
        """Entered by staff (paper, e-mail, registry) rather than written online."""
        return self.channel != Channel.ONLINE

    @property
    def visible_to_public(self) -> bool:
        return self.hidden_at is None and self.withdrawn_at is None


@sa.event.listens_for(Comment, "before_insert")
def _register_number(mapper, connection, target: Comment) -> None:
    """Give a new comment the next number of its consultation's register (online and received
    alike). Callers that may race lock the consultation's row first (``post_comment``,
    ``enter_recommendation``); comments of one flush are numbered in the order they were added."""
    if target.register_number is not None:
        return
    table = Comment.__table__
    taken = connection.execute(
        sa.select(sa.func.coalesce(sa.func.max(table.c.register_number), 0)).where(
            table.c.tenant_id == target.tenant_id, table.c.consultation_id == target.consultation_id
        )
    ).scalar_one()
    session = sa.orm.object_session(target)
    pending = [
        o.register_number
        for o in (session.new if session is not None else ())
        if isinstance(o, Comment)
        and o is not target
        and o.register_number is not None
        and o.consultation_id == target.consultation_id
    ]
    target.register_number = max([taken, *pending]) + 1


class CommentTally(TenantScoped, db.Model):
    """What the public sees of one article's comments (``article_id`` None: the whole draft),
    kept by PostgreSQL triggers on ``hearings_comments`` (migration ``hearings_comment_tallies``):
    the published comments, the threads shown (a first comment, published, and not withdrawn
    unless a published reply hangs on it) and the first of those threads. The consultation page
    reads these instead of counting and ranking every comment, so its cost does not grow with
    them. SQLite (the demo) has no triggers and counts instead."""

    __tablename__ = "hearings_comment_tallies"

    consultation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    article_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: ``article_id``, or the consultation's id for comments on the whole draft: a key without NULL
    article_key: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    threads: Mapped[int] = mapped_column(default=0)
    comments: Mapped[int] = mapped_column(default=0)
    first_thread_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    first_thread_at: Mapped[dt.datetime | None]

    __table_args__ = (
        tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "consultation_id", "article_key"),
    )


class Report(TenantScoped, db.Model):
    """Someone reported a comment to the moderators."""

    __tablename__ = "hearings_reports"

    comment_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]

    __table_args__ = (tenant_foreign_key("comment_id", "hearings_comments", ondelete="CASCADE"),)


class ModerationAction(TenantScoped, db.Model):
    """A moderator's decision on a comment (hide, restore, dismiss reports), recorded."""

    __tablename__ = "hearings_moderation_actions"

    comment_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    action: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    by_account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (tenant_foreign_key("comment_id", "hearings_comments", ondelete="CASCADE"),)


class Programme(TenantScoped, db.Model):
    """Several meetings (a workshop series) with one registration form."""

    __tablename__ = "hearings_programmes"

    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Meeting(TenantScoped, db.Model):
    """A public hearing, civic forum or workshop."""

    __tablename__ = "hearings_meetings"

    programme_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    consultation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(20), default=MeetingKind.HEARING.value)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int | None]
    registration_opens_at: Mapped[dt.datetime | None]
    registration_closes_at: Mapped[dt.datetime | None]
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    speaker_minutes: Mapped[int] = mapped_column(default=5)
    finished_at: Mapped[dt.datetime | None]
    minutes: Mapped[str] = mapped_column(sa.Text, default="")
    minutes_published_at: Mapped[dt.datetime | None]
    feedback_published: Mapped[bool] = mapped_column(default=False)
    #: A survey (of the surveys plugin, through the SDK's references) that replaces the built-in
    #: feedback form after the meeting: the satisfaction template, adapted by staff.
    feedback_survey: Mapped[Reference | None] = mapped_column(ReferenceType(), nullable=True)
    #: When registered people were reminded, the day before (sent once).
    reminder_sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        tenant_foreign_key("programme_id", "hearings_programmes"),
        tenant_foreign_key("consultation_id", "hearings_consultations"),
        sa.CheckConstraint("kind IN ('hearing', 'forum', 'workshop')", name="kind"),
        sa.CheckConstraint("ends_at > starts_at", name="times"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity"),
    )


class Registration(TenantScoped, db.Model):
    """A seat (or a place on the waiting list) at a meeting, for an account or a guest."""

    __tablename__ = "hearings_registrations"

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    #: On behalf of this organisation (one the person may represent here), and its name at the
    #: time; older rows may carry a name as typed, with no organisation (migration hearings_on_behalf).
    organisation_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    organisation_name: Mapped[str] = mapped_column(sa.String(200), default="")
    accessibility: Mapped[str] = mapped_column(sa.String(200), default="")
    accessibility_other: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Accessibility needs are special-category data (GDPR Art. 9): kept only with explicit
    #: consent, whose exact text (in the language it was shown in) is recorded here with its time;
    #: all four fields are cleared by the retention rule ``hearings.accessibility``.
    accessibility_consent: Mapped[str] = mapped_column(sa.Text, default="")
    accessibility_consent_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(sa.String(20))
    #: One registration form submission (a programme: several rows); its signed token is the
    #: confirmation and cancellation link.
    submission_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    #: staff's reason when they cancelled it (sent to the person); empty when the person did
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: the language the person registered in: a guest's mails (reminders, cancellations) use it
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    checked_in_at: Mapped[dt.datetime | None]

    __table_args__ = (
        tenant_foreign_key("meeting_id", "hearings_meetings", ondelete="CASCADE"),
        sa.Index("ix_hearings_registrations_meeting", "tenant_id", "meeting_id", "status"),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'waiting', 'cancelled')", name="status"),
    )


class SpeakerRequest(TenantScoped, db.Model):
    """A request to speak at a meeting; the speaker list is ordered by ``position``."""

    __tablename__ = "hearings_speaker_requests"

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    #: As on a registration: the organisation chosen, and its name at the time.
    organisation_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    organisation_name: Mapped[str] = mapped_column(sa.String(200), default="")
    topic: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(20), default=SpeakerStatus.REQUESTED.value)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    spoke_at: Mapped[dt.datetime | None]
    #: Who took the request off the list (the speaker, or staff with a reason), and when.
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    withdrawn_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    __table_args__ = (
        tenant_foreign_key("meeting_id", "hearings_meetings", ondelete="CASCADE"),
        sa.CheckConstraint("status IN ('requested', 'spoken', 'withdrawn')", name="status"),
    )


class Feedback(TenantScoped, db.Model):
    """An attendee's feedback after a meeting: once per registration."""

    __tablename__ = "hearings_feedback"

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    registration_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    overall: Mapped[int]
    organisation: Mapped[int]
    usefulness: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        tenant_foreign_key("meeting_id", "hearings_meetings", ondelete="CASCADE"),
        tenant_foreign_key("registration_id", "hearings_registrations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "registration_id"),
        sa.CheckConstraint(
            "overall BETWEEN 1 AND 5 AND organisation BETWEEN 1 AND 5 AND usefulness BETWEEN 1 AND 5",
            name="ratings",
        ),
    )


class Attachment(TenantScoped, db.Model):
    """A PDF attached to a consultation or to a meeting (the minutes), checked for type and size.

    ``document_type`` says what it is in law (a «referat de aprobare», «мотиви», ...: see
    ``plugins.hearings.law.rules``). The scan of a recommendation received on paper belongs to
    its comment (``comment_id``, with the consultation), may be a PNG or JPEG, and is for staff.
    """

    __tablename__ = "hearings_attachments"

    consultation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    document_type: Mapped[str] = mapped_column(sa.String(40), default="other")
    content_type: Mapped[str] = mapped_column(sa.String(40), default="application/pdf")
    filename: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: what the page shows instead of the file name (empty: the file name)
    title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: deleted by staff: the row (and its changes) stays as the record, the content is gone
    deleted_at: Mapped[dt.datetime | None]

    __table_args__ = (
        tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),
        tenant_foreign_key("meeting_id", "hearings_meetings", ondelete="CASCADE"),
        tenant_foreign_key("comment_id", "hearings_comments", ondelete="CASCADE"),
        sa.CheckConstraint("(consultation_id IS NULL) <> (meeting_id IS NULL)", name="owner"),
        sa.CheckConstraint("comment_id IS NULL OR consultation_id IS NOT NULL", name="scan_owner"),
    )


class Follow(TenantScoped, db.Model):
    """An account, or an organisation, follows the municipality's consultations: mail on opening
    and two days before closing. An organisation's mail goes to its administrators."""

    __tablename__ = "hearings_follows"

    account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="CASCADE")
    )
    organisation_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "account_id"),
        sa.UniqueConstraint("tenant_id", "organisation_id"),
        sa.CheckConstraint("(account_id IS NULL) <> (organisation_id IS NULL)", name="one_follower"),
    )


class AttachmentChange(TenantScoped, db.Model):
    """A recorded change of an attachment: renamed, retitled or deleted (who, when, why)."""

    __tablename__ = "hearings_attachment_changes"

    attachment_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(20))
    old_value: Mapped[str] = mapped_column(sa.String(200), default="")
    new_value: Mapped[str] = mapped_column(sa.String(200), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    by_account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )

    __table_args__ = (
        tenant_foreign_key("attachment_id", "hearings_attachments", ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('renamed', 'retitled', 'deleted')", name="kind"),
    )


class DateChange(TenantScoped, db.Model):
    """A change of a consultation's dates (opening, closing, intended adoption), kept for its
    public history: the old and new values as ISO text, who, when and why."""

    __tablename__ = "hearings_date_changes"

    consultation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    field: Mapped[str] = mapped_column(sa.String(30))
    old_value: Mapped[str | None] = mapped_column(sa.String(40))
    new_value: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    by_account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )

    __table_args__ = (
        tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),
        sa.CheckConstraint("field IN ('opens_at', 'closes_at', 'intended_adoption_on')", name="field"),
    )


class LawException(TenantScoped, db.Model):
    """A departure from the consultation's rule set that the law allows with a stated reason
    (a shorter period, a shorter notice before adoption, a missing document): the reason is
    published on the consultation page.

    ``value``: what the exception covers (the period in minutes, the notice in working days);
    ``detail``: the missing document types, comma-separated."""

    __tablename__ = "hearings_law_exceptions"

    consultation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(30))
    rule_set: Mapped[str] = mapped_column(sa.String(10))
    value: Mapped[int | None]
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    reason: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    by_account_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )

    __table_args__ = (
        tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('short_period', 'adoption_notice', 'missing_documents')", name="kind"),
    )


class DebateStatus(enum.StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class DebateRequest(TenantScoped, db.Model):
    """Romania (Law 52/2003, art. 7): a written request for a public debate of a draft from a
    legally constituted association or another public authority, the decision and the meeting."""

    __tablename__ = "hearings_debate_requests"

    consultation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    requester_kind: Mapped[str] = mapped_column(sa.String(20))
    requester_name: Mapped[str] = mapped_column(sa.String(300))
    #: The association's entry in the register of associations and foundations, or the fiscal code.
    requester_registration: Mapped[str] = mapped_column(sa.String(100), default="")
    contact: Mapped[str] = mapped_column(sa.String(300), default="")
    received_on: Mapped[dt.date]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=DebateStatus.RECEIVED.value)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )

    __table_args__ = (
        tenant_foreign_key("consultation_id", "hearings_consultations", ondelete="CASCADE"),
        tenant_foreign_key("meeting_id", "hearings_meetings"),
        sa.CheckConstraint("requester_kind IN ('association', 'authority')", name="requester_kind"),
        sa.CheckConstraint("status IN ('received', 'accepted', 'refused')", name="status"),
    )


class LegalAction(TenantScoped, db.Model):
    """A court action against the municipality for breaking the law on decisional transparency
    (Romania, Law 52/2003 art. 13(1)(e)): counted in the annual report of its year."""

    __tablename__ = "hearings_legal_actions"

    filed_on: Mapped[dt.date]
    claimant: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.Text)
    court: Mapped[str] = mapped_column(sa.String(300), default="")
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TransparencyYear(TenantScoped, db.Model):
    """What the annual report on decisional transparency needs beyond the data: the
    municipality's own assessment of its partnership with citizens and associations, and the
    meetings that were not public, with why (Law 52/2003 art. 13(1)(f), (g))."""

    __tablename__ = "hearings_transparency_years"

    year: Mapped[int]
    self_assessment: Mapped[str] = mapped_column(sa.Text, default="")
    closed_meetings: Mapped[int] = mapped_column(default=0)
    closed_meetings_reasons: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "year"),
        sa.CheckConstraint("closed_meetings >= 0", name="closed_meetings"),
    )


ALL_MODELS = (
    Consultation,
    Article,
    StatusChange,
    Comment,
    CommentTally,
    Report,
    ModerationAction,
    Programme,
    Meeting,
    Registration,
    SpeakerRequest,
    Feedback,
    Attachment,
    AttachmentChange,
    Follow,
    DateChange,
    LawException,
    DebateRequest,
    LegalAction,
    TransparencyYear,
)
