"""councils: bodies, seats, members, calls, nominations, ballots, meetings, agenda, attendance,
conflicts, votes and opinions

Revision ID: councils_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, OrganisationId, create_tenant_table, drop_tenant_table

revision = "councils_0001"
down_revision = None
branch_labels = ("councils",)
depends_on = "core_privacy"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


CATEGORIES = ("ngo", "business", "citizen", "expert", "ex_officio")


def _fk(table: str, column: str, target: str = "accounts", ondelete: str = "SET NULL"):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _ck(table: str, name: str, sql: str):
    return sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    t = "councils_councils"
    create_tenant_table(
        op,
        t,
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("remit", sa.Text(), nullable=False),
        sa.Column("founding_decision", sa.String(length=300), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("max_consecutive_terms", sa.Integer(), nullable=False),
        sa.Column("quorum_rule", sa.String(length=20), nullable=False),
        sa.Column("quorum_number", sa.Integer(), nullable=True),
        sa.Column("public_sessions", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _ck(
            t,
            "kind",
            _in(
                "kind",
                ("public_council", "consultation_committee", "thematic_committee", "youth_council", "other"),
            ),
        ),
        _ck(t, "quorum_rule", _in("quorum_rule", ("majority", "number"))),
        _ck(t, "term_positive", "term_months > 0"),
        _ck(t, "terms_positive", "max_consecutive_terms > 0"),
    )

    t = "councils_seats"
    create_tenant_table(
        op,
        t,
        sa.Column("council_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("alternates", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "council_id",
            "category",
            name=op.f("uq_councils_seats_tenant_id_council_id_category"),
        ),
        _ck(t, "category", _in("category", CATEGORIES)),
        _ck(t, "counts", "seats >= 0 AND alternates >= 0"),
        references={"council_id": ("councils_councils", "CASCADE")},
    )

    t = "councils_members"
    create_tenant_table(
        op,
        t,
        sa.Column("council_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("position", sa.String(length=20), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("nomination_id", sa.Uuid(), nullable=True),
        _ck(t, "category", _in("category", CATEGORIES)),
        _ck(t, "position", _in("position", ("chair", "vice_chair", "secretary", "member", "alternate"))),
        _ck(t, "term_order", "term_end > term_start"),
        _ck(
            t,
            "end_reason",
            "end_reason IS NULL OR " + _in("end_reason", ("term_over", "resigned", "replaced", "promoted")),
        ),
        _fk(t, "account_id"),
        _fk(t, "organisation_id", "organisations"),
        references={"council_id": ("councils_councils", "CASCADE")},
    )
    _index(t, "account_id", "organisation_id")
    op.create_index("ix_councils_members_tenant_id_council_id", t, ["tenant_id", "council_id"])

    t = "councils_calls"
    create_tenant_table(
        op,
        t,
        sa.Column("council_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("self_nomination", sa.Boolean(), nullable=False),
        sa.Column("voting_closes_at", sa.DateTime(), nullable=True),
        sa.Column("objection_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result_reasoning", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _ck(t, "category", _in("category", CATEGORIES)),
        _ck(t, "method", _in("method", ("appointment", "election"))),
        _ck(t, "status", _in("status", ("draft", "published", "decided"))),
        _ck(t, "window", "closes_at > opens_at"),
        _ck(t, "seats_positive", "seats > 0"),
        references={"council_id": ("councils_councils", "CASCADE")},
    )

    t = "councils_nominations"
    create_tenant_table(
        op,
        t,
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("nominated_by_id", AccountId, nullable=True),
        sa.Column("candidate_account_id", AccountId, nullable=True),
        sa.Column("candidate_name", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("declared_roles", sa.Text(), nullable=False),
        sa.Column("declared_related_entities", sa.Text(), nullable=False),
        sa.Column("declared_municipal_funding", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("screening_reason", sa.Text(), nullable=False),
        sa.Column("screened_by_id", AccountId, nullable=True),
        sa.Column("screened_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        _ck(
            t,
            "status",
            _in("status", ("submitted", "admitted", "rejected", "selected", "not_selected", "withdrawn")),
        ),
        _fk(t, "organisation_id", "organisations"),
        _fk(t, "nominated_by_id"),
        _fk(t, "candidate_account_id"),
        _fk(t, "screened_by_id"),
        references={"call_id": ("councils_calls", "CASCADE")},
    )
    _index(t, "organisation_id", "nominated_by_id", "candidate_account_id", "screened_by_id")
    op.create_index(
        "uq_councils_nominations_call_org",
        t,
        ["tenant_id", "call_id", "organisation_id"],
        unique=True,
        postgresql_where=sa.text("organisation_id IS NOT NULL"),
        sqlite_where=sa.text("organisation_id IS NOT NULL"),
    )

    t = "councils_ballots"
    create_tenant_table(
        op,
        t,
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", OrganisationId, nullable=False),
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("cast_by_id", AccountId, nullable=True),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "call_id",
            "organisation_id",
            "nomination_id",
            name=op.f("uq_councils_ballots_tenant_id_call_id_organisation_id_nomination_id"),
        ),
        _fk(t, "organisation_id", "organisations", "CASCADE"),
        _fk(t, "cast_by_id"),
        references={
            "call_id": ("councils_calls", "CASCADE"),
            "nomination_id": ("councils_nominations", "CASCADE"),
        },
    )
    _index(t, "organisation_id", "cast_by_id")

    t = "councils_meetings"
    create_tenant_table(
        op,
        t,
        sa.Column("council_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("minutes_published_at", sa.DateTime(), nullable=True),
        sa.Column("invitations_sent_at", sa.DateTime(), nullable=True),
        _ck(t, "status", _in("status", ("scheduled", "held", "cancelled"))),
        references={"council_id": ("councils_councils", "CASCADE")},
    )
    op.create_index(
        "ix_councils_meetings_tenant_id_council_id_starts_at", t, ["tenant_id", "council_id", "starts_at"]
    )

    t = "councils_agenda_items"
    create_tenant_table(
        op,
        t,
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        references={"meeting_id": ("councils_meetings", "CASCADE")},
    )

    t = "councils_attendance"
    create_tenant_table(
        op,
        t,
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", AccountId, nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "meeting_id",
            "member_id",
            name=op.f("uq_councils_attendance_tenant_id_meeting_id_member_id"),
        ),
        _fk(t, "recorded_by_id"),
        references={
            "meeting_id": ("councils_meetings", "CASCADE"),
            "member_id": ("councils_members", "CASCADE"),
        },
    )
    _index(t, "recorded_by_id")

    t = "councils_conflicts"
    create_tenant_table(
        op,
        t,
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "item_id",
            "member_id",
            name=op.f("uq_councils_conflicts_tenant_id_item_id_member_id"),
        ),
        references={
            "item_id": ("councils_agenda_items", "CASCADE"),
            "member_id": ("councils_members", "CASCADE"),
        },
    )

    t = "councils_votes"
    create_tenant_table(
        op,
        t,
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("choice", sa.String(length=10), nullable=False),
        sa.Column("entered_by_id", AccountId, nullable=True),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "item_id", "member_id", name=op.f("uq_councils_votes_tenant_id_item_id_member_id")
        ),
        _ck(t, "choice", _in("choice", ("for", "against", "abstain"))),
        _fk(t, "entered_by_id"),
        references={
            "item_id": ("councils_agenda_items", "CASCADE"),
            "member_id": ("councils_members", "CASCADE"),
        },
    )
    _index(t, "entered_by_id")

    t = "councils_opinions"
    create_tenant_table(
        op,
        t,
        sa.Column("council_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("dissent", sa.Text(), nullable=False),
        sa.Column("addressed_to", sa.String(length=20), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_against", sa.Integer(), nullable=False),
        sa.Column("votes_abstain", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answer_reasoning", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", AccountId, nullable=True),
        _ck(t, "addressed_to", _in("addressed_to", ("mayor", "municipal_council"))),
        _ck(t, "answer", "answer IS NULL OR " + _in("answer", ("accepted", "partly", "not_accepted"))),
        _ck(t, "due_after_issue", "answer_due >= issued_on"),
        _fk(t, "answered_by_id"),
        references={"council_id": ("councils_councils", "CASCADE")},
    )
    _index(t, "answered_by_id")
    op.create_index(
        "ix_councils_opinions_tenant_id_council_id_issued_on", t, ["tenant_id", "council_id", "issued_on"]
    )


TABLES = (
    "councils_opinions",
    "councils_votes",
    "councils_conflicts",
    "councils_attendance",
    "councils_agenda_items",
    "councils_meetings",
    "councils_ballots",
    "councils_nominations",
    "councils_calls",
    "councils_members",
    "councils_seats",
    "councils_councils",
)


def downgrade() -> None:
    # dropping a table drops its indexes
    for table in TABLES:
        drop_tenant_table(op, table)
