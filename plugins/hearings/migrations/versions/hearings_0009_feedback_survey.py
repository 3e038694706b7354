"""hearings: a meeting may take its feedback through a survey (a reference to the surveys plugin)

Revision ID: hearings_0006_feedback_survey
Revises: hearings_registration_locale
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_0006_feedback_survey"
down_revision = "hearings_registration_locale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hearings_meetings", sa.Column("feedback_survey", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("hearings_meetings", "feedback_survey")
