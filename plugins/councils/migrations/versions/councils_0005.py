"""councils: members' own dissenting opinions on a formal opinion

Revision ID: councils_0005
Revises: councils_0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "councils_0005"
down_revision = "councils_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    t = "councils_dissents"
    create_tenant_table(
        op,
        t,
        sa.Column("opinion_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "opinion_id", "member_id", name=op.f(f"uq_{t}_tenant_id_opinion_id_member_id")
        ),
        references={
            "opinion_id": ("councils_opinions", "CASCADE"),
            "member_id": ("councils_members", "CASCADE"),
        },
    )


def downgrade() -> None:
    drop_tenant_table(op, "councils_dissents")
