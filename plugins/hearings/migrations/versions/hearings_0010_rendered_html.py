"""hearings: Markdown stored rendered beside its source (issue 16 §6)

Consultations' summaries and outcome summaries and articles' bodies were rendered from Markdown
(and sanitised by nh3) on every request: 50 articles cost a page about as much as its comments.
They are now rendered once, when the text is saved (``plugins.hearings.models``); this revision
adds the columns and renders the rows there are, municipality by municipality (the tables force
row-level security on their owner too, so each tenant is entered with ``app.tenant_id``).

Revision ID: hearings_0006_rendered_html
Revises: hearings_0006_feedback_survey
Create Date: 2026-12-01 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "hearings_0006_rendered_html"
down_revision = "hearings_0006_feedback_survey"
branch_labels = None
depends_on = None

COLUMNS = {
    "hearings_consultations": (("summary", "summary_html"), ("outcome_summary", "outcome_summary_html")),
    "hearings_articles": (("body", "body_html"),),
}


def _render(text: str) -> str:
    from plugins.hearings.common import render_markdown

    return str(render_markdown(text)) if text else ""


def upgrade() -> None:
    for table, pairs in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for _source, html in pairs:
                batch.add_column(sa.Column(html, sa.Text(), nullable=False, server_default=""))
        with op.batch_alter_table(table) as batch:
            for _source, html in pairs:
                batch.alter_column(html, existing_type=sa.Text(), server_default=None)
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    tenants = [None]
    if postgres:
        tenants = [t for (t,) in bind.execute(sa.text("SELECT id FROM tenants"))]
    for tenant_id in tenants:
        if postgres:
            bind.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        for table, pairs in COLUMNS.items():
            sources = ", ".join(source for source, _html in pairs)
            rows = bind.execute(sa.text(f"SELECT tenant_id, id, {sources} FROM {table}")).all()  # noqa: S608
            sets = ", ".join(f"{html} = :{html}" for _source, html in pairs)
            update = sa.text(f"UPDATE {table} SET {sets} WHERE tenant_id = :tenant_id AND id = :id")  # noqa: S608
            for row in rows:
                values = {"tenant_id": row[0], "id": row[1]}
                for i, (_source, html) in enumerate(pairs):
                    values[html] = _render(row[2 + i] or "")
                bind.execute(update, values)
    if postgres:
        bind.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    for table, pairs in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for _source, html in pairs:
                batch.drop_column(html)
