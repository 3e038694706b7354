"""Prices come from the plugins' manifests (issue 11 §2), not from a list naming plugins."""

from __future__ import annotations

from tenants import billing, catalog


def test_prices_are_read_from_loaded_manifests(app):
    """The catalogue charges for what is installed and declares a price (hearings' manifest says
    49 €/month), and names no plugin that this platform does not have."""
    from core.plugins import registry

    with app.app_context():
        prices = catalog.plugin_prices()
        loaded = set(registry().plugins)
        assert prices == {"hearings": 4900}
        assert set(prices) <= loaded
        entries = billing.desired_catalog()
        assert entries[catalog.plugin_key("hearings")] == (
            "Sympraxis plugin: Consultations and hearings",
            4900,
        )
        assert not any(key in entries for key in ("plugin:councils", "plugin:markets", "plugin:registry"))


def test_instance_configuration_still_overrides(app):
    with app.app_context():
        app.config["BILLING_PLUGIN_PRICES"] = {"testplugin": 1500}
        try:
            assert catalog.plugin_prices() == {"hearings": 4900, "testplugin": 1500}
        finally:
            app.config.pop("BILLING_PLUGIN_PRICES")


def test_a_vendor_plugin_price_reaches_the_subscription(register_test_plugin, tenant_factory):
    """A vendor plugin that declares a price is in the catalogue under its title, and a
    municipality that the operator allows it and that enables it has it on its subscription."""
    from core.extensions import db
    from core.plugin_state import enable_plugin

    app = register_test_plugin({"priced": "sympraxis_testplugin.priced"})
    t = tenant_factory()
    with app.app_context():
        assert catalog.plugin_prices()["priced"] == 2500
        assert billing.desired_catalog()["plugin:priced"] == ("Sympraxis plugin: A paid vendor module", 2500)
        from core.tenancy import Tenant
        from tenants.services import provision_defaults

        provision_defaults(db.session.get(Tenant, t.id), billing_email="finance@example.org")
        enable_plugin(t.id, "priced")
        db.session.commit()
        assert "plugin:priced" in billing.desired_items(t.id)


def test_a_plan_feature_includes_a_paid_plugin_in_the_plan(register_test_plugin, tenant_factory):
    """A paid plugin whose manifest's ``plan_feature`` the municipality's plan includes is charged
    nothing extra: no subscription item, and the modules page says it is included."""
    from core.extensions import db
    from core.plugin_state import enable_plugin
    from core.tenancy import Tenant
    from tenants.services import provision_defaults

    app = register_test_plugin({"priced": "sympraxis_testplugin.priced"})
    t = tenant_factory()
    with app.app_context():
        provision_defaults(db.session.get(Tenant, t.id), billing_email="finance@example.org")
        enable_plugin(t.id, "priced")
        db.session.commit()
        assert "plugin:priced" in billing.desired_items(t.id)  # no plan includes it yet
        app.config["BILLING_PLAN_FEATURES"] = {"standard": ["vendor-suite"]}
        try:
            assert catalog.charged_price("priced", "standard") == 0
            assert catalog.charged_price("priced", "starter") == 2500
            assert "plugin:priced" not in billing.desired_items(t.id)
        finally:
            app.config.pop("BILLING_PLAN_FEATURES")
