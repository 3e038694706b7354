"""test plugin: notes

Revision ID: testplugin_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import disable_tenant_rls, enable_tenant_rls

revision = "testplugin_0001"
down_revision = None
branch_labels = ("testplugin",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "testplugin_notes",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_testplugin_notes_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_testplugin_notes")),
    )
    enable_tenant_rls(op, "testplugin_notes")


def downgrade() -> None:
    disable_tenant_rls(op, "testplugin_notes")
    op.drop_table("testplugin_notes")
