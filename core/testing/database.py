"""A PostgreSQL test database with the two roles of production: an owner and a non-owner app role.

Needs only a superuser connection (``SYMPRAXIS_TEST_PG_ADMIN``, default the machine's local
``postgres`` over TCP). The database is created anew for each test session (and xdist worker).
Its name comes from :func:`session_database_name`: the ``SYMPRAXIS_TEST_DATABASE`` environment
variable, else the ``sympraxis_test_database`` ini option, else a name unique to the process.
"""

from __future__ import annotations

import os
import re

import psycopg

ADMIN_URL = os.environ.get("SYMPRAXIS_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
OWNER_ROLE = "sympraxis_owner"
APP_ROLE = "sympraxis_app"
#: The cross-tenant reader: SELECT only, used by cross_tenant_read() alone (issue 10 item 16).
READER_ROLE = "sympraxis_reader"
ROLE_PASSWORD = "sympraxis-test"
ROLE_LOCK_KEY = 7_372_937_001
#: Environment variable naming the test database (it wins over the ini option).
DATABASE_ENV = "SYMPRAXIS_TEST_DATABASE"
#: The default name: one database per xdist worker and per process, so parallel runs never meet.
DEFAULT_DATABASE_NAME = "sympraxis_test_{worker}_{pid}"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def session_database_name(configured: str | None = None) -> str:
    """The name of this session's test database.

    ``configured`` (the ini option) is used unless ``SYMPRAXIS_TEST_DATABASE`` is set. Either may
    hold ``{worker}`` (the xdist worker, ``main`` without xdist) and ``{pid}``; a fixed name run
    under xdist gets ``_<worker>`` appended, so two workers never share (and drop) one database.
    """
    template = os.environ.get(DATABASE_ENV) or configured or DEFAULT_DATABASE_NAME
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = template.format(worker=worker or "main", pid=os.getpid())
    if worker and "{worker}" not in template:
        name = f"{name}_{worker}"
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"test database name {name!r} must be lower-case letters, digits and _ (at most 63), "
            f"from {DATABASE_ENV} or the sympraxis_test_database ini option"
        )
    return name


def _host_part(admin_url: str | None = None) -> str:
    # postgresql://postgres@127.0.0.1:5432/postgres -> 127.0.0.1:5432
    rest = (admin_url or ADMIN_URL).split("://", 1)[1]
    rest = rest.split("@", 1)[-1]
    return rest.split("/", 1)[0]


def create_test_database(name: str, admin_url: str | None = None) -> dict[str, str]:
    """(Re)create database ``name`` and the roles; return the owner and app URLs.

    ``admin_url``: a superuser connection to another cluster (outage tests run their own).
    """
    admin_url = admin_url or ADMIN_URL
    with psycopg.connect(admin_url, autocommit=True) as conn:
        # roles are cluster-wide: concurrent sessions (xdist workers, parallel runs) altering them
        # at once fail with "tuple concurrently updated", so one at a time
        conn.execute("SELECT pg_advisory_lock(%s)", (ROLE_LOCK_KEY,))
        try:
            for role, extra in ((OWNER_ROLE, "CREATEDB"), (APP_ROLE, ""), (READER_ROLE, "")):
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
                verb = "ALTER" if exists else "CREATE"
                conn.execute(
                    f"{verb} ROLE {role} LOGIN PASSWORD '{ROLE_PASSWORD}' "
                    f"NOSUPERUSER NOBYPASSRLS NOCREATEROLE {extra}".strip()
                )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ROLE_LOCK_KEY,))
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}')
    # PostgreSQL 15: only the owner may create in schema public
    with psycopg.connect(
        _url("postgres", name, password=False, admin_url=admin_url), autocommit=True
    ) as conn:
        conn.execute(f"ALTER SCHEMA public OWNER TO {OWNER_ROLE}")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}, {READER_ROLE}")
    return {
        "owner": "postgresql+psycopg://" + _url(OWNER_ROLE, name, admin_url=admin_url).split("://", 1)[1],
        "app": "postgresql+psycopg://" + _url(APP_ROLE, name, admin_url=admin_url).split("://", 1)[1],
        "reader": "postgresql+psycopg://" + _url(READER_ROLE, name, admin_url=admin_url).split("://", 1)[1],
        "admin": _url("postgres", name, password=False, admin_url=admin_url),
    }


def drop_test_database(name: str, admin_url: str | None = None) -> None:
    """Drop database ``name`` (its open connections are ended first)."""
    with psycopg.connect(admin_url or ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _url(role: str, db: str, password: bool = True, admin_url: str | None = None) -> str:
    auth = f"{role}:{ROLE_PASSWORD}" if password else role
    return f"postgresql://{auth}@{_host_part(admin_url)}/{db}"
