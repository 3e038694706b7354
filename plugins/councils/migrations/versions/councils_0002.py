"""councils: documents (a council's founding decision, a meeting's papers)

Revision ID: councils_0002
Revises: councils_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, create_tenant_table, drop_tenant_table

revision = "councils_0002"
down_revision = "councils_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    t = "councils_documents"
    create_tenant_table(
        op,
        t,
        sa.Column("council_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_by_id", AccountId, nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_by_id", AccountId, nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('founding_decision', 'meeting')", name=op.f(f"ck_{t}_kind")),
        sa.CheckConstraint(
            "(kind = 'meeting') = (meeting_id IS NOT NULL)", name=op.f(f"ck_{t}_meeting_owner")
        ),
        sa.CheckConstraint("size >= 0", name=op.f(f"ck_{t}_size")),
        *(
            sa.ForeignKeyConstraint(
                [c], ["accounts.id"], name=op.f(f"fk_{t}_{c}_accounts"), ondelete="SET NULL"
            )
            for c in ("uploaded_by_id", "deleted_by_id")
        ),
        references={
            "council_id": ("councils_councils", "CASCADE"),
            "meeting_id": ("councils_meetings", "CASCADE"),
        },
    )
    for c in ("uploaded_by_id", "deleted_by_id"):
        op.create_index(op.f(f"ix_{t}_{c}"), t, [c])
    op.create_index("ix_councils_documents_tenant_id_council_id", t, ["tenant_id", "council_id"])


def downgrade() -> None:
    drop_tenant_table(op, "councils_documents")
