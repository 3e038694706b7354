"""markets: product photos; renewal reminders of eligibility

Revision ID: markets_0002
Revises: markets_0001
Create Date: 2026-12-01 18:30:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import create_tenant_table, drop_tenant_table

revision = "markets_0002"
down_revision = "markets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        op,
        "markets_product_photos",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "content_type IN ('image/png', 'image/jpeg', 'image/webp')",
            name=op.f("ck_markets_product_photos_content_type"),
        ),
        sa.UniqueConstraint(
            "tenant_id", "product_id", name=op.f("uq_markets_product_photos_tenant_id_product_id")
        ),
        references={"product_id": ("markets_products", "CASCADE")},
    )
    op.add_column("markets_applications", sa.Column("renewal_reminded_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("markets_applications", "renewal_reminded_at")
    drop_tenant_table(op, "markets_product_photos")
