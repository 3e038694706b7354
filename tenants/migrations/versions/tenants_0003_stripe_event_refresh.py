"""stripe events keep the refresh they are owed: refreshed_at, refresh_error, a pending index

Revision ID: tenants_0003
Revises: tenants_0002
Create Date: 2026-12-01 09:10:00

An event was stored as applied before its re-read from Stripe, so a failed re-read was never
retried (issue 10 item 9). Events now wait as ``pending`` until a re-read has been applied.
"""

import sqlalchemy as sa
from alembic import op

revision = "tenants_0003"
down_revision = "tenants_0002"
branch_labels = None
depends_on = None

PENDING = sa.text("outcome = 'pending'")


def upgrade() -> None:
    op.add_column("stripe_events", sa.Column("refreshed_at", sa.DateTime(), nullable=True))
    op.add_column("stripe_events", sa.Column("refresh_error", sa.String(length=500), nullable=True))
    op.create_index(
        "ix_stripe_events_pending",
        "stripe_events",
        ["subject_tenant_id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_stripe_events_pending", table_name="stripe_events")
    with op.batch_alter_table("stripe_events") as batch:
        batch.drop_column("refresh_error")
        batch.drop_column("refreshed_at")
