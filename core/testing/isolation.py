"""The isolation checks every plugin must pass (``docs/testing.md``), for plugin authors' own tests.

Each helper raises ``AssertionError`` with a message naming what is wrong::

    from core.testing.isolation import (
        assert_app_role_confined, assert_models_tenant_scoped, assert_route_isolated,
        assert_table_rls_isolated, assert_tenant_tables_have_rls,
    )

    def test_my_plugin_is_isolated(app, sympraxis_database):
        assert_tenant_tables_have_rls(sympraxis_database["admin"])
        assert_models_tenant_scoped(app, "myplugin")

The catalog checks need a connection that sees the whole catalog (the ``admin`` or ``owner`` URL
of the ``sympraxis_database`` fixture); the raw-SQL check connects as the application role (the
``app`` URL), exactly as the platform does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import Flask

#: What a tenant-isolation policy must mention: the per-transaction tenant setting.
TENANT_SETTING = "app.tenant_id"
#: Policies that may admit rows without the tenant setting: reads only, and only these.
READ_ONLY_EXCEPTIONS = {"cross_tenant_read", "public_read"}


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` (SQLAlchemy) → ``postgresql://…`` (libpq)."""
    scheme, rest = url.split("://", 1)
    return scheme.split("+", 1)[0] + "://" + rest


def _connect(url: str, **kw: Any) -> psycopg.Connection:
    return psycopg.connect(_libpq_url(url), **kw)


# --- the catalog ------------------------------------------------------------------------------


def _checks_tenant(cmd: str, permissive: bool, qual: str, check: str) -> bool:
    """Whether a policy admits only rows of the tenant in ``app.tenant_id`` for its command(s).

    A policy without WITH CHECK checks new rows with its USING expression (PostgreSQL's rule).
    """
    check = check or qual
    if cmd == "a":  # INSERT: only WITH CHECK applies
        return TENANT_SETTING in check
    if cmd in ("r", "d"):  # SELECT, DELETE: only USING applies
        return TENANT_SETTING in qual
    return TENANT_SETTING in qual and TENANT_SETTING in check  # UPDATE, ALL


def tenant_tables_rls_problems(catalog_url: str, schema: str = "public") -> dict[str, list[str]]:
    """For every table of ``schema`` with a ``tenant_id`` column, what its RLS set-up lacks.

    A table passes when row-level security is enabled *and forced* (so even the owner is
    subject to it), it has a policy for all commands whose USING and WITH CHECK both read
    ``app.tenant_id``, and every other permissive policy is a known SELECT-only exception.
    """
    problems: dict[str, list[str]] = {}
    with _connect(catalog_url) as conn:
        tables = conn.execute(
            """
            SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
               AND EXISTS (SELECT 1 FROM pg_attribute a
                            WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                              AND NOT a.attisdropped AND a.attnum > 0)
             ORDER BY c.relname
            """,
            (schema,),
        ).fetchall()
        for oid, name, enabled, forced in tables:
            lacks: list[str] = []
            if not enabled:
                lacks.append("row-level security is not enabled")
            if not forced:
                lacks.append("row-level security is not forced")
            policies = conn.execute(
                """
                SELECT polname, polcmd, polpermissive,
                       coalesce(pg_get_expr(polqual, polrelid), ''),
                       coalesce(pg_get_expr(polwithcheck, polrelid), '')
                  FROM pg_policy WHERE polrelid = %s
                """,
                (oid,),
            ).fetchall()
            guarding = [p for p in policies if p[1] == "*" and p[2] and _checks_tenant(*p[1:])]
            if not guarding:
                lacks.append(f"no policy for all commands checking {TENANT_SETTING} in USING and WITH CHECK")
            for polname, cmd, permissive, qual, check in policies:
                if not permissive or _checks_tenant(cmd, permissive, qual, check):
                    continue
                if cmd == "r" and polname in READ_ONLY_EXCEPTIONS:
                    if "current_setting(" in qual:  # any setting is the application role's to set
                        lacks.append(
                            f"policy {polname!r} admits rows on a setting the application role can set"
                        )
                    continue
                lacks.append(f"policy {polname!r} ({cmd}) admits rows without {TENANT_SETTING}")
            if lacks:
                problems[name] = lacks
    return problems


def assert_tenant_tables_have_rls(catalog_url: str, schema: str = "public") -> list[str]:
    """Fail if any table with ``tenant_id`` lacks forced RLS and a tenant policy; return the tables checked."""
    problems = tenant_tables_rls_problems(catalog_url, schema)
    assert not problems, "tenant-owned tables without a forced tenant policy:\n" + "\n".join(
        f"  {t}: {'; '.join(p)}" for t, p in sorted(problems.items())
    )
    with _connect(catalog_url) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT table_name FROM information_schema.columns "
                "WHERE table_schema = %s AND column_name = 'tenant_id' ORDER BY 1",
                (schema,),
            )
        ]


