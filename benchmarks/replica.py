"""The read path through a streaming replica against primary-only, in the same run (issue 13 §3).

``.venv/bin/python benchmarks/replica.py [--seconds 4]`` (as root: it makes or reuses the test
clusters ``15/rprimary`` on 5441 and ``15/rreplica`` on 5442, see tests/core/test_read_replica.py)
creates a database of its own on the primary, one municipality, and measures in-process (Flask's
test client, one connection, no HTTP server) the same GET requests: on an application without a
replica; on one with it, for a client that has not written (reads from the replica), for a client
that wrote (its cookie's LSN checked on the replica first), and for a writer while replay is
paused (served by the primary). Prints markdown rows for benchmarks/RESULTS.md and the README.

Both clusters share this machine's CPUs: the figures say what the routing costs per request, not
what a replica on its own host gains (that is the primary's CPU it takes over).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import statistics
import sys
import tempfile
import time
import uuid

import psycopg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.core import test_read_replica as clusters  # noqa: E402


def measure(client, path: str, seconds: float, cookie: str | None = None) -> dict[str, float]:
    headers = {"Cookie": f"sympraxis_lsn={cookie}"} if cookie else {}
    for _ in range(20):  # warm the pools and caches
        assert client.get(path, headers=headers).status_code == 200
    latencies = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        latencies.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return {"rps": len(latencies) / sum(latencies), "p50_ms": statistics.median(latencies) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    from core.extensions import db
    from core.tenant_admin import NewTenant, create_tenant
    from core.testing.database import create_test_database, drop_test_database
    from core.testing.pytest_plugin import HostClient, build_app

    with open(clusters.LOCK_PATH, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        clusters._ensure_clusters()
        name = f"sympraxis_replica_bench_{os.getpid()}"
        urls = create_test_database(name, admin_url=clusters.PRIMARY_ADMIN)
        try:
            base = {
                "SECRET_KEY": "bench-" + uuid.uuid4().hex,
                "SQLALCHEMY_DATABASE_URI": urls["app"],
                "MIGRATIONS_DATABASE_URI": urls["owner"],
                "CROSS_TENANT_READ_DATABASE_URI": urls["reader"],
                "APP_DB_ROLE": "sympraxis_app",
                "READER_DB_ROLE": "sympraxis_reader",
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2, "max_overflow": 2},
            }
            instance = tempfile.mkdtemp(prefix="sympraxis-replica-bench-")
            primary_only = build_app(base, instance)
            with primary_only.app_context():
                create_tenant(
                    NewTenant(slug="bench", name="Bench", country="GR", default_locale="el", locales=["el"])
                )
                db.session.commit()
            replica_url = urls["app"].replace(f":{clusters.PRIMARY[1]}/", f":{clusters.REPLICA[1]}/")
            with_replica = build_app({**base, "SQLALCHEMY_REPLICA_DATABASE_URI": replica_url}, instance)
            clusters._wait_for_replica()
            with psycopg.connect(clusters.PRIMARY_ADMIN, autocommit=True) as conn:
                lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
            rows = []
            for path in ("/api/v1/tenant", "/"):
                results = []
                for label, app, cookie in (
                    ("primary only", primary_only, None),
                    ("replica: a client that has not written", with_replica, None),
                    ("replica: a writer, replica caught up (LSN checked)", with_replica, lsn),
                ):
                    app.test_client_class = HostClient
                    client = app.test_client()
                    client.host = "bench.localhost"
                    results.append((label, measure(client, path, args.seconds, cookie)))
                clusters._replay("pause")
                try:
                    with psycopg.connect(clusters.PRIMARY_ADMIN, autocommit=True) as conn:
                        conn.execute("SELECT pg_switch_wal()")  # something the replica has not replayed
                        ahead = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
                    client = with_replica.test_client()
                    client.host = "bench.localhost"
                    results.append(
                        (
                            "replica: a writer, replica lagging (primary)",
                            measure(client, path, args.seconds, ahead),
                        )
                    )
                finally:
                    clusters._replay("resume")
                first = results[0][1]["rps"]
                for label, r in results:
                    rows.append(
                        f"| {path} | {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['rps'] / first:.2f} |"
                    )
            for app in (primary_only, with_replica):
                with app.app_context():
                    db.engine.dispose()
            from core import replica

            replica.replica_engine(with_replica).dispose()
        finally:
            drop_test_database(name, admin_url=clusters.PRIMARY_ADMIN)
    print("| path | read path | req/s | p50 ms | × primary-only |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
