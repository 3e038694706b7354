"""Loading plugins and switching them on per municipality (DESIGN §5)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import marshmallow
import pluggy
import sqlalchemy as sa
from flask import Blueprint, Flask, abort, g, has_app_context, has_request_context
from markupsafe import Markup
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from core import CORE_API_VERSION, hookspecs
from core.extensions import db
from core.fastpaths import transaction_start
from core.tenancy import TenantInfo, TenantPlugin, current_tenant

log = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("sympraxis")


@dataclass(frozen=True)
class PluginManifest:
    """What a plugin says about itself (hook ``sympraxis_manifest``)."""

    name: str
    title: str
    version: str
    core_api: str
    description: str = ""
    #: The plan feature that unlocks it (used by billing); None for a free plugin.
    plan_feature: str | None = None
    #: What a municipality that enables it pays, in euro cents per month (None: free). The billing
    #: catalogue reads it; the instance's ``BILLING_PLUGIN_PRICES`` may override it.
    price: int | None = None
    #: Names of other plugins this one needs loaded beside it (the test kit loads them with it).
    requires: tuple[str, ...] = ()


@dataclass
class BlueprintSpec:
    """A blueprint of a plugin. ``kind`` is ``"ui"`` (HTML) or ``"api"`` (flask-smorest).

    ``apex=True`` serves a blueprint (UI or API) on the platform's own host only (404 on every
    municipality's host), for pages and reads about all municipalities at once (issue 15's
    observatory); they read only global tables, never a municipality's rows. An apex API blueprint
    needs its own ``url_prefix`` (under ``/api/v1/``)."""

    blueprint: Any
    kind: str = "ui"
    url_prefix: str | None = None
    apex: bool = False


@dataclass(frozen=True)
class NavItem:
    """An entry of the municipality's main menu (hook ``sympraxis_navigation``)."""

    label: str
    url: str
    order: int = 100


@dataclass(frozen=True)
class DashboardItem:
    """A widget on the municipality's home page. ``html`` is markup the plugin vouches for: it is
    rendered as is, so escape any user-written text in it (``markupsafe.escape``)."""

    title: str
    html: str
    order: int = 100

    def __post_init__(self) -> None:
        # rendered with {{ w.html }}: as Markup, the widget's HTML is not shown as escaped text
        object.__setattr__(self, "html", Markup(self.html))  # noqa: S704 - the plugin vouches for it


@dataclass(frozen=True)
class SearchHit:
    """One result of the municipality's search (hook ``sympraxis_search``)."""

    title: str
    url: str
    #: Text (escaped when shown) or safe HTML such as ``TextQuery.snippet``'s, with ``<mark>``.
    snippet: str = ""
    #: Relevance: higher first, across plugins (``TextQuery.rank``; 0 when unranked).
    rank: float = 0.0
    #: What it is, in the reader's language ("Consultation", "Task"...), shown beside the title.
    kind: str = ""


@dataclass
class RefusedPlugin:
    name: str
    reason: str


@dataclass
class LoadedPlugin:
    name: str
    module: ModuleType
    manifest: PluginManifest
    builtin: bool = False
    settings_schema: type[marshmallow.Schema] | None = None
    permissions: dict[str, str] = field(default_factory=dict)
    #: Permissions admins may grant to chosen members (name -> label), see core.grants.
    grantable: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The manifest's title in the reader's language (the plugin's own catalogue translates it:
        a manifest declares ``title="Volunteering"``, the msgid, as its catalogue has it)."""
        return self.translate(self.manifest.title)

    @property
    def description(self) -> str:
        return self.translate(self.manifest.description) if self.manifest.description else ""

    def translate(self, text: str) -> str:
        """``text`` in the plugin's own translation domain (any string the plugin declared)."""
        from core.i18n import domain_for_module

        if not text or not has_app_context():
            return str(text)
        return domain_for_module(self.module.__name__).gettext(str(text))


def plugin_title(name: str) -> str:
    """A loaded plugin's title in the reader's language; its name if it is not loaded."""
    loaded = registry().plugins.get(name)
    return loaded.title if loaded else name


