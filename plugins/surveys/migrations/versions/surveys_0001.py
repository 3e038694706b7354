"""surveys: surveys, questions, invitations, drafts, participations and responses

Revision ID: surveys_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, OrganisationId, create_tenant_table, drop_tenant_table

revision = "surveys_0001"
down_revision = None
branch_labels = ("surveys",)
depends_on = "core_privacy"

KINDS = "'section', 'single', 'multiple', 'rating5', 'rating10', 'likert', 'ranking', 'number', 'date', 'short_text', 'long_text'"


def _account_fk(table: str, column: str, ondelete: str = "SET NULL") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["accounts.id"], name=op.f(f"fk_{table}_{column}_accounts"), ondelete=ondelete
    )


def upgrade() -> None:
    create_tenant_table(
        op,
        "surveys_surveys",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("organisation_ids", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("results_public", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", AccountId, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "audience IN ('public', 'members', 'organisations', 'invited')",
            name=op.f("ck_surveys_surveys_audience"),
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_surveys_surveys_closes_after_opening")),
        _account_fk("surveys_surveys", "created_by_id"),
    )
    op.create_index(op.f("ix_surveys_surveys_created_by_id"), "surveys_surveys", ["created_by_id"])

    create_tenant_table(
        op,
        "surveys_questions",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("prompt", sa.String(length=500), nullable=False),
        sa.Column("help", sa.String(length=1000), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("allow_other", sa.Boolean(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("show_if_id", sa.Uuid(), nullable=True),
        sa.Column("show_if_value", sa.String(length=200), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_surveys_questions_kind")),
        references={"survey_id": ("surveys_surveys", "CASCADE")},
    )
    op.create_index(
        "ix_surveys_questions_tenant_id_survey_id_position",
        "surveys_questions",
        ["tenant_id", "survey_id", "position"],
    )

    create_tenant_table(
        op,
        "surveys_invitations",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id", "survey_id", "email", name=op.f("uq_surveys_invitations_tenant_id_survey_id_email")
        ),
        sa.UniqueConstraint(
            "tenant_id", "token_hash", name=op.f("uq_surveys_invitations_tenant_id_token_hash")
        ),
        references={"survey_id": ("surveys_surveys", "CASCADE")},
    )

    for table in ("surveys_drafts", "surveys_participations"):
        extra = (
            [
                sa.Column("answers", sa.JSON(), nullable=False),
                sa.Column("updated_at", sa.DateTime(), nullable=False),
            ]
            if table == "surveys_drafts"
            else [sa.Column("answered_at", sa.DateTime(), nullable=False)]
        )
        create_tenant_table(
            op,
            table,
            sa.Column("survey_id", sa.Uuid(), nullable=False),
            sa.Column("account_id", AccountId, nullable=True),
            sa.Column("invitation_id", sa.Uuid(), nullable=True),
            *extra,
            sa.UniqueConstraint(
                "tenant_id",
                "survey_id",
                "account_id",
                name=op.f(f"uq_{table}_tenant_id_survey_id_account_id"),
            ),
            sa.UniqueConstraint(
                "tenant_id",
                "survey_id",
                "invitation_id",
                name=op.f(f"uq_{table}_tenant_id_survey_id_invitation_id"),
            ),
            _account_fk(table, "account_id", "CASCADE"),
            references={
                "survey_id": ("surveys_surveys", "CASCADE"),
                "invitation_id": ("surveys_invitations", "CASCADE"),
            },
        )
        op.create_index(op.f(f"ix_{table}_account_id"), table, ["account_id"])

    create_tenant_table(
        op,
        "surveys_responses",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        _account_fk("surveys_responses", "account_id"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_surveys_responses_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        references={"survey_id": ("surveys_surveys", "CASCADE")},
    )
    op.create_index(
        "ix_surveys_responses_tenant_id_survey_id", "surveys_responses", ["tenant_id", "survey_id"]
    )
    for column in ("account_id", "organisation_id"):
        op.create_index(op.f(f"ix_surveys_responses_{column}"), "surveys_responses", [column])

    create_tenant_table(
        op,
        "surveys_published_texts",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "response_id",
            "question_id",
            name=op.f("uq_surveys_published_texts_tenant_id_response_id_question_id"),
        ),
        references={
            "response_id": ("surveys_responses", "CASCADE"),
            "question_id": ("surveys_questions", "CASCADE"),
        },
    )


def downgrade() -> None:
    drop_tenant_table(op, "surveys_published_texts")
    for column in ("account_id", "organisation_id"):
        op.drop_index(op.f(f"ix_surveys_responses_{column}"), table_name="surveys_responses")
    op.drop_index("ix_surveys_responses_tenant_id_survey_id", table_name="surveys_responses")
    drop_tenant_table(op, "surveys_responses")
    for table in ("surveys_participations", "surveys_drafts"):
        op.drop_index(op.f(f"ix_{table}_account_id"), table_name=table)
        drop_tenant_table(op, table)
    drop_tenant_table(op, "surveys_invitations")
    op.drop_index("ix_surveys_questions_tenant_id_survey_id_position", table_name="surveys_questions")
    drop_tenant_table(op, "surveys_questions")
    op.drop_index(op.f("ix_surveys_surveys_created_by_id"), table_name="surveys_surveys")
    drop_tenant_table(op, "surveys_surveys")
