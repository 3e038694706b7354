"""hearings: the reasons staff give for irreversible actions (issue 16 §2)

Opening or closing a consultation now, publishing an outcome while comments have no answer, and
cancelling someone's registration ask for a confirmation and a reason; the reason is kept with the
status change (shown in the consultation's history) and with the cancelled registration (sent to
the person).

Revision ID: hearings_reasons
Revises: hearings_0005
Create Date: 2026-12-01 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_reasons"
down_revision = "hearings_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hearings_status_changes") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("hearings_registrations") as batch:
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("hearings_registrations") as batch:
        batch.drop_column("cancel_reason")
    with op.batch_alter_table("hearings_status_changes") as batch:
        batch.drop_column("reason")
