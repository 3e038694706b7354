"""The surveys plugin at size: a survey of 30 questions with 20,000 answers.

``.venv/bin/python benchmarks/surveys.py [--responses 200 20000] [--no-load]`` (about 3 minutes):

1. Creates its own PostgreSQL database (``sympraxis_bench_surveys``) with the production roles,
   migrates it, and seeds one municipality with the surveys plugin on and one survey of 30
   questions (every type, a condition) per size, answered ``SIZE`` times (public results).
2. For each size, in-process (Flask test client as a visitor, the application role under
   row-level security): the SQL statements, time, response size and peak of Python memory
   allocated (``tracemalloc``) of the public results page; and for the staff's CSV export
   (``services.csv_rows``, streamed), the statements, time, bytes written and peak memory.
3. Starts gunicorn with ``deploy/gunicorn.conf.py`` (``wsgi:app`` as the non-owner role under
   row-level security) and drives the public results page and its JSON with ``wrk`` (p50, p99,
   req/s; the median of the rounds), then reads the workers' peak RSS (``VmHWM``).
4. Prints the tables (also written to ``benchmarks/results/surveys.md``). Exits non-zero when a
   statement count grows with the answers, or the peak memory of the page or of the export grows
   with them beyond a few MiB.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import sys
import time
import tracemalloc
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import run as bench  # noqa: E402  (benchmarks/run.py: helpers)

DB_NAME = "sympraxis_bench_surveys"
SLUG = "surveys-bench"
HOST = f"{SLUG}.localhost"
log = bench.log


def questions() -> list[tuple[str, str, dict]]:
    """30 questions: every type, one shown on a condition."""
    spec: list[tuple[str, str, dict]] = [("single", "Do you use the centre?", {"options": ["Yes", "No"]})]
    spec.append(("long_text", "Why not?", {"show_if": (0, "No")}))
    for i in range(6):
        spec.append(("single", f"Choice {i}", {"options": ["A", "B", "C", "D"], "allow_other": True}))
        spec.append(("multiple", f"Needs {i}", {"options": ["Transport", "Care", "Housing", "Jobs"]}))
        spec.append(("rating5", f"Satisfaction {i}", {}))
        spec.append(
            (
                "likert",
                f"Agree {i}",
                {"options": ["No", "Rather no", "Rather yes", "Yes"], "rows": ["X", "Y", "Z"]},
            )
        )
    spec += [
        ("rating10", "Recommend?", {}),
        ("ranking", "Priorities", {"options": ["Parks", "Roads", "Schools", "Care"]}),
        ("number", "Children", {"min_value": 0, "max_value": 20}),
        ("short_text", "A word", {}),
    ]
    assert len(spec) == 30, len(spec)
    return spec


def answer(rng: random.Random, made: list[Any]) -> dict:
    out: dict[str, Any] = {}
    for q in made:
        key = str(q.id)
        if q.kind == "single":
            out[key] = rng.choice(q.options)
        elif q.kind == "multiple":
            out[key] = rng.sample(q.options, 2)
        elif q.kind == "rating5":
            out[key] = rng.randint(1, 5)
        elif q.kind == "rating10":
            out[key] = rng.randint(0, 10)
        elif q.kind == "likert":
            out[key] = {r: rng.choice(q.options) for r in q.rows}
        elif q.kind == "ranking":
            out[key] = rng.sample(q.options, len(q.options))
        elif q.kind == "number":
            out[key] = rng.randint(0, 5)
        elif q.kind == "short_text":
            out[key] = "a word"
        elif q.kind == "long_text" and out.get(str(made[0].id)) == "No":
            out[key] = "Too far from home, and closed in the evening."
    return out


def seed(app: Any, sizes: list[int]) -> tuple[int, dict[int, Any]]:
    import sqlalchemy as sa

    from core.db import tenant_context
    from core.extensions import db
    from core.tenant_admin import create_tenant
    from plugins.surveys import services
    from plugins.surveys.models import Response

    ids = {}
    with app.app_context():
        tenant = create_tenant(bench.new_tenant(SLUG, ["surveys"]))
        db.session.commit()
        tenant_id = tenant.id
        with tenant_context(tenant_id):
            now = dt.datetime.now(dt.UTC)
            for size in sizes:
                survey = services.save_survey(
                    None,
                    account=None,
                    title=f"Needs survey ({size:,} answers)",
                    audience="public",
                    opens_at=now - dt.timedelta(days=30),
                    closes_at=now + dt.timedelta(days=30),
                    published=True,
                    results_public=True,
                )
                made: list[Any] = []
                for kind, prompt, extra in questions():
                    extra = dict(extra)
                    condition = extra.pop("show_if", None)
                    if condition:
                        extra["show_if_id"], extra["show_if_value"] = made[condition[0]].id, condition[1]
                    made.append(services.save_question(survey, None, kind=kind, prompt=prompt, **extra))
                rng = random.Random(size)
                start = now - dt.timedelta(days=29)
                batch = []
                for i in range(size):
                    batch.append(
                        {
                            "tenant_id": tenant_id,
                            "id": services.uuid.uuid4(),
                            "survey_id": survey.id,
                            "answers": answer(rng, made),
                            "submitted_at": start + dt.timedelta(seconds=i),
                            "account_id": None,
                            "organisation_id": None,
                        }
                    )
                    if len(batch) == 2000:
                        db.session.execute(sa.insert(Response), batch)
                        batch = []
                if batch:
                    db.session.execute(sa.insert(Response), batch)
                db.session.commit()
                ids[size] = survey.id
        db.session.remove()
    return tenant_id, ids


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


def measure(app: Any, tenant_id: int, ids: dict[int, Any]) -> dict[int, dict[str, float]]:
    from core.db import tenant_context
    from core.extensions import db
    from plugins.surveys import services

    client = app.test_client()
    out: dict[int, dict[str, float]] = {}
    for size, survey_id in ids.items():
        path = f"/surveys/{survey_id}/results"
        client.get(path, base_url=f"http://{HOST}")  # warm the host cache and plugin states
        services._TALLIES.clear()  # a cold reading: the pass over the answers
        with counting(app) as statements:
            tracemalloc.start()
            t0 = time.perf_counter()
            response = client.get(path, base_url=f"http://{HOST}")
            page_s = time.perf_counter() - t0
            _current, page_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        with counting(app) as warm:  # read again: the tally kept, the answers not read
            t0 = time.perf_counter()
            client.get(path, base_url=f"http://{HOST}")
            warm_s = time.perf_counter() - t0
        row = {
            "warm_sql": len(warm),
            "warm_s": warm_s,
            "page_sql": len(statements),
            "page_s": page_s,
            "page_kib": len(response.data) / 1024,
            "page_peak_mib": page_peak / 2**20,
        }
        with app.test_request_context(base_url=f"http://{HOST}"), tenant_context(tenant_id):
            survey = services.get_survey(survey_id)
            with counting(app) as statements:
                tracemalloc.start()
                t0 = time.perf_counter()
                written = sum(len(line.encode()) for line in services.csv_rows(survey))
                csv_s = time.perf_counter() - t0
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            db.session.remove()
        row.update(csv_sql=len(statements), csv_s=csv_s, csv_mib=written / 2**20, csv_peak_mib=peak / 2**20)
        out[size] = row
        log(f"{size:,} answers: {row}")
    return out


PATHS = {"results page": "/surveys/{id}/results", "results JSON": "/api/v1/surveys/surveys/{id}/results"}


def vm_hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for {pid}")


def under_load(urls: dict[str, str], ids: dict[int, Any], args: Any) -> tuple[dict, list[int]]:
    """wrk against gunicorn: p50/p99 of the public results, then the workers' peak RSS."""
    from core.testing.database import _url

    bench.ADMIN_DSN = _url("postgres", DB_NAME, password=False)  # run.py's CPU accounting
    bench.ensure_wrk()
    with open(os.path.join(bench.RESULTS_DIR, "hosts-1.txt"), "w") as f:
        f.write(HOST + "\n")
    server = bench.start_server("sympraxis-surveys", urls, args.workers, args.threads, HOST)
    loads: dict[tuple[str, int], Any] = {}
    with bench.servers_running(server):
        for name, template in PATHS.items():
            for size, survey_id in ids.items():
                path = template.format(id=survey_id)
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
                    f"{name}, {size:,} answers: {m.rps:.1f} req/s, p50 {m.p50_ms:.1f} ms, "
                    f"p99 {m.p99_ms:.1f} ms ({m.requests} requests); 1 connection: p50 {m1.p50_ms:.1f} ms"
                )
        hwm = [vm_hwm_kib(pid) for pid in server.worker_pids()]
    return loads, hwm


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, nargs="+", default=[200, 20_000])
    parser.add_argument("--no-load", action="store_true", help="in-process figures only (no gunicorn)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement; the median is kept")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    started = time.monotonic()
    from core.migrate import upgrade
    from core.testing.database import create_test_database

    bench.DB_NAME = DB_NAME
    os.makedirs(bench.RESULTS_DIR, exist_ok=True)
    log(f"creating database {DB_NAME}")
    urls = create_test_database(DB_NAME)
    app = bench.build_app(
        urls,
        ARGON2_PARAMETERS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        TENANT_CACHE_TTL=3600.0,  # one host: its lookup is not what is measured here
    )
    upgrade(app)
    t0 = time.monotonic()
    tenant_id, ids = seed(app, sorted(args.responses))
    log(
        f"seeded {len(ids)} surveys of 30 questions ({sorted(args.responses)} answers) in {time.monotonic() - t0:.1f} s"
    )
    import psycopg

    with psycopg.connect(urls["admin"], autocommit=True) as conn:  # as autovacuum would, soon after
        conn.execute("VACUUM ANALYZE surveys_responses")
    rows = measure(app, tenant_id, ids)
    sizes = sorted(rows)
    few, many = rows[sizes[0]], rows[sizes[-1]]
    flat = all(few[k] == many[k] for k in ("page_sql", "warm_sql", "csv_sql"))
    bounded = (
        many["csv_peak_mib"] < few["csv_peak_mib"] + 8 and many["page_peak_mib"] < few["page_peak_mib"] + 8
    )
    header = [
        "answers",
        "results page: SQL",
        "ms",
        "KiB",
        "peak MiB allocated",
        "read again: SQL",
        "ms",
        "CSV export: SQL",
        "ms",
        "MiB written",
        "peak MiB allocated",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for size in sizes:
        r = rows[size]
        lines.append(
            f"| {size:,} | {r['page_sql']} | {r['page_s'] * 1000:,.0f} | {r['page_kib']:,.0f} | "
            f"{r['page_peak_mib']:,.1f} | {r['warm_sql']} | {r['warm_s'] * 1000:,.0f} | {r['csv_sql']} | "
            f"{r['csv_s'] * 1000:,.0f} | {r['csv_mib']:,.1f} | {r['csv_peak_mib']:,.1f} |"
        )
    table = "\n".join(lines)
    load_table = ""
    if not args.no_load:
        loads, hwm = under_load(urls, ids, args)
        head = [
            "endpoint (survey of 30 questions)",
            "answers",
            "req/s",
            "p50 ms",
            "p99 ms",
            "requests timed",
            "p50 ms (1 conn)",
            "CPU ms/req (app + PG)",
        ]
        out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for name, template in PATHS.items():
            for size in sizes:
                m, m1 = loads[(name, size)]
                out.append(
                    f"| GET {template.replace('{id}', '<id>')} | {size:,} | {m.rps:,.1f} | {m.p50_ms:,.1f} | "
                    f"{m.p99_ms:,.1f} | {m.requests:,} | {m1.p50_ms:,.1f} | {m.cpu_us / 1000:,.1f} |"
                )
        load_table = "\n".join(out) + (
            "\n\nPeak RSS of the gunicorn workers after the load (VmHWM): "
            + ", ".join(f"{k / 1024:,.0f} MiB" for k in hwm)
        )
    context = (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared), a survey of 30 "
        f"questions, PostgreSQL {bench.server_version(urls)}; gunicorn gthread {args.workers} workers × "
        f"{args.threads} threads, wrk 2 threads × {args.connections} connections (and 1 × 1), "
        f"{args.duration:g} s × {args.rounds} rounds (median); total {time.monotonic() - started:.0f} s"
    )
    with open(os.path.join(bench.RESULTS_DIR, "surveys.md"), "w") as f:
        f.write(f"# Surveys at size\n\n{context}\n\n{table}\n\n{load_table}\n")
    print(table)
    print()
    print(load_table)
    print()
    print(context)
    if not flat:
        log("FAIL: a statement count grows with the answers")
    if not bounded:
        log("FAIL: the memory of the page or of the export grows with the answers")
    return 0 if flat and bounded else 1


if __name__ == "__main__":
    sys.exit(main())
