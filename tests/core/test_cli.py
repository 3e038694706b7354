"""The ``sympraxis`` command line (issue 3): tenants, plugins, accounts, db, demo."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from core.extensions import db

SQLITE_OVERRIDES = {"MIGRATIONS_DATABASE_URI": None, "APP_DB_ROLE": None, "SQLALCHEMY_ENGINE_OPTIONS": {}}


def _slug() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def _ok(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _fails(result, message: str) -> None:
    assert result.exit_code != 0, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_tenants_create_list_and_serve(cli, client_for):
    slug = _slug()
    out = _ok(cli.invoke(args=["tenants", "create", slug, "--name", "Δήμος Δοκιμής", "--country", "gr",
                               "--locale", "el", "--plugin", "testplugin"]))  # fmt: skip
    assert f"created {slug}" in out
    listing = _ok(cli.invoke(args=["tenants", "list"]))
    line = next(ln for ln in listing.splitlines() if ln.startswith(slug))
    assert "active" in line and "Δήμος Δοκιμής" in line and " el " in line
    r = client_for(f"{slug}.localhost").get("/api/v1/tenant")
    assert r.status_code == 200
    assert r.json["locales"] == ["el", "en"]
    assert r.json["country"] == "GR"
    assert r.json["plugins"] == ["testplugin"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["admin", "--name", "X", "--country", "GR", "--locale", "en"], "slug: This slug is reserved"),
        (["Bad_Slug", "--name", "X", "--country", "GR", "--locale", "en"], "slug: A slug uses lower-case"),
        (["{slug}", "--name", "X", "--country", "GRC", "--locale", "en"], "country: Use a two-letter"),
        (["{slug}", "--name", "X", "--country", "GR", "--locale", "en", "--locales", "en,de"], "locales:"),
        (
            ["{slug}", "--name", "X", "--country", "GR", "--locale", "en", "--timezone", "Mars/Olympus"],
            "timezone:",
        ),
        (["{slug}", "--name", "X", "--country", "GR", "--locale", "en", "--plugin", "nope"], "plugins:"),
        (["{slug}", "--name", "X", "--country", "GR", "--locale", "xx"], "Invalid value for '--locale'"),
    ],
)
def test_tenants_create_refuses_bad_input(cli, app, args, message):
    slug = _slug()
    _fails(cli.invoke(args=["tenants", "create", *[a.replace("{slug}", slug) for a in args]]), message)
    from core.tenancy import Tenant

    with app.app_context():
        assert db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).first() is None


def test_tenants_create_duplicate(cli):
    slug = _slug()
    args = ["tenants", "create", slug, "--name", "X", "--country", "GR", "--locale", "en"]
    _ok(cli.invoke(args=args))
    _fails(cli.invoke(args=args), "slug: This slug is already taken.")


def test_tenants_suspend_resume_archive(cli, tenant_factory, client_for):
    t = tenant_factory()
    c = client_for(f"{t.slug}.localhost")
    assert c.get("/api/v1/tenant").status_code == 200  # cached in this process now
    assert f"{t.slug} is now suspended" in _ok(cli.invoke(args=["tenants", "suspend", t.slug]))
    assert c.get("/api/v1/tenant").json["status"] == "suspended"
    assert c.post("/api/v1/testplugin/notes", json={"title": "x"}).status_code == 403
    assert "suspended" in next(
        ln for ln in _ok(cli.invoke(args=["tenants", "list"])).splitlines() if t.slug in ln
    )
    _ok(cli.invoke(args=["tenants", "resume", t.slug]))
    assert c.get("/api/v1/tenant").json["status"] == "active"
    _ok(cli.invoke(args=["tenants", "archive", t.slug]))
    assert c.get("/api/v1/tenant").status_code == 404
    _fails(
        cli.invoke(args=["tenants", "suspend", "no-such-slug"]), "No municipality with slug 'no-such-slug'"
    )


def test_plugins_list_enable_disable(cli, tenant_factory, client_for):
    listing = _ok(cli.invoke(args=["plugins", "list"]))
    assert any(ln.startswith("testplugin") and "1.0.0" in ln for ln in listing.splitlines())
    assert any(ln.startswith("tenants") and "built-in" in ln for ln in listing.splitlines())
    assert "incompatible" in listing and "REFUSED: needs core API >=2.0,<3" in listing

    t = tenant_factory()
    c = client_for(f"{t.slug}.localhost")
    assert c.get("/testplugin/").status_code == 404
    assert f"testplugin enabled for {t.slug}" in _ok(
        cli.invoke(args=["plugins", "enable", t.slug, "testplugin"])
    )
    assert c.get("/testplugin/").status_code == 200
    assert f"testplugin disabled for {t.slug}" in _ok(
        cli.invoke(args=["plugins", "disable", t.slug, "testplugin"])
    )
    assert c.get("/testplugin/").status_code == 404
    _fails(cli.invoke(args=["plugins", "enable", t.slug, "nope"]), "no switchable plugin named 'nope'")
    _fails(cli.invoke(args=["plugins", "enable", "no-such-slug", "testplugin"]), "no municipality with slug")
    _fails(cli.invoke(args=["plugins", "disable", t.slug, "tenants"]), "no switchable plugin named 'tenants'")


def test_accounts_create_operator(cli, app):
    from core.accounts.models import Account

    email = f"op-{uuid.uuid4().hex[:6]}@example.org"
    args = [
        "accounts",
        "create-operator",
        "--email",
        email,
        "--name",
        "Op",
        "--password",
        "a long operator pass",
    ]
    output = _ok(cli.invoke(args=args))
    assert "created" in output
    with app.app_context():
        account = db.session.execute(sa.select(Account).where(Account.email == email)).scalar_one()
        assert account.is_operator and account.email_verified_at is not None
        assert account.password_hash.startswith("$argon2id$")
        # enrolled at creation: the key went to the console, not to whoever first signs in
        assert account.totp_enabled_at is not None and account.totp_secret in output
    result = cli.invoke(args=args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).where(Account.email == email)).scalar_one() == 1


def test_db_upgrade_on_fresh_sqlite(sympraxis_config, tmp_path):
    from core.app import create_app

    os.environ["SYMPRAXIS_INSTANCE_PATH"] = str(tmp_path)
    path = tmp_path / "cli.db"
    lite = create_app(
        {**sympraxis_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", **SQLITE_OVERRIDES}
    )
    out = _ok(lite.test_cli_runner().invoke(args=["db", "upgrade"]))
    assert "database is at heads" in out
    tables = set(sa.inspect(sa.create_engine(f"sqlite:///{path}")).get_table_names())
    assert {"tenants", "tenant_domains", "accounts", "testplugin_notes", "alembic_version"} <= tables
    _ok(lite.test_cli_runner().invoke(args=["db", "upgrade"]))  # again: nothing to do, no error


def test_db_upgrade_on_postgresql(cli):
    assert "database is at heads" in _ok(cli.invoke(args=["db", "upgrade"]))


def test_demo_twice_keeps_data(make_app, tmp_path):
    from core.accounts.models import Account, Affiliation, Membership
    from core.tenancy import Tenant, TenantDomain, TenantPlugin

    lite = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/demo.db", **SQLITE_OVERRIDES)
    runner = lite.test_cli_runner()

    def counts():
        with lite.app_context():
            out = {
                model.__name__: db.session.execute(
                    sa.select(sa.func.count()).select_from(model).execution_options(all_tenants=True)
                ).scalar_one()
                for model in (Tenant, TenantDomain, TenantPlugin, Account, Membership, Affiliation)
            }
            db.session.remove()
            return out

    first = _ok(runner.invoke(args=["demo", "--no-serve"]))
    assert "Sympraxis demo seeded" in first
    assert "http://orestiada.localhost:5000/" in first
    assert "ngo@example.org" in first and "operator@sympraxis.example" in first
    seeded = counts()
    # the NGO in each municipality, and the councils demo's two nominating organisations in each
    assert seeded["Tenant"] == 3 and seeded["Affiliation"] == 3 + 3 * 2 and seeded["Account"] >= 6
    second = _ok(runner.invoke(args=["demo", "--no-serve"]))
    assert "data kept from an earlier run" in second
    assert counts() == seeded
    with lite.app_context():
        slugs = db.session.execute(sa.select(Tenant.slug, Tenant.default_locale).order_by(Tenant.slug)).all()
    assert [tuple(r) for r in slugs] == [("haskovo", "bg"), ("orestiada", "el"), ("sector3", "ro")]


def test_console_command_end_to_end(tmp_path, monkeypatch):
    """``sympraxis`` as installed (core.cli:main, a FlaskGroup building its own app from the
    environment): migrate an empty SQLite instance, create a municipality, switch a plugin."""
    from click.testing import CliRunner

    from core.cli import main

    monkeypatch.setenv("SYMPRAXIS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SYMPRAXIS_SECRET_KEY", "console-" + "k" * 32)
    monkeypatch.setenv("SYMPRAXIS_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/console.db")
    monkeypatch.setenv("SYMPRAXIS_SYMPRAXIS_PLUGIN_GROUPS", '["sympraxis.plugins", "sympraxis.test_plugins"]')
    runner = CliRunner()
    help_text = _ok(runner.invoke(main, ["--help"]))
    for group in ("db", "tenants", "plugins", "accounts", "demo"):
        assert group in help_text
    _ok(runner.invoke(main, ["db", "upgrade"]))
    _ok(
        runner.invoke(
            main, ["tenants", "create", "console", "--name", "Console", "--country", "BG", "--locale", "bg"]
        )
    )
    _ok(runner.invoke(main, ["plugins", "enable", "console", "testplugin"]))
    assert "console " in _ok(runner.invoke(main, ["tenants", "list"]))
    _ok(runner.invoke(main, ["db", "downgrade", "testplugin@base"]))
    tables = set(sa.inspect(sa.create_engine(f"sqlite:///{tmp_path}/console.db")).get_table_names())
    assert "testplugin_notes" not in tables and "tenants" in tables
    _ok(runner.invoke(main, ["db", "upgrade"]))
    tables = set(sa.inspect(sa.create_engine(f"sqlite:///{tmp_path}/console.db")).get_table_names())
    assert "testplugin_notes" in tables
