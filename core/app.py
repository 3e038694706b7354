"""The application factory: the composition root (DESIGN §2)."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from flask import Flask, Request, current_app, g, has_request_context, request, session
from flask_babel import gettext as _
from flask_smorest import Api
from werkzeug.exceptions import NotFound, SecurityError

from core import errors, i18n, input_guard, rules, slots, templating
from core.db import (
    activate_tenant,
    deactivate_tenant,
    end_read_only_transaction,
    init_cross_tenant_reader,
    send_pending_side_effects,
)
from core.extensions import babel, csrf, db, limiter, login_manager
from core.json import JSONProvider
from core.plugins import PluginRegistry, register_blueprints
from core.proxies import TrustedProxies, parse_networks
from core.secret_key import configure_secret_key
from core.sessions import SessionInterface
from core.tenancy import make_host_cache, normalise_host, resolve_host

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Paths that answer on any host, before tenant resolution (load balancers probe by IP).
HOST_INDEPENDENT_PATHS = frozenset({"/healthz", "/readyz"})


class SympraxisFlask(Flask):
    """Flask, with trusted hosts computed per request.

    Flask's static ``TRUSTED_HOSTS`` cannot list custom domains added at run time, so the list is
    the apex and its subdomains, plus this request's host when it is a verified custom domain (a
    cached lookup). Any other host fails werkzeug's check before a view runs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[Any, Any] = {}

    def ensure_sync(self, func: Any) -> Any:
        """Flask asks ``inspect.iscoroutinefunction`` about every hook and view on every request;
        the answer never changes for a function, so it is remembered (hooks and views are few and
        live as long as the app)."""
        try:
            return self._sync_functions[func]
        except KeyError:
            sync = super().ensure_sync(func)
            if len(self._sync_functions) < 10_000:  # bounded: a callable made per request is not kept
                self._sync_functions[func] = sync
            return sync
        except TypeError:  # unhashable callable
            return super().ensure_sync(func)

    def create_url_adapter(self, request: Request | None):  # type: ignore[override]
        if request is not None:
            request.trusted_hosts = self._trusted_hosts_for(request)
        return super().create_url_adapter(request)

    def _trusted_hosts_for(self, request: Request) -> list[str] | None:
        if request.path in HOST_INDEPENDENT_PATHS:
            return None  # health checks answer on any host: load balancers probe by IP
        apex = self.config["PLATFORM_APEX"]
        hosts = [apex, "." + apex, *self.config.get("EXTRA_TRUSTED_HOSTS", ())]
        raw = request.environ.get("HTTP_HOST") or request.environ.get("SERVER_NAME", "")
        host = normalise_host(raw)
        if host and host != apex and not host.endswith("." + apex):
            with self.app_context():
                if resolve_host(host) is not None:
                    hosts.append(host)
        return hosts


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the platform: config, extensions, built-ins and plugins through the plugin manager."""
    app = SympraxisFlask(
        "core",
        instance_path=os.environ.get("SYMPRAXIS_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )

    app.config.from_object("core.config.DefaultConfig")
    app.config.from_prefixed_env("SYMPRAXIS", loads=_loads)
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_secret_key(app)  # refuses to start without a real secret (the demo makes its own)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "sympraxis.db")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"check_same_thread": False},
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    app.config["TRUSTED_HOSTS"] = None  # computed per request, see SympraxisFlask
    app.logger.setLevel(logging.INFO)
    if app.config.get(
        "TRUSTED_PROXY_COUNT"
    ):  # trusted the headers from any peer: refuse, say what replaced it
        raise RuntimeError("TRUSTED_PROXY_COUNT is gone: list the proxies' addresses in TRUSTED_PROXIES")
    # the client's address (rate limits, audit) and scheme from our own proxies' headers only
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(app.config.get("TRUSTED_PROXIES")))  # type: ignore[method-assign]

    app.json = JSONProvider(app)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    app.session_interface = SessionInterface()

    app.extensions["sympraxis_host_cache"] = make_host_cache(app.config)
    db.init_app(app)
    init_cross_tenant_reader(app)
    from core import replica

    replica.init_app(app)  # SQLALCHEMY_REPLICA_DATABASE_URI: GETs read from a streaming replica
    _init_sqlite_pragmas(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    _skip_remember_cookie_refresh_without_session(app)
    api = Api(app)  # one per application: its OpenAPI document lists that app's plugins
    app.extensions["sympraxis_api"] = api

    reg = PluginRegistry()
    app.extensions["sympraxis_plugins"] = reg
    with app.app_context():
        reg.load(app)

    # the core's and built-ins' catalogues; every other plugin has its own domain (core.i18n)
    translation_dirs = i18n.init_app(app, reg.plugins)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    i18n.install_template_gettext(app)

    errors.init_app(app)
    rules.init_app(app)
    templating.init_app(app)
    slots.init_app(app)
    _init_request_lifecycle(app)
    input_guard.init_app(app)  # after host resolution: NUL in input -> 422/400, never a 500
    from core import idempotency, readers  # noqa: F401 - readers: its model, for the migrations
    from core.privacy import models as _privacy_models  # noqa: F401 - its models, for the migrations

    idempotency.init_app(app)  # after host resolution: keys are per account and municipality

    from core.accounts import auth as accounts_auth
    from core.accounts import views as accounts_views
    from core.api import init_api
    from core.legal import views as legal_views
    from core.views import bp as core_bp

    accounts_auth.init_app(app)
    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(legal_views.bp)  # the notices every public site must show (issue 12 §3)
    from core.privacy import views as privacy_views

    app.register_blueprint(privacy_views.bp)
    init_api(app, api)
    register_blueprints(app, reg, api)

    from core.cli import init_cli

    init_cli(app, reg)
    reg.pm.hook.sympraxis_app_ready(app=app)
    from core import observability

    observability.init_app(app)  # last: its middleware is the outermost, its hooks run after tenancy's
    # registered last, so it runs first at teardown: jobs and mail queued after the request's
    # writes committed (or by a request that only read) leave before a teardown rolls back
    app.teardown_request(send_pending_side_effects)
    return app


def _loads(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _init_sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()


def select_locale() -> str:
    """The language: ?lang=, then the session, the account, the browser, the tenant's default."""
    from flask_login import current_user

    from core.templating import available_locales

    if not has_request_context():  # CLI commands and jobs: force_locale() or the default
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    allowed = available_locales()
    chosen = request.args.get("lang")
    if chosen in allowed:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in allowed:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in allowed:
        return current_user.locale
    tenant = g.get("tenant")
    best = request.accept_languages.best_match(allowed)
    if best:
        return best
    return tenant.default_locale if tenant else "en"


