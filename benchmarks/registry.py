"""The registry at the issue's scale, on PostgreSQL: 10,000 municipalities × 20 verified entries
× 3 years of figures (600,000 figure rows), the aggregate job at 2,500, 5,000 and 10,000 of them
(wall time and peak memory, to show the growth is linear), and under gunicorn the observatory at
country level and a municipality's directory search (p50/p99).

    .venv/bin/python benchmarks/registry.py                 # about 10 minutes on 2 shared cores
    .venv/bin/python benchmarks/registry.py --sizes 500,1000 --duration 2 --rounds 1   # a quick look

1. Creates its own database (``sympraxis_bench_registry``) with the production roles, migrated.
2. Seeds the municipalities set-based (``INSERT … SELECT generate_series``, as the superuser:
   seeding is not what is measured): the tenant, its registry switched on, its NUTS codes, its
   consent, 20 verified entries (one main sector, one to three population groups) and their
   figures for 2023–2025. Grows to each size in turn.
3. At each size runs the job (``aggregates.run()`` and the commit, as ``sympraxis registry
   aggregate`` does) in a fresh process as the application role, through the cross-tenant reader:
   wall time, and the process's peak resident set (``getrusage``) above what it was before the run.
4. Creates one real municipality (``create_tenant``, 20 entries through the registry's services)
   and serves the app with ``deploy/gunicorn.conf.py``; ``wrk`` drives
   ``/observatory/?level=country&area=EL`` on the apex and ``/registry/?q=…`` on that host.

Writes ``benchmarks/results/registry.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
import urllib.parse
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import run as bench  # noqa: E402  (benchmarks/run.py: servers, wrk, helpers)

DB_NAME = "sympraxis_bench_registry"
SLUG = "registry-bench"
HOST = f"{SLUG}.localhost"
APEX = "localhost"
YEARS = (2023, 2024, 2025)
ENTRIES = 20
SECTORS = ["88", "87", "56", "85", "81", "10", "47", "01", "94", "86"]
GROUPS = ["disability", "roma", "migrants", "homeless", "unemployed", "older", "children", "addiction"]
log = bench.log


def point_run_at_this_database() -> None:
    from core.testing.database import _url

    bench.DB_NAME = DB_NAME
    bench.ADMIN_DSN = _url("postgres", DB_NAME, password=False)


def build_app(urls: dict[str, str]) -> Any:
    import secrets

    from core.app import create_app

    return create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "APP_DB_ROLE": "sympraxis_app",
            "CROSS_TENANT_READ_DATABASE_URI": urls["reader"],
            "READER_DB_ROLE": "sympraxis_reader",
            "SYMPRAXIS_PLUGIN_GROUPS": bench.PLUGIN_GROUPS,
            "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        }
    )


# --- seeding, set-based ------------------------------------------------------------------------

SEED_SQL = """
WITH new AS (
    INSERT INTO tenants (slug, name, country, default_locale, locales, timezone, status, branding, created_at)
    SELECT 'agg' || lpad(g::text, 5, '0'), 'Municipality ' || g, 'GR', 'el', '["el"]', 'Europe/Athens',
           'active', '{{}}', now()
    FROM generate_series({start}, {stop} - 1) AS g
    RETURNING id, substr(slug, 4)::int AS g
), plugins AS (
    INSERT INTO tenant_plugins (tenant_id, id, plugin, allowed, enabled, settings, changed_at)
    SELECT id, gen_random_uuid(), 'registry', true, true, '{{}}', now() FROM new
), codes AS (
    INSERT INTO registry_statistical_areas (municipality_id, lau, nuts3, nuts2, country, updated_at)
    SELECT id, 'L' || g,
           c || ((g / 4) % 5 + 1)::text || ((g / 20) % 2)::text || ((g / 40) % 10)::text,
           c || ((g / 4) % 5 + 1)::text || ((g / 20) % 2)::text, c, now()
    FROM (SELECT id, g, (ARRAY['EL', 'BG', 'RO', 'CY'])[g % 4 + 1] AS c FROM new) AS x
), consents AS (
    INSERT INTO registry_aggregate_consents (tenant_id, id, opted_in, recorded_at)
    SELECT id, gen_random_uuid(), true, now() FROM new
)
INSERT INTO registry_entries (
    tenant_id, id, kind, name, legal_form, service_type, provider, business_number, sse_number,
    description, services_offered, address, area, sectors, population_groups, languages,
    contact_name, contact_email, contact_phone, website, opening_hours, verified_at, created_at, updated_at)
