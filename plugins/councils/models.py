"""Advisory councils: the body and its seat plan, members with terms, the public call for
nominations with its candidates and ballots, meetings with agenda, attendance and roll-call votes,
and the formal opinions with the municipality's answer.

Every table is tenant-owned (``TenantScoped``: key ``(tenant_id, id)``, forced row-level security
from the migration). Accounts and organisations are global, referenced by id. Times are UTC.
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


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Kind:
    PUBLIC_COUNCIL = "public_council"
    CONSULTATION = "consultation_committee"
    THEMATIC = "thematic_committee"
    YOUTH = "youth_council"
    OTHER = "other"
    ALL = (PUBLIC_COUNCIL, CONSULTATION, THEMATIC, YOUTH, OTHER)


class Category:
    """The groups a seat plan is made of."""

    NGO = "ngo"
    BUSINESS = "business"
    CITIZEN = "citizen"
    EXPERT = "expert"
    EX_OFFICIO = "ex_officio"
    ALL = (NGO, BUSINESS, CITIZEN, EXPERT, EX_OFFICIO)


class Position:
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    SECRETARY = "secretary"
    MEMBER = "member"
    ALTERNATE = "alternate"
    ALL = (CHAIR, VICE_CHAIR, SECRETARY, MEMBER, ALTERNATE)
    #: positions that hold a voting seat (an alternate sits only when promoted)
    SEATED = (CHAIR, VICE_CHAIR, SECRETARY, MEMBER)


class EndReason:
    TERM_OVER = "term_over"
    RESIGNED = "resigned"
    REPLACED = "replaced"
    PROMOTED = "promoted"
    ALL = (TERM_OVER, RESIGNED, REPLACED, PROMOTED)


class Quorum:
    MAJORITY = "majority"
    NUMBER = "number"
    ALL = (MAJORITY, NUMBER)


class Council(TenantScoped, db.Model):
    """An advisory body of the municipality (its remit is Markdown)."""

    __tablename__ = "councils_councils"

    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(30), default=Kind.OTHER)
    remit: Mapped[str] = mapped_column(sa.Text, default="")
    founding_decision: Mapped[str] = mapped_column(sa.String(300), default="")
    term_months: Mapped[int] = mapped_column(sa.Integer, default=24)
    max_consecutive_terms: Mapped[int] = mapped_column(sa.Integer, default=2)
    quorum_rule: Mapped[str] = mapped_column(sa.String(20), default=Quorum.MAJORITY)
    quorum_number: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    public_sessions: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        sa.CheckConstraint(_in("kind", Kind.ALL), name="kind"),
        sa.CheckConstraint(_in("quorum_rule", Quorum.ALL), name="quorum_rule"),
        sa.CheckConstraint("term_months > 0", name="term_positive"),
        sa.CheckConstraint("max_consecutive_terms > 0", name="terms_positive"),
    )


class Seat(TenantScoped, db.Model):
    """One line of the seat plan: so many seats (and alternates) for a category."""

    __tablename__ = "councils_seats"

    council_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    category: Mapped[str] = mapped_column(sa.String(20))
    seats: Mapped[int] = mapped_column(sa.Integer)
    alternates: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        tenant_foreign_key("council_id", "councils_councils", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "council_id", "category"),
        sa.CheckConstraint(_in("category", Category.ALL), name="category"),
        sa.CheckConstraint("seats >= 0 AND alternates >= 0", name="counts"),
    )


class Member(TenantScoped, db.Model):
    """A person on a council for a term: with an account, or only a name. ``account_id`` is SET
    NULL on erasure; the name stays (the composition of a public body is public record)."""

    __tablename__ = "councils_members"

    council_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(20))
    organisation_id: Mapped[int | None] = organisation_fk()
    position: Mapped[str] = mapped_column(sa.String(20), default=Position.MEMBER)
    term_start: Mapped[dt.date] = mapped_column(sa.Date)
    term_end: Mapped[dt.date] = mapped_column(sa.Date)
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    nomination_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)

    __table_args__ = (
        tenant_foreign_key("council_id", "councils_councils", ondelete="CASCADE"),
        sa.CheckConstraint(_in("category", Category.ALL), name="category"),
        sa.CheckConstraint(_in("position", Position.ALL), name="position"),
        sa.CheckConstraint("term_end > term_start", name="term_order"),
        sa.CheckConstraint(f"end_reason IS NULL OR {_in('end_reason', EndReason.ALL)}", name="end_reason"),
        sa.Index("ix_councils_members_tenant_id_council_id", "tenant_id", "council_id"),
    )


class Method:
    APPOINTMENT = "appointment"
    ELECTION = "election"
    ALL = (APPOINTMENT, ELECTION)


class VotingMethod:
    """How the organisations vote in an election: approve up to as many candidates as seats, or
    rank them (instant-runoff; see ``plugins.councils.ranked``)."""

    APPROVAL = "approval"
    RANKED = "ranked"
    ALL = (APPROVAL, RANKED)


class CallStatus:
    DRAFT = "draft"
    PUBLISHED = "published"
    DECIDED = "decided"
    ALL = (DRAFT, PUBLISHED, DECIDED)


class Call(TenantScoped, db.Model):
    """A public call for nominations to the seats of one category."""

    __tablename__ = "councils_calls"

    council_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    title: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(20))
    seats: Mapped[int] = mapped_column(sa.Integer)
    criteria: Mapped[str] = mapped_column(sa.Text, default="")
    documents: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(sa.String(20), default=Method.APPOINTMENT)
    self_nomination: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    voting_method: Mapped[str] = mapped_column(
        sa.String(20), default=VotingMethod.APPROVAL, server_default=VotingMethod.APPROVAL
    )
    voting_closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    objection_days: Mapped[int] = mapped_column(sa.Integer, default=7)
    status: Mapped[str] = mapped_column(sa.String(20), default=CallStatus.DRAFT)
    result_reasoning: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("council_id", "councils_councils", ondelete="CASCADE"),
        sa.CheckConstraint(_in("category", Category.ALL), name="category"),
        sa.CheckConstraint(_in("method", Method.ALL), name="method"),
        sa.CheckConstraint(_in("voting_method", VotingMethod.ALL), name="voting_method"),
        sa.CheckConstraint(_in("status", CallStatus.ALL), name="status"),
        sa.CheckConstraint("closes_at > opens_at", name="window"),
        sa.CheckConstraint("seats > 0", name="seats_positive"),
    )


class NominationStatus:
    SUBMITTED = "submitted"
    ADMITTED = "admitted"
    REJECTED = "rejected"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"
    ALL = (SUBMITTED, ADMITTED, REJECTED, SELECTED, NOT_SELECTED, WITHDRAWN)


class Nomination(TenantScoped, db.Model):
    """A candidate for a call, nominated on behalf of an organisation (by one of its admins) or by
    themselves, with the conflict-of-interest declaration that makes the nomination count."""

    __tablename__ = "councils_nominations"

    call_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    organisation_id: Mapped[int | None] = organisation_fk()
    nominated_by_id: Mapped[int | None] = account_fk()
    candidate_account_id: Mapped[int | None] = account_fk()
    candidate_name: Mapped[str] = mapped_column(sa.String(200))
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    declared_roles: Mapped[str] = mapped_column(sa.Text, default="")
    declared_related_entities: Mapped[str] = mapped_column(sa.Text, default="")
    declared_municipal_funding: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=NominationStatus.SUBMITTED)
    screening_reason: Mapped[str] = mapped_column(sa.Text, default="")
    screened_by_id: Mapped[int | None] = account_fk()
    screened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("call_id", "councils_calls", ondelete="CASCADE"),
        sa.CheckConstraint(_in("status", NominationStatus.ALL), name="status"),
        # one candidate per organisation per call (a race of two admins leaves one)
        sa.Index(
            "uq_councils_nominations_call_org",
            "tenant_id",
            "call_id",
            "organisation_id",
            unique=True,
            postgresql_where=sa.text("organisation_id IS NOT NULL"),
            sqlite_where=sa.text("organisation_id IS NOT NULL"),
        ),
    )


class Ballot(TenantScoped, db.Model):
    """One organisation's approval of one candidate in an election, or in a ranked-choice one
    its ``rank``-th preference (1 = first); published with the result."""

    __tablename__ = "councils_ballots"

    call_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    organisation_id: Mapped[int] = organisation_fk(ondelete="CASCADE")
    nomination_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    rank: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    cast_by_id: Mapped[int | None] = account_fk()
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("call_id", "councils_calls", ondelete="CASCADE"),
        tenant_foreign_key("nomination_id", "councils_nominations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "call_id", "organisation_id", "nomination_id"),
        sa.CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        # one candidate per preference of an organisation's ranked ballot
        sa.Index(
            "uq_councils_ballots_call_org_rank",
            "tenant_id",
            "call_id",
            "organisation_id",
            "rank",
            unique=True,
            postgresql_where=sa.text("rank IS NOT NULL"),
            sqlite_where=sa.text("rank IS NOT NULL"),
        ),
    )


class MeetingStatus:
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"
    ALL = (SCHEDULED, HELD, CANCELLED)


class Meeting(TenantScoped, db.Model):
    """A session of a council; its minutes (Markdown) are public once published."""

    __tablename__ = "councils_meetings"

    council_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=MeetingStatus.SCHEDULED)
    minutes: Mapped[str] = mapped_column(sa.Text, default="")
    minutes_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    invitations_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        tenant_foreign_key("council_id", "councils_councils", ondelete="CASCADE"),
        sa.CheckConstraint(_in("status", MeetingStatus.ALL), name="status"),
        sa.Index(
            "ix_councils_meetings_tenant_id_council_id_starts_at", "tenant_id", "council_id", "starts_at"
        ),
    )


class AgendaItem(TenantScoped, db.Model):
    """A point on a meeting's agenda (``reference`` links another plugin's object, e.g. a consultation)."""

    __tablename__ = "councils_agenda_items"

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    position: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    reference: Mapped[str] = mapped_column(sa.String(300), default="")

    __table_args__ = (tenant_foreign_key("meeting_id", "councils_meetings", ondelete="CASCADE"),)


class Attendance(TenantScoped, db.Model):
    """Whether a member was present at a meeting, as the secretary recorded it."""

    __tablename__ = "councils_attendance"

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    member_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    present: Mapped[bool] = mapped_column(sa.Boolean)
    recorded_by_id: Mapped[int | None] = account_fk()

    __table_args__ = (
        tenant_foreign_key("meeting_id", "councils_meetings", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "councils_members", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "meeting_id", "member_id"),
    )


class Choice:
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    ALL = (FOR, AGAINST, ABSTAIN)


class Conflict(TenantScoped, db.Model):
    """A member's declared conflict of interest on an agenda item: they do not vote on it."""

    __tablename__ = "councils_conflicts"

    item_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    member_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("item_id", "councils_agenda_items", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "councils_members", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "item_id", "member_id"),
    )


