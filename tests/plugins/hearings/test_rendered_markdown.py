"""Markdown is rendered once, when a text is saved, and stored sanitised beside its source; the
consultation page reads the stored HTML and never renders Markdown per request (issue 16 §6)."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.migrate import downgrade, upgrade
from plugins.hearings.consultations.services import articles_of, get_consultation, save_consultation
from plugins.hearings.models import Article, Consultation
from tests.plugins.hearings.conftest import make_consultation


def test_saving_renders_and_an_edit_renders_again(app, world):
    c = make_consultation(app, world.tenant)
    with app.app_context(), tenant_context(world.tenant.id):
        consultation = get_consultation(c["id"])
        (first, second) = articles_of(consultation)
        assert "<strong>social action</strong>" in first.body_html
        assert "<ol>" in second.body_html and "<li>Soup kitchen</li>" in second.body_html
        assert consultation.summary_html == "<p>Summary</p>"
        save_consultation(
            consultation,
            account=None,
            title=consultation.title,
            summary="A *new* summary <script>alert(1)</script>",
            tags="",
            opens_at=consultation.opens_at,
            closes_at=consultation.closes_at,
            draft="## Article 1. Purpose\n\nNow **changed**.",
        )
        db.session.commit()
        consultation = get_consultation(c["id"])
        assert "<em>new</em>" in consultation.summary_html
        assert "<script" not in consultation.summary_html  # sanitised when stored
        (only,) = articles_of(consultation)
        assert "<strong>changed</strong>" in only.body_html
        db.session.remove()


def test_the_page_shows_the_stored_html_without_rendering_markdown(app, world, tenant_client, monkeypatch):
    c = make_consultation(app, world.tenant)
    calls = []
    import plugins.hearings.common as common

    real = common.md.markdown
    monkeypatch.setattr(common.md, "markdown", lambda *a, **k: calls.append(1) or real(*a, **k))
    page = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}")
    assert page.status_code == 200
    assert "<strong>social action</strong>" in page.get_data(as_text=True)
    assert calls == []  # nothing rendered per request


@pytest.fixture
def fresh_pg(sympraxis_config, tmp_path):
    """An empty PostgreSQL database with the production roles (dropped after)."""
    from core.app import create_app
    from core.testing.database import create_test_database, drop_test_database

    name = f"sympraxis_test_md_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    urls = create_test_database(name)
    app = create_app(
        {
            **sympraxis_config,
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool},
        }
    )
    yield app, urls
    with app.app_context():
        db.engine.dispose()
    drop_test_database(name)


def test_the_migration_renders_the_rows_there_are_in_every_municipality(fresh_pg):
    """Rows written before the columns existed get their HTML from the migration, across the
    forced row-level security of every municipality."""
    from core.tenant_admin import NewTenant, create_tenant

    app, urls = fresh_pg
    upgrade(app)
    with app.app_context():
        tenants = [
            create_tenant(
                NewTenant(slug=f"md-{i}", name=f"Md {i}", country="GR", default_locale="el", locales=["el"])
            )
            for i in range(2)
        ]
        db.session.commit()
        tenant_ids = [t.id for t in tenants]
    for tenant_id in tenant_ids:
        make_consultation(app, type("T", (), {"id": tenant_id})())
    downgrade(app, "hearings_0006_feedback_survey")  # the revision before hearings_0006_rendered_html
    with psycopg.connect(urls["admin"]) as conn:
        columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'hearings_articles'"
            )
        }
    assert "body_html" not in columns
    upgrade(app)
    with app.app_context():
        for tenant_id in tenant_ids:
            with tenant_context(tenant_id):
                (c,) = db.session.execute(sa.select(Consultation)).scalars()
                assert c.summary_html == "<p>Summary</p>"
                bodies = [a.body_html for a in db.session.execute(sa.select(Article)).scalars()]
                assert any("<strong>social action</strong>" in b for b in bodies), bodies
        db.session.remove()
