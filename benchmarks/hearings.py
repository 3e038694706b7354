"""The hearings plugin under load: a consultation of 50 articles with 5,000 comments.

``.venv/bin/python benchmarks/hearings.py`` (about 2 minutes):

1. Creates its own PostgreSQL database (``sympraxis_bench_hearings``) with the production roles,
   migrates it, and seeds one municipality with the hearings plugin on and two open consultations
   of 50 articles each, one with 50 comments and one with 5,000 (a third of them replies, some
   hidden or withdrawn, some on behalf of an organisation).
2. Counts the SQL statements of one request in-process (Flask test client, a SQLAlchemy
   ``before_cursor_execute`` listener, after one warm-up request) for the consultation page, its
   API document and its API comment list, at 50 and at 5,000 comments: the count must not grow.
3. Starts gunicorn with ``deploy/gunicorn.conf.py`` (``wsgi:app`` as the non-owner role under
   row-level security) and drives the consultation page and the API comment list with ``wrk``
   (``Host`` header of the municipality), at both sizes; prints one table (also written to
   ``benchmarks/results/hearings.md``) with req/s, p50, p99 and CPU per request.

Reuses the servers and the ``wrk`` driver of ``benchmarks/run.py``. Exits non-zero when a query
count grows with the number of comments.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing
import os
import secrets
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import run as bench  # noqa: E402  (benchmarks/run.py: servers, wrk, helpers)

DB_NAME = "sympraxis_bench_hearings"
SLUG = "hearings-bench"
HOST = f"{SLUG}.localhost"
ARTICLES = 50
SIZES = (50, 5_000)
PATHS = {
    "page": "/hearings/consultations/{id}",
    "api": "/api/v1/hearings/consultations/{id}",
    "api comments": "/api/v1/hearings/consultations/{id}/comments",
}
LOADED = ("page", "api comments")
log = bench.log


def point_run_at_this_database() -> None:
    """run.py's CPU accounting looks up the server's PostgreSQL backends in its own database."""
    from core.testing.database import _url

    bench.DB_NAME = DB_NAME
    bench.ADMIN_DSN = _url("postgres", DB_NAME, password=False)


def build_app(urls: dict[str, str]) -> Any:
    from core.app import create_app

    return create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "APP_DB_ROLE": "sympraxis_app",
            "SYMPRAXIS_PLUGIN_GROUPS": bench.PLUGIN_GROUPS,
            "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        }
    )


def draft(articles: int) -> str:
    body = (
        "The municipality shall provide **social services** to residents in need, in cooperation "
        "with the regional directorate and the NGOs active in the area.\n\n"
        "1. Home help for older people\n2. A soup kitchen open every day\n3. Counselling"
    )
    return "Preamble.\n\n" + "\n\n".join(
        f"## Article {n}. Measure {n}\n\n{body}" for n in range(1, articles + 1)
    )


def seed(app: Any, sizes: tuple[int, ...]) -> dict[int, Any]:
    """One municipality, one member, and a consultation of ARTICLES articles per size."""
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.db import tenant_context
    from core.extensions import db
    from core.tenancy import utcnow
    from core.tenant_admin import create_tenant
    from plugins.hearings.consultations.services import articles_of, save_consultation
    from plugins.hearings.models import Comment

    ids = {}
    with app.app_context():
        tenant = create_tenant(bench.new_tenant(SLUG, ["hearings"]))
        db.session.commit()
        account = create_account("bench@example.org", "a long passphrase", "Bench Person", verified=True)
        join_tenant(account, tenant.id, "member")
        db.session.commit()
        with tenant_context(tenant.id):
            now = utcnow()
            for size in sizes:
                c = save_consultation(
                    None,
                    account=None,
                    title=f"Local social action plan ({size:,} comments)",
                    summary="The plan for 2027–2030.",
                    tags="social, plan",
                    opens_at=now - dt.timedelta(days=1),
                    closes_at=now + dt.timedelta(days=30),
                    draft=draft(ARTICLES),
                )
                c.status = "open"
                db.session.flush()
                articles = [a.id for a in articles_of(c)]
                assert len(articles) == ARTICLES, len(articles)
                start = now - dt.timedelta(hours=20)
                tops: list[Comment] = []
                replies: list[Comment] = []
                for i in range(size):
                    reply = i % 3 == 2
                    parent = tops[len(tops) // 2] if reply else None  # replies spread over threads
                    cm = Comment(
                        consultation_id=c.id,
                        article_id=parent.article_id if parent else articles[i % ARTICLES],
                        account_id=account.id if i % 10 == 0 else None,
                        author_name=f"Person {i}",
                        organisation_name="Citizens' Association" if i % 7 == 0 else None,
                        body=f"Comment number {i}: the measure should go further. " * 3,
                        created_at=start + dt.timedelta(seconds=i),
                        hidden_at=start if i % 41 == 0 else None,
                        hidden_reason="off topic" if i % 41 == 0 else None,
                        withdrawn_at=start if i % 53 == 0 else None,
                    )
                    cm._parent = parent  # type: ignore[attr-defined]
                    (replies if reply else tops).append(cm)
                db.session.add_all(tops)
                db.session.flush()  # the parents' ids
                for cm in replies:
                    cm.parent_id = cm._parent.id  # type: ignore[attr-defined]
                db.session.add_all(replies)
                db.session.commit()
                ids[size] = c.id
        db.session.remove()
    # statistics, as autovacuum would gather them on a live database after such a load (without
    # them the planner guesses one row per table and reads every comment for a page's few)
    import psycopg

    from core.testing.database import _url

    with psycopg.connect(_url("postgres", DB_NAME, password=False), autocommit=True) as conn:
        conn.execute("ANALYZE")
    return ids


# --- SQL statements per request ----------------------------------------------------------------


@contextlib.contextmanager
def counting(app: Any):
    from sqlalchemy import event

    from core.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def query_counts(app: Any, ids: dict[int, Any]) -> dict[str, dict[int, tuple[int, int]]]:
    """{endpoint: {comments: (statements, response bytes)}} for one anonymous request each."""
    client = app.test_client()
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for name, template in PATHS.items():
        out[name] = {}
        for size, cid in ids.items():
            path = template.format(id=cid)
            client.get(path, base_url=f"http://{HOST}")  # warm the host cache and plugin states
            with counting(app) as statements:
                response = client.get(path, base_url=f"http://{HOST}")
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
            out[name][size] = (len(statements), len(response.data))
    return out


# --- main --------------------------------------------------------------------------------------


def fmt_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per measurement (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement; the median is kept")
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    started = time.monotonic()
    bench.ensure_wrk()
    os.makedirs(bench.RESULTS_DIR, exist_ok=True)
    point_run_at_this_database()

    from core.migrate import upgrade
    from core.testing.database import create_test_database

    log(f"creating database {DB_NAME}")
    urls = create_test_database(DB_NAME)
    app = build_app(urls)
    upgrade(app)
    t0 = time.monotonic()
    ids = seed(app, SIZES)
    log(
        f"seeded {len(SIZES)} consultations of {ARTICLES} articles ({SIZES} comments) in {time.monotonic() - t0:.1f} s"
    )

    counts = query_counts(app, ids)
    flat = True
    for name, by_size in counts.items():
        few, many = by_size[SIZES[0]][0], by_size[SIZES[-1]][0]
        flat = flat and few == many
        log(f"{name}: {few} SQL statements at {SIZES[0]:,} comments, {many} at {SIZES[-1]:,}")

    hosts_file = os.path.join(bench.RESULTS_DIR, "hosts-1.txt")
    with open(hosts_file, "w") as f:  # run.wrk() reads the hosts from hosts-<n>.txt
        f.write(HOST + "\n")
    server = bench.start_server("sympraxis-hearings", urls, args.workers, args.threads, HOST)
    loads: dict[tuple[str, int], Any] = {}
    with bench.servers_running(server):
        for name in LOADED:
            for size, cid in ids.items():
                path = PATHS[name].format(id=cid)
                status, body = server.get(path, HOST)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}: {body[:300]!r}")
                bench.wrk(server, path, [HOST], 2, connections=args.connections)  # warm up
                runs = [
                    bench.wrk(server, path, [HOST], args.duration, connections=args.connections)
                    for _ in range(args.rounds)
                ]
                single = [
                    bench.wrk(server, path, [HOST], max(2, args.duration / 2), threads=1, connections=1)
                    for _ in range(args.rounds)
                ]
                loads[(name, size)] = (bench.median_load(runs), bench.median_load(single))
                m, m1 = loads[(name, size)]
                log(
                    f"{name}, {size:,} comments: {m.rps:.1f} req/s, p50 {m.p50_ms:.1f} ms, "
                    f"p99 {m.p99_ms:.1f} ms ({m.requests} requests); 1 connection: p50 {m1.p50_ms:.1f} ms"
                )

    header = [
        "endpoint (consultation of 50 articles)",
        "comments",
        "SQL statements / request",
        "response KiB",
        "req/s",
        "p50 ms",
        "p99 ms",
        "requests timed",
        "p50 ms (1 conn)",
        "CPU ms/req (app + PG)",
    ]
    lines = [fmt_row(header), "|" + "|".join("---" for _ in header) + "|"]
    for name, template in PATHS.items():
        for size in SIZES:
            statements, size_bytes = counts[name][size]
            m, m1 = loads.get((name, size), (None, None))
            lines.append(
                fmt_row(
                    [
                        f"GET {template.replace('{id}', '<id>')}",
                        f"{size:,}",
                        str(statements),
                        f"{size_bytes / 1024:,.0f}",
                        f"{m.rps:,.1f}" if m else "–",
                        f"{m.p50_ms:,.1f}" if m else "–",
                        f"{m.p99_ms:,.1f}" if m else "–",
                        f"{m.requests:,}" if m else "–",
                        f"{m1.p50_ms:,.1f}" if m1 else "–",
                        f"{m.cpu_us / 1000:,.1f}" if m else "–",
                    ]
                )
            )
    table = "\n".join(lines)
    elapsed = time.monotonic() - started
    context = (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared), gunicorn gthread "
        f"{args.workers} workers × {args.threads} threads (deploy/gunicorn.conf.py), wrk 2 threads × "
        f"{args.connections} connections (and 1 thread × 1 connection), {args.duration:g} s × {args.rounds} "
        f"rounds (median), anonymous "
        f"reader, PostgreSQL {bench.server_version(urls)}, total {elapsed:.0f} s"
    )
    verdict = (
        "PASS: the SQL statements per request do not grow with the number of comments"
        if flat
        else "FAIL: a query count grows with the number of comments"
    )
    print(table)
    print()
    print(context)
    print(verdict)
    with open(os.path.join(bench.RESULTS_DIR, "hearings.md"), "w") as f:
        f.write(f"# Hearings benchmark run\n\n`benchmarks/hearings.py` ({context})\n\n{table}\n\n{verdict}\n")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