class Vote(TenantScoped, db.Model):
    """A present member's roll-call vote on an item (one per member and item, by constraint)."""

    __tablename__ = "councils_votes"

    item_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    member_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    choice: Mapped[str] = mapped_column(sa.String(10))
    entered_by_id: Mapped[int | None] = account_fk()
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("item_id", "councils_agenda_items", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "councils_members", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "item_id", "member_id"),
        sa.CheckConstraint(_in("choice", Choice.ALL), name="choice"),
    )


class Addressee:
    MAYOR = "mayor"
    COUNCIL = "municipal_council"
    ALL = (MAYOR, COUNCIL)


class Answer:
    ACCEPTED = "accepted"
    PARTLY = "partly"
    NOT_ACCEPTED = "not_accepted"
    ALL = (ACCEPTED, PARTLY, NOT_ACCEPTED)


class Opinion(TenantScoped, db.Model):
    """A formal opinion (γνωμοδότηση / становище / aviz) and the municipality's reasoned answer."""

    __tablename__ = "councils_opinions"

    council_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    item_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    dissent: Mapped[str] = mapped_column(sa.Text, default="")
    addressed_to: Mapped[str] = mapped_column(sa.String(20), default=Addressee.MAYOR)
    votes_for: Mapped[int] = mapped_column(sa.Integer, default=0)
    votes_against: Mapped[int] = mapped_column(sa.Integer, default=0)
    votes_abstain: Mapped[int] = mapped_column(sa.Integer, default=0)
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    answer_due: Mapped[dt.date] = mapped_column(sa.Date)
    answer: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    answer_reasoning: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_by_id: Mapped[int | None] = account_fk()

    __table_args__ = (
        tenant_foreign_key("council_id", "councils_councils", ondelete="CASCADE"),
        sa.CheckConstraint(_in("addressed_to", Addressee.ALL), name="addressed_to"),
        sa.CheckConstraint(f"answer IS NULL OR {_in('answer', Answer.ALL)}", name="answer"),
        sa.CheckConstraint("answer_due >= issued_on", name="due_after_issue"),
        sa.Index(
            "ix_councils_opinions_tenant_id_council_id_issued_on", "tenant_id", "council_id", "issued_on"
        ),
    )


