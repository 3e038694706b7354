"""Pytest fixtures for Sympraxis and its plugins (registered through the ``pytest11`` entry point).

A plugin author's tests get, with no set-up of their own: a PostgreSQL database with the
production roles (owner for migrations, a non-owner app role under row-level security), the
application, an SMTP server on loopback that collects mail, factories for tenants and accounts,
clients bound to a host, sign-in, and switching plugins on. See ``core.testing.isolation``,
``core.testing.migrations`` and ``core.testing.conformance`` for the checks every plugin must pass.

Two ini options (``pytest.ini`` or ``[tool.pytest.ini_options]``), each also an environment variable
that wins over it:

``sympraxis_test_database`` / ``SYMPRAXIS_TEST_DATABASE``
    the test database's name (``{worker}`` and ``{pid}`` are filled in; see
    :func:`core.testing.database.session_database_name`).
``sympraxis_plugins`` / ``SYMPRAXIS_TEST_PLUGINS``
    the plugins the ``app`` fixture loads, with what their manifests ``require``; empty: every
    installed plugin (see :mod:`core.testing.selection`).
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

# browser fixtures (live_server, chromium, browser_context, browser_page, axe): see core.testing.browser
from core.testing.browser import axe, browser_context, browser_page, chromium, live_server  # noqa: F401

_counter = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "sympraxis_test_database",
        "name of the PostgreSQL test database ({worker} and {pid} are filled in); "
        "env SYMPRAXIS_TEST_DATABASE wins",
        default=None,
    )
    parser.addini(
        "sympraxis_plugins",
        "plugins the app fixture loads, with their declared dependencies (empty: every installed "
        "plugin); env SYMPRAXIS_TEST_PLUGINS wins",
        type="args",
        default=[],
    )


# --- database and mail ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sympraxis_database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database for this session (one per xdist worker), dropped at its end.

    A dict of URLs: ``owner`` (migrations), ``app`` (the non-owner role under RLS, as in
    production) and ``admin`` (a superuser, for catalog checks). Named by the
    ``sympraxis_test_database`` ini option or ``SYMPRAXIS_TEST_DATABASE``.
    """
    from core.testing.database import create_test_database, drop_test_database, session_database_name

    name = session_database_name(request.config.getini("sympraxis_test_database"))
    urls = create_test_database(name)
    yield urls
    drop_test_database(name)


class MailSink:
    """Messages received by the loopback SMTP server, parsed (``messages``, ``wait_for``, ``to``)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd hook
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._cond:
            self.messages.append(msg)  # type: ignore[arg-type]
            self._cond.notify_all()
        return "250 OK"

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()

    def wait_for(self, predicate: Callable[[EmailMessage], bool], timeout: float = 5.0) -> EmailMessage:
        """The first message matching ``predicate``, waiting up to ``timeout`` seconds."""
        with self._cond:
            found = self._cond.wait_for(
                lambda: next((m for m in self.messages if predicate(m)), None), timeout=timeout
            )
        if not found:
            raise AssertionError(
                f"no matching mail within {timeout}s; got {[m['Subject'] for m in self.messages]}"
            )
        return found

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to ``address``."""
        return [m for m in self.messages if address in (m["To"] or "")]

    @staticmethod
    def body(msg: EmailMessage) -> str:
        """The plain-text part of ``msg``."""
        part = msg.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""


@pytest.fixture(scope="session")
def sympraxis_smtp() -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def mail_outbox(sympraxis_smtp: tuple[MailSink, int]) -> MailSink:
    """Mail delivered over SMTP during this test (emptied at its start)."""
    sink, _port = sympraxis_smtp
    sink.clear()
    return sink


# --- the application --------------------------------------------------------------------------


#: Entry-point groups the test application loads plugins from (``sympraxis.test_plugins`` holds
#: plugins that exist only for tests, such as the core's own test plugin).
TEST_PLUGIN_GROUPS = ["sympraxis.plugins", "sympraxis.test_plugins"]


@pytest.fixture(scope="session")
def sympraxis_plugins_under_test(request: pytest.FixtureRequest) -> str | list[str]:
    """The plugins the ``app`` fixture loads: ``"*"`` (every installed one), or the plugins named
    by the ``sympraxis_plugins`` ini option (or ``SYMPRAXIS_TEST_PLUGINS``) with what their
    manifests ``require``, transitively."""
    from core.testing.selection import configured_plugins, with_dependencies

    names = configured_plugins(request.config.getini("sympraxis_plugins"))
    if not names:
        return "*"
    return with_dependencies(names, TEST_PLUGIN_GROUPS)


