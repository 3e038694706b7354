"""The fast paths of core.fastpaths, and the dependency behaviour each relies on.

Each "relies on" test states one fact about SQLAlchemy or psycopg that a fast path's docstring
names: an upgrade that changes it fails here, not in a request.
"""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.fastpaths import transaction_start


@pytest.fixture
def app_url(sympraxis_database) -> str:
    return sympraxis_database["app"]


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


# --- transaction_start: what it relies on -------------------------------------------------------


def test_relies_on_after_begin_firing_once_before_the_opening_statement(app_url):
    """SQLAlchemy calls after_begin as the transaction opens on a connection, before the statement
    that opened it is sent (nothing sent yet: libpq idle), once per transaction; the DB-API
    connection is ``driver_connection``, a psycopg connection."""
    engine = sa.create_engine(app_url, poolclass=sa.pool.NullPool)
    seen: list[tuple[str, object]] = []

    class Probe(Session):
        pass

    @event.listens_for(Probe, "after_begin")
    def began(session, transaction, connection):
        raw = connection.connection.driver_connection
        seen.append(("begin", type(raw), raw.info.transaction_status))

    @event.listens_for(engine, "before_cursor_execute")
    def statement(conn, cursor, sql, params, context, many):
        seen.append(("statement", sql))

    with Probe(engine) as session:
        session.execute(sa.text("SELECT 1"))
        session.execute(sa.text("SELECT 2"))
        session.rollback()
        session.execute(sa.text("SELECT 3"))
        session.rollback()
    engine.dispose()
    assert seen == [
        ("begin", psycopg.Connection, pq.TransactionStatus.IDLE),
        ("statement", "SELECT 1"),
        ("statement", "SELECT 2"),
        ("begin", psycopg.Connection, pq.TransactionStatus.IDLE),
        ("statement", "SELECT 3"),
    ]


def test_relies_on_psycopg_beginning_before_a_multi_statement_query(app_url):
    """Outside autocommit psycopg sends BEGIN first: a transaction-local setting written by the
    query lasts for the rest of the transaction, and only for it."""
    with psycopg.connect(_libpq_url(app_url)) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('app.tenant_id', '42', true); SELECT 7", prepare=False)
            assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
            cur.execute("SELECT current_setting('app.tenant_id', true)")
            assert cur.fetchone() == ("42",)
        conn.rollback()
        assert conn.execute("SELECT current_setting('app.tenant_id', true)").fetchone()[0] in ("", None)


def test_relies_on_the_simple_protocol_for_parameterless_queries(app_url):
    """``prepare=False`` and no parameters: the statements go in one simple-protocol message (a
    prepared statement cannot hold two), however often it runs, each result through nextset()."""
    with psycopg.connect(_libpq_url(app_url)) as conn:
        assert conn.prepare_threshold is not None  # psycopg would prepare a repeated query...
        for _ in range(conn.prepare_threshold + 3):  # ...but never this one
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT 'a'; SELECT 1 UNION ALL SELECT NULL; SELECT 'c' WHERE false", prepare=False
                )
                assert cur.fetchall() == [("a",)]
                assert cur.nextset()
                assert cur.fetchall() == [(1,), (None,)]
                assert cur.nextset()
                assert cur.fetchall() == []
                assert not cur.nextset()
            conn.rollback()


# --- transaction_start: what it does ----------------------------------------------------------


def _statements_through_sqlalchemy(app, client, path: str, host: str) -> list[str]:
    from core.extensions import db

    sent: list[str] = []

    def note(conn, cursor, sql, params, context, many):
        sent.append(sql)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(path, headers={"Host": host}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return sent


def test_the_enabled_plugins_ride_with_the_tenant_setting(app, pair, monkeypatch):
    """GET /api/v1/tenant with the host cached: the tenant setting and the enabled plugins in the
    transaction's one query (nothing through SQLAlchemy); without the registered read, the
    setting and the plugins' ORM query are two statements more."""
    a, _b, _titles, _ids = pair
    client = app.test_client()
    host = f"{a.slug}.localhost"
    assert client.get("/api/v1/tenant", headers={"Host": host}).json["plugins"]  # the cache warms
    with_read = _statements_through_sqlalchemy(app, client, "/api/v1/tenant", host)
    assert with_read == []
    monkeypatch.setattr(transaction_start, "_reads", {})
    without = _statements_through_sqlalchemy(app, client, "/api/v1/tenant", host)
    assert any("set_config" in s for s in without) and any("tenant_plugins" in s for s in without), without
    assert client.get("/api/v1/tenant", headers={"Host": host}).json["plugins"] == ["testplugin"]


def test_an_outage_while_the_transaction_starts_is_a_503(app, pair, monkeypatch):
    """The server gone as the opening query runs: the platform answers 503, not 500."""
    a, *_ = pair
    client = app.test_client()
    host = f"{a.slug}.localhost"
    assert client.get("/api/v1/tenant", headers={"Host": host}).status_code == 200  # the host cached
    execute = psycopg.Cursor.execute

    def lost(cursor, query, *args, **kwargs):
        if "set_config" in str(query) and ";" in str(query):
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", lost)
    response = client.get("/api/v1/tenant", headers={"Host": host})
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert client.get("/api/v1/tenant", headers={"Host": host}).status_code == 200
