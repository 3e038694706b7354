"""One Alembic history, a branch per plugin: upgrade, no autogenerate diff, downgrade (issue 3)."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.extensions import db
from core.migrate import alembic_config, downgrade, upgrade

SQLITE_OVERRIDES = {"MIGRATIONS_DATABASE_URI": None, "APP_DB_ROLE": None, "SQLALCHEMY_ENGINE_OPTIONS": {}}


def _heads(app) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(app)).get_heads())


def _applied(app, url: str) -> set[str]:
    """Every revision the database has, dependencies included: a branch's first revision
    ``depends_on`` the core, and Alembic keeps only the dependants in alembic_version."""
    script = ScriptDirectory.from_config(alembic_config(app))
    current = tuple(_current(url))
    return {r.revision for r in script.iterate_revisions(current, "base")} if current else set()


def _assert_at_head(app, url: str) -> None:
    heads = _heads(app)
    assert heads <= _applied(app, url), f"not at head: missing {heads - _applied(app, url)}"


def _current(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def _diff(url: str) -> list:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            mc = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": False}
            )
            return compare_metadata(mc, db.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    path = tmp_path / "fresh.db"
    assert not path.exists()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", **SQLITE_OVERRIDES)
    return app, f"sqlite:///{path}"


@pytest.fixture
def fresh_pg(sympraxis_config, tmp_path):
    """A second, empty PostgreSQL database with the production roles (dropped after)."""
    from core.app import create_app
    from core.testing.database import create_test_database, drop_test_database

    name = f"sympraxis_test_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    urls = create_test_database(name)
    os.environ["SYMPRAXIS_INSTANCE_PATH"] = str(tmp_path)
    app = create_app(
        {
            **sympraxis_config,
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool},
        }
    )
    yield app, urls
    with app.app_context():
        db.engine.dispose()
    drop_test_database(name)


def test_heads_include_core_and_testplugin_branches(app):
    script = ScriptDirectory.from_config(alembic_config(app))
    labels = {label for rev in script.walk_revisions() for label in (rev.branch_labels or ())}
    assert {"core", "testplugin"} <= labels
    assert script.get_revision("testplugin@head").revision == "testplugin_0003"


def test_upgrade_fresh_sqlite_to_head_and_no_diff(sqlite_app):
    app, url = sqlite_app
    _assert_at_head(app, url)
    assert {"tenants", "tenant_domains", "accounts", "testplugin_notes"} <= _tables(url)
    assert "testplugin_notes" in db.metadata.tables
    assert _diff(url) == []
    upgrade(app)  # a second upgrade is a no-op
    _assert_at_head(app, url)


def test_upgrade_fresh_postgresql_to_head_and_no_diff(fresh_pg):
    app, urls = fresh_pg
    upgrade(app)
    _assert_at_head(app, urls["owner"])
    assert "testplugin_notes" in _tables(urls["owner"])
    assert _diff(urls["owner"]) == []


def test_session_database_matches_models(app, sympraxis_database):
    """The database every other test uses is at head with no diff either."""
    _assert_at_head(app, sympraxis_database["owner"])
    assert _diff(sympraxis_database["owner"]) == []


def test_diff_check_is_not_vacuous(sqlite_app):
    """A model without its migration is reported by the same comparison."""
    app, url = sqlite_app
    extra = sa.Table("zz_unmigrated", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        diff = _diff(url)
    finally:
        db.metadata.remove(extra)
    assert [d[0] for d in diff] == ["add_table"]
    assert diff[0][1].name == "zz_unmigrated"


def test_downgrade_and_reupgrade_testplugin_branch_sqlite(sqlite_app):
    app, url = sqlite_app
    downgrade(app, "testplugin@base")
    assert not {"testplugin_notes", "testplugin_note_tags", "testplugin_links"} & _tables(url)
    assert {"tenants", "tenant_domains"} <= _tables(url)  # the core stays
    assert not {"testplugin_0001", "testplugin_0002", "testplugin_0003"} & _applied(app, url)
    assert "core_0001" in _applied(app, url)
    with pytest.raises(AssertionError, match="testplugin_0003"):
        _assert_at_head(app, url)
    upgrade(app)
    assert "testplugin_notes" in _tables(url)
    _assert_at_head(app, url)
    assert _diff(url) == []


def test_downgrade_and_reupgrade_testplugin_branch_postgresql(fresh_pg):
    app, urls = fresh_pg
    upgrade(app)
    downgrade(app, "testplugin@-1")  # one step: the links (a create_tenant_table) go, the rest stays
    assert "testplugin_links" not in _tables(urls["owner"])
    assert "testplugin_note_tags" in _tables(urls["owner"])
    downgrade(app, "testplugin@-1")  # one more: the tags go, the notes stay
    assert "testplugin_note_tags" not in _tables(urls["owner"])
    assert "testplugin_notes" in _tables(urls["owner"])
    downgrade(app, "testplugin@base")
    assert "testplugin_notes" not in _tables(urls["owner"])
    with psycopg.connect(urls["admin"]) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "WHERE c.relname LIKE 'testplugin%%'"
        ).fetchone()[0]
    assert left == 0
    upgrade(app)
    _assert_at_head(app, urls["owner"])
    assert _diff(urls["owner"]) == []
    from core.testing.isolation import assert_tenant_tables_have_rls

    assert "testplugin_notes" in assert_tenant_tables_have_rls(urls["admin"])


def test_app_role_gets_rows_not_schema(fresh_pg):
    """Migrations run as the owner and grant the app role row privileges only."""
    app, urls = fresh_pg
    upgrade(app)
    with psycopg.connect(urls["admin"]) as conn:
        owners = {
            r[0]
            for r in conn.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        }
        can_create = conn.execute(
            "SELECT has_schema_privilege('sympraxis_app', 'public', 'CREATE')"
        ).fetchone()[0]
        version_read = conn.execute(
            "SELECT has_table_privilege('sympraxis_app', 'alembic_version', 'SELECT')"
        ).fetchone()[0]
    assert owners == {"sympraxis_owner"}
    assert can_create is False
    assert version_read is False
