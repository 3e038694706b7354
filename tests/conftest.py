"""The project's tests use the same pytest plugin as plugin authors (core.testing.pytest_plugin).

Every SQL statement a test runs, on any engine, is checked for joins between tenant-owned tables
that Citus could not run on one node (core.testing.citus_joins): the test fails in its teardown
with the statement. ``@pytest.mark.citus_joins_exempt`` is for the tests that run such a join on
purpose (the check's own).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.testing.citus_joins import JoinChecker, tenant_tables

_statements: list[tuple[str, object]] | None = None
_checker: list[JoinChecker] = []


def _capture(conn, cursor, statement, parameters, context, executemany):
    if _statements is not None:
        _statements.append((statement, parameters))


@pytest.fixture(scope="session", autouse=True)
def _capture_statements():
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _capture)
    yield
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", _capture)


def _join_checker() -> JoinChecker:
    from core.extensions import db

    tables = tenant_tables(db.metadata)
    if not _checker or _checker[0].tenant_tables != tables:  # plugins' models arrive with the app
        _checker[:] = [JoinChecker(tables)]
    return _checker[0]


@pytest.fixture(autouse=True)
def _distributed_joins_checked(request, _capture_statements):
    global _statements
    _statements = []
    try:
        yield
    finally:
        ran, _statements = _statements, None
    if request.node.get_closest_marker("citus_joins_exempt") or not ran:
        return
    checker = _join_checker()
    problems = {}
    for sql, parameters in ran:
        for problem in checker.check(sql, parameters):
            problems.setdefault(sql, problem)
    if problems:
        listed = "\n\n".join(f"{problem}:\n{sql}" for sql, problem in list(problems.items())[:5])
        pytest.fail(
            f"{len(problems)} statement(s) Citus could not run on one node:\n\n{listed}", pytrace=False
        )
