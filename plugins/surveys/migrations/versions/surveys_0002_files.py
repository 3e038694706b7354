"""surveys: file-upload questions (the files, per municipality, under forced row-level security),
a version of the answers for the results kept between requests, and translations of a survey

Revision ID: surveys_0002
Revises: surveys_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, create_tenant_table, drop_tenant_table

revision = "surveys_0002"
down_revision = "surveys_0001"
branch_labels = None
depends_on = None

OLD_KINDS = "'section', 'single', 'multiple', 'rating5', 'rating10', 'likert', 'ranking', 'number', 'date', 'short_text', 'long_text'"
KINDS = OLD_KINDS + ", 'file'"


def _kinds(kinds: str) -> None:
    check = f"kind IN ({kinds})"
    if op.get_bind().dialect.name == "sqlite":  # the demo: SQLite rebuilds the table to change a CHECK
        with op.batch_alter_table("surveys_questions", recreate="always") as batch:
            batch.drop_constraint(op.f("ck_surveys_questions_kind"), type_="check")
            batch.create_check_constraint(op.f("ck_surveys_questions_kind"), check)
        return
    op.drop_constraint(op.f("ck_surveys_questions_kind"), "surveys_questions", type_="check")
    op.create_check_constraint(op.f("ck_surveys_questions_kind"), "surveys_questions", check)


def upgrade() -> None:
    _kinds(KINDS)
    op.add_column(
        "surveys_surveys", sa.Column("answers_version", sa.Integer(), server_default="0", nullable=False)
    )
    create_tenant_table(
        op,
        "surveys_files",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_surveys_files_account_id_accounts"),
            ondelete="CASCADE",
        ),
        references={
            "survey_id": ("surveys_surveys", "CASCADE"),
            "question_id": ("surveys_questions", "CASCADE"),
            "response_id": ("surveys_responses", "CASCADE"),
            "invitation_id": ("surveys_invitations", "CASCADE"),
        },
    )
    op.create_index(op.f("ix_surveys_files_account_id"), "surveys_files", ["account_id"])
    op.create_index("ix_surveys_files_tenant_id_survey_id", "surveys_files", ["tenant_id", "survey_id"])
    op.create_index("ix_surveys_files_tenant_id_response_id", "surveys_files", ["tenant_id", "response_id"])

    create_tenant_table(
        op,
        "surveys_translations",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "survey_id",
            "locale",
            name=op.f("uq_surveys_translations_tenant_id_survey_id_locale"),
        ),
        references={"survey_id": ("surveys_surveys", "CASCADE")},
    )


def downgrade() -> None:
    drop_tenant_table(op, "surveys_translations")
    op.drop_index("ix_surveys_files_tenant_id_response_id", table_name="surveys_files")
    op.drop_index("ix_surveys_files_tenant_id_survey_id", table_name="surveys_files")
    op.drop_index(op.f("ix_surveys_files_account_id"), table_name="surveys_files")
    drop_tenant_table(op, "surveys_files")
    op.execute("DELETE FROM surveys_questions WHERE kind = 'file'")
    _kinds(OLD_KINDS)
    op.drop_column("surveys_surveys", "answers_version")
