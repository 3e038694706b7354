"""The two tenancy walls (DESIGN §3).

First wall, the ORM: every model that mixes in :class:`TenantScoped` is filtered by the active
tenant on every ORM statement, stamped and checked on flush, and a statement that touches such a
model with no tenant active raises :class:`TenantNotActive`, unless it opts in explicitly with
``execution_options(all_tenants=True)``.

Second wall, PostgreSQL row-level security: at the start of every transaction the active tenant is
written with ``set_config('app.tenant_id', …, true)`` (transaction-local, never per connection),
and the forced policies created by :func:`enable_tenant_rls` do the rest for the application role.
Reads across tenants (:func:`cross_tenant_read`) go to another connection, as a reader role listed
in ``core_cross_tenant_readers``: nothing the application role can run widens its own reads.
"""

from __future__ import annotations

import contextlib
import contextvars
import select
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors

try:  # the session class of Flask-SQLAlchemy, which core.extensions builds on
    from flask_sqlalchemy.session import Session as _FlaskSession
except ImportError:  # pragma: no cover
    _FlaskSession = Session

from core.fastpaths import transaction_start
from core.ids import uuid7


class TenantNotActive(RuntimeError):
    """A tenant-owned model was touched while no tenant was active."""


class CrossTenantWrite(RuntimeError):
    """A row of one tenant was about to be written while another tenant was active."""


#: The id of the active tenant, or None. A ContextVar so that requests, CLI commands and jobs
#: (threads or not) each have their own.
_active_tenant_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "sympraxis_active_tenant_id", default=None
)
#: Set only inside :func:`cross_tenant_read`, the reviewed places that read across tenants.
_cross_tenant_read: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sympraxis_cross_tenant_read", default=False
)


def active_tenant_id() -> int | None:
    return _active_tenant_id.get()


class TenantScoped:
    """Mixin for every tenant-owned model: primary key ``(tenant_id, id)``.

    ``tenant_id`` leads the key, so that every foreign key between tenant-owned tables can carry it
    (a row cannot point across tenants) and the schema can be distributed by ``tenant_id``.
    """

    __tenant_scoped__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            sa.ForeignKey("tenants.id", ondelete="RESTRICT"), primary_key=True, sort_order=-100
        )

    @declared_attr
    def id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(sa.Uuid, primary_key=True, default=uuid7, sort_order=-99)


def tenant_foreign_key(
    columns: str | list[str], target_table: str, target_columns: str | list[str] = "id", **kw: Any
) -> sa.ForeignKeyConstraint:
    """A foreign key between two tenant-owned tables, ``tenant_id`` included.

    ``tenant_foreign_key("consultation_id", "hearings_consultations")`` references
    ``hearings_consultations(tenant_id, id)``.
    """
    columns = [columns] if isinstance(columns, str) else list(columns)
    targets = [target_columns] if isinstance(target_columns, str) else list(target_columns)
    return sa.ForeignKeyConstraint(
        ["tenant_id", *columns],
        [f"{target_table}.tenant_id", *(f"{target_table}.{c}" for c in targets)],
        **kw,
    )


@contextlib.contextmanager
def tenant_context(tenant: Any) -> Iterator[None]:
    """Run a block as one tenant: ``with tenant_context(t):`` in CLI commands, jobs and webhooks.

    Accepts a tenant object (anything with ``.id``) or an id. If a transaction is already open on
    the session, the RLS setting is written into it at once.
    """
    from core.extensions import db

    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    token = _active_tenant_id.set(tenant_id)
    try:
        _sync_rls_setting(db.session())
        yield
    finally:
        _active_tenant_id.reset(token)
        _sync_rls_setting(db.session())


def activate_tenant(tenant_id: int | None) -> contextvars.Token:
    """Make ``tenant_id`` active for the rest of the request; undo with :func:`deactivate_tenant`."""
    from core.extensions import db

    token = _active_tenant_id.set(tenant_id)
    _sync_rls_setting(db.session())
    return token


def deactivate_tenant(token: contextvars.Token) -> None:
    _active_tenant_id.reset(token)


