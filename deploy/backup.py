"""Backups of the platform's PostgreSQL database, and the proof that they restore.

  python deploy/backup.py dump    --admin URL --out FILE            pg_dump -Fc (consistent snapshot)
  python deploy/backup.py restore --admin URL --file FILE --into DB  into a fresh database
  python deploy/backup.py verify  --admin URL --app-url URL         dump, restore into a scratch
                                                                    database, smoke-check, drop

``--admin`` is a superuser (or the owner) URL of the source database; ``--app-url`` the
application role's URL (its database name is replaced by the scratch one). Roles are
cluster-wide and not in a dump: restore on a cluster where ``sympraxis_owner`` and
``sympraxis_app`` exist (deploy/postgres-init.sh creates them). The smoke checks: every table has
as many rows as in the source, ``/readyz`` answers, and each of a sample of municipalities is
served by its host through the application role, under row-level security.
Moving one municipality between instances is the per-municipality export and import instead.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit, urlunsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def dump(admin_url: str, out: str) -> None:
    subprocess.run(["pg_dump", "--format=custom", "--file", out, _libpq(admin_url)], check=True)


def restore(admin_url: str, file: str, into: str) -> None:
    """Restore ``file`` into a new database ``into`` (refused if it exists: never over live data)."""
    import psycopg

    with psycopg.connect(_libpq(_with_db(admin_url, "postgres")), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (into,)).fetchone():
            raise SystemExit(f"database {into} exists: restore into a fresh one")
        conn.execute(f'CREATE DATABASE "{into}"')
    subprocess.run(
        ["pg_restore", "--exit-on-error", "--dbname", _libpq(_with_db(admin_url, into)), file], check=True
    )


def row_counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(_libpq(url)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def smoke(admin_url: str, app_url: str, sample: int = 5) -> list[str]:
    """Problems with a restored database (empty list: it serves)."""
    import psycopg

    from core.app import create_app

    problems = []
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app_url,
            "SECRET_KEY": os.urandom(16).hex(),
            "TENANT_CACHE_REDIS_URL": None,
        }
    )
    apex = app.config["PLATFORM_APEX"]
    client = app.test_client()
    if client.get("/readyz").status_code != 200:
        problems.append("/readyz does not answer 200")
    with psycopg.connect(_libpq(admin_url)) as conn:
        hosts = conn.execute(
            "SELECT d.host, t.slug FROM tenant_domains d JOIN tenants t ON t.id = d.tenant_id "
            "WHERE d.verified_at IS NOT NULL AND t.status <> 'archived' AND d.host LIKE %s ORDER BY d.host LIMIT %s",
            (f"%.{apex}", sample),
        ).fetchall()
    for host, slug in hosts:
        r = client.get("/api/v1/tenant", base_url=f"http://{host}")
        if r.status_code != 200 or (r.json or {}).get("slug") != slug:
            problems.append(f"{host}: /api/v1/tenant answered {r.status_code}")
    return problems


def verify(admin_url: str, app_url: str) -> dict:
    """Dump the source, restore it into a scratch database, compare and smoke-check, drop it."""
    import psycopg

    scratch = f"{_db_name(admin_url)}_restorecheck"
    with tempfile.TemporaryDirectory() as tmp:
        file = os.path.join(tmp, "backup.dump")
        dump(admin_url, file)
        with psycopg.connect(_libpq(_with_db(admin_url, "postgres")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        restore(admin_url, file, scratch)
        size = os.path.getsize(file)
    try:
        source, restored = row_counts(admin_url), row_counts(_with_db(admin_url, scratch))
        problems = [
            f"{t}: {source[t]} rows, restored {restored.get(t)}"
            for t in source
            if restored.get(t) != source[t]
        ]
        problems += smoke(_with_db(admin_url, scratch), _with_db(app_url, scratch))
    finally:
        with psycopg.connect(_libpq(_with_db(admin_url, "postgres")), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (scratch,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    return {"bytes": size, "tables": len(source), "rows": sum(source.values()), "problems": problems}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=["dump", "restore", "verify"])
    parser.add_argument("--admin", required=True)
    parser.add_argument("--app-url")
    parser.add_argument("--out")
    parser.add_argument("--file")
    parser.add_argument("--into")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    if args.command == "dump":
        dump(args.admin, args.out)
    elif args.command == "restore":
        restore(args.admin, args.file, args.into)
    else:
        result = verify(args.admin, args.app_url)
        print(f"backup of {result['bytes']} bytes, {result['tables']} tables, {result['rows']} rows restored")
        for problem in result["problems"]:
            print("PROBLEM:", problem)
        if result["problems"]:
            raise SystemExit(1)
        print("restore verified: row counts equal, /readyz and the municipalities' hosts answer")


if __name__ == "__main__":
    main()
