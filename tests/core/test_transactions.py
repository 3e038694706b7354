"""How a request's transaction starts and ends on PostgreSQL (core.db).

It starts with the tenant setting and the enabled plugins in one query (after psycopg's BEGIN);
a request that only read ends with COMMIT, so psycopg keeps its prepared statements; anything
that may have written is still rolled back, and nothing uncommitted survives.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.db import end_read_only_transaction, tenant_context
from core.extensions import db


def _prepared_statements(app) -> set[str]:
    with app.app_context(), db.engine.connect() as conn:
        return set(conn.exec_driver_sql("SELECT name FROM pg_prepared_statements").scalars())


def _one_connection_app(make_app):
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})


def test_read_only_requests_keep_prepared_statements(make_app, pair, client_for):
    one = _one_connection_app(make_app)
    a, _b, titles, _ids = pair
    one.test_client_class = type(client_for("x"))
    client = one.test_client()
    client.host = f"{a.slug}.localhost"
    for _ in range(8):  # psycopg prepares a query from its fifth execution on
        response = client.get("/api/v1/testplugin/notes")
        assert response.status_code == 200
        assert [n["title"] for n in response.json] == [titles[a.id]]
    names = _prepared_statements(one)
    assert any(n.startswith("_pg3_") for n in names), names  # psycopg's, kept across requests


def test_each_transaction_after_a_rollback_has_its_own_tenant(make_app, pair):
    """A rolled-back transaction makes psycopg send DEALLOCATE ALL: the next ones, on the same
    connection, still start with their own tenant's setting."""
    from sympraxis_testplugin.models import Note

    one = _one_connection_app(make_app)
    a, b, titles, _ids = pair
    with one.app_context():
        with tenant_context(a.id):
            for _ in range(6):  # psycopg prepares this one
                assert db.session.execute(sa.select(Note.title)).scalars().all() == [titles[a.id]]
        db.session.rollback()  # ROLLBACK, then psycopg's DEALLOCATE ALL
        for t in (b, a):
            with tenant_context(t.id):
                assert db.session.execute(sa.select(Note.title)).scalars().all() == [titles[t.id]]
            db.session.rollback()


def test_uncommitted_writes_are_rolled_back_not_committed(app_ctx, pair):
    from sympraxis_testplugin.models import Note

    a, *_ = pair
    writes = {
        "orm flush": lambda: (db.session.add(Note(title="flushed")), db.session.flush()),
        "bulk insert": lambda: db.session.execute(
            sa.insert(Note).values(tenant_id=a.id, title="inserted", body="")
        ),
        "driver sql": lambda: db.session.connection().exec_driver_sql(
            "UPDATE testplugin_notes SET title = 'updated'"
        ),
        "pending change": lambda: db.session.add(Note(title="pending")),
    }
    for kind, write in writes.items():
        with tenant_context(a.id):
            write()
            end_read_only_transaction(db.session())
            assert db.session().in_transaction(), f"{kind}: committed"
        db.session.rollback()
        with tenant_context(a.id):
            titles = db.session.execute(sa.select(Note.title)).scalars().all()
        db.session.rollback()
        assert not {"flushed", "inserted", "updated", "pending"} & set(titles), kind


def test_a_transaction_that_only_read_is_committed(app_ctx, pair):
    from sympraxis_testplugin.models import Note

    a, _b, titles, _ids = pair
    with tenant_context(a.id):
        assert db.session.execute(sa.select(Note.title)).scalars().all() == [titles[a.id]]
        end_read_only_transaction(db.session())
        assert not db.session().in_transaction()


def test_several_prefetches_each_get_their_rows(app, pair):
    """Two reads registered to ride with the transaction's start both receive their rows."""
    from core.fastpaths import transaction_start
    from core.plugins import enabled_plugins

    a, _b, _titles, _ids = pair
    seen: list[list[tuple]] = []
    transaction_start.register(
        "test_note_count",
        "SELECT count(*) FROM testplugin_notes WHERE tenant_id = $1",
        lambda tenant_id: seen.append,
    )
    try:
        with app.test_request_context(headers={"Host": f"{a.slug}.localhost"}):
            app.preprocess_request()  # resolves the host: the tenant is active
            db.session.rollback()  # the host lookup's own transaction (the cache was cold)
            db.session.connection()  # begins with the tenant active: both prefetches run
            assert seen == [[("1",)]]
            from flask import g

            assert "testplugin" in g._enabled_plugins[a.id] == enabled_plugins(g.tenant)
            db.session.rollback()
    finally:
        transaction_start.unregister("test_note_count")