@pytest.fixture(scope="session")
def sympraxis_config(
    sympraxis_database: dict[str, str], sympraxis_smtp, sympraxis_plugins_under_test
) -> dict[str, Any]:
    """Configuration of the test application; override this fixture to add to it."""
    _sink, port = sympraxis_smtp
    return {
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": sympraxis_database["app"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 5, "max_overflow": 5},
        "MIGRATIONS_DATABASE_URI": sympraxis_database["owner"],
        "APP_DB_ROLE": "sympraxis_app",
        "CROSS_TENANT_READ_DATABASE_URI": sympraxis_database["reader"],
        "READER_DB_ROLE": "sympraxis_reader",
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "JOBS_INLINE": True,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "TENANT_CACHE_TTL": 60.0,
        "PLATFORM_APEX": "localhost",
        "PUBLIC_PORT": None,
        "SYMPRAXIS_PLUGIN_GROUPS": list(TEST_PLUGIN_GROUPS),
        "SYMPRAXIS_PLUGINS": sympraxis_plugins_under_test,
    }


def build_app(config: dict[str, Any], instance_path: str | None = None) -> Flask:
    """Create an application and bring its database to head (idempotent)."""
    from core.app import create_app
    from core.migrate import upgrade

    if instance_path:
        os.environ["SYMPRAXIS_INSTANCE_PATH"] = instance_path
    app = create_app(dict(config))
    upgrade(app)
    return app


@pytest.fixture(scope="session")
def app(sympraxis_config: dict[str, Any], tmp_path_factory) -> Flask:
    """The application, migrated, with every installed plugin (test plugins included), or only the
    plugins under test (``sympraxis_plugins``) and their dependencies."""
    return build_app(sympraxis_config, str(tmp_path_factory.mktemp("instance")))


@pytest.fixture
def make_app(sympraxis_config: dict[str, Any], tmp_path) -> Callable[..., Flask]:
    """Build another application with config overrides (same database)."""

    def factory(**overrides: Any) -> Flask:
        return build_app({**sympraxis_config, **overrides}, str(tmp_path))

    return factory


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An application context for service-level tests; the session is rolled back after."""
    from core.extensions import db

    with app.app_context():
        yield app
        db.session.rollback()


# --- factories --------------------------------------------------------------------------------


@pytest.fixture
def tenant_factory(app: Flask) -> Callable[..., Any]:
    """Create a municipality (committed): ``tenant_factory(plugins=["hearings"])``."""
    from core.extensions import db
    from core.tenancy import invalidate_tenant_cache, tenant_info_from_row
    from core.tenant_admin import NewTenant, create_tenant

    def factory(
        slug: str | None = None,
        *,
        name: str | None = None,
        locale: str = "en",
        locales: list[str] | None = None,
        timezone: str = "Europe/Athens",
        plugins: list[str] | None = None,
        country: str = "GR",
    ) -> Any:
        n = next(_counter)
        slug = slug or f"t{n}-{uuid.uuid4().hex[:8]}"
        with app.app_context():
            tenant = create_tenant(
                NewTenant(
                    slug=slug,
                    name=name or f"Municipality {n}",
                    country=country,
                    default_locale=locale,
                    locales=locales or [locale, "en"],
                    timezone=timezone,
                    plugins=plugins or [],
                )
            )
            db.session.commit()
            invalidate_tenant_cache()
            info = tenant_info_from_row(tenant, primary_host=f"{slug}.localhost", host=f"{slug}.localhost")
            db.session.remove()
        return info

    return factory


@pytest.fixture
def account_factory(app: Flask) -> Callable[..., Any]:
    """Create a verified account (committed); ``memberships={tenant: "staff"}`` joins tenants."""
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.extensions import db

    def factory(
        email: str | None = None,
        *,
        password: str = "correct horse battery",
        name: str = "Test Person",
        verified: bool = True,
        operator: bool = False,
        memberships: dict[Any, str] | None = None,
        locale: str | None = None,
    ) -> Any:
        email = email or f"person{next(_counter)}-{uuid.uuid4().hex[:6]}@example.org"
        with app.app_context():
            account = create_account(
                email, password, name, verified=verified, is_operator=operator, locale=locale
            )
            for tenant, role in (memberships or {}).items():
                join_tenant(account, tenant.id, role)
            db.session.commit()
            account_id = account.id
            db.session.remove()
        return _AccountRef(account_id, email, password, name)

    return factory


class _AccountRef:
    """What a test needs of an account, detached from any session."""

    def __init__(self, id: int, email: str, password: str, name: str):
        self.id, self.email, self.password, self.display_name = id, email, password, name

    def get_id(self, generation: int = 0) -> str:
        return f"{self.id}:{generation}"


# --- clients ----------------------------------------------------------------------------------


class HostClient(FlaskClient):
    """A test client whose requests go to one host (cookies stay host-only, as in a browser)."""

    host = "localhost"

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        if "base_url" not in kwargs and not (args and not isinstance(args[0], str)):
            kwargs["base_url"] = f"http://{self.host}"
        return super().open(*args, **kwargs)

    def session_transaction(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().session_transaction(*args, **kwargs)


@pytest.fixture
def client_for(app: Flask) -> Callable[[str], HostClient]:
    """``client_for("orestiada.localhost")``: a fresh client bound to that host."""

    def factory(host: str) -> HostClient:
        app.test_client_class = HostClient
        client = app.test_client()
        client.host = host
        return client

    return factory


@pytest.fixture
def apex_client(client_for) -> HostClient:
    """A client on the apex (``localhost``): sign-in, the NGO dashboard, the operator console."""
    return client_for("localhost")


@pytest.fixture
def tenant_client(client_for) -> Callable[[Any], HostClient]:
    """``tenant_client(tenant)``: a client on the tenant's platform host."""
    return lambda tenant: client_for(tenant.primary_host or f"{tenant.slug}.localhost")


