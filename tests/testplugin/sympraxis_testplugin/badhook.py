"""A plugin module implementing a hook the contract does not define: start-up must refuse it.

Not an entry point; the tests load it with ``register_test_plugin({"badhook": ...})``.
"""

from core.toolkit import PluginManifest, hookimpl


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="badhook", title="Unknown hook", version="0.1.0", core_api=">=1.0,<2")


@hookimpl
def sympraxis_not_a_hook():
    return "never called"
