"""Surveys: questionnaires with a window, an audience, questions, drafts, responses and invitations.

Every table is tenant-owned (``TenantScoped``: key ``(tenant_id, id)``, forced row-level security
from the migration). A response keeps the person only when the survey is attributed; who has
answered is a separate row (``Participation``), so that "one answer per person or invitation"
holds under parallel submissions (a unique key) without tying an anonymous answer to anyone.
"""

import datetime as dt
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


class Audience:
    """Who may answer: anyone (signed out too), signed-in members, members of chosen
    organisations, or only the people invited by e-mail (single-use links)."""

    PUBLIC = "public"
    MEMBERS = "members"
    ORGANISATIONS = "organisations"
    INVITED = "invited"
    ALL = (PUBLIC, MEMBERS, ORGANISATIONS, INVITED)


class Kind:
    """Question types; ``section`` is a heading with a text that starts a new part of the form."""

    SECTION = "section"
    SINGLE = "single"
    MULTIPLE = "multiple"
    RATING5 = "rating5"
    RATING10 = "rating10"
    LIKERT = "likert"
    RANKING = "ranking"
    NUMBER = "number"
    DATE = "date"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    FILE = "file"
    ALL = (
        SECTION,
        SINGLE,
        MULTIPLE,
        RATING5,
        RATING10,
        LIKERT,
        RANKING,
        NUMBER,
        DATE,
        SHORT_TEXT,
        LONG_TEXT,
        FILE,
    )
    CHOICE = (SINGLE, MULTIPLE)
    WITH_OPTIONS = (SINGLE, MULTIPLE, RANKING, LIKERT)
    TEXT = (SHORT_TEXT, LONG_TEXT)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Survey(TenantScoped, db.Model):
    """A questionnaire; it takes answers between ``opens_at`` and ``closes_at`` (UTC, entered in
    the municipality's zone) once published."""

    __tablename__ = "surveys_surveys"

    title: Mapped[str] = mapped_column(sa.String(200))
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    published: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    audience: Mapped[str] = mapped_column(sa.String(20), default=Audience.MEMBERS)
    organisation_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    on_behalf: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    results_public: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    #: raised when answers already given change (erasure takes a file out): results kept by a
    #: process are read again (a new answer changes the count, which they are keyed by too)
    answers_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = account_fk()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow_aware, onupdate=utcnow_aware
    )

    __table_args__ = (
        sa.CheckConstraint(_in("audience", Audience.ALL), name="audience"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )


class Question(TenantScoped, db.Model):
    """One question (or section heading) of a survey, in ``position`` order.

    ``options`` are the choices (single, multiple, ranking) or the scale (Likert); ``rows`` the
    statements of a Likert matrix. It is shown only when the earlier question ``show_if_id`` was
    answered ``show_if_value`` (an option, or a rating as text), when given.
    """

    __tablename__ = "surveys_questions"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(20))
    prompt: Mapped[str] = mapped_column(sa.String(500))
    help: Mapped[str] = mapped_column(sa.String(1000), default="")
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    options: Mapped[list] = mapped_column(sa.JSON, default=list)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)
    allow_other: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    min_value: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    show_if_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    show_if_value: Mapped[str] = mapped_column(sa.String(200), default="")

    __table_args__ = (
        tenant_foreign_key("survey_id", "surveys_surveys", ondelete="CASCADE"),
        sa.CheckConstraint(_in("kind", Kind.ALL), name="kind"),
        sa.Index("ix_surveys_questions_tenant_id_survey_id_position", "tenant_id", "survey_id", "position"),
    )


class Invitation(TenantScoped, db.Model):
    """An invited address and the hash of its single-use link (the link itself is only mailed)."""

    __tablename__ = "surveys_invitations"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        tenant_foreign_key("survey_id", "surveys_surveys", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "survey_id", "email"),
        sa.UniqueConstraint("tenant_id", "token_hash"),
    )