class PluginRegistry:
    """The pluggy manager plus what the platform knows about each loaded plugin."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("sympraxis")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.refused: list[RefusedPlugin] = []
        self.errors: list[dict[str, Any]] = []
        self._subset_callers: dict[tuple[str, frozenset[str]], Any] = {}

    # --- loading ---------------------------------------------------------------------------

    def load(self, app: Flask) -> None:
        """Load built-ins, then the allowed entry points of each configured group."""
        builtins = list(app.config["SYMPRAXIS_BUILTIN_PLUGINS"])
        allowlist = app.config["SYMPRAXIS_PLUGINS"]
        for group in app.config["SYMPRAXIS_PLUGIN_GROUPS"]:
            for ep in sorted(entry_points(group=group), key=lambda e: e.name):
                is_builtin = ep.name in builtins
                if not is_builtin and allowlist != "*" and ep.name not in allowlist:
                    continue
                if ep.name in self.plugins:
                    continue
                try:
                    module = ep.load()
                except Exception as exc:  # a broken vendor package must not stop the platform
                    self._refuse(ep.name, f"import failed: {exc!r}")
                    continue
                self.register_module(ep.name, module, builtin=is_builtin)
        # modules named directly in configuration (tests, and plugins under development)
        for name, dotted in (app.config.get("SYMPRAXIS_EXTRA_PLUGINS") or {}).items():
            if name not in self.plugins:
                import importlib

                self.register_module(name, importlib.import_module(dotted))
        missing = [b for b in builtins if b not in self.plugins]
        if missing:
            raise RuntimeError(f"built-in plugins not installed: {missing}; run pip install -e .")
        self.pm.check_pending()

    def register_module(self, name: str, module: ModuleType, builtin: bool = False) -> bool:
        """Register one plugin module after checking its manifest; False if it was refused."""
        impl = getattr(module, "sympraxis_manifest", None)
        if impl is None:
            self._refuse(name, "no sympraxis_manifest hook")
            return False
        try:
            manifest: PluginManifest = impl()
        except Exception as exc:  # a broken vendor manifest must not stop the platform
            self._refuse(name, f"sympraxis_manifest failed: {exc!r}")
            return False
        if not isinstance(manifest, PluginManifest):
            self._refuse(name, f"sympraxis_manifest returned {type(manifest).__name__}, not PluginManifest")
            return False
        if manifest.name != name:
            self._refuse(name, f"manifest name {manifest.name!r} differs from entry point {name!r}")
            return False
        try:
            spec = SpecifierSet(manifest.core_api)
        except InvalidSpecifier:
            self._refuse(name, f"invalid core_api range {manifest.core_api!r}")
            return False
        if Version(CORE_API_VERSION) not in spec:
            self._refuse(
                name,
                f"needs core API {manifest.core_api}, this platform provides {CORE_API_VERSION}",
            )
            return False
        self.pm.register(module, name=name)
        loaded = LoadedPlugin(name=name, module=module, manifest=manifest, builtin=builtin)
        caller = self.pm.subset_hook_caller
        only = {p for n, p in self.pm.list_name_plugin() if n != name}
        loaded.settings_schema = caller("sympraxis_settings_schema", only)()
        for perms in caller("sympraxis_permissions", only)():
            loaded.permissions.update(perms)
        for perms in caller("sympraxis_grantable_permissions", only)():
            loaded.grantable.update(perms or {})
        self.plugins[name] = loaded
        self._subset_callers.clear()
        # debug, not info: every command line start loads the plugins, `--help` included
        log.debug("plugin %s %s loaded", name, manifest.version)
        return True

    def _refuse(self, name: str, reason: str) -> None:
        log.error("plugin %s refused: %s", name, reason)
        self.refused.append(RefusedPlugin(name, reason))

    # --- calling ---------------------------------------------------------------------------

    def only(self, hook: str, names: set[str] | frozenset[str]) -> Any:
        """A caller of ``hook`` that reaches only the named plugins (pluggy's subset caller)."""
        key = (hook, frozenset(names))
        caller = self._subset_callers.get(key)
        if caller is None:
            remove = [p for n, p in self.pm.list_name_plugin() if n not in names]
            caller = self.pm.subset_hook_caller(hook, remove)
            self._subset_callers[key] = caller
        return caller

    def for_tenant(self, hook: str, tenant: TenantInfo | None = None) -> Any:
        """A caller of a request-time hook reaching the plugins enabled for the tenant."""
        tenant = tenant or current_tenant()
        names = enabled_plugins(tenant) if tenant else frozenset(self.builtin_names())
        return self.only(hook, names)

    def builtin_names(self) -> set[str]:
        return {n for n, p in self.plugins.items() if p.builtin}

    def switchable_names(self) -> list[str]:
        return sorted(n for n, p in self.plugins.items() if not p.builtin)

    def record_error(self, plugin: str, hook: str, exc: BaseException) -> None:
        """Remember a failure of a non-essential hook for the operator console."""
        log.exception("plugin %s failed in %s", plugin, hook, exc_info=exc)
        self.errors.append({"plugin": plugin, "hook": hook, "error": repr(exc)})
        del self.errors[:-100]


def registry(app: Flask | None = None) -> PluginRegistry:
    from flask import current_app

    return (app or current_app).extensions["sympraxis_plugins"]


def audit(action: str, tenant_id: int | None, details: dict[str, Any], actor: Any = None) -> None:
    """Record an administrative action of the core through the ``sympraxis_audit`` hook, in the
    caller's transaction (``actor`` None: the command line)."""
    registry().pm.hook.sympraxis_audit(action=action, tenant_id=tenant_id, details=details, actor=actor)


# --- enabled per tenant -----------------------------------------------------------------------


def enabled_plugins(tenant: TenantInfo) -> frozenset[str]:
    """Names of the plugins on for ``tenant``: built-ins plus enabled rows. Read once per request.

    Not cached across requests, so enabling or disabling takes effect on the next request in
    every worker process without a restart (one indexed query per request).
    """
    cache = g.setdefault("_enabled_plugins", {}) if has_request_context() else {}
    if tenant.id in cache:
        return cache[tenant.id]
    if cache is g.get("_enabled_plugins") and not db.session().in_transaction():
        db.session.connection()  # begins the transaction: _enabled_plugins_wanted may answer
        if tenant.id in cache:
            return cache[tenant.id]
    rows = db.session.execute(
        sa.select(TenantPlugin.plugin)
        .where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled.is_(True))
        .execution_options(all_tenants=True)
    ).scalars()
    names = cache[tenant.id] = _enabled_names(rows)
    return names


