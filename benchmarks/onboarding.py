"""Onboarding 1,000 municipalities through the operator API, billing sync deferred.

``python benchmarks/onboarding.py [--count 1000] [--concurrency 4]``

1. Creates its own PostgreSQL database (``sympraxis_bench_onboarding``) with the production roles
   (owner for migrations, the non-owner app role under row-level security) and migrates it.
2. Creates an operator with two-step verification and an apex personal access token.
3. Starts gunicorn (``deploy/gunicorn.conf.py``: gthread) serving ``wsgi:app`` as the app role,
   with ``BILLING_DEFER_SYNC`` on (billing rows are created "not synced"; ``sympraxis billing
   sync --pending`` would queue them) and invitation mail written to an outbox folder.
4. POSTs ``/api/v1/operator/tenants`` ``--count`` times from ``--concurrency`` client threads (default 8: 2 workers x 4 threads) over
   keep-alive connections, and reports the total time and per-tenant latency p50/p99.

Floor: the whole run in at most 60 s on this machine. Writes ``benchmarks/results/onboarding.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

DB_NAME = "sympraxis_bench_onboarding"
FLOOR_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(outbox: str) -> tuple[dict[str, str], str]:
    """Fresh database, migrated; an operator and its token. Returns the URLs and the token."""
    from core.testing.database import create_test_database

    urls = create_test_database(DB_NAME)
    from core.app import create_app
    from core.migrate import upgrade

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "APP_DB_ROLE": "sympraxis_app",
            "MAIL_OUTBOX_DIR": outbox,
        }
    )
    upgrade(app)
    from core.accounts.services.signup import create_account
    from core.accounts.services.tokens import create_access_token
    from core.extensions import db
    from core.tenancy import utcnow

    with app.app_context():
        operator = create_account(
            "bench-operator@example.org", "bench password 2026", "Bench Operator", is_operator=True
        )
        operator.totp_secret, operator.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
        _token, secret = create_access_token(operator, "bench", None)
        db.session.commit()
    return urls, secret


def start_server(urls: dict[str, str], outbox: str, instance: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "SYMPRAXIS_SQLALCHEMY_DATABASE_URI": urls["app"],
            "SYMPRAXIS_INSTANCE_PATH": instance,
            "SYMPRAXIS_BIND": f"127.0.0.1:{port}",
            "SYMPRAXIS_PLATFORM_APEX": "localhost",
            "SYMPRAXIS_MAIL_BACKEND": "outbox",
            "SYMPRAXIS_MAIL_OUTBOX_DIR": outbox,
            "SYMPRAXIS_JOBS_INLINE": "true",
            "SYMPRAXIS_BILLING_DEFER_SYNC": "true",
            "SYMPRAXIS_RATELIMIT_ENABLED": "false",
            "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        }
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    with open(os.path.join(HERE, "results", "gunicorn-onboarding.log"), "w") as log:
        proc = subprocess.Popen(
            [gunicorn, "-c", os.path.join(ROOT, "deploy", "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start; see benchmarks/results/gunicorn-onboarding.log")


def payload(i: int) -> dict:
    return {
        "slug": f"bench-{i:05d}",
        "name": f"Municipality {i}",
        "country": ["GR", "BG", "RO"][i % 3],
        "default_locale": ["el", "bg", "ro"][i % 3],
        "locales": [["el", "bg", "ro"][i % 3], "en"],
        "timezone": ["Europe/Athens", "Europe/Sofia", "Europe/Bucharest"][i % 3],
        "plan": "starter",
        "allowed_plugins": [],
        "billing_email": f"finance-{i}@example.org",
        "collection_method": "send_invoice",
        "days_until_due": 30,
        "admin_email": f"admin-{i}@example.org",
    }


def run(port: int, token: str, count: int, concurrency: int) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    next_i = iter(range(count))

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {
            "Host": "localhost",
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        while True:
            with lock:
                i = next(next_i, None)
            if i is None:
                break
            body = json.dumps(payload(i))
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/operator/tenants", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if response.status != 201:
                    errors.append(f"{response.status}: {data[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, errors


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sympraxis-onboarding-")
    outbox = os.path.join(tmp, "outbox")
    urls, token = prepare(outbox)
    proc, port = start_server(urls, outbox, os.path.join(tmp, "instance"))
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        total, latencies, errors = run(port, token, args.count, args.concurrency)
    finally:
        proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    mails = len(os.listdir(outbox)) if os.path.isdir(outbox) else 0
    import psycopg

    with psycopg.connect(urls["admin"]) as conn:
        tenants = conn.execute("SELECT count(*) FROM tenants").fetchone()[0]
        pending = conn.execute("SELECT count(*) FROM tenant_billing WHERE sync_state = 'pending'").fetchone()[
            0
        ]
    shutil.rmtree(tmp, ignore_errors=True)
    p50, p99 = pct(latencies, 50) * 1000, pct(latencies, 99) * 1000
    verdict = "PASS" if total <= FLOOR_SECONDS and not errors and tenants == args.count else "FAIL"
    lines = [
        "# Onboarding through the operator API",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, {os.cpu_count()} CPUs, gunicorn gthread "
        f"(deploy/gunicorn.conf.py), {args.concurrency} client threads, billing sync deferred; "
        f"load average before/after: {load_before} / {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(the machine is shared).",
        "",
        "| measure | value | floor |",
        "|---|---|---|",
        f"| municipalities onboarded | {tenants} of {args.count} ({len(errors)} errors) | all |",
        f"| invitation mails written | {mails} | one each |",
        f'| billing rows left "not synced" (deferred) | {pending} | all |',
        f"| total time | {total:.1f} s | ≤ {FLOOR_SECONDS:.0f} s: {verdict} |",
        f"| per-tenant p50 | {p50:.1f} ms | |",
        f"| per-tenant p99 | {p99:.1f} ms | |",
        f"| mean | {statistics.mean(latencies) * 1000:.1f} ms | |",
        f"| throughput | {len(latencies) / total:.1f} tenants/s | |",
        "",
    ]
    if errors:
        lines += ["First errors:", "", *[f"- `{e}`" for e in errors[:5]], ""]
    report = "\n".join(lines)
    print(report)
    with open(os.path.join(HERE, "results", "onboarding.md"), "w") as fh:
        fh.write(report)
    from core.testing.database import drop_test_database

    drop_test_database(DB_NAME)
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