def app_role_problems(catalog_url: str, role: str = "sympraxis_app") -> list[str]:
    """What makes ``role`` able to step around row-level security (empty when confined)."""
    problems: list[str] = []
    with _connect(catalog_url) as conn:
        row = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        if row is None:
            return [f"role {role!r} does not exist"]
        if row[0]:
            problems.append(f"{role} is a superuser")
        if row[1]:
            problems.append(f"{role} has BYPASSRLS")
        if row[2]:
            problems.append(f"{role} may create roles")
        owned = conn.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
               AND pg_has_role(%s, c.relowner, 'USAGE')
             ORDER BY 1
            """,
            (role,),
        ).fetchall()
        if owned:
            problems.append(f"{role} owns (or inherits the owner of) {[r[0] for r in owned]}")
        bypassing = conn.execute(
            """
            SELECT r.rolname FROM pg_roles r
             WHERE r.rolname <> %s AND pg_has_role(%s, r.oid, 'MEMBER') AND (r.rolsuper OR r.rolbypassrls)
            """,
            (role, role),
        ).fetchall()
        if bypassing:
            problems.append(f"{role} is a member of {[r[0] for r in bypassing]}, which bypass RLS")
    return problems


def assert_app_role_confined(catalog_url: str, role: str = "sympraxis_app") -> None:
    """Fail unless the application role is neither superuser, table owner nor BYPASSRLS."""
    problems = app_role_problems(catalog_url, role)
    assert not problems, "; ".join(problems)


# --- the models -------------------------------------------------------------------------------


def _plugin_package(app: Flask, plugin_name: str) -> str:
    from core.plugins import registry

    plugin = registry(app).plugins.get(plugin_name)
    assert plugin is not None, f"plugin {plugin_name!r} is not loaded in this app"
    module = plugin.module
    return module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]


def plugin_tables(app: Flask, plugin_name: str) -> list[sa.Table]:
    """The tables mapped by models defined in the plugin's package."""
    from core.extensions import db

    package = _plugin_package(app, plugin_name)
    tables: dict[str, sa.Table] = {}
    for mapper in db.Model.registry.mappers:
        module = mapper.class_.__module__
        if module == package or module.startswith(package + "."):
            for table in mapper.tables:
                tables[table.name] = table
    return [tables[n] for n in sorted(tables)]


def model_scoping_problems(tables: Iterable[sa.Table]) -> dict[str, list[str]]:
    """For each table with ``tenant_id``: not TenantScoped, tenant_id not in the primary key, or a
    foreign key to another tenant-owned table that does not carry ``tenant_id``."""
    from core.db import TenantScoped
    from core.extensions import db

    scoped_tables = {
        t.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped) for t in m.tables
    }
    problems: dict[str, list[str]] = {}
    for table in tables:
        if "tenant_id" not in table.c:
            continue
        lacks: list[str] = []
        if table.name not in scoped_tables:
            lacks.append("its model does not use TenantScoped")
        if "tenant_id" not in {c.name for c in table.primary_key.columns}:
            lacks.append("tenant_id is not part of the primary key")
        for fk in table.foreign_key_constraints:
            target = fk.referred_table
            if target.name == "tenants" or "tenant_id" not in target.c:
                continue  # the tenant itself, or a global table
            pairs = {(e.parent.name, e.column.name) for e in fk.elements}
            if ("tenant_id", "tenant_id") not in pairs:
                cols = ", ".join(e.parent.name for e in fk.elements)
                lacks.append(f"foreign key ({cols}) to tenant-owned {target.name} lacks tenant_id")
        if lacks:
            problems[table.name] = lacks
    return problems


def assert_models_tenant_scoped(app: Flask, plugin_name: str, *, require_tables: bool = True) -> list[str]:
    """Fail unless every tenant-owned table of the plugin is TenantScoped, keyed and linked by
    ``tenant_id``; return the names of the tables checked."""
    tables = plugin_tables(app, plugin_name)
    if require_tables:
        assert tables, f"no models found in plugin {plugin_name!r}'s package"
    problems = model_scoping_problems(tables)
    assert not problems, f"plugin {plugin_name} has tables that are not tenant-scoped:\n" + "\n".join(
        f"  {t}: {'; '.join(p)}" for t, p in sorted(problems.items())
    )
    return [t.name for t in tables]


def assert_plugin_isolated(
    app: Flask, plugin_name: str, database_urls: dict[str, str], role: str = "sympraxis_app"
) -> list[str]:
    """The data-free checks at once, for a plugin's own test suite::

        def test_isolation(app, sympraxis_database):
            assert_plugin_isolated(app, "myplugin", sympraxis_database)

    Its models are tenant-scoped, each of its tenant-owned tables exists in the migrated database
    with forced RLS and a tenant policy, and the application role cannot step around RLS. Returns
    the plugin's tenant-owned tables; check rows and routes with :func:`assert_table_rls_isolated`
    and :func:`assert_route_isolated`.
    """
    names = assert_models_tenant_scoped(app, plugin_name)
    owned = [t.name for t in plugin_tables(app, plugin_name) if "tenant_id" in t.c]
    protected = set(assert_tenant_tables_have_rls(database_urls["admin"]))
    missing = [t for t in owned if t not in protected]
    assert not missing, f"tables of {plugin_name} missing from the migrated database: {missing}"
    assert_app_role_confined(database_urls["admin"], role)
    assert set(owned) <= set(names)
    return owned


