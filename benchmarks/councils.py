"""The councils plugin under load: a council with 40 members over 10 years, 500 meetings (two
voted agenda items each) and 2,000 opinions, against the same council after its first year.

``.venv/bin/python benchmarks/councils.py`` (about a minute with ``--duration 2 --rounds 1``):

1. Creates its own PostgreSQL database (``sympraxis_bench_councils``) with the production roles,
   migrates it, and seeds one municipality with the councils plugin on and two councils: one
   after its first year (4 members, 50 meetings, 200 opinions) and one after ten (40 members in
   five terms of eight seats, 500 meetings, 2,000 opinions, half of them answered).
2. Counts the SQL statements of one request in-process (after a warm-up request) for the council
   page, the API meetings list and the opinions register: the count must not grow with the history.
3. Starts gunicorn with ``deploy/gunicorn.conf.py`` and drives the three with ``wrk``; prints one
   table (also written to ``benchmarks/results/councils.md``): req/s, p50, p99, CPU per request.

Reuses the servers and the ``wrk`` driver of ``benchmarks/run.py``. Exits non-zero when a query
count grows with the history.
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

DB_NAME = "sympraxis_bench_councils"
SLUG = "councils-bench"
HOST = f"{SLUG}.localhost"
SIZES = (1, 10)  # years of history
PATHS = {
    "council page": "/councils/{id}",
    "api meetings": "/api/v1/councils/councils/{id}/meetings",
    "opinions register": "/councils/opinions?council={id}",
    "live quorum": "/councils/meetings/{meeting}/live",
}
LOADED = tuple(PATHS)
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


def seed(app: Any, sizes: tuple[int, ...]) -> dict[int, Any]:
    """One municipality and a council per size (years): 8 seats, 4 members a year in the first
    year, five terms of eight over ten; 50 meetings and 200 opinions a year. Rows are added in bulk
    through the ORM (its tenancy walls on), the rules having their own tests."""
    from core.columns import utcnow_aware
    from core.db import tenant_context
    from core.extensions import db
    from core.tenant_admin import create_tenant
    from plugins.councils import services
    from plugins.councils.models import AgendaItem, Attendance, Meeting, Member, Opinion, Vote

    ids = {}
    with app.app_context():
        tenant = create_tenant(bench.new_tenant(SLUG, ["councils"]))
        db.session.commit()
        with tenant_context(tenant.id):
            now = utcnow_aware()
            for years in sizes:
                council = services.save_council(
                    None, name=f"Public council ({years} years)", term_months=24, seats={"ngo": (8, 0)}
                )
                first = now.date() - dt.timedelta(days=365 * years)
                members = []
                terms = max(1, years // 2)
                per_term = 4 if years == 1 else 8
                for t in range(terms):
                    start = first + dt.timedelta(days=730 * t)
                    for k in range(per_term):
                        members.append(
                            Member(
                                council_id=council.id,
                                name=f"Member {t}-{k}",
                                category="ngo",
                                position="chair" if k == 0 else "member",
                                term_start=start,
                                term_end=start + dt.timedelta(days=729),
                            )
                        )
                db.session.add_all(members)
                db.session.flush()
                for m in range(50 * years):
                    starts = now - dt.timedelta(days=365 * years) + dt.timedelta(days=7 * m + 1)
                    meeting = Meeting(
                        council_id=council.id,
                        title=f"Session {m}",
                        starts_at=starts,
                        place="Town hall",
                        status="held",
                        minutes="Minutes.",
                        minutes_published_at=starts,
                    )
                    db.session.add(meeting)
                    db.session.flush()
                    sitting = [x for x in members if x.term_start <= starts.date() <= x.term_end]
                    items = [AgendaItem(meeting_id=meeting.id, position=p, title=f"Item {p}") for p in (1, 2)]
                    db.session.add_all(items)
                    db.session.flush()
                    db.session.add_all(
                        Attendance(meeting_id=meeting.id, member_id=x.id, present=True) for x in sitting
                    )
                    db.session.add_all(
                        Vote(item_id=i.id, member_id=x.id, choice="for") for i in items for x in sitting
                    )
                    for o in range(4):
                        issued = starts.date()
                        db.session.add(
                            Opinion(
                                council_id=council.id,
                                item_id=items[0].id,
                                title=f"Opinion {m}-{o}",
                                text="The council recommends **more** social services.",
                                votes_for=len(sitting),
                                issued_on=issued,
                                answer_due=issued + dt.timedelta(days=30),
                                answer="partly" if o % 2 else None,
                                answer_reasoning="In the budget." if o % 2 else "",
                            )
                        )
                db.session.commit()
                ids[years] = {"id": council.id, "meeting": meeting.id}
        db.session.remove()
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
            path = template.format(**cid)
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
    log(f"seeded {len(SIZES)} councils ({SIZES} years of history) in {time.monotonic() - t0:.1f} s")

    counts = query_counts(app, ids)
    flat = True
    for name, by_size in counts.items():
        few, many = by_size[SIZES[0]][0], by_size[SIZES[-1]][0]
        flat = flat and few == many
        log(f"{name}: {few} SQL statements after {SIZES[0]} year, {many} after {SIZES[-1]}")

    hosts_file = os.path.join(bench.RESULTS_DIR, "hosts-1.txt")
    with open(hosts_file, "w") as f:  # run.wrk() reads the hosts from hosts-<n>.txt
        f.write(HOST + "\n")
    server = bench.start_server("sympraxis-councils", urls, args.workers, args.threads, HOST)
    loads: dict[tuple[str, int], Any] = {}
    with bench.servers_running(server):
        for name in LOADED:
            for size, cid in ids.items():
                path = PATHS[name].format(**cid)
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
                    f"{name}, {size} years: {m.rps:.1f} req/s, p50 {m.p50_ms:.1f} ms, "
                    f"p99 {m.p99_ms:.1f} ms ({m.requests} requests); 1 connection: p50 {m1.p50_ms:.1f} ms"
                )

    header = [
        "endpoint",
        "years of history",
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
                        f"GET {template.replace('{id}', '<id>').replace('{meeting}', '<meeting>')}",
                        f"{size}",
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
        "PASS: the SQL statements per request do not grow with the history"
        if flat
        else "FAIL: a query count grows with the history"
    )
    print(table)
    print()
    print(context)
    print(verdict)
    with open(os.path.join(bench.RESULTS_DIR, "councils.md"), "w") as f:
        f.write(f"# Councils benchmark run\n\n`benchmarks/councils.py` ({context})\n\n{table}\n\n{verdict}\n")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
