"""markets: staff may cancel a household's distribution-day order, with a reason

Who cancelled it (``cancelled_by_id``: staff; NULL when the household did) and why
(``cancel_reason``, sent to the household and kept with the order).

Revision ID: markets_0007
Revises: markets_0006
Create Date: 2026-12-02 15:00:00
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId

revision = "markets_0007"
down_revision = "markets_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("markets_grocery_orders") as batch:
        batch.add_column(sa.Column("cancelled_by_id", AccountId, nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key(
            op.f("fk_markets_grocery_orders_cancelled_by_id_accounts"),
            "accounts",
            ["cancelled_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("markets_grocery_orders") as batch:
        batch.alter_column("cancel_reason", existing_type=sa.Text(), server_default=None)
    op.create_index(
        op.f("ix_markets_grocery_orders_cancelled_by_id"),
        "markets_grocery_orders",
        ["cancelled_by_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_markets_grocery_orders_cancelled_by_id"), table_name="markets_grocery_orders")
    with op.batch_alter_table("markets_grocery_orders") as batch:
        batch.drop_constraint(op.f("fk_markets_grocery_orders_cancelled_by_id_accounts"), type_="foreignkey")
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_by_id")