SELECT new.id, gen_random_uuid(), (ARRAY['social_enterprise', 'social_service', 'social_action'])[e % 3 + 1],
       'Entry ' || e || ' of ' || new.g, '', '', '', '', '',
       'Support for people in need, entry ' || e, 'Meals, counselling', 'Street ' || e, 'Centre',
       json_build_array(({sectors})[(new.g + e) % {n_sectors} + 1]),
       CASE WHEN e % 3 = 0 THEN json_build_array(({groups})[e % {n_groups} + 1])
            WHEN e % 3 = 1 THEN json_build_array(({groups})[e % {n_groups} + 1], ({groups})[(e + 3) % {n_groups} + 1])
            ELSE json_build_array(({groups})[e % {n_groups} + 1], ({groups})[(e + 2) % {n_groups} + 1],
                                  ({groups})[(e + 5) % {n_groups} + 1]) END,
       '[]', '', '', '', '', '', now(), now(), now()
FROM new CROSS JOIN generate_series(1, {entries}) AS e
"""

FIGURES_SQL = """
INSERT INTO registry_figures (
    tenant_id, id, entry_id, year, staff_paid, staff_volunteers, staff_vulnerable, staff_women, staff_men,
    people_served, revenue, public_funding_pct, budget, submitted_at)
SELECT x.tenant_id, gen_random_uuid(), x.id, y, (h % 30), (h % 20), (h % 5), (h % 10), (h % 10),
       (h % 500), (h % 100000) * 10, (h % 100), (h % 1000000), now()
FROM (SELECT tenant_id, id, abs(hashtext(id::text)) AS h FROM registry_entries
      WHERE tenant_id IN (SELECT id FROM tenants WHERE slug LIKE 'agg%%' AND substr(slug, 4)::int >= {start})) AS x
