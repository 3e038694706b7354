"""hearings: organisations follow consultations too

Revision ID: hearings_0003
Revises: hearings_0002
Create Date: 2026-11-23 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_0003"
down_revision = "hearings_0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("hearings_follows") as batch:
        batch.alter_column("account_id", existing_type=BigId, nullable=True)
        batch.add_column(sa.Column("organisation_id", BigId, nullable=True))
        batch.create_foreign_key(
            op.f("fk_hearings_follows_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            op.f("uq_hearings_follows_tenant_id_organisation_id"), ["tenant_id", "organisation_id"]
        )
        batch.create_check_constraint(
            op.f("ck_hearings_follows_one_follower"), "(account_id IS NULL) <> (organisation_id IS NULL)"
        )


def downgrade() -> None:
    op.execute("DELETE FROM hearings_follows WHERE account_id IS NULL")
    with op.batch_alter_table("hearings_follows") as batch:
        batch.drop_constraint(op.f("ck_hearings_follows_one_follower"), type_="check")
        batch.drop_constraint(op.f("uq_hearings_follows_tenant_id_organisation_id"), type_="unique")
        batch.drop_constraint(op.f("fk_hearings_follows_organisation_id_organisations"), type_="foreignkey")
        batch.drop_column("organisation_id")
        batch.alter_column("account_id", existing_type=BigId, nullable=False)
