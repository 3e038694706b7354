"""hearings: the language a registration was made in (a guest's later mails use it)

Revision ID: hearings_registration_locale
Revises: hearings_attachment_edits
Create Date: 2026-12-01 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_registration_locale"
down_revision = "hearings_attachment_edits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hearings_registrations") as batch:
        batch.add_column(sa.Column("locale", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hearings_registrations") as batch:
        batch.drop_column("locale")