CROSS JOIN unnest(ARRAY[{years}]) AS y
"""


def seed_to(admin_dsn: str, start: int, stop: int) -> float:
    import psycopg

    array = lambda values: "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"  # noqa: E731
    t0 = time.perf_counter()
    with psycopg.connect(admin_dsn, autocommit=False) as conn:
        conn.execute(
            SEED_SQL.format(
                start=start,
                stop=stop,
                sectors=array(SECTORS),
                n_sectors=len(SECTORS),
                groups=array(GROUPS),
                n_groups=len(GROUPS),
                entries=ENTRIES,
            )
        )
        conn.execute(FIGURES_SQL.format(start=start, years=", ".join(map(str, YEARS))))
        conn.commit()
        conn.execute("ANALYZE")
    return time.perf_counter() - t0


# --- the job, in a fresh process ---------------------------------------------------------------


def job_child(urls_json: str) -> None:
    """Run once, print one JSON line: seconds, peak RSS growth, cells, municipalities."""
    urls = json.loads(urls_json)
    app = build_app(urls)
    from core.extensions import db
    from plugins.registry import aggregates

    with app.app_context():
        db.session.execute(db.text("SELECT 1"))  # connect before the baseline
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        done = aggregates.run()
        cells, municipalities = done.cells, done.municipalities
        db.session.commit()
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        suppressed = db.session.execute(
            db.text("SELECT count(*) FROM registry_aggregates WHERE suppressed")
        ).scalar()
    print(
        "JOB_JSON "
        + json.dumps(
            {
                "seconds": seconds,
                "rss_before_mib": before / 1024,
                "rss_growth_mib": (peak - before) / 1024,
                "cells": cells,
                "suppressed": suppressed,
                "municipalities": municipalities,
            }
        )
    )


def run_job(urls: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--job-child", json.dumps(urls)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("JOB_JSON ")), None)
    if line is None:
        raise RuntimeError(f"the job failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(line.split(" ", 1)[1])


# --- the served pages --------------------------------------------------------------------------


def seed_town(app: Any) -> str:
    """One real municipality (its host, its staff) with 20 entries made through the services."""
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.extensions import db
    from core.tenancy import invalidate_tenant_cache
    from core.tenant_admin import create_tenant
    from core.toolkit import tenant_context
    from plugins.registry import services

    with app.app_context():
        tenant = create_tenant(bench.new_tenant(SLUG, ["registry"]))
        db.session.commit()
        invalidate_tenant_cache()
        staff = create_account(f"{SLUG}@example.org", "correct horse battery", "Staff", verified=True)
        join_tenant(staff, tenant.id, "staff")
        db.session.commit()
        with tenant_context(tenant.id):
            for i in range(ENTRIES):
                entry = services.create_by_staff(
                    {
                        "kind": "social_service",
                        "name": f"Κοινωνικό παντοπωλείο {i}" if i % 4 == 0 else f"Κέντρο κοινότητας {i}",
                        "description": "Τρόφιμα και είδη πρώτης ανάγκης για οικογένειες σε ανάγκη. " * 3,
                        "services_offered": "Διανομή τροφίμων, συμβουλευτική",
                        "address": f"Οδός Ειρήνης {i}",
                        "area": "Κέντρο",
                        "sectors": [SECTORS[i % len(SECTORS)]],
                        "population_groups": GROUPS[: 1 + i % 3],
                    },
                    account=staff,
                    document="ΦΕΚ 1/2025",
                )
                for year in YEARS:
                    services.save_figures(entry, year, {"staff_paid": 3, "people_served": 120}, account=staff)
            db.session.commit()
        db.session.remove()
    return HOST


def measure_pages(urls: dict[str, str], args: argparse.Namespace) -> list[tuple[str, Any, Any, int]]:
    paths = [
        ("observatory, country level", f"/observatory/?level=country&area=EL&year={YEARS[-1]}", APEX),
        ("directory search", "/registry/?q=" + urllib.parse.quote("παντοπωλείο"), HOST),
    ]
    with open(os.path.join(bench.RESULTS_DIR, "hosts-1.txt"), "w") as f:
        f.write(HOST + "\n")
    server = bench.start_server("sympraxis-registry", urls, args.workers, args.threads, HOST)
    found = []
    with bench.servers_running(server):
        for name, path, host in paths:
            status, body = server.get(path, host)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}: {body[:300]!r}")
            # run.wrk() reads the Host header from hosts-<n>.txt: one host, written for this path
            with open(os.path.join(bench.RESULTS_DIR, "hosts-1.txt"), "w") as f:
                f.write(host + "\n")
            bench.wrk(server, path, [host], 2, connections=args.connections)  # warm up
            runs = [
                bench.wrk(server, path, [host], args.duration, connections=args.connections)
                for _ in range(args.rounds)
            ]
            single = [
                bench.wrk(server, path, [host], max(2, args.duration / 2), threads=1, connections=1)
                for _ in range(args.rounds)
            ]
            m, m1 = bench.median_load(runs), bench.median_load(single)
            log(
                f"{name}: {m.rps:.1f} req/s, p50 {m.p50_ms:.1f} ms, p99 {m.p99_ms:.1f} ms; 1 conn p50 {m1.p50_ms:.1f}"
            )
            shown = urllib.parse.unquote(path)
            found.append((f"GET {shown} ({'apex' if host == APEX else 'municipality'})", m, m1, len(body)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2500,5000,10000", help="municipalities, ascending")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--no-load", action="store_true", help="the job only, no gunicorn")
    parser.add_argument("--job-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job_child:
        job_child(args.job_child)
        return 0
    started = time.monotonic()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.makedirs(bench.RESULTS_DIR, exist_ok=True)
    point_run_at_this_database()

    from core.migrate import upgrade
    from core.testing.database import _url, create_test_database

    log(f"creating database {DB_NAME}")
    urls = create_test_database(DB_NAME)
    app = build_app(urls)
    upgrade(app)
    admin = _url("postgres", DB_NAME, password=False)

    jobs, have = [], 0
    for size in sizes:
        seconds = seed_to(admin, have, size)
        log(f"seeded municipalities {have}..{size - 1} in {seconds:.1f} s")
        have = size
        result = run_job(urls)
        result["size"] = size
        result["rows"] = size * ENTRIES * len(YEARS)
        jobs.append(result)
        log(f"job at {size}: {result}")

    pages = []
    if not args.no_load:
        bench.ensure_wrk()
        seed_town(app)
        pages = measure_pages(urls, args)

    lines = [
        "| municipalities | figure rows | cells | suppressed | job wall s | s per 1,000 | peak RSS growth MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in jobs:
        lines.append(
            f"| {r['size']:,} | {r['rows']:,} | {r['cells']:,} | {r['suppressed']:,} | {r['seconds']:.1f} | "
            f"{r['seconds'] / r['size'] * 1000:.2f} | {r['rss_growth_mib']:.0f} |"
        )
    if pages:
        lines += [
            "",
            "| page | response KiB | req/s | p50 ms | p99 ms | requests | p50 ms (1 conn) | CPU ms/req (app + PG) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, m, m1, size in pages:
            lines.append(
                f"| {name} | {size / 1024:.0f} | {m.rps:.1f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | {m.requests:,} | "
                f"{m1.p50_ms:.1f} | {m.cpu_us / 1000:.1f} |"
            )
    table = "\n".join(lines)
    context = (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared, load "
        f"{os.getloadavg()[0]:.1f}), PostgreSQL {bench.server_version(urls)}, gunicorn gthread "
        f"{args.workers} × {args.threads} (deploy/gunicorn.conf.py), wrk 2 threads × {args.connections} "
        f"connections, {args.duration:g} s × {args.rounds} rounds (median), total {time.monotonic() - started:.0f} s"
    )
    print(table)
    print()
    print(context)
    with open(os.path.join(bench.RESULTS_DIR, "registry.md"), "w") as f:
        f.write(f"# Registry benchmark run\n\n`benchmarks/registry.py` ({context})\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