@contextlib.contextmanager
def cross_tenant_read() -> Iterator[None]:
    """Open a reviewed window in which reads (never writes) may span tenants.

    Used by the NGO dashboard, ``/api/v1/me``, personal-data export and operator reports. ORM
    statements inside still need ``execution_options(all_tenants=True)``. On PostgreSQL the
    window's reads run on the cross-tenant reader's connection (``CROSS_TENANT_READ_DATABASE_URI``,
    a role with SELECT only, listed in ``core_cross_tenant_readers``), whose ``cross_tenant_read``
    policy admits the rows; writes and flushes stay on the application role's connection. The
    application role has no setting, role or function that does the same (issue 10 item 16): an
    SQL injection in a request cannot widen what it reads. The reader sees committed rows only.
    """
    token = _cross_tenant_read.set(True)
    try:
        yield
    finally:
        _cross_tenant_read.reset(token)


def _sync_rls_setting(session: Session) -> None:
    if not session.in_transaction():
        return
    transaction = session.get_transaction()
    if transaction is not None and not transaction.is_active:
        # a failed flush left the transaction to be rolled back: writing into it would raise
        # PendingRollbackError and hide the error that is on its way out of tenant_context
        return
    connections = _transaction_connections(session) or [session.connection()]
    for connection in connections:  # the primary's and, in a request reading from it, the replica's
        if connection.dialect.name == "postgresql":
            _write_rls_settings(connection)


def _transaction_connections(session: Session) -> list[sa.Connection]:
    """The connections the session's transaction has open (the primary's and a read replica's)."""
    transaction = session.get_transaction()
    if transaction is None:
        return []
    return list(dict.fromkeys(conn for conn, *_rest in transaction._connections.values()))


#: The transaction-local setting the RLS policies read, with a placeholder for its value.
_SETTINGS_SQL = "SELECT set_config('app.tenant_id', {tenant}, true)"


def _setting_value() -> str:
    tenant_id = _active_tenant_id.get()
    return "" if tenant_id is None else str(int(tenant_id))


def _write_rls_settings(connection: sa.Connection) -> None:
    connection.exec_driver_sql(_SETTINGS_SQL.format(tenant="%(t)s"), {"t": _setting_value()})


def _is_tenant_scoped(mapper: Any) -> bool:
    return bool(getattr(mapper.class_, "__tenant_scoped__", False))


def _set_tenant_on_begin(session: Session, transaction: Any, connection: sa.Connection) -> None:
    """Second wall: every transaction on PostgreSQL starts with the active tenant written into it.

    With a tenant active, the setting is the transaction's first statement, with the reads
    registered in :mod:`core.fastpaths.transaction_start` that are wanted now (the request's
    enabled plugins). With none (the apex, jobs outside a municipality), nothing is sent: the
    setting is transaction-local, so a new transaction starts without it.
    """
    connection.info["sympraxis_wrote"] = False
    if connection.dialect.name != "postgresql":
        return
    tenant_id = _active_tenant_id.get()
    if tenant_id is None:
        return
    if not transaction_start.start(connection, tenant_id):
        _write_rls_settings(connection)


try:  # PostgreSQL only; SQLite installs need not have psycopg
    from psycopg import pq as _pq
except ImportError:  # pragma: no cover
    _pq = None


