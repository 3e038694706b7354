"""audit log erasure (e-mail and IP go, the action stays) and the deletion certificates

Revision ID: tenants_0005
Revises: tenants_0004
Create Date: 2026-12-02 09:10:00

Issue 12 §4. The audit log stays append-only, with one exception the law requires: an update
that only removes personal data from an entry. It may set ``actor_email`` and ``ip`` to NULL and
replace top-level values of ``details`` with ``"[erased]"``; anything else (the action, its time,
the actor's id, the municipality, another value of details) is still refused for every role.
``tenant_deletions`` holds each municipality's end-of-contract deletion and its certificate.
"""

import sqlalchemy as sa
from alembic import op

revision = "tenants_0005"
down_revision = "tenants_0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: What an erasure writes in place of a value of ``details``.
ERASED = "[erased]"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
DECLARE
  old_d jsonb;
  new_d jsonb;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_d := OLD.details::jsonb;
    new_d := NEW.details::jsonb;
    IF NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.subject_tenant_id IS NOT DISTINCT FROM OLD.subject_tenant_id
       AND (NEW.actor_email IS NULL OR NEW.actor_email = OLD.actor_email)
       AND (NEW.ip IS NULL OR NEW.ip = OLD.ip)
       AND (new_d IS NOT DISTINCT FROM old_d
            OR (jsonb_typeof(old_d) = 'object' AND jsonb_typeof(new_d) = 'object'
                AND NOT EXISTS (
                  SELECT 1 FROM jsonb_each(old_d) o FULL JOIN jsonb_each(new_d) n ON n.key = o.key
                  WHERE o.key IS NULL OR n.key IS NULL
                     OR (n.value IS DISTINCT FROM o.value AND n.value <> '"{ERASED}"'::jsonb))))
    THEN
      RETURN NEW;  -- an erasure of personal data: the entry keeps its action
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

PG_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

SQLITE_ERASURE_ONLY = f"""
NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.action IS OLD.action
AND NEW.actor_id IS OLD.actor_id AND NEW.subject_tenant_id IS OLD.subject_tenant_id
AND (NEW.actor_email IS NULL OR NEW.actor_email IS OLD.actor_email)
AND (NEW.ip IS NULL OR NEW.ip IS OLD.ip)
AND (NEW.details IS OLD.details OR (
  (SELECT count(*) FROM json_each(NEW.details)) = (SELECT count(*) FROM json_each(OLD.details))
  AND NOT EXISTS (
    SELECT 1 FROM json_each(OLD.details) o LEFT JOIN json_each(NEW.details) n ON n.key = o.key
    WHERE n.key IS NULL OR (n.value IS NOT o.value AND n.value IS NOT '{ERASED}'))))
"""


def upgrade() -> None:
    op.create_table(
        "tenant_deletions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("subject_tenant_id", BigId, nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", BigId, nullable=True),
        sa.Column("requested_by_email", sa.String(length=254), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("executed_at", sa.DateTime(), nullable=True),
        sa.Column("executed_by_id", BigId, nullable=True),
        sa.Column("executed_by_email", sa.String(length=254), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("remaining", sa.JSON(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled', 'cancelled', 'done')", name=op.f("ck_tenant_deletions_status")
        ),
        sa.ForeignKeyConstraint(
            ["subject_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_deletions_subject_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["accounts.id"],
            name=op.f("fk_tenant_deletions_requested_by_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["executed_by_id"],
            ["accounts.id"],
            name=op.f("fk_tenant_deletions_executed_by_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_deletions")),
    )
    op.create_index(
        op.f("ix_tenant_deletions_subject_tenant_id"), "tenant_deletions", ["subject_tenant_id"], unique=False
    )
    op.create_index(
        "uq_tenant_deletions_scheduled",
        "tenant_deletions",
        ["subject_tenant_id"],
        unique=True,
        postgresql_where=sa.text("status = 'scheduled'"),
        sqlite_where=sa.text("status = 'scheduled'"),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            f"WHEN NOT ({SQLITE_ERASURE_ONLY}) "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION_BEFORE)
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
    op.drop_index("uq_tenant_deletions_scheduled", table_name="tenant_deletions")
    op.drop_index(op.f("ix_tenant_deletions_subject_tenant_id"), table_name="tenant_deletions")
    op.drop_table("tenant_deletions")
