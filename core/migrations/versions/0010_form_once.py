"""core: one submission per rendered form (issue 16 §2, ``core.form_once``)

Revision ID: core_form_once
Revises: core_search
Create Date: 2026-12-01 18:40:00

A token per rendered form, scoped to the municipality (0: the apex): no tenant data and no
person, so a platform table like ``api_idempotency_keys``, not a tenant one.
"""

import sqlalchemy as sa
from alembic import op

revision = "core_form_once"
down_revision = "core_search"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "form_submissions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("scope_tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submissions")),
        sa.UniqueConstraint(
            "scope_tenant_id", "token", name=op.f("uq_form_submissions_scope_tenant_id_token")
        ),
    )
    op.create_index(op.f("ix_form_submissions_created_at"), "form_submissions", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_form_submissions_created_at"), table_name="form_submissions")
    op.drop_table("form_submissions")