def _connection_is_dead(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection has lost its server, without a round trip.

    An idle connection has nothing to read; a server that stopped or restarted has sent its
    goodbye and closed the socket, so the socket is readable. Reading until it is not tells: the
    EOF after the goodbye raises. A stray notice or parameter status leaves it good.
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return False
    if dbapi_connection.closed or pgconn.status != _pq.ConnStatus.OK:
        return True
    if pgconn.transaction_status != _pq.TransactionStatus.IDLE:
        return False
    try:
        for _attempt in range(3):  # the goodbye message, then the EOF: two reads
            readable, _w, _x = select.select([pgconn.socket], [], [], 0)
            if not readable:
                break
            pgconn.consume_input()
    except Exception:  # noqa: BLE001 - EOF, reset, a closed socket: all mean gone
        return True
    return pgconn.status != _pq.ConnStatus.OK


def _discard_dead_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Issue 10 item 18: a pooled connection whose server restarted is replaced at checkout.

    SQLAlchemy's ``pool_pre_ping`` would cost a round trip per checkout, and its ``SELECT 1``
    opens a transaction behind the back of the one-round-trip start below; this check costs a
    ``select()`` on the socket. Raising DisconnectionError makes the pool connect anew.
    """
    if _pq is not None and _connection_is_dead(dbapi_connection):
        raise sa.exc.DisconnectionError("the database server closed this connection")


# --- ending a request's transaction -------------------------------------------------------------

_READ_PREFIXES = ("SELECT", "SHOW")


def _note_writes(
    conn: sa.Connection, cursor: Any, statement: str, params: Any, context: Any, many: bool
) -> None:
    """Remember whether the connection's transaction ran anything but plain reads."""
    if many or not statement.lstrip()[:6].upper().startswith(_READ_PREFIXES):
        conn.info["sympraxis_wrote"] = True


def end_read_only_transaction(session: Session) -> None:
    """Commit, rather than roll back, a request transaction on PostgreSQL that only read.

    The two are the same to the database; but psycopg forgets its prepared statements on every
    ROLLBACK, and a request that ends with one makes every query of the next request be parsed
    and planned again. Anything that may have written (a flush, pending changes, any statement
    but a SELECT) is left to the usual rollback. A SELECT calling a function that writes would be
    committed: the platform has none, and plugins must not rely on such writes being undone.
    """
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active or session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted or has_pending_after_commit(session):
        return  # (jobs or mail queued: the teardown commits, see commit_pending_side_effects)
    connections = _transaction_connections(session) or [session.connection()]
    if any(c.dialect.name != "postgresql" or c.info.get("sympraxis_wrote", True) for c in connections):
        return
    session.commit()  # each connection of the transaction (a read replica's too)


def _touches_tenant_table(statement: Any) -> bool:
    """Whether a statement reads or writes a tenant-owned table (``tenant_id`` in its primary key,
    as :class:`TenantScoped` makes it) anywhere in it: selected entity, ``select_from``, join,
    subquery or EXISTS, not only at its top level."""
    return any(
        isinstance(element, sa.TableClause) and "tenant_id" in element.c and element.c.tenant_id.primary_key
        for element in visitors.iterate(statement)
    )


def _plugin_subject_is_tenant_scoped(statement: Any) -> bool:
    """Whether the statement's leading ORM entity is tenant-owned: a dict read that settles the
    common case (``select(Note)``, ``update(Note)``) without computing ``all_mappers``."""
    subject = statement._propagate_attrs.get("plugin_subject")
    mapper = getattr(subject, "mapper", None)
    return mapper is not None and _is_tenant_scoped(mapper)


def _scope_orm_statements(state: ORMExecuteState) -> None:
    """First wall: filter ORM statements by tenant, and refuse them when no tenant is active.

    A tenant-owned table counts wherever it sits in the statement: as the selected entity (the
    fast path, a look at the top-level mappers), or only in ``select_from``, a join, a subquery or
    an EXISTS (a walk of the statement, done only when the fast path finds nothing). Looking at the
    top-level mappers alone missed those: ``select(func.count()).select_from(Note)`` counted
    every tenant's rows. with_loader_criteria then reaches the entity wherever it appears.
    """
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get("all_tenants", False):
        return
    if not _plugin_subject_is_tenant_scoped(state.statement) and not (
        any(_is_tenant_scoped(m) for m in state.all_mappers) or _touches_tenant_table(state.statement)
    ):
        return
    tenant_id = _active_tenant_id.get()
    if tenant_id is None:
        kind = "insert into" if state.is_insert else "query on"
        raise TenantNotActive(
            f"{kind} tenant-owned table(s) with no tenant active; enter "
            "tenant_context(...) or opt in with execution_options(all_tenants=True)"
        )
    if state.is_insert:
        _check_insert_tenant(state, tenant_id)
        return
    state.statement = state.statement.options(_TENANT_CRITERIA)


#: The active tenant's id as a bound parameter whose value is read when the statement's parameters
#: are built (at execution, in the executing context), so that one loader-criteria option serves
#: every tenant: its cache key never changes, and SQLAlchemy neither rebuilds it nor extracts a
#: closure value per statement (a per-tenant option cost about a tenth of a small request).
#: With no tenant active the value would be NULL and match no row; _scope_orm_statements raises
#: before that can happen.
TENANT_ID_PARAM = sa.bindparam("sympraxis_tenant_id", callable_=_active_tenant_id.get, type_=sa.BigInteger())

_TENANT_CRITERIA = with_loader_criteria(
    TenantScoped,
    lambda cls: cls.tenant_id == TENANT_ID_PARAM,
    include_aliases=True,
    track_closure_variables=False,
)


def _insert_rows(state: ORMExecuteState) -> list[dict[Any, Any]]:
    """The rows of an ORM ``insert()``: from ``.values(...)`` and from execute()'s parameters."""
    rows: list[dict[Any, Any]] = []
    statement = state.statement
    values = getattr(statement, "_values", None)
    if values:
        rows.append(dict(values))
    for multi in getattr(statement, "_multi_values", ()) or ():
        for row in multi:
            if isinstance(row, dict):
                rows.append(row)
    params = state.parameters
    if isinstance(params, dict):
        rows.append(params)
    elif params:
        rows.extend(p for p in params if isinstance(p, dict))
    return rows


def _check_insert_tenant(state: ORMExecuteState, tenant_id: int) -> None:
    """First wall on bulk inserts: a ``tenant_id`` given must be the active tenant's.

    ``insert(Note).values(tenant_id=B)`` while A is active is refused here, so SQLite (no RLS)
    is as strict as PostgreSQL's WITH CHECK. Rows that leave ``tenant_id`` out fail on NOT NULL.
    """
    for row in _insert_rows(state):
        for key, value in row.items():
            name = key if isinstance(key, str) else getattr(key, "key", getattr(key, "name", None))
            if name != "tenant_id":
                continue
            value = getattr(value, "value", value)  # a BindParameter from .values()
            if value is not None and value != tenant_id:
                raise CrossTenantWrite(
                    f"insert of a row of tenant {value} while tenant {tenant_id} is active"
                )


def _stamp_tenant_on_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """First wall on writes: new rows get the active tenant; no row of another tenant is written."""
    tenant_id = _active_tenant_id.get()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not getattr(obj, "__tenant_scoped__", False):
            continue
        if tenant_id is None:
            raise TenantNotActive(f"write of {type(obj).__name__} with no tenant active")
        if obj in session.new and obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} of tenant {obj.tenant_id} written while tenant {tenant_id} is active"
            )


