"""The surveys plugin at size: a survey of 30 questions with 20,000 answers.

``.venv/bin/python benchmarks/surveys.py [--responses 200 20000]`` (about a minute at 20,000):

1. Creates its own PostgreSQL database (``sympraxis_bench_surveys``) with the production roles,
   migrates it, and seeds one municipality with the surveys plugin on and one survey of 30
   questions (every type, a condition) per size, answered ``SIZE`` times (public results).
2. For each size, in-process (Flask test client as a visitor, the application role under
   row-level security): the SQL statements, time and response size of the public results page;
   and for the staff's CSV export (``services.csv_rows``, streamed), the statements, time, bytes
   written and the peak of memory allocated while it runs (``tracemalloc``).
3. Prints one table (also written to ``benchmarks/results/surveys.md``). Exits non-zero when a
   statement count grows with the answers or the export's peak memory grows with them beyond
   a few MiB.
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
        with counting(app) as statements:
            t0 = time.perf_counter()
            response = client.get(path, base_url=f"http://{HOST}")
            page_s = time.perf_counter() - t0
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        row = {"page_sql": len(statements), "page_s": page_s, "page_kib": len(response.data) / 1024}
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, nargs="+", default=[200, 20_000])
    args = parser.parse_args()
    from core.migrate import upgrade
    from core.testing.database import create_test_database

    bench.DB_NAME = DB_NAME
    log(f"creating database {DB_NAME}")
    urls = create_test_database(DB_NAME)
    app = bench.build_app(urls, ARGON2_PARAMETERS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    upgrade(app)
    t0 = time.monotonic()
    tenant_id, ids = seed(app, sorted(args.responses))
    log(
        f"seeded {len(ids)} surveys of 30 questions ({sorted(args.responses)} answers) in {time.monotonic() - t0:.1f} s"
    )
    rows = measure(app, tenant_id, ids)
    sizes = sorted(rows)
    few, many = rows[sizes[0]], rows[sizes[-1]]
    flat = few["page_sql"] == many["page_sql"] and few["csv_sql"] == many["csv_sql"]
    bounded = many["csv_peak_mib"] < few["csv_peak_mib"] + 8
    header = [
        "answers",
        "results page: SQL",
        "ms",
        "KiB",
        "CSV export: SQL",
        "ms",
        "MiB written",
        "peak MiB allocated",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for size in sizes:
        r = rows[size]
        lines.append(
            f"| {size:,} | {r['page_sql']} | {r['page_s'] * 1000:,.0f} | {r['page_kib']:,.0f} | {r['csv_sql']} | "
            f"{r['csv_s'] * 1000:,.0f} | {r['csv_mib']:,.1f} | {r['csv_peak_mib']:,.1f} |"
        )
    table = "\n".join(lines)
    context = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared), in-process, a survey of 30 questions"
    os.makedirs(bench.RESULTS_DIR, exist_ok=True)
    with open(os.path.join(bench.RESULTS_DIR, "surveys.md"), "w") as f:
        f.write(f"# Surveys at size\n\n{context}\n\n{table}\n")
    print(table)
    if not flat:
        log("FAIL: a statement count grows with the answers")
    if not bounded:
        log("FAIL: the export's memory grows with the answers")
    return 0 if flat and bounded else 1


if __name__ == "__main__":
    sys.exit(main())
