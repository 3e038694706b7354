"""hearings: consultation law as configuration and the complete register (issue 12 §1, §2)

The intended adoption date; one numbered register for online and received recommendations
(channel, day received, sender's contact, who entered it; existing comments numbered in the order
they were written); document types and scans on attachments; who withdrew a speaker and why; the
history of date changes, the recorded exceptions to the rule set, Romania's requests for a public
debate, legal actions and the yearly notes of the report on decisional transparency.

Revision ID: hearings_0005
Revises: hearings_0004
Create Date: 2026-11-24 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "hearings_0005"
down_revision = "hearings_0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _account(name: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["accounts.id"], name=op.f(f"fk_{name}_{column}_accounts"), ondelete="SET NULL"
    )


def upgrade() -> None:
    op.add_column("hearings_consultations", sa.Column("intended_adoption_on", sa.Date(), nullable=True))

    with op.batch_alter_table("hearings_comments") as batch:
        batch.add_column(sa.Column("register_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(20), nullable=False, server_default="online"))
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("sender_contact", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("entered_by_id", BigId, nullable=True))
        batch.create_foreign_key(
            op.f("fk_hearings_comments_entered_by_id_accounts"),
            "accounts",
            ["entered_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(
            op.f("ck_hearings_comments_channel"), "channel IN ('online', 'paper', 'email', 'registry')"
        )
    # the comments written so far, numbered in the order they were written
    op.execute(
        """
        UPDATE hearings_comments SET register_number = numbered.n
        FROM (
            SELECT tenant_id, id,
                   row_number() OVER (PARTITION BY tenant_id, consultation_id ORDER BY created_at, id) AS n
            FROM hearings_comments
        ) AS numbered
        WHERE hearings_comments.tenant_id = numbered.tenant_id AND hearings_comments.id = numbered.id
        """
    )
    with op.batch_alter_table("hearings_comments") as batch:
        batch.create_unique_constraint(
            op.f("uq_hearings_comments_tenant_id_consultation_id_register_number"),
            ["tenant_id", "consultation_id", "register_number"],
        )

    with op.batch_alter_table("hearings_speaker_requests") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by_id", BigId, nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.String(500), nullable=False, server_default=""))
        batch.create_foreign_key(
            op.f("fk_hearings_speaker_requests_withdrawn_by_id_accounts"),
            "accounts",
            ["withdrawn_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("hearings_attachments") as batch:
        batch.add_column(sa.Column("comment_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("document_type", sa.String(40), nullable=False, server_default="other"))
        batch.add_column(
            sa.Column("content_type", sa.String(40), nullable=False, server_default="application/pdf")
        )
        batch.create_foreign_key(
            op.f("fk_hearings_attachments_tenant_id_comment_id_hearings_comments"),
            "hearings_comments",
            ["tenant_id", "comment_id"],
            ["tenant_id", "id"],
            ondelete="CASCADE",
        )
        batch.create_check_constraint(
            op.f("ck_hearings_attachments_scan_owner"), "comment_id IS NULL OR consultation_id IS NOT NULL"
        )

    create_tenant_table(
        op,
        "hearings_date_changes",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("old_value", sa.String(40), nullable=True),
        sa.Column("new_value", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_account_id", BigId, nullable=True),
        sa.CheckConstraint(
            "field IN ('opens_at', 'closes_at', 'intended_adoption_on')",
            name=op.f("ck_hearings_date_changes_field"),
        ),
        _account("hearings_date_changes", "by_account_id"),
        references={"consultation_id": ("hearings_consultations", "CASCADE")},
    )
    create_tenant_table(
        op,
        "hearings_law_exceptions",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("rule_set", sa.String(10), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_account_id", BigId, nullable=True),
        sa.CheckConstraint(
            "kind IN ('short_period', 'adoption_notice', 'missing_documents')",
            name=op.f("ck_hearings_law_exceptions_kind"),
        ),
        _account("hearings_law_exceptions", "by_account_id"),
        references={"consultation_id": ("hearings_consultations", "CASCADE")},
    )
    create_tenant_table(
        op,
        "hearings_debate_requests",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("requester_kind", sa.String(20), nullable=False),
        sa.Column("requester_name", sa.String(300), nullable=False),
        sa.Column("requester_registration", sa.String(100), nullable=False),
        sa.Column("contact", sa.String(300), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", BigId, nullable=True),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("entered_by_id", BigId, nullable=True),
        sa.CheckConstraint(
            "requester_kind IN ('association', 'authority')",
            name=op.f("ck_hearings_debate_requests_requester_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'accepted', 'refused')", name=op.f("ck_hearings_debate_requests_status")
        ),
        _account("hearings_debate_requests", "decided_by_id"),
        _account("hearings_debate_requests", "entered_by_id"),
        references={
            "consultation_id": ("hearings_consultations", "CASCADE"),
            "meeting_id": "hearings_meetings",
        },
    )
    create_tenant_table(
        op,
        "hearings_legal_actions",
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("claimant", sa.String(300), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("court", sa.String(300), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    create_tenant_table(
        op,
        "hearings_transparency_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("self_assessment", sa.Text(), nullable=False),
        sa.Column("closed_meetings", sa.Integer(), nullable=False),
        sa.Column("closed_meetings_reasons", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "closed_meetings >= 0", name=op.f("ck_hearings_transparency_years_closed_meetings")
        ),
        sa.UniqueConstraint("tenant_id", "year", name=op.f("uq_hearings_transparency_years_tenant_id_year")),
    )


def downgrade() -> None:
    drop_tenant_table(op, "hearings_transparency_years")
    drop_tenant_table(op, "hearings_legal_actions")
    drop_tenant_table(op, "hearings_debate_requests")
    drop_tenant_table(op, "hearings_law_exceptions")
    drop_tenant_table(op, "hearings_date_changes")
    op.execute("DELETE FROM hearings_attachments WHERE comment_id IS NOT NULL")
    with op.batch_alter_table("hearings_attachments") as batch:
        batch.drop_constraint(op.f("ck_hearings_attachments_scan_owner"), type_="check")
        batch.drop_constraint(
            op.f("fk_hearings_attachments_tenant_id_comment_id_hearings_comments"), type_="foreignkey"
        )
        batch.drop_column("content_type")
        batch.drop_column("document_type")
        batch.drop_column("comment_id")
    with op.batch_alter_table("hearings_speaker_requests") as batch:
        batch.drop_constraint(
            op.f("fk_hearings_speaker_requests_withdrawn_by_id_accounts"), type_="foreignkey"
        )
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_by_id")
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("hearings_comments") as batch:
        batch.drop_constraint(
            op.f("uq_hearings_comments_tenant_id_consultation_id_register_number"), type_="unique"
        )
        batch.drop_constraint(op.f("ck_hearings_comments_channel"), type_="check")
        batch.drop_constraint(op.f("fk_hearings_comments_entered_by_id_accounts"), type_="foreignkey")
        batch.drop_column("entered_by_id")
        batch.drop_column("sender_contact")
        batch.drop_column("received_on")
        batch.drop_column("channel")
        batch.drop_column("register_number")
    op.drop_column("hearings_consultations", "intended_adoption_on")
