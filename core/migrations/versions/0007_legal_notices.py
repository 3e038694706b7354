"""legal notices: the municipality as controller, its edited notices, accessibility feedback

Revision ID: core_legal_notices
Revises: core_domain_claims
Create Date: 2026-12-02 09:00:00

Issue 12 §3: every municipality shows a privacy notice, an accessibility statement, terms of use
and moderation rules, edited by its staff from shipped templates, and tracks the accessibility
feedback it receives until it is answered. Three tenant-owned tables, forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from core.schema import create_tenant_table, drop_tenant_table

revision = "core_legal_notices"
down_revision = "core_domain_claims"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _account(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["accounts.id"], name=op.f(f"fk_{table}_{column}_accounts"), ondelete="SET NULL"
    )


def upgrade() -> None:
    create_tenant_table(
        op,
        "legal_settings",
        sa.Column("legal_name", sa.String(length=300), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("dpo_name", sa.String(length=200), nullable=True),
        sa.Column("dpo_email", sa.String(length=254), nullable=True),
        sa.Column("dpo_phone", sa.String(length=50), nullable=True),
        sa.Column("accessibility_email", sa.String(length=254), nullable=True),
        sa.Column("conformance", sa.String(length=16), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("assessment_method", sa.String(length=16), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "conformance IN ('full', 'partial', 'none')", name=op.f("ck_legal_settings_conformance")
        ),
        sa.CheckConstraint(
            "assessment_method IN ('self', 'third_party')", name=op.f("ck_legal_settings_assessment_method")
        ),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_legal_settings_tenant_id")),
    )
    create_tenant_table(
        op,
        "legal_notices",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", BigId, nullable=True),
        _account("legal_notices", "updated_by_id"),
        sa.CheckConstraint(
            "kind IN ('privacy', 'accessibility', 'terms', 'moderation')", name=op.f("ck_legal_notices_kind")
        ),
        sa.UniqueConstraint(
            "tenant_id", "kind", "locale", name=op.f("uq_legal_notices_tenant_id_kind_locale")
        ),
    )
    op.create_index(op.f("ix_legal_notices_updated_by_id"), "legal_notices", ["updated_by_id"], unique=False)
    create_tenant_table(
        op,
        "legal_accessibility_feedback",
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("page_url", sa.String(length=500), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("account_id", BigId, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", BigId, nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _account("legal_accessibility_feedback", "account_id"),
        _account("legal_accessibility_feedback", "answered_by_id"),
        sa.CheckConstraint(
            "status IN ('received', 'in_progress', 'answered')",
            name=op.f("ck_legal_accessibility_feedback_status"),
        ),
    )
    for column in ("created_at", "account_id", "answered_by_id"):
        op.create_index(
            op.f(f"ix_legal_accessibility_feedback_{column}"),
            "legal_accessibility_feedback",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for column in ("created_at", "account_id", "answered_by_id"):
        op.drop_index(
            op.f(f"ix_legal_accessibility_feedback_{column}"), table_name="legal_accessibility_feedback"
        )
    drop_tenant_table(op, "legal_accessibility_feedback")
    op.drop_index(op.f("ix_legal_notices_updated_by_id"), table_name="legal_notices")
    drop_tenant_table(op, "legal_notices")
    drop_tenant_table(op, "legal_settings")
