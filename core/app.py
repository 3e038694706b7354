"""The application factory: the composition root (DESIGN §2)."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from flask import Flask, Request, current_app, g, has_request_context, request, session
from flask_smorest import Api

from core import errors, i18n, input_guard, lifecycle, rules, slots, templating
from core.db import init_cross_tenant_reader, instrument_engine
from core.extensions import babel, csrf, db, limiter, login_manager
from core.json import JSONProvider
from core.lifecycle import HOST_INDEPENDENT_PATHS
from core.plugins import PluginRegistry, register_blueprints
from core.secret_key import configure_secret_key
from core.sessions import SessionInterface
from core.tenancy import make_host_cache, normalise_host, resolve_host


class SympraxisFlask(Flask):
    """Flask, with trusted hosts computed per request.

    Flask's static ``TRUSTED_HOSTS`` cannot list custom domains added at run time, so the list is
    the apex and its subdomains, plus this request's host when it is a verified custom domain (a
    cached lookup). Any other host fails werkzeug's check before a view runs.
    """

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

    app.json = JSONProvider(app)
    app.session_interface = SessionInterface()

    app.extensions["sympraxis_host_cache"] = make_host_cache(app.config)
    # what extensions and plugins register as request hooks, core.lifecycle puts in its place
    with lifecycle.capture(app, "Flask-SQLAlchemy"):
        db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():  # the platform's listeners, on its engines only
            instrument_engine(engine)
    init_cross_tenant_reader(app)
    from core import page_cache

    page_cache.init_app(app)  # anonymous readers' pages cached; writes bump the content versions
    from core import replica

    replica.init_app(app)  # SQLALCHEMY_REPLICA_DATABASE_URI: GETs read from a streaming replica
    from core import usage

    usage.init_app(app)  # requests, API calls, mail and active accounts per municipality and day
    _init_sqlite_pragmas(app)
    with lifecycle.capture(app, "Flask-WTF"):
        csrf.init_app(app)
    with lifecycle.capture(app, "Flask-Limiter"):
        limiter.init_app(app)
    with lifecycle.capture(app, "Flask-Login"):
        login_manager.init_app(app)
    with lifecycle.capture(app, "flask-smorest"):
        api = Api(app)  # one per application: its OpenAPI document lists that app's plugins
    app.extensions["sympraxis_api"] = api

    reg = PluginRegistry()
    app.extensions["sympraxis_plugins"] = reg
    with app.app_context(), lifecycle.capture(app, "plugins"):
        reg.load(app)

    # the core's and built-ins' catalogues; every other plugin has its own domain (core.i18n)
    translation_dirs = i18n.init_app(app, reg.plugins)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs)
    with lifecycle.capture(app, "Flask-Babel"):
        babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    i18n.install_template_gettext(app)

    errors.init_app(app)
    rules.init_app(app)
    templating.init_app(app)
    slots.init_app(app)
    input_guard.init_app(app)
    from core import form_once, idempotency, readers  # noqa: F401 - their models, for the migrations
    from core.accounts import auth as accounts_auth
    from core.accounts import views as accounts_views
    from core.api import init_api
    from core.legal import views as legal_views
    from core.privacy import models as _privacy_models  # noqa: F401 - its models, for the migrations
    from core.views import bp as core_bp

    accounts_auth.init_app(app)
    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(legal_views.bp)  # the notices every public site must show (issue 12 §3)
    from core.privacy import views as privacy_views

    app.register_blueprint(privacy_views.bp)
    from core.notifications import views as notifications_views

    app.register_blueprint(notifications_views.bp)  # notification settings (issue 16 §3)
    from core import me as me_views

    app.register_blueprint(me_views.bp)  # "My activity" on a municipality's host (issue 16 §3)
    init_api(app, api)
    with lifecycle.capture(app, "plugins"):
        register_blueprints(app, reg, api)

    from core.cli import init_cli

    init_cli(app, reg)
    with lifecycle.capture(app, "plugins"):
        reg.pm.hook.sympraxis_app_ready(app=app)
    from core import observability

    observability.init_app(app)  # JSON logs; its middleware and hooks are core.lifecycle's
    lifecycle.install(app)  # every request hook and middleware, in the order core.lifecycle shows
    return app


def _loads(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _init_sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    from core.search import register_sqlite_functions

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
            register_sqlite_functions(dbapi_connection)  # the search's accent and case folding


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
