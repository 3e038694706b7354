"""hearings: attachments renamed, retitled and deleted, each change recorded (issue 16 §2)

A title shown instead of the file name; a deleted attachment keeps its row (name, title, when)
without its content, so the record of what was published stays; every change is a row of
``hearings_attachment_changes`` (what, old and new value, who, when, why).

Revision ID: hearings_attachment_edits
Revises: hearings_reasons
Create Date: 2026-12-01 19:30:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "hearings_attachment_edits"
down_revision = "hearings_reasons"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("hearings_attachments") as batch:
        batch.add_column(sa.Column("title", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    create_tenant_table(
        op,
        "hearings_attachment_changes",
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("old_value", sa.String(200), nullable=False),
        sa.Column("new_value", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_account_id", BigId, nullable=True),
        sa.CheckConstraint(
            "kind IN ('renamed', 'retitled', 'deleted')", name=op.f("ck_hearings_attachment_changes_kind")
        ),
        sa.ForeignKeyConstraint(
            ["by_account_id"],
            ["accounts.id"],
            name=op.f("fk_hearings_attachment_changes_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        references={"attachment_id": ("hearings_attachments", "CASCADE")},
    )


def downgrade() -> None:
    drop_tenant_table(op, "hearings_attachment_changes")
    with op.batch_alter_table("hearings_attachments") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("title")
