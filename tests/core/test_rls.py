"""The second wall: PostgreSQL row-level security for the non-owner application role (issue 3 a, b, e).

Everything here talks to PostgreSQL directly: the catalog through the admin URL, rows through the
application role's URL, exactly as the platform connects.
"""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.testing.isolation import (
    app_role_problems,
    assert_app_role_confined,
    assert_table_rls_isolated,
    assert_tenant_tables_have_rls,
    tenant_tables_rls_problems,
)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _add_note(app, tenant, title: str) -> str:
    from sympraxis_testplugin.models import Note, NoteTag

    with app.app_context(), tenant_context(tenant.id):
        note = Note(title=title)
        db.session.add(note)
        db.session.flush()
        db.session.add(NoteTag(note_id=note.id, label=f"tag of {title}"))
        db.session.commit()
        note_id = str(note.id)
        db.session.remove()
    return note_id


@pytest.fixture
def two_tenants_with_notes(app, tenant_factory):
    a = tenant_factory(plugins=["testplugin"])
    b = tenant_factory(plugins=["testplugin"])
    _add_note(app, a, "note of A")
    _add_note(app, b, "note of B")
    return a, b


# --- (a) the catalog ----------------------------------------------------------------------------


def test_every_tenant_table_has_forced_rls_and_policy(app, sympraxis_database):
    tables = assert_tenant_tables_have_rls(sympraxis_database["admin"])
    # the check really covered the core's and the test plugin's tenant-owned tables
    for expected in ("tenant_domains", "tenant_plugins", "memberships", "affiliations", "testplugin_notes"):
        assert expected in tables


def test_catalog_check_fails_on_a_table_without_forced_rls(app, sympraxis_database):
    """The catalog check is not vacuous: a tenant table without forced RLS, or with a lax policy,
    is reported."""
    admin = _libpq(sympraxis_database["admin"])
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE TABLE zz_unprotected (tenant_id bigint, id int, PRIMARY KEY (tenant_id, id))")
        conn.execute("CREATE TABLE zz_not_forced (tenant_id bigint PRIMARY KEY)")
        conn.execute("ALTER TABLE zz_not_forced ENABLE ROW LEVEL SECURITY")
        conn.execute(
            "CREATE POLICY tenant_isolation ON zz_not_forced USING "
            "(tenant_id = current_setting('app.tenant_id', true)::bigint)"
        )
        conn.execute("CREATE TABLE zz_lax (tenant_id bigint PRIMARY KEY)")
        conn.execute("ALTER TABLE zz_lax ENABLE ROW LEVEL SECURITY")
        conn.execute("ALTER TABLE zz_lax FORCE ROW LEVEL SECURITY")
        conn.execute(
            "CREATE POLICY tenant_isolation ON zz_lax USING "
            "(tenant_id = current_setting('app.tenant_id', true)::bigint)"
        )
        conn.execute("CREATE POLICY everyone_writes ON zz_lax FOR UPDATE USING (true)")
        # item 16: a read-everything policy switched on by a setting the app role can set itself
        conn.execute("CREATE TABLE zz_settable (tenant_id bigint PRIMARY KEY)")
        conn.execute("ALTER TABLE zz_settable ENABLE ROW LEVEL SECURITY")
        conn.execute("ALTER TABLE zz_settable FORCE ROW LEVEL SECURITY")
        conn.execute(
            "CREATE POLICY tenant_isolation ON zz_settable USING "
            "(tenant_id = current_setting('app.tenant_id', true)::bigint)"
        )
        conn.execute(
            "CREATE POLICY cross_tenant_read ON zz_settable FOR SELECT "
            "USING (current_setting('app.cross_tenant_read', true) = 'on')"
        )
    try:
        problems = tenant_tables_rls_problems(admin)
        assert problems["zz_unprotected"] == [
            "row-level security is not enabled",
            "row-level security is not forced",
            "no policy for all commands checking app.tenant_id in USING and WITH CHECK",
        ]
        assert problems["zz_not_forced"] == ["row-level security is not forced"]
        assert problems["zz_lax"] == ["policy 'everyone_writes' (w) admits rows without app.tenant_id"]
        assert problems["zz_settable"] == [
            "policy 'cross_tenant_read' admits rows on a setting the application role can set"
        ]
        with pytest.raises(AssertionError, match="zz_unprotected"):
            assert_tenant_tables_have_rls(admin)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP TABLE zz_unprotected, zz_not_forced, zz_lax, zz_settable")


