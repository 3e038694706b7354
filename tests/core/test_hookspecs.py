"""The plugin contract is documented: every hook has a docstring (DESIGN §5)."""

from __future__ import annotations

import inspect
import types

import pluggy
import pytest

from core import hookspecs
from core.plugins import PluginRegistry

#: The hook groups DESIGN §5 asks for.
REQUIRED_HOOKS = {
    "sympraxis_manifest",
    "sympraxis_blueprints",
    "sympraxis_migration_dirs",
    "sympraxis_settings_schema",
    "sympraxis_permissions",
    "sympraxis_navigation",
    "sympraxis_dashboard_items",
    "sympraxis_tenant_enabled",
    "sympraxis_tenant_disabled",
    "sympraxis_search",
    "sympraxis_activity_items",
    "sympraxis_export_personal_data",
    "sympraxis_erase_personal_data",
    "sympraxis_cli_commands",
}


def undocumented(module: types.ModuleType) -> list[str]:
    """Hook specifications of ``module`` with no (or a trivially short) docstring."""
    marker = "sympraxis_spec"
    missing = []
    for name, obj in vars(module).items():
        if not (callable(obj) and hasattr(obj, marker)):
            continue
        doc = inspect.getdoc(obj) or ""
        if len(doc.strip()) < 20:
            missing.append(name)
    return sorted(missing)


def _registered_hook_names() -> set[str]:
    pm = pluggy.PluginManager("sympraxis")
    pm.add_hookspecs(hookspecs)
    return {name for name in vars(pm.hook) if name.startswith("sympraxis_")}


def test_every_hook_is_documented():
    assert undocumented(hookspecs) == []
    documented = hookspecs.documented_hooks()
    assert all(doc and len(doc.strip()) >= 20 for doc in documented.values()), [
        n for n, d in documented.items() if not d
    ]


def test_documented_hooks_lists_every_registered_hook():
    """documented_hooks() cannot skip a hook: it names exactly what pluggy registers."""
    assert set(hookspecs.documented_hooks()) == _registered_hook_names()


def test_hook_groups_of_the_design_exist():
    assert set(hookspecs.documented_hooks()) >= REQUIRED_HOOKS


def test_every_hook_is_typed():
    for name in hookspecs.documented_hooks():
        signature = inspect.signature(getattr(hookspecs, name))
        assert signature.return_annotation is not inspect.Signature.empty, name
        for param in signature.parameters.values():
            assert param.annotation is not inspect.Parameter.empty, f"{name}({param.name})"


def test_undocumented_hook_is_caught():
    """The check is not vacuous: a hook without a docstring in a contract module is reported."""
    spec = pluggy.HookspecMarker("sympraxis")
    fake = types.ModuleType("fake_hookspecs")

    @spec
    def sympraxis_documented(tenant):
        """Return something useful for the tenant; documented at length."""

    @spec
    def sympraxis_silent(tenant):
        pass

    fake.sympraxis_documented = sympraxis_documented
    fake.sympraxis_silent = sympraxis_silent
    assert undocumented(fake) == ["sympraxis_silent"]


def test_registry_loads_the_contract():
    reg = PluginRegistry()
    for name in hookspecs.documented_hooks():
        assert hasattr(reg.pm.hook, name)
    with pytest.raises(AttributeError):
        reg.pm.hook.sympraxis_not_a_hook  # noqa: B018