# --- migrations -----------------------------------------------------------------------------

RLS_TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"
#: Who may read every tenant's rows: the roles listed by the migrations (``READER_DB_ROLE``) in a
#: table the application role can read but not write. Not a setting: any setting is the
#: application role's to change, by SQL injection too (issue 10 item 16).
CROSS_TENANT_READERS_TABLE = "core_cross_tenant_readers"
CROSS_TENANT_READ_EXPR = f"(current_user)::text IN (SELECT role_name FROM {CROSS_TENANT_READERS_TABLE})"


def ensure_cross_tenant_readers_table(op: Any) -> None:
    """The table the ``cross_tenant_read`` policies read (created by the first tenant table's
    migration, which runs before the core's migration that models it)."""
    op.execute(
        f"CREATE TABLE IF NOT EXISTS {CROSS_TENANT_READERS_TABLE} (role_name TEXT NOT NULL, "
        f"CONSTRAINT pk_{CROSS_TENANT_READERS_TABLE} PRIMARY KEY (role_name))"
    )
    op.execute(f"GRANT SELECT ON {CROSS_TENANT_READERS_TABLE} TO PUBLIC")


def enable_tenant_rls(op: Any, table: str, *, public_read: bool = False) -> None:
    """Enable and force row-level security on a tenant-owned table (call it in its migration).

    ``public_read`` adds a SELECT-everything policy for the rare table whose rows are public by
    nature (host names of municipalities, which DNS publishes anyway).
    """
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {RLS_TENANT_EXPR}) WITH CHECK (tenant_id = {RLS_TENANT_EXPR})"
    )
    ensure_cross_tenant_readers_table(op)
    op.execute(f"CREATE POLICY cross_tenant_read ON {table} FOR SELECT USING ({CROSS_TENANT_READ_EXPR})")
    if public_read:
        op.execute(f"CREATE POLICY public_read ON {table} FOR SELECT USING (true)")


def disable_tenant_rls(op: Any, table: str) -> None:
    """Undo :func:`enable_tenant_rls` (for a migration's downgrade)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for policy in ("tenant_isolation", "cross_tenant_read", "public_read"):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


# --- after commit -------------------------------------------------------------------------------

_PENDING = "sympraxis_after_commit"
_DUE = "sympraxis_after_commit_due"


def after_commit(fn: Callable[[], Any], session: Session | None = None) -> None:
    """Run ``fn()`` once the request's (or job's) transaction commits; never if it rolls back.

    For side effects that must not leave before the data they announce is durable: jobs and mail
    (see :func:`core.jobs.enqueue`), cache invalidation, calls to other services. ``fn`` runs
    after ``db.session.commit()`` returns, outside the transaction, best-effort: an exception is
    logged, never raised into the committed write's answer.
    """
    if session is None:
        from core.extensions import db

        session = db.session()
    if session.info.get(_COMMITTING):  # registered while the commit finishes: due at once
        session.info.setdefault(_DUE, []).append(fn)
    else:
        session.info.setdefault(_PENDING, []).append(fn)


_COMMITTING = "sympraxis_committing"


def _after_commit_due(session: Session) -> None:
    """The root transaction committed (savepoints do not fire this): its callbacks are due."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_DUE, []).extend(pending)


