"""A plugin that registers app-wide request hooks of its own (in ``sympraxis_app_ready``).

Not an entry point; ``tests/core/test_lifecycle.py`` loads it with
``register_test_plugin({"hooked": ...})`` to see where core.lifecycle puts such hooks.
"""

from flask import g

from core.toolkit import PluginManifest, hookimpl

#: What the hooks saw, in the order they ran: (hook, tenant slug or None).
calls: list[tuple[str, str | None]] = []


def _tenant_slug() -> str | None:
    tenant = g.get("tenant")
    return tenant.slug if tenant is not None else None


def hooked_before() -> None:
    calls.append(("before", _tenant_slug()))


def hooked_after(response):
    calls.append(("after", _tenant_slug()))
    return response


def hooked_teardown(_exc) -> None:
    calls.append(("teardown", _tenant_slug()))


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="hooked", title="App-wide hooks", version="0.1.0", core_api=">=1.0,<2")


@hookimpl
def sympraxis_app_ready(app):
    app.before_request(hooked_before)
    app.after_request(hooked_after)
    app.teardown_request(hooked_teardown)
