"""The consultation page rendered in-process, at 50 and at 5,000 comments, side by side: where
the time of one request goes (SQL against Python), without gunicorn or wrk in the way.

``.venv/bin/python benchmarks/pages_inprocess.py [--reuse] [--requests N] [--profile]``

Seeds ``benchmarks/pages.py``'s database (``--reuse`` keeps one seeded before), then renders each
page N times (anonymous, page cache off, and signed in), the two sizes interleaved request by
request, and prints per page: the median wall time, the median time spent in SQL statements
(cursor execute to fetch done, as SQLAlchemy's events see it), and the ratio 5,000 / 50.
``--profile`` writes a pyinstrument profile of the 5,000-comment page to ``benchmarks/results``.
This is a tool to find the cost, not the benchmark of record (that is ``pages.py``, under
gunicorn)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import hearings as seeding  # noqa: E402
import pages  # noqa: E402
import run as bench  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reuse", action="store_true", help="use the database seeded by an earlier run")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    pages.point_run_at_this_database()
    import sqlalchemy as sa
    from sqlalchemy import event

    if args.reuse:
        from core.testing.database import _url

        urls = {
            role: "postgresql+psycopg://" + _url(f"sympraxis_{role}", pages.DB_NAME).split("://", 1)[1]
            for role in ("app", "owner")
        }
    else:
        urls = bench.create_database(pages.DB_NAME)
    app = seeding.build_app(urls)
    app.config["PAGE_CACHE_ENABLED"] = False
    if not args.reuse:
        bench.migrate(app, urls)
        seeding.seed(app, pages.SIZES)
    from core.extensions import db
    from plugins.hearings.models import Consultation

    with app.app_context():
        from core.db import tenant_context
        from core.tenancy import Tenant

        tid = db.session.execute(sa.select(Tenant.id).where(Tenant.slug == seeding.SLUG)).scalar_one()
        with tenant_context(tid):
            rows = db.session.execute(sa.select(Consultation.id, Consultation.title)).all()
        ids = {(5_000 if "5,000" in title else 50): cid for cid, title in rows}
        db.session.remove()
    session = pages.signed_in_cookie(app, app.config["SECRET_KEY"])
    sql_time = [0.0]
    started: dict[int, float] = {}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, many):  # noqa: ANN001
        started[id(cursor)] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, many):  # noqa: ANN001
        sql_time[0] += time.perf_counter() - started.pop(id(cursor), time.perf_counter())

    for who in ("anonymous", "signed in"):
        client = app.test_client()
        if who == "signed in":
            name, value = session.split("=", 1)
            client.set_cookie(name, value, domain=seeding.HOST)
        wall: dict[int, list[float]] = {s: [] for s in ids}
        sql: dict[int, list[float]] = {s: [] for s in ids}
        size_kib = {}
        for i in range(args.requests + 3):
            for size in sorted(ids):
                sql_time[0] = 0.0
                t0 = time.perf_counter()
                r = client.get(f"/hearings/consultations/{ids[size]}", base_url=f"http://{seeding.HOST}")
                elapsed = time.perf_counter() - t0
                assert r.status_code == 200, r.status_code
                size_kib[size] = len(r.data) / 1024
                if i >= 3:
                    wall[size].append(elapsed * 1000)
                    sql[size].append(sql_time[0] * 1000)
        few, many = (statistics.median(wall[s]) for s in sorted(ids))
        for s in sorted(ids):
            print(
                f"{who:10} {s:>5,} comments: {statistics.median(wall[s]):6.1f} ms "
                f"(SQL {statistics.median(sql[s]):5.1f} ms), {size_kib[s]:.0f} KiB"
            )
        print(f"{who:10} ratio 5,000 / 50: {many / few:.2f}")
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(20):
                client.get(f"/hearings/consultations/{ids[5_000]}", base_url=f"http://{seeding.HOST}")
            profiler.stop()
            out = os.path.join(bench.RESULTS_DIR, f"pages_inprocess_profile_{who.replace(' ', '_')}.txt")
            os.makedirs(bench.RESULTS_DIR, exist_ok=True)
            with open(out, "w") as f:
                f.write(profiler.output_text(unicode=True, color=False, show_all=False))
            print(f"profile: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
