"""Switches for ``benchmarks/fastpaths.py``: each changes one path of the platform, in the server
process, before the application is built.

``apply("begin-off")`` applies the named variants (comma-separated); ``fastpaths_app.py`` calls
it with ``$BENCH_FASTPATH_VARIANTS`` and then imports ``wsgi``. The benchmark checks that every
server answers the same JSON.

The fast paths removed after their comparison (compiled dumps, the raw libpq transaction start,
the driver-level COMMIT, the Flask-Login patch, the ``ensure_sync`` cache) were measured with this
script as it was at commit 064ba71, against the code of that commit (``benchmarks/README.md``).
"""

from __future__ import annotations

from collections.abc import Callable


def _begin_off() -> None:
    """No read rides with the tenant setting: the setting alone by ``exec_driver_sql``, the enabled
    plugins by their ORM query (core.fastpaths.transaction_start off)."""
    import core.plugins  # noqa: F401 - registers the read first
    from core.fastpaths import transaction_start

    transaction_start._reads.clear()


def _commit_off() -> None:
    """A request that only read ends with the teardown's ROLLBACK, not ``session.commit()`` (and
    psycopg then forgets the statements it had prepared)."""
    import core.lifecycle

    core.lifecycle._end_read_only_transaction = lambda: None


def _listeners_global() -> None:
    """The platform's listeners on SQLAlchemy's classes (every session and engine of the process),
    as before they were scoped to the platform's own."""
    import sqlalchemy as sa
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import core.accounts.personal_data as personal_data
    import core.app
    import core.db as d
    import core.outbox as outbox
    import core.replica

    session_listeners = [
        ("after_begin", d._set_tenant_on_begin),
        ("do_orm_execute", d._scope_orm_statements),
        ("before_flush", d._stamp_tenant_on_flush),
        ("after_commit", d._after_commit_due),
        ("after_soft_rollback", d._after_rollback_drop),
        ("before_commit", outbox._write_pending),
        ("after_commit", outbox._dispatch_after_commit),
        ("after_flush", personal_data._note_personal_data),
    ]
    for name, fn in session_listeners:
        event.remove(d.SympraxisSession, name, fn)
        event.listen(Session, name, fn)
    event.listen(sa.engine.Engine, "before_cursor_execute", d._note_writes)
    event.listen(sa.pool.Pool, "checkout", d._discard_dead_connection)
    for module in (d, core.app, core.replica):
        module.instrument_engine = lambda engine: engine


VARIANTS: dict[str, Callable[[], None]] = {
    "begin-off": _begin_off,
    "commit-off": _commit_off,
    "listeners-global": _listeners_global,
}

#: The groups of benchmarks/fastpaths.py: what is compared -> the variants served against "on"
#: (a variant may combine several, comma-separated).
GROUPS: dict[str, tuple[str, ...]] = {
    "transaction-start": ("begin-off",),
    "read-only-commit": ("commit-off",),
    "listeners": ("listeners-global",),
}


def apply(names: str) -> None:
    for name in filter(None, (n.strip() for n in names.split(","))):
        VARIANTS[name]()
