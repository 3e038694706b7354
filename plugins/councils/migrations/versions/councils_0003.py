"""councils: ranked-choice elections (the call's voting method, a ballot's preference rank)

Revision ID: councils_0003
Revises: councils_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "councils_0003"
down_revision = "councils_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("councils_calls") as batch:
        batch.add_column(
            sa.Column("voting_method", sa.String(length=20), nullable=False, server_default="approval")
        )
        batch.create_check_constraint(
            op.f("ck_councils_calls_voting_method"), "voting_method IN ('approval', 'ranked')"
        )
    with op.batch_alter_table("councils_ballots") as batch:
        batch.add_column(sa.Column("rank", sa.Integer(), nullable=True))
        batch.create_check_constraint(op.f("ck_councils_ballots_rank_positive"), "rank IS NULL OR rank >= 1")
    op.create_index(
        "uq_councils_ballots_call_org_rank",
        "councils_ballots",
        ["tenant_id", "call_id", "organisation_id", "rank"],
        unique=True,
        postgresql_where=sa.text("rank IS NOT NULL"),
        sqlite_where=sa.text("rank IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_councils_ballots_call_org_rank", table_name="councils_ballots")
    with op.batch_alter_table("councils_ballots") as batch:
        batch.drop_constraint(op.f("ck_councils_ballots_rank_positive"), type_="check")
        batch.drop_column("rank")
    with op.batch_alter_table("councils_calls") as batch:
        batch.drop_constraint(op.f("ck_councils_calls_voting_method"), type_="check")
        batch.drop_column("voting_method")
