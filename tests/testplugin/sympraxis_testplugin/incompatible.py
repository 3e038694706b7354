"""A plugin asking for a core API this platform does not provide: it must be refused."""

from core.toolkit import PluginManifest, hookimpl


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="incompatible", title="Needs core 2", version="0.1.0", core_api=">=2.0,<3")
