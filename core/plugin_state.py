"""Switching plugins on and off per municipality, and their validated settings."""

from __future__ import annotations

from typing import Any

import marshmallow
import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import gettext as _

from core.db import TenantNotActive, tenant_context
from core.extensions import db
from core.plugins import registry
from core.tenancy import Tenant, TenantPlugin, tenant_info_from_row


class PluginStateError(ValueError):
    """Unknown plugin, not allowed, or invalid settings; ``messages`` maps fields to errors."""

    def __init__(self, message: str, messages: dict[str, Any] | None = None):
        super().__init__(message)
        self.messages = messages or {}


def _loaded(name: str):
    plugin = registry().plugins.get(name)
    if plugin is None or plugin.builtin:
        raise PluginStateError(f"no switchable plugin named {name!r} is installed")
    return plugin


def validate_settings(name: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """Settings as the plugin's schema loads them (defaults filled); raises with field messages."""
    plugin = _loaded(name)
    if plugin.settings_schema is None:
        if data:
            raise PluginStateError(f"plugin {name!r} has no settings", {"_schema": ["no settings"]})
        return {}
    try:
        loaded = plugin.settings_schema().load(data or {})
    except marshmallow.ValidationError as exc:
        raise PluginStateError(f"invalid settings for {name!r}", exc.normalized_messages()) from exc
    return plugin.settings_schema().dump(loaded)


def _is_enabled(name: str) -> bool:
    row = _row(name)
    return row is not None and row.enabled


def _title(name: str) -> str:
    plugin = registry().plugins.get(name)
    return plugin.title if plugin else name


def _titles(names: list[str]) -> str:
    return ", ".join(_title(n) for n in names)


def _row(name: str) -> TenantPlugin | None:
    return db.session.execute(sa.select(TenantPlugin).where(TenantPlugin.plugin == name)).scalar_one_or_none()


def enable_plugin(tenant_id: int, name: str, settings: dict[str, Any] | None = None) -> TenantPlugin:
    """Switch a plugin on for a tenant and call its ``sympraxis_tenant_enabled`` hook."""
    reg = registry()
    with tenant_context(tenant_id):
        row = _row(name)
        if row is not None and not row.allowed:
            raise PluginStateError(f"plugin {name!r} is not allowed for this municipality")
        missing = [r for r in _loaded(name).manifest.requires if not _is_enabled(r)]
        if missing:  # the manifest's ``requires``: they are switched on first, not silently with it
            raise PluginStateError(
                _(
                    "%(plugin)s needs %(missing)s switched on first.",
                    plugin=_title(name),
                    missing=_titles(missing),
                ),
                {"requires": missing},
            )
        merged = dict(row.settings if row else {})
        merged.update(settings or {})
        clean = validate_settings(name, merged)
        if row is None:
            row = TenantPlugin(plugin=name, enabled=True, settings=clean)
            db.session.add(row)
        else:
            row.enabled = True
            row.settings = clean
        db.session.flush()
        tenant = db.session.get(Tenant, tenant_id)
        reg.only("sympraxis_tenant_enabled", {name})(tenant=tenant_info_from_row(tenant), settings=clean)
    _forget_request_cache()
    return row


def disable_plugin(tenant_id: int, name: str) -> None:
    """Switch a plugin off (its data and settings stay) and call ``sympraxis_tenant_disabled``."""
    reg = registry()
    _loaded(name)
    with tenant_context(tenant_id):
        row = _row(name)
        if row is None or not row.enabled:
            return
        needed_by = sorted(
            other
            for other, plugin in reg.plugins.items()
            if other != name and name in plugin.manifest.requires and _is_enabled(other)
        )
        if needed_by:
            raise PluginStateError(
                _(
                    "%(plugin)s is needed by %(others)s: switch those off first.",
                    plugin=_title(name),
                    others=_titles(needed_by),
                ),
                {"required_by": needed_by},
            )
        row.enabled = False
        db.session.flush()
        tenant = db.session.get(Tenant, tenant_id)
        reg.only("sympraxis_tenant_disabled", {name})(tenant=tenant_info_from_row(tenant))
    _forget_request_cache()


def announce_plugins_changed(tenant_id: int) -> None:
    """Tell every loaded plugin that a municipality's enabled plugins changed (call after commit):
    billing, in the ``tenants`` plugin, follows from it, whatever made the change."""
    registry().pm.hook.sympraxis_tenant_plugins_changed(tenant_id=tenant_id)


def set_plugin_settings(tenant_id: int, name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Validate and save settings; on error nothing is saved."""
    clean = validate_settings(name, settings)
    with tenant_context(tenant_id):
        row = _row(name)
        if row is None:
            row = TenantPlugin(plugin=name, enabled=False, settings=clean)
            db.session.add(row)
        else:
            row.settings = clean
        db.session.flush()
    _forget_request_cache()  # a page rendered after saving, in the same request, shows the new values
    return clean


def plugin_settings(name: str, tenant_id: int | None = None) -> dict[str, Any]:
    """The current tenant's settings for a plugin, defaults filled in by its schema."""
    from core.db import active_tenant_id

    tid = tenant_id or active_tenant_id()
    if tid is None:
        raise TenantNotActive(f"settings of {name!r} are per municipality, and no tenant is active")
    cache = g.setdefault("_plugin_settings", {}) if has_request_context() else {}
    key = (tid, name)
    if key in cache:
        return cache[key]
    with tenant_context(tid):
        row = _row(name)
    stored = row.settings if row else {}
    try:
        value = validate_settings(name, stored)
    except PluginStateError:
        value = validate_settings(name, {})
    cache[key] = value
    return value


def plugin_states(tenant_id: int) -> dict[str, TenantPlugin]:
    with tenant_context(tenant_id):
        return {r.plugin: r for r in db.session.execute(sa.select(TenantPlugin)).scalars()}


def _forget_request_cache() -> None:
    if has_request_context():
        g.pop("_enabled_plugins", None)
        g.pop("_plugin_settings", None)
