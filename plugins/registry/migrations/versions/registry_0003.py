"""registry: cooperation pacts' signed documents, revisions (history) and yearly reviews

Revision ID: registry_0003
Revises: registry_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, create_tenant_table, drop_tenant_table

revision = "registry_0003"
down_revision = "registry_0002"
branch_labels = None
depends_on = None


def _account_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["accounts.id"], name=op.f(f"fk_{table}_{column}_accounts"), ondelete="SET NULL"
    )


def upgrade() -> None:
    create_tenant_table(
        op,
        "registry_pact_documents",
        sa.Column("pact_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", AccountId, nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        _account_fk("registry_pact_documents", "uploaded_by_id"),
        references={"pact_id": ("registry_pacts", "CASCADE")},
    )
    create_tenant_table(
        op,
        "registry_pact_revisions",
        sa.Column("pact_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("changed_by_id", AccountId, nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "pact_id", "number", name=op.f("uq_registry_pact_revisions_tenant_id_pact_id_number")
        ),
        _account_fk("registry_pact_revisions", "changed_by_id"),
        references={"pact_id": ("registry_pacts", "CASCADE")},
    )
    create_tenant_table(
        op,
        "registry_pact_reviews",
        sa.Column("pact_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", AccountId, nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('continue', 'amend', 'end')", name=op.f("ck_registry_pact_reviews_outcome")
        ),
        _account_fk("registry_pact_reviews", "reviewed_by_id"),
        references={"pact_id": ("registry_pacts", "CASCADE")},
    )
    for table, column in (
        ("registry_pact_documents", "uploaded_by_id"),
        ("registry_pact_revisions", "changed_by_id"),
        ("registry_pact_reviews", "reviewed_by_id"),
    ):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table in ("registry_pact_reviews", "registry_pact_revisions", "registry_pact_documents"):
        drop_tenant_table(op, table)
