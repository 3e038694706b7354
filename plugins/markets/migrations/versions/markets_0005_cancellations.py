"""markets: a household's distribution-day order can be cancelled (cancelled_at)

Revision ID: markets_0005
Revises: markets_0004
Create Date: 2026-12-01 19:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "markets_0005"
down_revision = "markets_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("markets_grocery_orders", sa.Column("cancelled_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("markets_grocery_orders", "cancelled_at")
