"""Baseline (a): bare Flask + psycopg, the stack's limit on this machine.

The same SQL and the same JSON as Sympraxis's ``GET /api/v1/tenant`` and the test plugin's
``GET /api/v1/testplugin/notes``, with nothing else: one psycopg connection per thread (autocommit),
hand-written SQL, dicts to JSON. The tenant is found by the Host header through an in-process
cache with the same time-to-live as Sympraxis's ``HostCache``, so that in the steady state the
per-request SQL is the same as Sympraxis's (enabled plugins; the notes).

Connects as ``BENCH_PLAIN_DATABASE_URL``: a role with BYPASSRLS (no row-level security).
"""

from __future__ import annotations

import os
import threading
import time

import psycopg
from flask import Flask, abort, jsonify, request

DSN = os.environ["BENCH_PLAIN_DATABASE_URL"]
TTL = float(os.environ.get("BENCH_TENANT_CACHE_TTL", "5"))

app = Flask(__name__)
_local = threading.local()
_tenants: dict[str, tuple[float, dict | None]] = {}


def conn() -> psycopg.Connection:
    c = getattr(_local, "conn", None)
    if c is None or c.closed:
        c = _local.conn = psycopg.connect(DSN, autocommit=True)
    return c


def after_fork() -> None:
    """Connections are per thread and opened lazily; a fresh worker has none to drop."""
    _local.__dict__.clear()


def tenant_for_host() -> dict:
    host = request.host.split(":", 1)[0].lower()
    entry = _tenants.get(host)
    if entry is None or entry[0] < time.monotonic():
        row = (
            conn()
            .execute(
                "SELECT t.id, t.slug, t.name, t.country, t.default_locale, t.locales, t.timezone, t.status "
                "FROM tenant_domains d JOIN tenants t ON t.id = d.tenant_id "
                "WHERE d.host = %s AND d.verified_at IS NOT NULL",
                (host,),
            )
            .fetchone()
        )
        info = None
        if row is not None:
            keys = ("id", "slug", "name", "country", "default_locale", "locales", "timezone", "status")
            info = dict(zip(keys, row, strict=True))
        entry = _tenants[host] = (time.monotonic() + TTL, info)
    if entry[1] is None:
        abort(404)
    return entry[1]


@app.get("/api/v1/tenant")
def tenant():
    t = tenant_for_host()
    plugins = [
        r[0]
        for r in conn().execute(
            "SELECT plugin FROM tenant_plugins WHERE tenant_id = %s AND enabled ORDER BY plugin", (t["id"],)
        )
    ]
    return jsonify(
        slug=t["slug"],
        name=t["name"],
        country=t["country"],
        default_locale=t["default_locale"],
        locales=list(t["locales"]),
        timezone=t["timezone"],
        status=t["status"],
        plugins=plugins,
    )


@app.get("/api/v1/testplugin/notes")
def notes():
    t = tenant_for_host()
    rows = conn().execute(
        "SELECT id, title, body FROM testplugin_notes WHERE tenant_id = %s ORDER BY created_at", (t["id"],)
    )
    return jsonify([{"id": str(i), "title": title, "body": body} for i, title, body in rows])
