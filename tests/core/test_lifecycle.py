"""The request lifecycle (core.lifecycle): one table puts every app-wide hook where it runs."""

from __future__ import annotations

import pytest

from core import lifecycle

CSRF = "flask_wtf.csrf.CSRFProtect.init_app.<locals>.csrf_protect"
REMEMBER = "flask_login.login_manager.LoginManager._update_remember_cookie"
FSA_TEARDOWN = "flask_sqlalchemy.extension.SQLAlchemy._teardown_session"

#: In the order they run (Flask's own lists hold after_request and teardown hooks reversed).
EXPECTED = {
    "before_request": [
        CSRF,
        "core.lifecycle.resolve_tenant",
        "core.input_guard.guard_input",
        "core.idempotency.reserve_key",
        "core.api.csrf_or_token",
        "core.form_once.reserve",
        "core.observability.label_request",
    ],
    "after_request": ["core.idempotency.store_response", "core.form_once.record", REMEMBER],
    "teardown_request": [
        "core.db.send_pending_side_effects",
        "core.observability.note_account",
        "core.accounts.auth.record_uses",
        "core.usage.count_request",
        "core.idempotency.free_key",
        "core.form_once.free",
        "core.lifecycle.leave_tenant",
    ],
    "teardown_appcontext": ["core.faults.safe_remove_session", FSA_TEARDOWN],
}


def test_hooks_run_in_the_order_of_the_table(app):
    assert lifecycle.order(app) == EXPECTED


def test_with_a_replica_its_hooks_take_their_places(sympraxis_config, sympraxis_database):
    from core.app import create_app

    with_replica = create_app(
        {**sympraxis_config, "SQLALCHEMY_REPLICA_DATABASE_URI": sympraxis_database["app"]}
    )
    order = lifecycle.order(with_replica)
    assert order["before_request"] == ["core.replica.route_reads", *EXPECTED["before_request"]]
    assert order["after_request"] == [*EXPECTED["after_request"], "core.replica.remember_write_position"]
    assert order["teardown_request"] == [*EXPECTED["teardown_request"], "core.replica.end_routing"]


def test_middleware_wraps_in_the_order_of_the_table(app):
    from core.app import SecurityHeaders
    from core.faults import LastResort
    from core.observability import Observed
    from core.proxies import TrustedProxies

    chain, layer = [], app.wsgi_app
    while hasattr(layer, "wsgi_app"):
        chain.append(type(layer))
        layer = layer.wsgi_app
    assert chain == [Observed, LastResort, SecurityHeaders, TrustedProxies]
    assert layer == app.__class__.wsgi_app.__get__(app)  # then Flask itself


def test_a_plugins_app_wide_hooks_run_in_the_plugins_slot(register_test_plugin, tenant_factory):
    from sympraxis_testplugin import hooked

    app = register_test_plugin({"hooked": "sympraxis_testplugin.hooked"})
    order = lifecycle.order(app)
    name = "sympraxis_testplugin.hooked.hooked_{}".format
    assert order["before_request"] == [
        *EXPECTED["before_request"][:-1],
        name("before"),
        EXPECTED["before_request"][-1],
    ]
    assert order["after_request"] == [name("after"), *EXPECTED["after_request"]]
    teardown = EXPECTED["teardown_request"]
    assert order["teardown_request"] == [*teardown[:2], name("teardown"), *teardown[2:]]

    tenant = tenant_factory()
    client = app.test_client()
    hooked.calls.clear()
    assert client.get("/api/v1/tenant", headers={"Host": f"{tenant.slug}.localhost"}).status_code == 200
    # after resolve_tenant: the plugin's hooks see the municipality; leave_tenant runs after them
    assert hooked.calls == [("before", tenant.slug), ("after", tenant.slug), ("teardown", tenant.slug)]


def test_a_hook_registered_outside_the_lifecycle_stops_the_start(sympraxis_config, monkeypatch):
    """Nothing adds a request hook behind the table's back: the start fails and names it."""
    import core.templating
    from core.app import create_app

    original = core.templating.init_app

    def init_app(app):
        original(app)
        app.before_request(stray_hook)

    def stray_hook():
        return None

    monkeypatch.setattr(core.templating, "init_app", init_app)
    with pytest.raises(RuntimeError, match="registered outside core.lifecycle.*stray_hook"):
        create_app(dict(sympraxis_config))


def test_an_extension_hook_without_a_slot_stops_the_start(sympraxis_config, monkeypatch):
    """An extension upgrade that starts registering a hook is seen at start-up, not in production."""
    from core.app import create_app
    from core.extensions import limiter

    original = limiter.init_app

    def init_app(app):
        original(app)
        app.after_request(lambda response: response)

    monkeypatch.setattr(limiter, "init_app", init_app)
    with pytest.raises(RuntimeError, match="no slot.*Flask-Limiter.*after_request"):
        create_app(dict(sympraxis_config))
