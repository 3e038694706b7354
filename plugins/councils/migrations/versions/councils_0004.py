"""councils: objections to a call's result, lodged on the platform and answered by staff

Revision ID: councils_0004
Revises: councils_0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, OrganisationId, create_tenant_table, drop_tenant_table


def _fk(table: str, column: str, target: str = "accounts"):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="SET NULL"
    )


revision = "councils_0004"
down_revision = "councils_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    t = "councils_objections"
    create_tenant_table(
        op,
        t,
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", AccountId, nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'dismissed')", name=op.f(f"ck_{t}_outcome")
        ),
        _fk(t, "account_id"),
        _fk(t, "organisation_id", "organisations"),
        _fk(t, "answered_by_id"),
        references={"call_id": ("councils_calls", "CASCADE")},
    )
    for column in ("account_id", "organisation_id", "answered_by_id"):
        op.create_index(op.f(f"ix_{t}_{column}"), t, [column])
    op.create_index("ix_councils_objections_tenant_id_call_id", t, ["tenant_id", "call_id"])


def downgrade() -> None:
    drop_tenant_table(op, "councils_objections")
