"""volunteers: items

Revision ID: volunteers_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, create_tenant_table, drop_tenant_table

revision = "volunteers_0001"
down_revision = None
branch_labels = ("volunteers",)  # the plugin's own branch
depends_on = "core_0001"  # the core revision that creates `tenants` and `accounts`


def upgrade() -> None:
    # (tenant_id, id) key, the tenant foreign key and forced row-level security, in one call
    create_tenant_table(
        op,
        "volunteers_items",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", AccountId, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["accounts.id"],
            name=op.f("fk_volunteers_items_created_by_id_accounts"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(op.f("ix_volunteers_items_created_by_id"), "volunteers_items", ["created_by_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_volunteers_items_created_by_id"), table_name="volunteers_items")
    drop_tenant_table(op, "volunteers_items")
