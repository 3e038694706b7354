"""Reads from a PostgreSQL streaming replica, with read-your-writes (issue 13 §3).

With ``SQLALCHEMY_REPLICA_DATABASE_URI`` (the application role on the replica), a safe request
(GET, HEAD) reads from the replica: its SELECTs go to the replica's engine (core.db's session),
the tenant setting is written into that transaction as into the primary's, and the first
statement that writes (a flush, DML, raw SQL, a row lock) pins the rest of the request to the
primary.

Read-your-writes: a request that may have written (any other method, or a GET that wrote)
answers with a cookie carrying the primary's WAL position after it (``pg_current_wal_lsn()``),
valid ``REPLICA_PIN_SECONDS``. A safe request bearing it reads from the replica only once the
replica has replayed that far (``pg_last_wal_replay_lsn() >= lsn``), from the primary until then;
when the window ends the replica is used again, whatever its lag. Host lookups, cached beyond the
request, always read from the primary (core.tenancy). Without the setting nothing changes.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask, request

from core.db import ReplicaRoute, _replica_route, instrument_engine

LSN_COOKIE = "sympraxis_lsn"
_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
_SAFE = frozenset({"GET", "HEAD"})
_EXTENSION = "sympraxis_read_replica"
_TOKEN = "sympraxis_replica_token"


def init_app(app: Flask) -> None:
    """Create the replica's engine (nothing at all without the setting)."""
    uri = app.config.get("SQLALCHEMY_REPLICA_DATABASE_URI")
    if not uri:
        return
    if sa.engine.make_url(uri).get_backend_name() != "postgresql":
        app.logger.warning("SQLALCHEMY_REPLICA_DATABASE_URI is not PostgreSQL; ignored")
        return
    options = app.config.get("REPLICA_ENGINE_OPTIONS") or app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    engine = instrument_engine(sa.create_engine(uri, **options))
    app.extensions[_EXTENSION] = engine  # core.lifecycle places the hooks below when it exists


def replica_engine(app: Flask) -> sa.Engine | None:
    return app.extensions.get(_EXTENSION)


def route_reads() -> None:
    """before_request: a safe request reads from the replica, unless this client just wrote."""
    from flask import current_app, g

    if request.method not in _SAFE:
        return
    engine = current_app.extensions[_EXTENSION]
    lsn = request.cookies.get(LSN_COOKIE)
    # this client wrote a moment ago and the replica has not caught up: the primary serves it
    behind = lsn is not None and not (_LSN.fullmatch(lsn) and _replayed(engine, lsn))
    g.setdefault(_TOKEN, _replica_route.set(ReplicaRoute(engine, pinned=behind)))


def _replayed(engine: sa.Engine, lsn: str) -> bool:
    """Whether the replica has replayed the primary's WAL up to ``lsn`` (a replica that cannot
    answer counts as behind: the primary serves the request)."""
    try:
        with engine.connect() as conn:
            value = conn.exec_driver_sql(
                "SELECT pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn", {"lsn": lsn}
            ).scalar()
            conn.rollback()
    except sa.exc.SQLAlchemyError:  # down, or its pool exhausted
        return False
    return bool(value)


def remember_write_position(response: Any) -> Any:
    """After a request that may have written: the cookie that pins this client's reads."""
    from flask import current_app

    route = _replica_route.get()
    if request.method in _SAFE and not (route is not None and route.wrote):
        return response  # (a GET that wrote, like a sign-in link's redemption, pins too)
    from core.extensions import db

    try:
        with db.engine.connect() as conn:
            lsn = conn.exec_driver_sql("SELECT pg_current_wal_lsn()::text").scalar()
            conn.rollback()
    except sa.exc.SQLAlchemyError:
        return response  # the primary is out or busy: the request's own answer says what happened
    response.set_cookie(
        LSN_COOKIE,
        str(lsn),
        max_age=int(current_app.config.get("REPLICA_PIN_SECONDS", 30)),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def end_routing(_exc: BaseException | None) -> None:
    """teardown_request: reads go back to the primary."""
    from flask import g

    token = g.pop(_TOKEN, None)
    if token is not None:
        _replica_route.reset(token)