class DocumentKind:
    FOUNDING_DECISION = "founding_decision"
    MEETING = "meeting"
    ALL = (FOUNDING_DECISION, MEETING)


class Document(TenantScoped, db.Model):
    """A file of a council: its founding decision (a PDF) or a document of one of its meetings
    (PDF or an office format), checked by content and size. Deleting keeps the row (who, when)
    and drops the content, so the public record shows that a file was withdrawn."""

    __tablename__ = "councils_documents"

    council_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True, deferred=True)
    uploaded_by_id: Mapped[int | None] = account_fk()
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    deleted_by_id: Mapped[int | None] = account_fk()
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        tenant_foreign_key("council_id", "councils_councils", ondelete="CASCADE"),
        tenant_foreign_key("meeting_id", "councils_meetings", ondelete="CASCADE"),
        sa.CheckConstraint(_in("kind", DocumentKind.ALL), name="kind"),
        sa.CheckConstraint("(kind = 'meeting') = (meeting_id IS NOT NULL)", name="meeting_owner"),
        sa.CheckConstraint("size >= 0", name="size"),
        sa.Index("ix_councils_documents_tenant_id_council_id", "tenant_id", "council_id"),
    )


class ObjectionOutcome:
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    ALL = (UPHELD, DISMISSED)


class Objection(TenantScoped, db.Model):
    """An objection to a call's published result, lodged during the objection period by a
    signed-in person, for themselves or an organisation they administer, with its reasons; staff
    answer it with a reason. Both are published (the person's name is not: "a resident")."""

    __tablename__ = "councils_objections"

    call_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk()
    organisation_id: Mapped[int | None] = organisation_fk()
    reasons: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    outcome: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[int | None] = account_fk()
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        tenant_foreign_key("call_id", "councils_calls", ondelete="CASCADE"),
        sa.CheckConstraint(f"outcome IS NULL OR {_in('outcome', ObjectionOutcome.ALL)}", name="outcome"),
        sa.Index("ix_councils_objections_tenant_id_call_id", "tenant_id", "call_id"),
    )


class Dissent(TenantScoped, db.Model):
    """A member's own dissenting opinion on a formal opinion, by one who voted against it in the
    roll call of its agenda item; shown beside the opinion. One per member and opinion."""

    __tablename__ = "councils_dissents"

    opinion_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    member_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    text: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("opinion_id", "councils_opinions", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "councils_members", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "opinion_id", "member_id"),
    )
