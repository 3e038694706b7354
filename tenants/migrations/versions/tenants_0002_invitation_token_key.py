"""tenant_invitations: the token hash unique within its municipality (tenant_id, token_hash)

Citus needs tenant_id in every unique key of a table distributed on it; a token is looked up on
its municipality's host, so uniqueness within the municipality is all the lookup needs (the hash
of 32 random bytes does not collide anyway). Safe while the old code serves: it adds the new
key before it drops the old one, and no code names either.

Revision ID: tenants_0002
Revises: tenants_0001
"""

from alembic import op

revision = "tenants_0002"
down_revision = "tenants_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite (the demo) rebuilds the table; PostgreSQL alters it in place
    with op.batch_alter_table("tenant_invitations") as batch:
        batch.create_unique_constraint(
            "uq_tenant_invitations_tenant_id_token_hash", ["tenant_id", "token_hash"]
        )
        batch.drop_constraint("uq_tenant_invitations_token_hash", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("tenant_invitations") as batch:
        batch.create_unique_constraint("uq_tenant_invitations_token_hash", ["token_hash"])
        batch.drop_constraint("uq_tenant_invitations_tenant_id_token_hash", type_="unique")