def select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.timezone if tenant else "UTC"


def _init_request_lifecycle(app: Flask) -> None:
    @app.before_request
    def _resolve_tenant() -> Any:
        g.tenant = None
        if request.path in HOST_INDEPENDENT_PATHS:
            return None
        try:
            host = normalise_host(request.host)
        except SecurityError:  # not a host of ours: the same 404 as an unknown subdomain
            raise NotFound() from None
        if host == app.config["PLATFORM_APEX"]:
            return None
        tenant = resolve_host(host)
        if tenant is None or tenant.is_archived:
            raise NotFound()
        g.tenant = tenant
        g._tenant_token = activate_tenant(tenant.id)
        if tenant.is_suspended and request.method not in SAFE_METHODS:
            g.error_detail = _(
                "%(name)s is suspended: its pages can be read, but nothing can be changed.",
                name=tenant.name,
            )
            from flask import abort

            abort(403)
        return None

    @app.teardown_request
    def _leave_tenant(exc: BaseException | None) -> None:
        try:
            if exc is None:
                _end_read_only_transaction()
        finally:
            token = g.pop("_tenant_token", None)
            if token is not None:
                deactivate_tenant(token)


def _end_read_only_transaction() -> None:
    """A request that only read ends its transaction with COMMIT (see core.db); never an error."""
    try:
        end_read_only_transaction(db.session())
    except Exception:  # the rollback that follows at teardown ends the transaction anyway
        current_app.logger.exception("could not end a read-only transaction with a commit")
        from core.faults import safe_rollback

        safe_rollback()  # on a dead connection too: teardown never raises


class SecurityHeaders:
    """WSGI middleware: default security headers on every response that did not set its own.

    At the WSGI layer, because werkzeug's ``Headers.setdefault`` in an ``after_request`` cost
    about as much as the rest of the request's bookkeeping (one scan of the header list per call).
    It runs after :class:`core.proxies.TrustedProxies` has set the scheme, so a request that came
    over HTTPS (directly, or through a trusted proxy) gets HSTS and only ``Secure`` cookies,
    whichever part of the stack (session, remember-me, a plugin) set them.

    The Content-Security-Policy allows no inline script or style: every script and stylesheet is a
    file served by the platform (the municipality's colours come from ``/theme.css``).
    """

    CSP = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )
    DEFAULTS = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Content-Security-Policy", CSP),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )
    #: No includeSubDomains: a custom domain's other subdomains are the municipality's, not ours.
    HSTS = ("Strict-Transport-Security", "max-age=31536000")
    _LOWER = tuple((name.lower(), (name, value)) for name, value in DEFAULTS)

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}
            missing = [header for lower, header in self._LOWER if lower not in present]
            if environ.get("wsgi.url_scheme") == "https":
                headers = [_secure_cookie(h) for h in headers] if "set-cookie" in present else headers
                if "strict-transport-security" not in present:
                    missing.append(self.HSTS)
            return start_response(status, headers + missing if missing else headers, exc_info)

        return self.wsgi_app(environ, start)


def _secure_cookie(header: tuple[str, str]) -> tuple[str, str]:
    name, value = header
    if name.lower() != "set-cookie" or "secure" in (part.strip().lower() for part in value.split(";")[1:]):
        return header
    return name, value + "; Secure"


def _skip_remember_cookie_refresh_without_session(app: Flask) -> None:
    """Flask-Login refreshes its remember cookie after every request by reading the session; with
    an empty session (API clients, first visits) there is nothing to refresh, so skip the work."""
    from flask.globals import request_ctx

    funcs = app.after_request_funcs.setdefault(None, [])
    position = funcs.index(login_manager._update_remember_cookie)
    refresh = funcs[position]

    def _update_remember_cookie(response: Any) -> Any:
        if not request_ctx.session and not app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            return response
        return refresh(response)

    funcs[position] = _update_remember_cookie