# --- (b) the application role -------------------------------------------------------------------


def test_app_role_is_not_superuser_owner_or_bypassrls(app, sympraxis_database):
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://sympraxis_app:")
    assert_app_role_confined(sympraxis_database["admin"], "sympraxis_app")
    with app.app_context():
        row = db.session.execute(
            sa.text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        db.session.rollback()
    assert tuple(row) == ("sympraxis_app", False, False)


def test_role_check_reports_the_owner(app, sympraxis_database):
    """The role check is not vacuous: the owner role owns every table, and is reported."""
    problems = app_role_problems(sympraxis_database["admin"], "sympraxis_owner")
    assert any("owns" in p and "testplugin_notes" in p for p in problems)


# --- (e) raw SQL as the application role --------------------------------------------------------


@pytest.mark.parametrize(
    "table", ["testplugin_notes", "testplugin_note_tags", "tenant_plugins", "tenant_domains"]
)
def test_raw_sql_with_tenant_a_cannot_touch_b(app, sympraxis_database, two_tenants_with_notes, table):
    a, b = two_tenants_with_notes
    if table == "tenant_domains":
        # host names are public (public_read policy): readable, but never writable across tenants
        _assert_domains_read_only_across(sympraxis_database, a, b)
        return
    assert_table_rls_isolated(sympraxis_database["app"], sympraxis_database["admin"], table, a.id, b.id)


def _assert_domains_read_only_across(urls, a, b):
    with psycopg.connect(_libpq(urls["app"])) as conn:
        with conn.transaction(force_rollback=True):
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(a.id),))
            assert (
                conn.execute(
                    "UPDATE tenant_domains SET is_primary = false WHERE tenant_id = %s", (b.id,)
                ).rowcount
                == 0
            )
            assert conn.execute("DELETE FROM tenant_domains WHERE tenant_id = %s", (b.id,)).rowcount == 0
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
            conn.transaction(),
        ):
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(a.id),))
            conn.execute(
                "INSERT INTO tenant_domains (tenant_id, id, host, kind, is_primary, created_at) "
                "VALUES (%s, gen_random_uuid(), 'stolen.example', 'custom', false, now())",
                (b.id,),
            )


def test_raw_sql_with_tenant_a_sees_only_a(app, sympraxis_database, two_tenants_with_notes):
    a, b = two_tenants_with_notes
    with psycopg.connect(_libpq(sympraxis_database["app"])) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(a.id),))
        rows = conn.execute("SELECT DISTINCT tenant_id FROM testplugin_notes").fetchall()
        assert rows == [(a.id,)]
        # an update of one's own rows works (the walls do not block legitimate writes) ...
        assert (
            conn.execute("UPDATE testplugin_notes SET body = 'x' WHERE tenant_id = %s", (a.id,)).rowcount == 1
        )
        # ... but moving a row to another tenant is refused by WITH CHECK
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("UPDATE testplugin_notes SET tenant_id = %s WHERE tenant_id = %s", (b.id, a.id))
        conn.rollback()


def test_tenant_setting_is_per_transaction(app, sympraxis_database, two_tenants_with_notes):
    """set_config(..., true) ends with the transaction: the next one on the same connection sees nothing."""
    a, _b = two_tenants_with_notes
    with psycopg.connect(_libpq(sympraxis_database["app"])) as conn:
        with conn.transaction():
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(a.id),))
            assert conn.execute("SELECT count(*) FROM testplugin_notes").fetchone()[0] == 1
        with conn.transaction():
            assert conn.execute("SELECT count(*) FROM testplugin_notes").fetchone()[0] == 0


