"""Switches for ``benchmarks/fastpaths.py``: each puts one fast path of the platform off (or in
another form), in the server process, before the application is built.

``apply("dump,begin")`` applies those variants; ``fastpaths_app.py`` calls it with
``$BENCH_FASTPATH_VARIANTS`` and then imports ``wsgi``. A variant changes nothing but the one
path it names; the benchmark checks that every server answers the same JSON.
"""

from __future__ import annotations

from collections.abc import Callable


def _dump_off() -> None:
    """marshmallow's own ``Schema.dump`` for every API response (no compiled dumps)."""
    import core.dump

    core.dump.use_compiled_dump = lambda schema: None  # before any blueprint module is imported


def _begin_off() -> None:
    """The public path: the tenant setting by ``exec_driver_sql`` after psycopg's own BEGIN, the
    enabled plugins by their ORM query (two more round trips per request)."""
    import core.db
    import core.plugins  # noqa: F401 - registers the prefetch, which the off path never runs

    core.db._can_begin_itself = lambda raw: False


def _begin_cursor() -> None:
    """psycopg's own BEGIN, then the tenant setting and the enabled plugins in one multi-statement
    query through psycopg's cursor (public API: ``execute``, ``nextset``), not prepared."""
    import core.db
    import core.plugins  # noqa: F401

    def set_tenant(session, transaction, connection):  # noqa: ANN001
        connection.info["sympraxis_wrote"] = False
        if connection.dialect.name != "postgresql":
            return
        tenant_id = core.db._active_tenant_id.get()
        if tenant_id is None:
            return
        consumers = []
        for sql, wanted in core.db._begin_prefetchers.values():
            consume = wanted(tenant_id)
            if consume is not None:
                consumers.append((sql, consume))
        if not consumers:
            core.db._write_rls_settings(connection)
            return
        core.db._run_statements_with_cursor(connection.connection.driver_connection, tenant_id, consumers)

    _replace_session_listener("after_begin", core.db._set_tenant_on_begin, set_tenant)


def _commit_session() -> None:
    """A request that only read ends with the public ``session.commit()``, not the driver's COMMIT
    (the same tests decide whether it only read)."""
    import core.app
    import core.db as d

    def end(session):  # noqa: ANN001
        transaction = session.get_transaction()
        if transaction is None or not transaction.is_active or session.in_nested_transaction():
            return
        if session.new or session.dirty or session.deleted or d.has_pending_after_commit(session):
            return
        connections = d._transaction_connections(session) or [session.connection()]
        if any(c.dialect.name != "postgresql" or c.info.get("sympraxis_wrote", True) for c in connections):
            return
        session.commit()

    core.app.end_read_only_transaction = end


def _commit_off() -> None:
    """No COMMIT for a request that only read: the teardown's rollback ends it (and psycopg then
    forgets its prepared statements, and the platform's with them)."""
    import core.app

    core.app.end_read_only_transaction = lambda session: None


def _login_off() -> None:
    """Flask-Login's own after-request remember-cookie refresh, unpatched."""
    import core.app

    core.app._skip_remember_cookie_refresh_without_session = lambda app: None


def _ensure_sync_off() -> None:
    """Flask's own ``ensure_sync`` (asks ``inspect.iscoroutinefunction`` every time)."""
    from flask import Flask

    import core.app

    core.app.SympraxisFlask.ensure_sync = Flask.ensure_sync


def _replace_session_listener(name: str, old: Callable, new: Callable) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    event.remove(Session, name, old)
    event.listen(Session, name, new)


VARIANTS: dict[str, Callable[[], None]] = {
    "dump-off": _dump_off,
    "begin-off": _begin_off,
    "begin-cursor": _begin_cursor,
    "commit-session": _commit_session,
    "commit-off": _commit_off,
    "login-off": _login_off,
    "ensure-sync-off": _ensure_sync_off,
}


def apply(names: str) -> None:
    for name in filter(None, (n.strip() for n in names.split(","))):
        VARIANTS[name]()
