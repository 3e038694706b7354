"""The vendor kit (core.testing): a configurable database name, an app with only the plugin under
test, migration checks and the API conformance run as importable helpers."""

from __future__ import annotations

import textwrap
import types
import uuid

import pytest
import sqlalchemy as sa

from core.testing import database, selection
from core.testing.conformance import api_conformance_failures, assert_api_conforms
from core.testing.migrations import assert_at_head, assert_branch_round_trip

pytest_plugins = ["pytester"]


# --- the database name --------------------------------------------------------------------------


def test_database_name_from_ini_then_environment(monkeypatch):
    """A vendor's CI names its test database (ini option); the environment overrides it; under
    xdist each worker still gets its own, so two workers never drop each other's database."""
    monkeypatch.delenv(database.DATABASE_ENV, raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert database.session_database_name("volunteers_ci") == "volunteers_ci"
    monkeypatch.setenv(database.DATABASE_ENV, "from_env_{pid}")
    assert database.session_database_name("volunteers_ci") == f"from_env_{__import__('os').getpid()}"
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert database.session_database_name(None).startswith("from_env_")
    assert database.session_database_name(None).endswith("_gw1")
    monkeypatch.setenv(database.DATABASE_ENV, "ci_{worker}")
    assert database.session_database_name(None) == "ci_gw1"


def test_database_name_refuses_what_postgresql_would_misread(monkeypatch):
    """A name that is not a plain identifier is refused with the setting to fix, before any SQL."""
    monkeypatch.delenv(database.DATABASE_ENV, raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    with pytest.raises(ValueError, match="sympraxis_test_database"):
        database.session_database_name('x"; DROP DATABASE postgres; --')


# --- the plugins under test ---------------------------------------------------------------------


def _fake_entry_points(manifests: dict[str, tuple[str, ...]]):
    from core.plugins import PluginManifest

    def make(name, requires):
        module = types.ModuleType(f"fake_{name}")
        module.sympraxis_manifest = lambda: PluginManifest(
            name=name, title=name, version="1.0", core_api=">=1.0,<2", requires=requires
        )
        return types.SimpleNamespace(name=name, load=lambda: module)

    eps = [make(n, r) for n, r in manifests.items()]
    return lambda group: eps if group == "sympraxis.plugins" else []


def test_plugins_under_test_bring_their_declared_dependencies(monkeypatch):
    """``sympraxis_plugins = councils`` loads councils and, transitively, what its manifest requires."""
    monkeypatch.setattr(
        selection,
        "entry_points",
        _fake_entry_points(
            {"councils": ("registry",), "registry": ("hearings",), "hearings": (), "markets": ()}
        ),
    )
    assert selection.with_dependencies(["councils"], ["sympraxis.plugins"]) == [
        "councils",
        "hearings",
        "registry",
    ]
    with pytest.raises(LookupError, match="'councils_typo' is not installed"):
        selection.with_dependencies(["councils_typo"], ["sympraxis.plugins"])


def test_plugins_under_test_from_environment_win_over_ini(monkeypatch):
    monkeypatch.delenv(selection.PLUGINS_ENV, raising=False)
    assert selection.configured_plugins(["volunteers"]) == ["volunteers"]
    assert selection.configured_plugins([]) == []
    monkeypatch.setenv(selection.PLUGINS_ENV, "testplugin, hearings")
    assert selection.configured_plugins(["volunteers"]) == ["testplugin", "hearings"]


def test_vendor_suite_gets_its_database_name_and_only_its_plugin(pytester, monkeypatch):
    """A vendor's pytest.ini names the database and the plugin under test: the ``app`` fixture of
    the shipped kit loads the built-ins and that plugin only (not every installed plugin), on a
    database of that name."""
    monkeypatch.delenv(database.DATABASE_ENV, raising=False)
    monkeypatch.delenv(selection.PLUGINS_ENV, raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    name = f"sympraxis_kit_{uuid.uuid4().hex[:8]}"
    pytester.makeini(
        f"""
        [pytest]
        sympraxis_test_database = {name}
        sympraxis_plugins = testplugin
        """
    )
    pytester.makepyfile(
        test_vendor=textwrap.dedent(
            f"""
            from core.plugins import registry

            def test_only_the_plugin_under_test(app, sympraxis_database):
                assert sympraxis_database["app"].rsplit("/", 1)[1] == "{name}"
                assert set(registry(app).plugins) == {{"tenants", "testplugin"}}

            def test_its_isolation_checks_pass(app, sympraxis_database):
                from core.testing.isolation import assert_plugin_isolated

                assert assert_plugin_isolated(app, "testplugin", sympraxis_database)
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)


# --- migrations ---------------------------------------------------------------------------------


def test_session_database_is_at_head(app, sympraxis_database):
    """The kit's at-head check passes on a migrated database."""
    assert_at_head(app, sympraxis_database["owner"])


def test_at_head_check_catches_a_model_without_its_migration(app, sympraxis_database):
    """A model added without a revision fails the check, naming the table."""
    from core.extensions import db

    extra = sa.Table("zz_kit_unmigrated", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        with pytest.raises(AssertionError, match="zz_kit_unmigrated"):
            assert_at_head(app, sympraxis_database["owner"])
    finally:
        db.metadata.remove(extra)


def test_branch_round_trip(fresh_app, monkeypatch):
    """The test plugin's branch downgrades to base and upgrades back, at head under RLS; a downgrade
    that leaves the plugin's tables behind is caught."""
    import core.migrate

    app, urls = fresh_app
    real_downgrade = core.migrate.downgrade
    monkeypatch.setattr(core.migrate, "downgrade", lambda app, target: None)
    with pytest.raises(AssertionError, match="left its tables"):
        assert_branch_round_trip(app, "testplugin", urls)
    monkeypatch.setattr(core.migrate, "downgrade", real_downgrade)
    assert_branch_round_trip(app, "testplugin", urls)


# --- API conformance ----------------------------------------------------------------------------


def test_plugin_api_conforms(app, tenant_factory, account_factory, access_token):
    """The conformance run over the test plugin's operations passes and reaches successes as well
    as refusals (signed out, schema-invalid input)."""
    tenant = tenant_factory(plugins=["testplugin"])
    staff = account_factory(memberships={tenant: "staff"})
    seen = assert_api_conforms(
        app, tenant.primary_host, plugin="testplugin", tokens=[access_token(staff, tenant)], max_examples=6
    )
    assert set(seen) == {
        "GET /api/v1/testplugin/notes",
        "POST /api/v1/testplugin/notes",
        "GET /api/v1/testplugin/notes/{note_id}",
    }
    assert {201, 401, 422} <= seen["POST /api/v1/testplugin/notes"], seen


def test_conformance_run_catches_an_undocumented_answer(register_test_plugin, tenant_factory, enable_plugin):
    """An operation answering a status its document does not list is reported by name."""
    broken = register_test_plugin({"brokenapi": "sympraxis_testplugin.brokenapi"})
    tenant = tenant_factory()
    enable_plugin(tenant, "brokenapi", target_app=broken)
    failures = api_conformance_failures(broken, tenant.primary_host, plugin="brokenapi", max_examples=3)
    assert failures and all(f.startswith("GET /api/v1/brokenapi/things") for f in failures), failures
    assert "409" in failures[0]
