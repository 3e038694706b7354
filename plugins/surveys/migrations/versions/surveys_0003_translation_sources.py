"""surveys: a translation remembers what it was made from (a fingerprint of each original text),
so that staff see which languages and questions are out of date after the survey changes

Revision ID: surveys_0003
Revises: surveys_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "surveys_0003"
down_revision = "surveys_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the translations saved before have none: they are not flagged (nothing to compare with)
    op.add_column(
        "surveys_translations", sa.Column("sources", sa.JSON(), server_default="{}", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("surveys_translations", "sources")
