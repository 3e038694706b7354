"""Migration checks for a plugin's own tests: at head with no diff, and a branch's round trip.

::

    from core.testing.migrations import assert_at_head, assert_branch_round_trip

    def test_session_database_is_at_head(app, sympraxis_database):
        assert_at_head(app, sympraxis_database["owner"])

    def test_my_branch_downgrades_and_upgrades(fresh_app):
        app, urls = fresh_app
        assert_branch_round_trip(app, "myplugin", urls)

:func:`assert_at_head` compares the models (``db.metadata``) with the migrated database as
Alembic's autogenerate would: a model changed without a revision fails it. The round trip
downgrades the plugin's branch to its base (on a database of its own: the ``fresh_app`` fixture),
checks that its tables and policies are gone while the core's stay, and upgrades back to head.
"""

from __future__ import annotations

from typing import Any

import psycopg
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _script(app: Flask) -> ScriptDirectory:
    from core.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(app))


def applied_revisions(app: Flask, url: str) -> set[str]:
    """Every revision the database at ``url`` has, dependencies included (Alembic stores only the
    dependants in ``alembic_version``; a branch's first revision ``depends_on`` the core)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            current = tuple(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    if not current:
        return set()
    return {r.revision for r in _script(app).iterate_revisions(current, "base")}


def migration_diff(url: str) -> list[Any]:
    """What autogenerate would write for the database at ``url`` against the models (empty: none)."""
    from core.extensions import db

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": False}
            )
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def assert_at_head(app: Flask, url: str) -> None:
    """Fail unless the database at ``url`` (the owner URL) has every head and matches the models."""
    heads = set(_script(app).get_heads())
    missing = heads - applied_revisions(app, url)
    assert not missing, f"database not at head: missing {sorted(missing)} (run sympraxis db upgrade)"
    diff = migration_diff(url)
    assert not diff, "models and migrations differ (a model changed without a revision?):\n" + "\n".join(
        f"  {d!r}" for d in diff
    )


def _tables(url: str) -> set[str]:
    engine = _engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def branch_revisions(app: Flask, branch: str) -> set[str]:
    """The revisions of the Alembic branch labelled ``branch`` (a plugin's name)."""
    return {r.revision for r in _script(app).walk_revisions() if branch in (r.branch_labels or ())}


def assert_branch_round_trip(app: Flask, branch: str, urls: dict[str, str]) -> None:
    """Upgrade to head, downgrade ``branch`` to its base, upgrade again; fail on any step that
    leaves the wrong state. ``app`` must be bound to the database of ``urls`` alone (the
    ``fresh_app`` fixture): the downgrade drops the plugin's tables.

    After the downgrade none of the branch's revisions, tables or RLS policies are left and the core
    is untouched; after the upgrade the database is at head with no diff and every tenant-owned
    table is under forced RLS again.
    """
    from core.migrate import downgrade, upgrade
    from core.testing.isolation import assert_tenant_tables_have_rls, plugin_tables

    owner = urls["owner"]
    upgrade(app)
    assert_at_head(app, owner)
    own_tables = {t.name for t in plugin_tables(app, branch)}
    revisions = branch_revisions(app, branch)
    assert revisions, f"no Alembic branch labelled {branch!r}"
    before = _tables(owner)
    assert own_tables <= before, f"tables of {branch} missing after upgrade: {sorted(own_tables - before)}"

    downgrade(app, f"{branch}@base")
    after = _tables(owner)
    left = own_tables & after
    assert not left, f"downgrade of {branch} left its tables: {sorted(left)}"
    still = revisions & applied_revisions(app, owner)
    assert not still, f"downgrade of {branch} left revisions applied: {sorted(still)}"
    core_tables = _core_tables() & before
    assert core_tables <= after, (
        f"downgrade of {branch} dropped tables of the core: {sorted(core_tables - after)}"
    )
    if own_tables and owner.startswith("postgresql"):
        with psycopg.connect(_libpq(urls.get("admin", owner))) as conn:
            policies = conn.execute(
                "SELECT c.relname, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
                "WHERE c.relname = ANY(%s)",
                (sorted(own_tables),),
            ).fetchall()
        assert not policies, f"downgrade of {branch} left policies: {policies}"

    upgrade(app)
    assert_at_head(app, owner)
    assert own_tables <= _tables(owner)
    if owner.startswith("postgresql"):
        protected = set(assert_tenant_tables_have_rls(urls.get("admin", owner)))
        owned = {t.name for t in plugin_tables(app, branch) if "tenant_id" in t.c}
        assert owned <= protected, f"after re-upgrade, not under RLS: {sorted(owned - protected)}"


def _core_tables() -> set[str]:
    """Tables of the core's own models (a plugin's downgrade must never touch them)."""
    from core.extensions import db

    return {
        table.name
        for mapper in db.Model.registry.mappers
        if mapper.class_.__module__.startswith("core.")
        for table in mapper.tables
    }


def _libpq(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return scheme.split("+", 1)[0] + "://" + rest


__all__ = [
    "applied_revisions",
    "assert_at_head",
    "assert_branch_round_trip",
    "branch_revisions",
    "migration_diff",
]
