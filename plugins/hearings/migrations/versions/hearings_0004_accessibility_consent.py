"""hearings: the consent recorded with accessibility needs (GDPR Art. 9)

Revision ID: hearings_0004
Revises: hearings_0003
Create Date: 2026-12-02 09:20:00

Issue 12 §4: accessibility needs are collected only with explicit consent; the text the person
agreed to, and when, are kept with the registration (and cleared with the needs, by the
retention rule ``hearings.accessibility``).
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_0004"
down_revision = "hearings_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hearings_registrations") as batch:
        batch.add_column(sa.Column("accessibility_consent", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("accessibility_consent_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("hearings_registrations") as batch:
        batch.alter_column("accessibility_consent", existing_type=sa.Text(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("hearings_registrations") as batch:
        batch.drop_column("accessibility_consent_at")
        batch.drop_column("accessibility_consent")
