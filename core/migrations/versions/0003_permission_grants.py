"""permission grants: a named plugin permission given to chosen members

Revision ID: core_0002
Revises: core_0002_personal_data
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.schema import create_tenant_table, drop_tenant_table

revision = "core_0002"
down_revision = "core_0002_personal_data"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        op,
        "permission_grants",
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("permission", sa.String(length=100), nullable=False),
        sa.Column("granted_by_id", BigId, nullable=True),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_permission_grants_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["accounts.id"],
            name=op.f("fk_permission_grants_granted_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "account_id",
            "permission",
            name=op.f("uq_permission_grants_tenant_id_account_id_permission"),
        ),
    )
    with op.batch_alter_table("permission_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permission_grants_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("permission_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permission_grants_account_id"))
    drop_tenant_table(op, "permission_grants")
