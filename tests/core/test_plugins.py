"""The plugin contract, proved with the test-only plugin (issue 3, DESIGN §5)."""

from __future__ import annotations

import logging
import uuid

import pluggy
import pytest
import sqlalchemy as sa
from sympraxis_testplugin import plugin as testplugin

from core.db import tenant_context
from core.extensions import db
from core.plugin_state import (
    PluginStateError,
    disable_plugin,
    enable_plugin,
    plugin_settings,
    plugin_states,
    set_plugin_settings,
)
from core.plugins import enabled_plugins, registry
from core.tenancy import TenantPlugin
from core.testing.isolation import (
    assert_models_tenant_scoped,
    assert_plugin_isolated,
    model_scoping_problems,
    plugin_tables,
)
from tests.core.notes import add_note

NAV_LINK = 'href="/testplugin/"'


def _visibility(client, note_id: str) -> dict[str, bool]:
    """What of the test plugin a visitor of this host can see."""
    home = client.get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    return {
        "page": client.get("/testplugin/").status_code == 200,
        "item page": client.get(f"/testplugin/{note_id}").status_code == 200,
        "api": client.get("/api/v1/testplugin/notes").status_code == 200,
        "api item": client.get(f"/api/v1/testplugin/notes/{note_id}").status_code == 200,
        "nav": NAV_LINK in html,
        "widget": "notes</p>" in html,
        "tenant api": "testplugin" in client.get("/api/v1/tenant").json["plugins"],
    }


def test_plugin_invisible_until_enabled_and_after_disabled(
    app, tenant_factory, tenant_client, enable_plugin, disable_plugin
):
    t = tenant_factory()
    other = tenant_factory(plugins=["testplugin"])  # enabled elsewhere: changes nothing here
    note_id = add_note(app, t, "kept while off")
    c = tenant_client(t)
    assert not any(_visibility(c, note_id).values()), _visibility(c, note_id)
    # the 404s are the platform's, with nothing of the plugin in them
    off = c.get("/api/v1/testplugin/notes")
    assert off.status_code == 404 and off.mimetype == "application/problem+json"
    assert "kept while off" not in c.get(f"/testplugin/{note_id}").get_data(as_text=True)

    enable_plugin(t, "testplugin", settings={"greeting": "Kalimera"})  # same app object, no restart
    assert all(_visibility(c, note_id).values()), _visibility(c, note_id)
    page = c.get("/testplugin/").get_data(as_text=True)
    assert "Kalimera: test notes" in page  # the setting reaches the page
    assert "kept while off" in page  # the model's rows, made while it was off, appear
    assert [n["title"] for n in c.get("/api/v1/testplugin/notes").json] == ["kept while off"]

    disable_plugin(t, "testplugin")
    assert not any(_visibility(c, note_id).values()), _visibility(c, note_id)
    assert all(_visibility(tenant_client(other), add_note(app, other, "o")).values())

    enable_plugin(t, "testplugin")  # data and settings survived the switch-off
    assert "Kalimera: test notes" in c.get("/testplugin/").get_data(as_text=True)
    assert "kept while off" in c.get("/testplugin/").get_data(as_text=True)


def test_switch_takes_effect_on_next_request_in_the_same_app(app, tenant_factory, tenant_client):
    """Switched through the service while the app keeps serving: no cache survives a request."""
    t = tenant_factory()
    c = tenant_client(t)
    assert c.get("/testplugin/").status_code == 404
    with app.app_context():
        enable_plugin(t.id, "testplugin")
        db.session.commit()
    assert c.get("/testplugin/").status_code == 200
    with app.app_context():
        disable_plugin(t.id, "testplugin")
        db.session.commit()
    assert c.get("/testplugin/").status_code == 404


