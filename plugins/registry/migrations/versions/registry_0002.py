"""registry: the re-verification notices (one per expired verification of an entry)

Revision ID: registry_0002
Revises: registry_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        op,
        "registry_reverify_notices",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "entry_id",
            "verified_at",
            name=op.f("uq_registry_reverify_notices_tenant_id_entry_id_verified_at"),
        ),
        references={"entry_id": ("registry_entries", "CASCADE")},
    )


def downgrade() -> None:
    drop_tenant_table(op, "registry_reverify_notices")
