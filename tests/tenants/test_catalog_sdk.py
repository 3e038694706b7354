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
