"""core: the index of where an account has personal data (its municipalities, left ones too)

Revision ID: core_0002_personal_data
Revises: core_0001
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from core.db import disable_tenant_rls, enable_tenant_rls
from core.ids import uuid7

revision = "core_0002_personal_data"
down_revision = "core_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _backfill(bind) -> list[dict]:
    """(tenant, account) for every row already stored that references an account, in every
    tenant-owned table that exists now (the plugins' too): read by the owner with the reviewed
    cross-tenant read switched on for this transaction only."""
    inspector = sa.inspect(bind)
    selects = []
    for table in inspector.get_table_names():
        if table == "personal_data_locations":
            continue
        columns = {c["name"] for c in inspector.get_columns(table)}
        if "tenant_id" not in columns:
            continue
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == "accounts" and len(fk["constrained_columns"]) == 1:
                col = fk["constrained_columns"][0]
                selects.append(f"SELECT tenant_id, {col} AS account_id FROM {table} WHERE {col} IS NOT NULL")
    if not selects:
        return []
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("SELECT set_config('app.cross_tenant_read', 'on', true)")
    pairs = bind.exec_driver_sql(" UNION ".join(selects)).all()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("SELECT set_config('app.cross_tenant_read', '', true)")
    return [{"tenant_id": t, "id": uuid7(), "account_id": a} for t, a in sorted(set(pairs))]


def upgrade() -> None:
    table = op.create_table(
        "personal_data_locations",
        sa.Column("tenant_id", BigId, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_personal_data_locations_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_personal_data_locations_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_personal_data_locations")),
        sa.UniqueConstraint(
            "tenant_id", "account_id", name=op.f("uq_personal_data_locations_tenant_id_account_id")
        ),
    )
    op.create_index(
        op.f("ix_personal_data_locations_account_id"), "personal_data_locations", ["account_id"], unique=False
    )
    rows = _backfill(op.get_bind())
    if rows:
        op.bulk_insert(table, rows)
    enable_tenant_rls(op, "personal_data_locations")


def downgrade() -> None:
    disable_tenant_rls(op, "personal_data_locations")
    op.drop_index(op.f("ix_personal_data_locations_account_id"), table_name="personal_data_locations")
    op.drop_table("personal_data_locations")
