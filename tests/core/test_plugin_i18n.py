"""One gettext domain per plugin (issue 11 §3).

The test plugin ships a Greek ``messages.po`` (and no ``.mo``, as a vendor's package may) that
translates its own strings and also tries to reword two of the core's ("Sign in", "This page
does not exist.").
"""

from __future__ import annotations

import os

from sympraxis_testplugin import plugin as testplugin

CATALOGUE = os.path.join(os.path.dirname(testplugin.__file__), "translations", "el", "LC_MESSAGES")


def test_a_plugin_catalogue_cannot_reword_the_core(tenant_factory, tenant_client):
    """On the plugin's own page, the core's layout keeps the core's Greek, and so do the core's
    pages and errors; the plugin's attempt to override never shows."""
    t = tenant_factory(plugins=["testplugin"], locale="el", locales=["el", "en"])
    c = tenant_client(t)
    for path, status in (("/testplugin/", 200), ("/", 200), ("/no-such-page", 404)):
        r = c.get(path + "?lang=el")
        assert r.status_code == status
        html = r.get_data(as_text=True)
        assert "ΚΑΤΑΛΗΨΗ" not in html, path
        assert "Σύνδεση" in html, path  # "Sign in", as the core translates it
    assert "Αυτή η σελίδα δεν υπάρχει." in c.get("/no-such-page?lang=el").get_data(as_text=True)


def test_a_plugin_translates_its_own_strings_from_an_uncompiled_catalogue(tenant_factory, tenant_client):
    """The plugin's templates and Python code are translated by its own catalogue, compiled on
    load from the ``.po`` it ships (no build step for a vendor)."""
    assert not os.path.exists(os.path.join(CATALOGUE, "messages.mo"))
    t = tenant_factory(plugins=["testplugin"], locale="el", locales=["el", "en"])
    html = tenant_client(t).get("/testplugin/?lang=el").get_data(as_text=True)
    assert "<title>Σημειώσεις δοκιμής" in html


def test_another_plugins_catalogue_is_not_used(app, tenant_factory, tenant_client):
    """The hearings plugin's pages are translated by hearings' catalogue and the core's only: the
    test plugin's wording of a shared message does not leak into them."""
    t = tenant_factory(plugins=["testplugin", "hearings"], locale="el", locales=["el", "en"])
    html = tenant_client(t).get("/hearings/?lang=el").get_data(as_text=True)
    assert "ΚΑΤΑΛΗΨΗ" not in html and "Σύνδεση" in html


def test_python_strings_use_the_domain_of_the_calling_plugin(app):
    """``core.toolkit.gettext`` called from a plugin's module uses that plugin's catalogue; the
    same call from elsewhere uses the core's."""
    from flask_babel import force_locale

    from core.i18n import domain_for_module

    with app.test_request_context("/"), force_locale("el"):
        plugin_domain = domain_for_module("sympraxis_testplugin.plugin")
        assert (
            plugin_domain.gettext("An empty note cannot be published.")
            == "Μια κενή σημείωση δεν μπορεί να δημοσιευτεί."
        )
        assert plugin_domain.gettext("Sign in") == "Σύνδεση"
        core_domain = domain_for_module("core.views")
        assert (
            core_domain.gettext("An empty note cannot be published.") == "An empty note cannot be published."
        )
        assert domain_for_module("plugins.hearings.consultations.services") is not plugin_domain
