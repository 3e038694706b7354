"""test plugin: links from notes to other plugins' objects (one call to create_tenant_table)

Revision ID: testplugin_0003
Revises: testplugin_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, create_tenant_table, drop_tenant_table

revision = "testplugin_0003"
down_revision = "testplugin_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        op,
        "testplugin_links",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("target_title", sa.String(length=200), nullable=False),
        sa.Column("author_id", AccountId, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["accounts.id"],
            name=op.f("fk_testplugin_links_author_id_accounts"),
            ondelete="SET NULL",
        ),
        references={"note_id": ("testplugin_notes", "CASCADE")},
    )
    op.create_index(op.f("ix_testplugin_links_author_id"), "testplugin_links", ["author_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_testplugin_links_author_id"), table_name="testplugin_links")
    drop_tenant_table(op, "testplugin_links")
