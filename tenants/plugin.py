"""Hook implementations of the built-in ``tenants`` plugin."""

from core.toolkit import PluginManifest, hookimpl


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="tenants",
        title="Municipalities",
        version="1.0.0",
        core_api=">=1.0,<2",
        description="Onboarding and lifecycle of municipalities; the demo.",
    )


@hookimpl
def sympraxis_cli_commands():
    from tenants.cli import demo, tenants_group

    return [tenants_group, demo]
