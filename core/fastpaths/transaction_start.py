"""Reads that ride with the tenant setting as a transaction opens (the enabled plugins).

Every transaction on PostgreSQL starts by writing the active tenant into it (the second wall,
:func:`core.db._set_tenant_on_begin`), and every request on a municipality's host reads that
municipality's enabled plugins (the plugin guard, request-time hooks). Registered reads
(:func:`register`) go in the same query as the setting, one statement after the other: a
request pays one round trip for both instead of two, and the enabled plugins skip the ORM.

What it relies on (``tests/core/test_fastpaths.py`` pins each):

- SQLAlchemy calls the session's ``after_begin`` listeners once per connection as the
  transaction opens on it, before the statement that opened it is sent; the DB-API connection
  is ``Connection.connection.driver_connection``.
- psycopg, outside autocommit, sends its own ``BEGIN`` before the first statement of a
  transaction, so ``set_config(..., true)`` in that statement lasts for the transaction.
- psycopg sends a query without parameters, with ``prepare=False``, by the simple query
  protocol: several statements in one message, their results in turn through ``nextset()``.

Only integers and constants are put into the SQL text. The values reach the consumers as text,
as PostgreSQL's simple protocol returns them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

#: Receives the rows of one registered read (each value as text, or None).
Consume = Callable[[list[tuple[str | None, ...]]], None]
#: name -> (SQL taking the tenant id as ``$1``, ``wanted(tenant_id)``: None when not needed now,
#: else the function that receives the rows)
_reads: dict[str, tuple[str, Callable[[int], Consume | None]]] = {}

#: The transaction-local setting the RLS policies read (core.db writes it alone otherwise).
SETTING_SQL = "SELECT set_config('app.tenant_id', '{tenant_id}', true)"


def register(name: str, sql: str, wanted: Callable[[int], Consume | None]) -> None:
    """Read ``sql`` (one SELECT, the tenant id as ``$1``) with the tenant setting of each
    transaction for which ``wanted(tenant_id)`` returns a consumer."""
    if not name.isidentifier() or not name.islower():
        raise ValueError(f"read name must be a lower-case identifier: {name!r}")
    _reads[name] = (sql, wanted)


def unregister(name: str) -> None:
    _reads.pop(name, None)


def start(connection: sa.Connection, tenant_id: int) -> bool:
    """Write the tenant setting on ``connection`` together with the reads wanted now, and hand
    each its rows. False (nothing sent) when no read is wanted: the caller writes the setting."""
    wanted = [(sql, consume) for sql, want in _reads.values() if (consume := want(tenant_id)) is not None]
    if not wanted:
        return False
    tenant = str(int(tenant_id))
    statements = [SETTING_SQL.format(tenant_id=tenant), *(sql.replace("$1", tenant) for sql, _c in wanted)]
    cursor = connection.connection.driver_connection.cursor()
    try:  # a driver error here is psycopg's own: core.faults answers an outage with a 503
        cursor.execute("; ".join(statements), prepare=False)
        for _sql, consume in wanted:
            cursor.nextset()
            consume([tuple(None if v is None else str(v) for v in row) for row in cursor.fetchall()])
    finally:
        cursor.close()
    return True
