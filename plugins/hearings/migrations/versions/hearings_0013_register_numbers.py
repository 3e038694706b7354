"""hearings: number the comments that hearings_0005 left without a register number

``hearings_0005`` numbered the comments written before the register existed with one UPDATE over
every municipality's rows. On PostgreSQL the table forces row-level security on its owner too, and
the migration set no municipality, so the UPDATE saw no rows: those comments kept no number (the
register lists them as "–", and the outcome report cannot cite them). This revision numbers them
now, municipality by municipality (``app.tenant_id`` set for each), consultation by consultation:
in the order they were written, after the highest number the consultation's register already
gave, so no number already published changes. SQLite (the demo) was numbered by hearings_0005 and
finds nothing to do.

Revision ID: hearings_register_numbers
Revises: hearings_comment_tallies
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_register_numbers"
down_revision = "hearings_comment_tallies"
branch_labels = None
depends_on = None

NUMBER_THE_REST = sa.text(
    """
    UPDATE hearings_comments SET register_number = numbered.n
    FROM (
        SELECT m.tenant_id, m.id,
               coalesce(taken.top, 0)
                 + row_number() OVER (PARTITION BY m.tenant_id, m.consultation_id ORDER BY m.created_at, m.id) AS n
        FROM hearings_comments m
        LEFT JOIN (
            SELECT tenant_id, consultation_id, max(register_number) AS top
            FROM hearings_comments GROUP BY tenant_id, consultation_id
        ) AS taken ON taken.tenant_id = m.tenant_id AND taken.consultation_id = m.consultation_id
        WHERE m.register_number IS NULL
    ) AS numbered
    WHERE hearings_comments.tenant_id = numbered.tenant_id AND hearings_comments.id = numbered.id
    """
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        bind.execute(NUMBER_THE_REST)  # nothing is left unnumbered there; harmless
        return
    for (tenant_id,) in bind.execute(sa.text("SELECT id FROM tenants")).all():
        bind.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        bind.execute(NUMBER_THE_REST)
    bind.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    """Numbers once given stay: the register may have been published with them."""