# --- rows, through raw SQL as the application role ----------------------------------------------


def _set_tenant(conn: psycopg.Connection, tenant_id: int | None) -> None:
    conn.execute(
        "SELECT set_config('app.tenant_id', %s, true)", ("" if tenant_id is None else str(tenant_id),)
    )


def assert_table_rls_isolated(app_url: str, admin_url: str, table: str, tenant_a: int, tenant_b: int) -> None:
    """Raw SQL as the app role with tenant A set can neither read, update, delete nor insert rows
    of tenant B in ``table``; with no tenant set it sees nothing. Tenant B must own a row."""
    with _connect(admin_url) as admin:
        row = admin.execute(
            f"SELECT row_to_json(t)::text FROM {table} t WHERE tenant_id = %s LIMIT 1", (tenant_b,)
        ).fetchone()
        assert row is not None, f"tenant {tenant_b} has no row in {table} to test with"
        b_count = admin.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (tenant_b,)).fetchone()[
            0
        ]
    b_row = json.loads(row[0])
    if isinstance(b_row.get("id"), str):
        try:
            uuid.UUID(b_row["id"])
            b_row["id"] = str(uuid.uuid4())  # a fresh key, so only the policy can refuse it
        except ValueError:  # not a UUID: keep the row's own key
            pass
    with _connect(app_url) as conn:
        with conn.transaction(force_rollback=True):
            _set_tenant(conn, None)
            seen = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert seen == 0, f"{table}: {seen} rows visible with no tenant set"
        with conn.transaction(force_rollback=True):
            _set_tenant(conn, tenant_a)
            seen = conn.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (tenant_b,)).fetchone()[
                0
            ]
            assert seen == 0, f"{table}: tenant {tenant_a} read {seen} of tenant {tenant_b}'s rows"
            updated = conn.execute(
                f"UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = %s", (tenant_b,)
            )
            assert updated.rowcount == 0, (
                f"{table}: tenant {tenant_a} updated {updated.rowcount} rows of {tenant_b}"
            )
            deleted = conn.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (tenant_b,))
            assert deleted.rowcount == 0, (
                f"{table}: tenant {tenant_a} deleted {deleted.rowcount} rows of {tenant_b}"
            )
        try:
            with conn.transaction(force_rollback=True):
                _set_tenant(conn, tenant_a)
                conn.execute(
                    f"INSERT INTO {table} SELECT * FROM json_populate_record(NULL::{table}, %s::json)",
                    (json.dumps(b_row),),
                )
        except psycopg.errors.InsufficientPrivilege as exc:
            assert "row-level security" in str(exc), exc
        else:
            raise AssertionError(f"{table}: tenant {tenant_a} inserted a row for tenant {tenant_b}")
    with _connect(admin_url) as admin:
        after = admin.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (tenant_b,)).fetchone()[0]
    assert after == b_count, f"{table}: tenant {tenant_b}'s rows changed from {b_count} to {after}"


# --- routes -----------------------------------------------------------------------------------


def assert_route_isolated(
    owner_client: Any,
    other_client: Any,
    path: str,
    *,
    secret: str | None = None,
    owner_status: int = 200,
) -> None:
    """``path`` names a row of the owner's tenant: it answers ``owner_status`` on the owner's host,
    404 on another tenant's host, and the other host's answer never contains ``secret``."""
    own = owner_client.get(path)
    assert own.status_code == owner_status, (
        f"{path} on its own tenant's host answered {own.status_code}, not {owner_status}"
    )
    if secret is not None:
        assert secret in own.get_data(as_text=True), f"{secret!r} is not on {path} of its own host"
    other = other_client.get(path)
    assert other.status_code == 404, f"{path} on another tenant's host answered {other.status_code}, not 404"
    if secret is not None:
        assert secret not in other.get_data(as_text=True), f"{secret!r} leaked to another tenant's host"


def assert_list_isolated(client: Any, path: str, *, present: Iterable[str], absent: Iterable[str]) -> None:
    """A list page or endpoint shows every string of ``present`` and none of ``absent``."""
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    body = response.get_data(as_text=True)
    for text in present:
        assert text in body, f"{text!r} missing from {path}"
    for text in absent:
        assert text not in body, f"{text!r} (another tenant's) shown on {path}"


__all__ = [
    "app_role_problems",
    "assert_app_role_confined",
    "assert_list_isolated",
    "assert_models_tenant_scoped",
    "assert_plugin_isolated",
    "assert_route_isolated",
    "assert_table_rls_isolated",
    "assert_tenant_tables_have_rls",
    "model_scoping_problems",
    "plugin_tables",
    "tenant_tables_rls_problems",
]