def has_pending_after_commit(session: Session) -> bool:
    from core import outbox

    return bool(session.info.get(_PENDING)) or outbox.has_pending(session)


def commit_pending_side_effects(session: Session) -> None:
    """At the end of a request or app context: a transaction that wrote nothing but queued jobs,
    mail or callbacks (queued after the work committed, or by a request that only read) commits,
    so they leave; one that wrote and was not committed is rolled back, and they with it."""
    if not has_pending_after_commit(session):
        return
    if session.new or session.dirty or session.deleted or _transaction_wrote(session):
        import logging

        logging.getLogger(__name__).warning(
            "jobs or mail dropped: queued in a transaction that wrote and was never committed"
        )
        return
    session.commit()


def send_pending_side_effects(exc: BaseException | None = None) -> None:
    """Teardown (registered last, so it runs first): see :func:`commit_pending_side_effects`.
    Never raises; a request that failed sends nothing."""
    if exc is not None:
        return
    from core.extensions import db

    try:
        commit_pending_side_effects(db.session())
    except Exception:  # noqa: BLE001 - the queued entries roll back with the session
        import logging

        logging.getLogger(__name__).warning("could not commit the jobs and mail queued", exc_info=True)


def _transaction_wrote(session: Session) -> bool:
    transaction = session.get_transaction()
    if transaction is None:
        return False
    return any(conn.info.get("sympraxis_wrote", True) for conn, *_rest in transaction._connections.values())


#: session.info keys of work that waits for a commit: dropped when the transaction rolls back
_WAITING_KEYS = {_PENDING}


def drop_on_rollback(*keys: str) -> None:
    """Register more session.info keys that a rollback (or close) discards (the outbox's)."""
    _WAITING_KEYS.update(keys)


def _drop_waiting(session: Session) -> None:
    for key in _WAITING_KEYS:
        session.info.pop(key, None)


def _after_rollback_drop(session: Session, previous_transaction: Any) -> None:
    """The root transaction rolled back (or the session closed without committing): nothing leaves."""
    if previous_transaction.parent is None:
        _drop_waiting(session)


def run_after_commit_callbacks(session: Session) -> None:
    """Run the callbacks of a transaction that committed (called by :class:`SympraxisSession`)."""
    import logging

    while True:
        due = session.info.pop(_DUE, None)
        if not due:
            return
        for fn in due:
            try:
                fn()
            except Exception:  # noqa: BLE001 - the write is committed; its side effect is best-effort
                logging.getLogger(__name__).exception("after-commit callback %r failed", fn)


class SympraxisSession(_FlaskSession):
    """The platform's session: after-commit callbacks, and (on PostgreSQL) reads inside
    :func:`cross_tenant_read` routed to the reader role's connection."""

    def commit(self) -> None:
        self.info[_COMMITTING] = True  # callbacks registered while it commits belong to it
        try:
            super().commit()
        except BaseException:
            self.info.pop(_DUE, None)
            raise
        finally:
            self.info.pop(_COMMITTING, None)
        run_after_commit_callbacks(self)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            _drop_waiting(self)  # also when no transaction had begun yet

    def close(self) -> None:
        try:
            super().close()
        finally:
            _drop_waiting(self)

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        if (
            bind is None
            and _cross_tenant_read.get()
            and not self._flushing
            and not getattr(clause, "is_dml", False)
        ):
            reader = _reader_engine()
            if reader is not None:
                return reader
        route = _replica_route.get()
        if route is not None and bind is None:
            if self._flushing or (clause is not None and not _is_plain_select(clause)):
                # the request writes (a flush, DML, raw SQL, a row lock): it reads its own writes
                # from now on. session.connection() (clause None) is the request's connection:
                # the replica's until then (a raw write on it fails: a standby is read-only).
                route.pinned = route.wrote = True
            elif not route.pinned and self._replica_reachable(route):
                return route.engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)

    def _replica_reachable(self, route: ReplicaRoute) -> bool:
        """Open the replica's connection in this transaction now, so that a replica that is down
        (or whose pool is exhausted) sends this read, and the rest of the request, to the
        primary instead of failing it; the breaker (core.replica) remembers it for a while."""
        transaction = self._transaction
        if transaction is not None and route.engine in transaction._connections:
            return True
        breaker = route.breaker
        if breaker is not None and breaker.blocked():
            route.pinned = True
            breaker.fell_back("down")
            return False
        try:
            self._connection_for_bind(route.engine, None)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as exc:
            route.pinned = True
            if breaker is not None:
                breaker.failed(exc)
                breaker.fell_back("busy" if isinstance(exc, sa.exc.TimeoutError) else "down")
            return False
        if breaker is not None:
            breaker.succeeded()
        return True


