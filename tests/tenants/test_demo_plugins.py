"""The demo seeds every installed plugin enabled in a demo municipality (issue 11 §3)."""

from __future__ import annotations

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db

SQLITE_OVERRIDES = {"MIGRATIONS_DATABASE_URI": None, "APP_DB_ROLE": None, "SQLALCHEMY_ENGINE_OPTIONS": {}}


def test_demo_seeds_a_third_party_plugin_in_each_language(make_app, tmp_path):
    """The test plugin (a separate distribution, in another entry-point group, as a vendor's
    would be) is enabled in every demo municipality and its ``sympraxis_demo_data`` runs there,
    in the municipality's language."""
    from sympraxis_testplugin.models import Note

    from core.tenancy import Tenant, TenantPlugin

    lite = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/demo.db", **SQLITE_OVERRIDES)
    result = lite.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, (result.output, result.exception)
    with lite.app_context():
        tenants = dict(db.session.execute(sa.select(Tenant.slug, Tenant.id)).all())
        titles = {}
        for slug, tenant_id in tenants.items():
            with tenant_context(tenant_id):
                enabled = set(
                    db.session.execute(
                        sa.select(TenantPlugin.plugin).where(TenantPlugin.enabled.is_(True))
                    ).scalars()
                )
                assert {"hearings", "testplugin"} <= enabled, slug
                titles[slug] = db.session.execute(sa.select(Note.title)).scalars().all()
        db.session.remove()
    assert titles == {
        "orestiada": ["Σημείωση επίδειξης"],
        "haskovo": ["Демонстрационна бележка"],
        "sector3": ["Notă demonstrativă"],
    }