def test_lifecycle_hooks_called(app, tenant_factory, enable_plugin, disable_plugin):
    t = tenant_factory()
    before = len(testplugin.EVENTS)
    enable_plugin(t, "testplugin")
    disable_plugin(t, "testplugin")
    disable_plugin(t, "testplugin")  # already off: no second call
    enable_plugin(t, "testplugin")
    assert testplugin.EVENTS[before:] == [("enabled", t.id), ("disabled", t.id), ("enabled", t.id)]


def test_lifecycle_hook_reaches_only_the_plugin_switched(app, tenant_factory, enable_plugin):
    t = tenant_factory()
    calls = []

    class Spy:
        @pluggy.HookimplMarker("sympraxis")
        def sympraxis_tenant_enabled(self, tenant, settings):
            calls.append(tenant.id)

    reg = registry(app)
    reg.pm.register(Spy(), name="spy")
    reg._subset_callers.clear()
    try:
        enable_plugin(t, "testplugin")
    finally:
        reg.pm.unregister(name="spy")
        reg._subset_callers.clear()
    assert calls == []


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"max_notes": 0}, "max_notes"),
        ({"max_notes": "many"}, "max_notes"),
        ({"greeting": ""}, "greeting"),
        ({"greeting": "x" * 51}, "greeting"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_bad_settings_refused_nothing_saved(app_ctx, tenant_factory, settings, field):
    t = tenant_factory(plugins=["testplugin"])
    set_plugin_settings(t.id, "testplugin", {"greeting": "Saved", "max_notes": 5})
    db.session.commit()
    with pytest.raises(PluginStateError) as info:
        set_plugin_settings(t.id, "testplugin", settings)
    assert field in info.value.messages
    assert isinstance(info.value.messages[field], list) and info.value.messages[field]
    db.session.rollback()
    assert plugin_settings("testplugin", t.id) == {
        "greeting": "Saved",
        "max_notes": 5,
        "broken_widget": False,
        "broken_navigation": False,
    }


def test_enable_with_bad_settings_saves_nothing(app_ctx, tenant_factory):
    t = tenant_factory()
    with pytest.raises(PluginStateError) as info:
        enable_plugin(t.id, "testplugin", {"max_notes": 5000})
    assert "max_notes" in info.value.messages
    db.session.rollback()
    assert plugin_states(t.id) == {}
    assert "testplugin" not in enabled_plugins(t)


def test_settings_defaults_filled(app_ctx, tenant_factory):
    t = tenant_factory(plugins=["testplugin"])
    assert plugin_settings("testplugin", t.id) == {
        "greeting": "Hello",
        "max_notes": 10,
        "broken_widget": False,
        "broken_navigation": False,
    }


def test_unknown_and_builtin_plugins_cannot_be_switched(app_ctx, tenant_factory):
    t = tenant_factory()
    for name in ("no-such-plugin", "tenants", "incompatible"):
        with pytest.raises(PluginStateError, match="no switchable plugin"):
            enable_plugin(t.id, name)
        db.session.rollback()


def test_not_allowed_plugin_cannot_be_enabled(app_ctx, tenant_factory):
    t = tenant_factory()
    with tenant_context(t.id):
        db.session.add(TenantPlugin(plugin="testplugin", allowed=False, enabled=False, settings={}))
        db.session.commit()
    with pytest.raises(PluginStateError, match="not allowed"):
        enable_plugin(t.id, "testplugin")
    db.session.rollback()


def test_incompatible_plugin_refused_platform_starts(make_app, caplog):
    with caplog.at_level(logging.ERROR, logger="core.plugins"):
        other = make_app()
    lines = [r.getMessage() for r in caplog.records if r.name == "core.plugins"]
    from core import CORE_API_VERSION

    assert (
        f"plugin incompatible refused: needs core API >=2.0,<3, this platform provides {CORE_API_VERSION}"
        in lines
    )
    reg = registry(other)
    assert "incompatible" in [r.name for r in reg.refused]
    assert "incompatible" not in reg.plugins
    assert "testplugin" in reg.plugins
    assert other.test_client().get("/healthz").status_code == 200


def test_allowlist_excludes_plugin(make_app, app, tenant_factory, client_for):
    t = tenant_factory(plugins=["testplugin"])  # enabled in the database ...
    limited = make_app(SYMPRAXIS_PLUGINS=["incompatible"])  # ... but not loaded by this instance
    reg = registry(limited)
    assert "testplugin" not in reg.plugins
    assert "tenants" in reg.plugins  # built-ins always load
    assert "incompatible" in [r.name for r in reg.refused]
    limited.test_client_class = type(client_for("x"))
    c = limited.test_client()
    c.host = f"{t.slug}.localhost"
    assert c.get("/testplugin/").status_code == 404
    assert "testplugin" not in c.get("/api/v1/tenant").json["plugins"]
    assert NAV_LINK not in c.get("/").get_data(as_text=True)
    with limited.app_context():
        with pytest.raises(PluginStateError):
            enable_plugin(t.id, "testplugin")
        db.session.rollback()


def test_unknown_hook_fails_at_start_up(register_test_plugin):
    with pytest.raises(pluggy.PluginValidationError, match="sympraxis_not_a_hook"):
        register_test_plugin({"badhook": "sympraxis_testplugin.badhook"})


def test_broken_dashboard_widget_does_not_break_home(app, tenant_factory, tenant_client, enable_plugin):
    t = tenant_factory()
    enable_plugin(t, "testplugin", settings={"broken_widget": True})
    errors = registry(app).errors
    before = len(errors)
    home = tenant_client(t).get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert t.name in html
    assert NAV_LINK in html  # the rest of the plugin still works
    assert "&lt;p&gt;" not in html
    recorded = errors[before:]
    assert len(recorded) == 1
    assert recorded[0]["plugin"] == "testplugin"
    assert recorded[0]["hook"] == "sympraxis_dashboard_items"
    assert "widget failure for the test" in recorded[0]["error"]


def test_request_time_hooks_reach_only_enabled_plugins(app, tenant_factory, enable_plugin):
    off = tenant_factory()
    on = tenant_factory()
    enable_plugin(on, "testplugin", settings={"broken_widget": True})
    reg = registry(app)
    for tenant, expected in ((off, []), (on, ["Test notes"])):
        with app.test_request_context("/", base_url=f"http://{tenant.slug}.localhost"):
            with tenant_context(tenant.id):
                nav = [
                    i.label
                    for r in reg.for_tenant("sympraxis_navigation", tenant)(tenant=tenant, account=None)
                    for i in r
                ]
                assert nav == expected
                caller = reg.for_tenant("sympraxis_dashboard_items", tenant)
                if expected:
                    with pytest.raises(RuntimeError, match="widget failure"):
                        caller(tenant=tenant, account=None)
                else:  # the broken widget of the disabled plugin is never called
                    assert caller(tenant=tenant, account=None) == []
            db.session.rollback()


def test_plugin_api_in_openapi_document(app, apex_client):
    spec = apex_client.get("/api/v1/openapi.json").json
    assert "/api/v1/testplugin/notes" in spec["paths"]
    assert "/api/v1/testplugin/notes/{note_id}" in spec["paths"]


def test_plugin_write_needs_permission(app, tenant_factory, tenant_client, account_factory, access_token):
    t = tenant_factory(plugins=["testplugin"])
    member = account_factory(memberships={t: "member"})
    staff = account_factory(memberships={t: "staff"})
    c = tenant_client(t)
    assert c.post("/api/v1/testplugin/notes", json={"title": "anon"}).status_code == 401
    r = c.post(
        "/api/v1/testplugin/notes",
        json={"title": "m"},
        headers={"Authorization": f"Bearer {access_token(member, t)}"},
    )
    assert r.status_code == 403
    r = c.post(
        "/api/v1/testplugin/notes",
        json={"title": ""},
        headers={"Authorization": f"Bearer {access_token(staff, t)}"},
    )
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    r = c.post(
        "/api/v1/testplugin/notes",
        json={"title": "s"},
        headers={"Authorization": f"Bearer {access_token(staff, t)}"},
    )
    assert r.status_code == 201
    uuid.UUID(r.json["id"])
    assert [n["title"] for n in c.get("/api/v1/testplugin/notes").json] == ["s"]


# --- the isolation checks, applied to the test plugin ------------------------------------------


def test_testplugin_models_are_tenant_scoped(app):
    tables = ["testplugin_links", "testplugin_note_tags", "testplugin_notes"]
    assert assert_models_tenant_scoped(app, "testplugin") == tables
    assert [t.name for t in plugin_tables(app, "testplugin")] == tables


def test_testplugin_passes_the_isolation_checks(app, sympraxis_database):
    assert assert_plugin_isolated(app, "testplugin", sympraxis_database) == [
        "testplugin_links",
        "testplugin_note_tags",
        "testplugin_notes",
    ]


def test_every_loaded_plugin_passes_the_model_check(app):
    """Built-ins and first-party plugins are held to the same rule as the test plugin."""
    problems = {}
    for name in registry(app).plugins:
        try:
            assert_models_tenant_scoped(app, name, require_tables=False)
        except AssertionError as exc:
            problems[name] = str(exc)
    assert not problems


def test_model_scoping_check_catches_bad_tables():
    """The model check is not vacuous: a table keyed without tenant_id, and a foreign key to a
    tenant-owned table without tenant_id, are reported."""
    md = sa.MetaData()
    sa.Table("tenants", md, sa.Column("id", sa.Integer, primary_key=True))
    parent = sa.Table(
        "zz_parent",
        md,
        sa.Column("tenant_id", sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True),
    )
    child = sa.Table(
        "zz_child",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.ForeignKey("tenants.id")),
        sa.Column("parent_id", sa.Integer),
        sa.ForeignKeyConstraint(["parent_id"], ["zz_parent.id"]),
    )
    problems = model_scoping_problems([parent, child])
    assert problems["zz_parent"] == ["its model does not use TenantScoped"]
    assert problems["zz_child"] == [
        "its model does not use TenantScoped",
        "tenant_id is not part of the primary key",
        "foreign key (parent_id) to tenant-owned zz_parent lacks tenant_id",
    ]