class Draft(TenantScoped, db.Model):
    """Answers saved to finish later, by a signed-in person or an invitation's holder."""

    __tablename__ = "surveys_drafts"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk(ondelete="CASCADE", nullable=True)
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow_aware, onupdate=utcnow_aware
    )

    __table_args__ = (
        tenant_foreign_key("survey_id", "surveys_surveys", ondelete="CASCADE"),
        tenant_foreign_key("invitation_id", "surveys_invitations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "survey_id", "account_id"),
        sa.UniqueConstraint("tenant_id", "survey_id", "invitation_id"),
    )


class Participation(TenantScoped, db.Model):
    """That a person (or an invitation) has answered: the unique keys make it once, whatever
    the concurrency. It says nothing of what they answered."""

    __tablename__ = "surveys_participations"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk(ondelete="CASCADE", nullable=True)
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("survey_id", "surveys_surveys", ondelete="CASCADE"),
        tenant_foreign_key("invitation_id", "surveys_invitations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "survey_id", "account_id"),
        sa.UniqueConstraint("tenant_id", "survey_id", "invitation_id"),
    )


class Response(TenantScoped, db.Model):
    """A submitted set of answers, ``{question id: value}``. ``account_id`` only when the survey
    is attributed (SET NULL on erasure: the answers stay in the results)."""

    __tablename__ = "surveys_responses"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk()
    organisation_id: Mapped[int | None] = organisation_fk()
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("survey_id", "surveys_surveys", ondelete="CASCADE"),
        sa.Index("ix_surveys_responses_tenant_id_survey_id", "tenant_id", "survey_id"),
    )


class PublishedText(TenantScoped, db.Model):
    """A written answer staff chose to show on the public results (moderation: none by default)."""

    __tablename__ = "surveys_published_texts"

    response_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    question_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)

    __table_args__ = (
        tenant_foreign_key("response_id", "surveys_responses", ondelete="CASCADE"),
        tenant_foreign_key("question_id", "surveys_questions", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "response_id", "question_id"),
    )


class UploadedFile(TenantScoped, db.Model):
    """A file given as the answer to a file question, kept in the municipality's own rows (forced
    row-level security, as every table) and downloaded by staff only.

    Until the answers are sent it is pending (``response_id`` NULL) and belongs to whoever
    uploaded it: an account or an invitation (so that a draft can keep it, and erasure find it),
    or a visitor's form (neither). Once sent, only the response holds it: nothing ties the file
    of an anonymous answer to a person."""

    __tablename__ = "surveys_files"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    question_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    response_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    account_id: Mapped[int | None] = account_fk(ondelete="CASCADE", nullable=True)
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("survey_id", "surveys_surveys", ondelete="CASCADE"),
        tenant_foreign_key("question_id", "surveys_questions", ondelete="CASCADE"),
        tenant_foreign_key("response_id", "surveys_responses", ondelete="CASCADE"),
        tenant_foreign_key("invitation_id", "surveys_invitations", ondelete="CASCADE"),
        sa.Index("ix_surveys_files_tenant_id_survey_id", "tenant_id", "survey_id"),
        sa.Index("ix_surveys_files_tenant_id_response_id", "tenant_id", "response_id"),
    )


class SurveyTranslation(TenantScoped, db.Model):
    """The whole survey in another of the municipality's languages, entered by staff: its title,
    introduction and, per question id, ``{"prompt", "help", "options": [...], "rows": [...]}``
    (options and statements in the order of the originals; a blank falls back to the original).
    Answers keep the original options, so results pool answers across languages. ``sources``
    tells which originals changed since it was saved (``services.staleness``)."""

    __tablename__ = "surveys_translations"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    locale: Mapped[str] = mapped_column(sa.String(10))
    title: Mapped[str] = mapped_column(sa.String(200))
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    texts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: what it was made from: a fingerprint of the title and introduction (key ``""``) and of each
    #: question's texts when staff saved it; an original that no longer matches is out of date
    sources: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow_aware, onupdate=utcnow_aware
    )

    __table_args__ = (
        tenant_foreign_key("survey_id", "surveys_surveys", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "survey_id", "locale"),
    )