@pytest.fixture
def sign_in(app: Flask) -> Callable[[HostClient, Any], HostClient]:
    """Put a signed-in session for ``account`` on ``client`` (the host-only cookie of its host),
    backed by a server-side session as a real sign-in is, and as fresh as one just made."""
    import time

    from core.accounts.models import Account
    from core.accounts.services.sessions import start_session
    from core.extensions import db

    def do(client: HostClient, account: Any) -> HostClient:
        with app.app_context():
            acc = db.session.get(Account, account.id)
            generation = acc.session_generation
            key = start_session(acc, getattr(client, "host", "localhost"))
            db.session.commit()
        with client.session_transaction() as sess:
            sess["_user_id"] = f"{account.id}:{generation}:{key}"
            sess["_fresh"] = True
            sess["auth_at"] = int(time.time())
        return client

    return do


@pytest.fixture
def access_token(app: Flask) -> Callable[[Any, Any], str]:
    """``access_token(account, tenant_or_None)``: a personal access token's secret."""
    from core.accounts.models import Account
    from core.accounts.services.tokens import create_access_token
    from core.extensions import db

    def make(account: Any, tenant: Any | None) -> str:
        with app.app_context():
            acc = db.session.get(Account, account.id)
            _token, secret = create_access_token(acc, "test", tenant.id if tenant else None)
            db.session.commit()
        return secret

    return make


@pytest.fixture
def enable_plugin(app: Flask) -> Callable[..., None]:
    """``enable_plugin(tenant, "hearings", settings={...})``: switch a plugin on (committed)."""
    from core.extensions import db
    from core.plugin_state import enable_plugin as _enable

    def do(
        tenant: Any, name: str, settings: dict[str, Any] | None = None, target_app: Flask | None = None
    ) -> None:
        with (target_app or app).app_context():
            _enable(tenant.id, name, settings)
            db.session.commit()

    return do


@pytest.fixture
def disable_plugin(app: Flask) -> Callable[..., None]:
    """``disable_plugin(tenant, "hearings")``: switch a plugin off (committed; its data stays)."""
    from core.extensions import db
    from core.plugin_state import disable_plugin as _disable

    def do(tenant: Any, name: str) -> None:
        with app.app_context():
            _disable(tenant.id, name)
            db.session.commit()

    return do


@pytest.fixture
def register_test_plugin(make_app) -> Callable[..., Flask]:
    """``register_test_plugin({"myplug": "my_tests.myplug"})``: an app with extra plugin modules."""

    def do(modules: dict[str, str], **overrides: Any) -> Flask:
        return make_app(SYMPRAXIS_EXTRA_PLUGINS=modules, **overrides)

    return do


@pytest.fixture
def fresh_app(sympraxis_config: dict[str, Any], tmp_path) -> Iterator[tuple[Flask, dict[str, str]]]:
    """``(app, urls)``: an application on a new, empty database of its own (the production roles,
    not migrated, dropped after the test), for migration checks that downgrade a branch."""
    import sqlalchemy as sa

    from core.app import create_app
    from core.extensions import db
    from core.testing.database import create_test_database, drop_test_database

    name = f"sympraxis_fresh_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    urls = create_test_database(name)
    os.environ["SYMPRAXIS_INSTANCE_PATH"] = str(tmp_path)
    fresh = create_app(
        {
            **sympraxis_config,
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool},
        }
    )
    try:
        yield fresh, urls
    finally:
        with fresh.app_context():
            db.engine.dispose()
        drop_test_database(name)
