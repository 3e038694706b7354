"""hearings: a meeting may take its feedback through a survey (a reference to the surveys plugin)

Revision ID: hearings_0006_feedback_survey
Revises: hearings_0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_0006_feedback_survey"
# written on a branch whose hearings head was hearings_0005; main has since added hearings_reasons,
# hearings_attachment_edits and hearings_registration_locale: on merge, point this at the head
down_revision = "hearings_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hearings_meetings", sa.Column("feedback_survey", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("hearings_meetings", "feedback_survey")
