"""The markets plugin under load: a market day with 60 producers, 600 offers and 3,000 orders.

``.venv/bin/python benchmarks/markets.py`` (under a minute, in-process, no gunicorn):

1. Creates its own PostgreSQL database (``sympraxis_bench_markets``) with the production roles,
   migrates it, and seeds one municipality with the plugin on: 60 approved producers with 10
   products each, one open market day offering all 600, 6 pick-up slots, and 3,000 confirmed
   orders of 3 lines each (bulk-inserted, with the offers' and slots' counters to match).
2. Times the market-day page (Flask test client, as the application role under row-level
   security) and the pick-list service.
3. Checkout under 32 concurrent buyers: 32 threads, each its own session, place 10 orders each
   through ``services.place_order`` against 40 scarce offers (5 units each, 2 units per order):
   throughput, p50/p99 per order, and the check that nothing is oversold (reserved ≤ quantity on
   every offer, the slots' counters equal to the orders holding them).

Prints one table (also written to ``benchmarks/results/markets.md``). Exits non-zero when
something is oversold.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import secrets
import statistics
import sys
import threading
import time
import uuid
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

DB_NAME = "sympraxis_bench_markets"
SLUG = "markets-bench"
HOST = f"{SLUG}.localhost"
PRODUCERS, PRODUCTS_EACH, ORDERS, SLOTS = 60, 10, 3_000, 6
BUYERS, ORDERS_EACH, SCARCE, SCARCE_STOCK = 32, 5, 40, 5
RESULTS = os.path.join(HERE, "results")


def log(message: str) -> None:
    print(f"[markets] {message}", file=sys.stderr, flush=True)


def build_app(urls: dict[str, str]) -> Any:
    from core.app import create_app

    return create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "APP_DB_ROLE": "sympraxis_app",
            "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": BUYERS + 4, "max_overflow": 8},
            "MAIL_BACKEND": "outbox",
        }
    )


def seed(app: Any) -> dict[str, Any]:
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.db import tenant_context
    from core.extensions import db
    from core.tenant_admin import NewTenant, create_tenant
    from core.toolkit import utcnow_aware
    from plugins.markets import services
    from plugins.markets.models import DayStatus, Offer, Order, OrderLine, PickupSlot, Producer, Product

    with app.app_context():
        tenant = create_tenant(
            NewTenant(
                slug=SLUG,
                name="Bench",
                country="GR",
                default_locale="el",
                locales=["el", "en"],
                timezone="Europe/Athens",
                plugins=["markets"],
            )
        )
        db.session.commit()
        buyers = []
        for i in range(BUYERS * ORDERS_EACH):
            account = create_account(
                f"buyer{i}@bench.example", "a long passphrase", f"Buyer {i}", verified=True
            )
            join_tenant(account, tenant.id, "member")
            buyers.append(account.id)
        db.session.commit()
        with tenant_context(tenant.id):
            now = utcnow_aware()
            day = services.save_market_day(
                None,
                title="Bench market",
                day_date=(now + dt.timedelta(days=3)).date(),
                opens_at=now - dt.timedelta(hours=1),
                closes_at=now + dt.timedelta(days=1),
                status=DayStatus.PUBLISHED,
            )
            slots = [
                PickupSlot(
                    market_day_id=day.id,
                    starts_at=now + dt.timedelta(days=3, hours=h),
                    ends_at=now + dt.timedelta(days=3, hours=h + 1),
                    capacity=1000,
                    taken=0,
                )
                for h in range(SLOTS)
            ]
            db.session.add_all(slots)
            offers = []
            for p in range(PRODUCERS):
                producer = Producer(name=f"Producer {p:02d}", area="Evros", status="approved")
                db.session.add(producer)
                db.session.flush()
                for k in range(PRODUCTS_EACH):
                    product = Product(
                        producer_id=producer.id,
                        name=f"Product {p:02d}-{k}",
                        unit="kg",
                        price=decimal.Decimal("2.50"),
                        category="veg",
                        labels="",
                        origin="",
                        active=True,
                    )
                    db.session.add(product)
                    db.session.flush()
                    scarce = len(offers) < SCARCE
                    offers.append(
                        Offer(
                            market_day_id=day.id,
                            product_id=product.id,
                            producer_id=producer.id,
                            quantity=decimal.Decimal(SCARCE_STOCK if scarce else 100_000),
                            reserved=0,
                        )
                    )
            db.session.add_all(offers)
            db.session.flush()
            plenty = offers[SCARCE:]
            lines, orders = [], []
            for n in range(ORDERS):
                order = Order(
                    id=uuid.uuid4(),
                    market_day_id=day.id,
                    slot_id=slots[n % SLOTS].id,
                    account_id=None,
                    customer_name=f"Customer {n}",
                    status="confirmed",
                    total=decimal.Decimal("7.50"),
                )
                orders.append(order)
                for j in range(3):
                    offer = plenty[(n * 3 + j) % len(plenty)]
                    lines.append(
                        OrderLine(
                            order_id=order.id,
                            offer_id=offer.id,
                            quantity=1,
                            unit_price=decimal.Decimal("2.50"),
                        )
                    )
                    offer.reserved += 1
                slots[n % SLOTS].taken += 1
            db.session.add_all(orders)
            db.session.flush()
            db.session.add_all(lines)
            db.session.commit()
            return {
                "tenant": tenant.id,
                "day": day.id,
                "slots": [s.id for s in slots],
                "scarce": [o.id for o in offers[:SCARCE]],
                "buyers": buyers,
            }


#: SQL statements sent, counted by an engine event (to show the reads stay constant in number)
STATEMENTS = [0]


def count_statements(app: Any) -> None:
    import sqlalchemy as sa

    from core.extensions import db

    def counted(*_args: Any) -> None:
        STATEMENTS[0] += 1

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", counted)


def timed_get(client: Any, path: str, n: int) -> tuple[float, float, int, int]:
    times = []
    for _ in range(n):
        STATEMENTS[0] = 0
        t0 = time.perf_counter()
        response = client.get(path, headers={"Host": HOST})
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return (
        statistics.median(times),
        sorted(times)[max(0, int(0.99 * n) - 1)],
        len(response.data),
        STATEMENTS[0],
    )


def checkout(app: Any, ids: dict[str, Any]) -> dict[str, Any]:
    from core.db import tenant_context
    from core.extensions import db
    from core.toolkit import Account, RuleViolation
    from plugins.markets import services

    start = threading.Barrier(BUYERS)
    latencies: list[float] = []
    outcomes: list[str] = []
    lock = threading.Lock()

    def buyer(thread: int) -> None:
        with app.app_context(), tenant_context(ids["tenant"]):
            start.wait(timeout=60)
            for k in range(ORDERS_EACH):
                account_id = ids["buyers"][thread * ORDERS_EACH + k]
                offer = ids["scarce"][(thread + k) % SCARCE]
                t0 = time.perf_counter()
                try:
                    account = db.session.get(Account, account_id)
                    services.place_order(
                        ids["day"], account, slot_id=ids["slots"][k % SLOTS], lines={offer: 2}
                    )
                    db.session.commit()
                    outcome = "ok"
                except RuleViolation as exc:
                    db.session.rollback()
                    outcome = exc.code or "refused"
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    outcomes.append(outcome)
            db.session.remove()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {"elapsed": elapsed, "latencies": sorted(latencies), "outcomes": outcomes}


def oversold(app: Any, ids: dict[str, Any]) -> int:
    import sqlalchemy as sa

    from core.db import tenant_context
    from core.extensions import db
    from plugins.markets.models import Offer, Order, OrderLine, PickupSlot

    with app.app_context(), tenant_context(ids["tenant"]):
        bad = db.session.execute(
            sa.select(sa.func.count()).select_from(Offer).where(Offer.reserved > Offer.quantity)
        ).scalar_one()
        held = dict(
            db.session.execute(
                sa.select(OrderLine.offer_id, sa.func.sum(OrderLine.quantity))
                .join(Order, sa.and_(Order.tenant_id == OrderLine.tenant_id, Order.id == OrderLine.order_id))
                .where(Order.status == "confirmed")
                .group_by(OrderLine.offer_id)
            ).all()
        )
        mismatched = sum(
            1 for o in db.session.execute(sa.select(Offer)).scalars() if held.get(o.id, 0) != o.reserved
        )
        slots = dict(
            db.session.execute(
                sa.select(Order.slot_id, sa.func.count())
                .where(Order.status == "confirmed")
                .group_by(Order.slot_id)
            ).all()
        )
        wrong_slots = sum(
            1 for s in db.session.execute(sa.select(PickupSlot)).scalars() if slots.get(s.id, 0) != s.taken
        )
        db.session.remove()
    return bad + mismatched + wrong_slots


def main() -> int:
    started = time.monotonic()
    os.makedirs(RESULTS, exist_ok=True)
    from core.migrate import upgrade
    from core.testing.database import create_test_database

    log(f"creating database {DB_NAME}")
    urls = create_test_database(DB_NAME)
    app = build_app(urls)
    upgrade(app)
    t0 = time.monotonic()
    ids = seed(app)
    log(
        f"seeded {PRODUCERS} producers, {PRODUCERS * PRODUCTS_EACH} offers, {ORDERS:,} orders in {time.monotonic() - t0:.1f} s"
    )
    count_statements(app)
    client = app.test_client()
    day_path = f"/markets/days/{ids['day']}"
    staff_path = f"/api/v1/markets/days/{ids['day']}"
    log("warming up")
    client.get(day_path, headers={"Host": HOST})  # warm up
    log("timing pages")
    page = timed_get(client, day_path, 5)
    log(f"page {page}")
    api = timed_get(client, staff_path, 5)
    log(f"api {api}")

    from core.db import tenant_context
    from plugins.markets import services

    with app.app_context(), tenant_context(ids["tenant"]):
        day = services.get_market_day(ids["day"])
        times = []
        for _ in range(5):
            STATEMENTS[0] = 0
            t1 = time.perf_counter()
            data = services.pick_list(day)
            times.append((time.perf_counter() - t1) * 1000)
        pick_statements = STATEMENTS[0]
        pick_ms, pick_lines = (
            statistics.median(times),
            sum(len(s["rows"]) for e in data["producers"] for s in e["slots"]),
        )
    log("checkout")
    run = checkout(app, ids)
    wrong = oversold(app, ids)
    ok = run["outcomes"].count("ok")
    lat = run["latencies"]
    p99 = lat[max(0, int(0.99 * len(lat)) - 1)]
    rows = [
        (
            "GET /markets/days/<id> (600 offers, 3,000 orders)",
            f"{page[0]:.1f}",
            f"{page[1]:.1f}",
            f"{page[2] / 1024:.0f} KiB; {page[3]} SQL statements",
        ),
        (
            "GET /api/v1/markets/days/<id>",
            f"{api[0]:.1f}",
            f"{api[1]:.1f}",
            f"{api[2] / 1024:.0f} KiB; {api[3]} SQL statements",
        ),
        (
            "pick list (services.pick_list, 9,000 lines)",
            f"{pick_ms:.1f}",
            "–",
            f"{pick_lines:,} lines; {pick_statements} SQL statements",
        ),
        (
            f"checkout, {BUYERS} concurrent buyers × {ORDERS_EACH}",
            f"{statistics.median(lat):.1f}",
            f"{p99:.1f}",
            f"{len(lat) / run['elapsed']:.0f} orders/s; {ok} placed, {len(lat) - ok} refused (sold out); oversold: {wrong}",
        ),
    ]
    table = "| measurement | p50 ms | p99 ms | notes |\n|---|---|---|---|\n" + "\n".join(
        f"| {' | '.join(r)} |" for r in rows
    )
    context = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared), in-process (Flask test client, threads), application role under RLS, total {time.monotonic() - started:.0f} s"
    print(table)
    print(context)
    with open(os.path.join(RESULTS, "markets.md"), "w") as f:
        f.write(f"# Markets benchmark run\n\n`benchmarks/markets.py` ({context})\n\n{table}\n")
    wanted: dict[int, int] = {}
    for thread in range(BUYERS):
        for k in range(ORDERS_EACH):
            wanted[(thread + k) % SCARCE] = wanted.get((thread + k) % SCARCE, 0) + 1
    expected = sum(min(SCARCE_STOCK // 2, n) for n in wanted.values())  # every unit that can sell, sells
    if wrong or ok != expected:
        print(f"FAIL: oversold {wrong}, placed {ok} (expected {expected})")
        return 1
    print(f"PASS: {ok} orders placed on scarce stock, none oversold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