# --- where the listeners apply ----------------------------------------------------------------
# Only to the platform's own session class and engines: another library's session or engine in
# the same process (a migration tool, a script, a test helper) is left as SQLAlchemy made it.

event.listen(SympraxisSession, "after_begin", _set_tenant_on_begin)
event.listen(SympraxisSession, "do_orm_execute", _scope_orm_statements)
event.listen(SympraxisSession, "before_flush", _stamp_tenant_on_flush)
event.listen(SympraxisSession, "after_commit", _after_commit_due)
event.listen(SympraxisSession, "after_soft_rollback", _after_rollback_drop)


def instrument_engine(engine: sa.Engine) -> sa.Engine:
    """The platform's listeners on one of its engines (the application's, a read replica's, the
    cross-tenant reader's): write tracking per connection, and the dead-connection check at
    checkout (the pool keeps it when ``dispose()`` replaces it)."""
    if not event.contains(engine, "before_cursor_execute", _note_writes):
        event.listen(engine, "before_cursor_execute", _note_writes)
        event.listen(engine, "checkout", _discard_dead_connection)
    return engine


class ReplicaRoute:
    """A request's read routing (core.replica): the replica's engine, until the request writes,
    or until the replica cannot be reached (then the primary, for the rest of the request)."""

    __slots__ = ("breaker", "engine", "pinned", "wrote")

    def __init__(self, engine: sa.Engine, pinned: bool = False, breaker: Any = None) -> None:
        self.engine = engine
        self.pinned = pinned  # reads go to the primary (this client wrote, or this request did)
        self.wrote = False
        self.breaker = breaker  # core.replica.Breaker: remembers a replica that is down


@contextlib.contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside go to the primary even in a request that reads from the replica: for what is
    cached beyond the request (the host lookup), which a lagging replica would keep stale."""
    token = _replica_route.set(None)
    try:
        yield
    finally:
        _replica_route.reset(token)


#: Set by core.replica for a safe request of a client that has not just written; None otherwise.
_replica_route: contextvars.ContextVar[ReplicaRoute | None] = contextvars.ContextVar(
    "sympraxis_replica_route", default=None
)


def _is_plain_select(clause: Any) -> bool:
    """A SELECT without a row lock (a standby refuses FOR UPDATE/SHARE); text and DML: primary."""
    return (
        isinstance(clause, sa.sql.Select | sa.sql.CompoundSelect)
        and getattr(clause, "_for_update_arg", None) is None
    )


def _reader_engine() -> sa.Engine | None:
    from flask import current_app

    return current_app.extensions.get("sympraxis_cross_tenant_reader")


def init_cross_tenant_reader(app: Any) -> None:
    """Create the reader's engine (PostgreSQL, ``CROSS_TENANT_READ_DATABASE_URI`` naming the same
    database as the application's). Without one, a window reads what the application role reads:
    on PostgreSQL the active tenant's rows only (closed, not open), on SQLite everything."""
    uri = app.config.get("CROSS_TENANT_READ_DATABASE_URI")
    main = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not uri or main.get_backend_name() != "postgresql":
        return
    url = sa.engine.make_url(uri)
    if url.get_backend_name() != "postgresql" or (url.host, url.port, url.database) != (
        main.host,
        main.port,
        main.database,
    ):
        app.logger.warning(
            "CROSS_TENANT_READ_DATABASE_URI names another database than the application's; ignored"
        )
        return
    options = app.config.get("CROSS_TENANT_READ_ENGINE_OPTIONS") or {"pool_size": 2, "max_overflow": 8}
    app.extensions["sympraxis_cross_tenant_reader"] = instrument_engine(sa.create_engine(url, **options))
