"""noticeboard: notices

Revision ID: noticeboard_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import disable_tenant_rls, enable_tenant_rls

revision = "noticeboard_0001"
down_revision = None
branch_labels = ("noticeboard",)  # the plugin's own branch
depends_on = "core_0001"  # the core revision that creates `tenants`


def upgrade() -> None:
    op.create_table(
        "noticeboard_notices",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_noticeboard_notices_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_noticeboard_notices")),
    )
    enable_tenant_rls(op, "noticeboard_notices")  # forced row-level security and the tenant policy


def downgrade() -> None:
    disable_tenant_rls(op, "noticeboard_notices")
    op.drop_table("noticeboard_notices")
