"""custom domains as claims: one verified host, any number of unverified claims that lapse

Revision ID: core_domain_claims
Revises: core_0005_account_sessions
Create Date: 2026-12-01 09:10:00

A pending, unverified claim used to hold the host's unique key, so a municipality could reserve
another's domain forever (issue 10 item 13). The host is now unique among verified rows only,
once per municipality, and an unverified claim carries the time it lapses.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "core_domain_claims"
down_revision = "core_0005_account_sessions"
branch_labels = None
depends_on = None

VERIFIED = sa.text("verified_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("tenant_domains") as batch:
        batch.add_column(sa.Column("claim_expires_at", sa.DateTime(), nullable=True))
        batch.drop_constraint("uq_tenant_domains_host", type_="unique")
        batch.create_unique_constraint(op.f("uq_tenant_domains_tenant_id_host"), ["tenant_id", "host"])
    op.create_index(
        "uq_tenant_domains_verified_host",
        "tenant_domains",
        ["host"],
        unique=True,
        postgresql_where=VERIFIED,
        sqlite_where=VERIFIED,
    )
    # claims waiting today get the full period (7 days) from now
    lapses = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=7)
    op.execute(
        sa.text(
            "UPDATE tenant_domains SET claim_expires_at = :at WHERE verified_at IS NULL AND kind = 'custom'"
        ).bindparams(at=lapses)
    )


def downgrade() -> None:
    op.drop_index("uq_tenant_domains_verified_host", table_name="tenant_domains")
    op.execute(sa.text("DELETE FROM tenant_domains WHERE verified_at IS NULL AND kind = 'custom'"))
    with op.batch_alter_table("tenant_domains") as batch:
        batch.drop_constraint(op.f("uq_tenant_domains_tenant_id_host"), type_="unique")
        batch.create_unique_constraint("uq_tenant_domains_host", ["host"])
        batch.drop_column("claim_expires_at")
