"""The volunteers plugin: its manifest and hook implementations (the rest lives beside it)."""

import os

from core.toolkit import BlueprintSpec, NavItem, PluginManifest, hookimpl, lazy_gettext
from plugins.volunteers import models  # noqa: F401  (the migration checks need the models imported here)
from plugins.volunteers.api import api
from plugins.volunteers.schemas import SettingsSchema
from plugins.volunteers.views import ui


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="volunteers", title="Volunteering", version="0.1.0", core_api=">=1.1,<2")


@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(ui, "ui"), BlueprintSpec(api, "api")]  # /volunteers/ and /api/v1/volunteers/


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_settings_schema():
    return SettingsSchema


@hookimpl
def sympraxis_permissions():
    return {"volunteers.manage": "staff"}


@hookimpl
def sympraxis_navigation(tenant, account):
    return [NavItem(label=lazy_gettext("Volunteering"), url="/volunteers/", order=50)]