def test_all_tenants_opt_in_still_meets_rls(app_ctx, two_tenants_with_notes):
    """On PostgreSQL the ORM opt-in alone reads nothing: only a reviewed cross_tenant_read window
    (SELECT only) admits other tenants' rows."""
    from sympraxis_testplugin.models import Note

    a, b = two_tenants_with_notes
    stmt = (
        sa.select(Note.tenant_id).where(Note.tenant_id.in_([a.id, b.id])).execution_options(all_tenants=True)
    )
    assert db.session.execute(stmt).all() == []
    db.session.rollback()
    with cross_tenant_read():
        assert sorted(r[0] for r in db.session.execute(stmt)) == sorted([a.id, b.id])
    db.session.rollback()
    with tenant_context(a), cross_tenant_read():
        # the window reads, it never writes
        result = db.session.execute(
            sa.update(Note)
            .where(Note.tenant_id == b.id)
            .values(body="hijacked")
            .execution_options(all_tenants=True)
        )
        assert result.rowcount == 0
    db.session.rollback()


def test_raw_sql_check_fails_for_a_role_that_bypasses_rls(app, sympraxis_database, two_tenants_with_notes):
    """The raw-SQL check is not vacuous: run as the superuser (who bypasses RLS) it fails."""
    a, b = two_tenants_with_notes
    with pytest.raises(AssertionError, match="visible with no tenant set"):
        assert_table_rls_isolated(
            sympraxis_database["admin"], sympraxis_database["admin"], "testplugin_notes", a.id, b.id
        )


# --- (f) the cross-tenant read is not the application role's to switch on (issue 10 item 16) ----


def _visible_tenants(conn, tenant_id) -> list[int]:
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
    return sorted(r[0] for r in conn.execute("SELECT DISTINCT tenant_id FROM testplugin_notes"))


@pytest.mark.parametrize(
    "trick",
    [
        "SELECT set_config('app.cross_tenant_read', 'on', true)",
        "SELECT set_config('app.cross_tenant_read', 'on', false)",
        "SET app.cross_tenant_read = 'on'",
        "SET ROLE sympraxis_reader",
        "SELECT set_config('role', 'sympraxis_reader', true)",
        "SET SESSION AUTHORIZATION sympraxis_reader",
        "INSERT INTO core_cross_tenant_readers (role_name) VALUES ('sympraxis_app')",
        "UPDATE core_cross_tenant_readers SET role_name = 'sympraxis_app'",
        "DELETE FROM core_cross_tenant_readers",
        "CREATE FUNCTION zz_widen() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'",
        "ALTER POLICY cross_tenant_read ON testplugin_notes USING (true)",
        "ALTER TABLE testplugin_notes NO FORCE ROW LEVEL SECURITY",
    ],
)
def test_app_role_cannot_widen_its_own_reads(app, sympraxis_database, two_tenants_with_notes, trick):
    """Issue 10 item 16: the cross-tenant read was a transaction setting the application role
    could set itself (`set_config('app.cross_tenant_read', 'on', true)`), so one SQL injection
    read every municipality. Connected as the application role, no setting, role switch, write to
    the list of readers or DDL widens its reads: it sees its tenant's rows only."""
    a, _b = two_tenants_with_notes
    with psycopg.connect(_libpq(sympraxis_database["app"])) as conn:
        try:
            with conn.transaction():
                conn.execute(trick)
                assert _visible_tenants(conn, a.id) == [a.id]
        except psycopg.errors.InsufficientPrivilege:
            pass  # refused outright
        with conn.transaction():  # and nothing of it outlives the attempt
            assert _visible_tenants(conn, a.id) == [a.id]


def test_the_reader_role_reads_across_tenants_and_writes_nothing(
    app, sympraxis_database, two_tenants_with_notes
):
    """The other side of item 16: the reader's connection (cross_tenant_read() only) sees every
    tenant's rows and can change none."""
    a, b = two_tenants_with_notes
    with psycopg.connect(_libpq(sympraxis_database["reader"])) as conn:
        seen = {r[0] for r in conn.execute("SELECT DISTINCT tenant_id FROM testplugin_notes")}
        assert {a.id, b.id} <= seen
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE testplugin_notes SET body = 'x' WHERE tenant_id = %s", (b.id,))
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO core_cross_tenant_readers (role_name) VALUES ('sympraxis_app')")
        conn.rollback()
