"""test plugin: note tags (a foreign key between tenant-owned tables)

Revision ID: testplugin_0002
Revises: testplugin_0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import disable_tenant_rls, enable_tenant_rls

revision = "testplugin_0002"
down_revision = "testplugin_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "testplugin_note_tags",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "note_id"],
            ["testplugin_notes.tenant_id", "testplugin_notes.id"],
            name=op.f("fk_testplugin_note_tags_tenant_id_note_id_testplugin_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_testplugin_note_tags_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_testplugin_note_tags")),
    )
    enable_tenant_rls(op, "testplugin_note_tags")


def downgrade() -> None:
    disable_tenant_rls(op, "testplugin_note_tags")
    op.drop_table("testplugin_note_tags")
