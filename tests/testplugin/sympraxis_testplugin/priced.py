"""A vendor's paid plugin: its manifest declares a price, which the billing catalogue reads."""

from core.toolkit import PluginManifest, hookimpl


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="priced",
        title="A paid vendor module",
        version="0.1.0",
        core_api=">=1.0,<2",
        price=2500,
        plan_feature="vendor-suite",
    )