def test_plugin_whose_manifest_raises_is_refused(register_test_plugin, caplog):
    with caplog.at_level(logging.ERROR, logger="core.plugins"):
        started = register_test_plugin({"brokenmanifest": "sympraxis_testplugin.brokenmanifest"})
    reg = registry(started)
    refused = {r.name: r.reason for r in reg.refused}
    assert "manifest exploded" in refused["brokenmanifest"]
    assert "brokenmanifest" not in reg.plugins
    assert any("plugin brokenmanifest refused" in r.getMessage() for r in caplog.records)
    assert started.test_client().get("/healthz").status_code == 200


def test_saved_settings_visible_in_the_same_request(app, tenant_factory):
    t = tenant_factory(plugins=["testplugin"])
    with app.test_request_context("/", base_url=f"http://{t.slug}.localhost"), tenant_context(t.id):
        assert plugin_settings("testplugin")["greeting"] == "Hello"  # read, and kept for the request
        set_plugin_settings(t.id, "testplugin", {"greeting": "Geia sas"})
        assert plugin_settings("testplugin")["greeting"] == "Geia sas"
        db.session.rollback()


def test_plugin_routes_are_404_on_the_apex(apex_client):
    for path in ("/testplugin/", "/api/v1/testplugin/notes", f"/api/v1/testplugin/notes/{uuid.uuid4()}"):
        assert apex_client.get(path).status_code == 404, path
    assert NAV_LINK not in apex_client.get("/").get_data(as_text=True)


def test_plugin_settings_without_tenant_is_a_clear_error(app_ctx):
    from core.db import TenantNotActive

    with pytest.raises(TenantNotActive, match="no tenant is active"):
        plugin_settings("testplugin")