def _enabled_names(stored: Any) -> frozenset[str]:
    """Built-ins, plus the stored names of plugins that this platform has loaded."""
    reg = registry()
    return frozenset({n for n in stored if n in reg.plugins} | reg.builtin_names())


def _enabled_plugins_wanted(tenant_id: int) -> Any:
    """The request tenant's enabled plugins, read with its first transaction's RLS settings
    (core.fastpaths.transaction_start): the same rows as :func:`enabled_plugins`, one round trip fewer."""
    if not has_request_context():
        return None
    tenant = g.get("tenant")
    if tenant is None or tenant.id != tenant_id or tenant_id in g.get("_enabled_plugins", {}):
        return None

    def consume(rows: list[tuple[Any, ...]]) -> None:
        g.setdefault("_enabled_plugins", {})[tenant_id] = _enabled_names(r[0] for r in rows)

    return consume


transaction_start.register(
    "enabled_plugins",
    f"SELECT plugin FROM {TenantPlugin.__table__.name} WHERE tenant_id = $1 AND enabled",
    _enabled_plugins_wanted,
)


def plugin_guard(name: str):
    """A ``before_request`` for a plugin's blueprints: 404 unless enabled for the host's tenant."""

    def guard() -> None:
        tenant = current_tenant()
        if tenant is None or name not in enabled_plugins(tenant):
            abort(404)

    return guard


def apex_guard() -> None:
    """A ``before_request`` for a plugin's apex blueprints: 404 on a municipality's host."""
    if current_tenant() is not None:
        abort(404)


def register_blueprints(app: Flask, reg: PluginRegistry, api: Any) -> None:
    """Register every loaded plugin's blueprints, each behind the enabled-for-tenant guard."""
    for name, plugin in reg.plugins.items():
        caller = reg.only("sympraxis_blueprints", {name})
        for specs in caller(app=app):
            for spec in specs:
                bp = spec.blueprint
                if spec.apex:
                    if spec.kind == "api" and not (spec.url_prefix or "").startswith("/api/v1/"):
                        raise ValueError(f"plugin {name}: an apex API blueprint needs a /api/v1/ url_prefix")
                    if not getattr(bp, "_sympraxis_guarded", False):
                        bp.before_request(apex_guard)
                        bp._sympraxis_guarded = True
                elif not plugin.builtin and not getattr(bp, "_sympraxis_guarded", False):
                    bp.before_request(plugin_guard(name))
                    bp._sympraxis_guarded = True
                if spec.kind == "api":
                    api.register_blueprint(bp, url_prefix=spec.url_prefix or f"/api/v1/{name}")
                else:
                    assert isinstance(bp, Blueprint)
                    app.register_blueprint(bp, url_prefix=spec.url_prefix or f"/{name}")
