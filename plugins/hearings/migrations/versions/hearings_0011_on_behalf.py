"""hearings: registrations and requests to speak on behalf of an organisation (issue 16 §3)

``organisation_id`` on registrations and speaker requests: the organisation the person chose
among those they may represent here (a member, affiliated and approved with the municipality).
The free-text ``organisation_name`` stays, as the name at the time (the attendee list and the
minutes show what was recorded then). Existing free text is matched, case and surrounding spaces
aside, to an organisation the same account belongs to and that is affiliated (approved) with the
same municipality; text that matches none is kept as written, with no organisation.

Revision ID: hearings_on_behalf
Revises: hearings_0006_rendered_html
Create Date: 2026-12-01 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_on_behalf"
down_revision = "hearings_0006_rendered_html"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("hearings_registrations", "hearings_speaker_requests")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation_id", BigId, nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_organisation_id_organisations"),
                "organisations",
                ["organisation_id"],
                ["id"],
                ondelete="SET NULL",
            )
        _match_free_text(table)


def _match_free_text(table: str) -> None:
    """Existing free text to the organisation it names. The owner who migrates is under the
    forced row-level security of the tenant-owned tables like everyone (and no tenant is set
    here), so the two tables read are unforced for this statement's transaction, then forced
    again: without it PostgreSQL would show the UPDATE no rows at all."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for t in (table, "affiliations"):
            op.execute(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")
    op.execute(
        f"""
            UPDATE {table} SET organisation_id = (
                SELECT MIN(o.id) FROM organisations o
                JOIN organisation_members om ON om.organisation_id = o.id AND om.account_id = {table}.account_id
                JOIN affiliations a ON a.organisation_id = o.id AND a.tenant_id = {table}.tenant_id
                WHERE a.status = 'approved' AND lower(trim(o.name)) = lower(trim({table}.organisation_name))
            )
            WHERE account_id IS NOT NULL AND organisation_name <> ''
            """
    )
    if postgresql:
        for t in (table, "affiliations"):
            op.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_organisation_id_organisations"), type_="foreignkey")
            batch.drop_column("organisation_id")
