"""Sympraxis under load, against two baselines, on this machine: ``make benchmark``.

1. Creates its own PostgreSQL database (``sympraxis_bench``) with the production roles, migrates
   it, and seeds municipalities and notes through the service layer.
2. Starts three gunicorn servers with the settings of ``deploy/gunicorn.conf.py`` (gthread, the
   same workers and threads): Sympraxis (``wsgi:app``, as the non-owner role under row-level
   security), a bare Flask + psycopg app and a plain Flask-SQLAlchemy app (no tenancy, plugins or
   row-level security; ``benchmarks/baseline_*.py``), and checks that all three answer the same JSON.
3. Drives load from a second process with ``wrk`` and prints one table (also written to
   ``benchmarks/results/latest.md``), each floor with PASS or FAIL.

Options: ``--duration`` seconds per measurement, ``--rounds`` (the median is reported),
``--workers`` and ``--threads`` (default: deploy's, i.e. one worker per CPU and 4 threads).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

#: ``BENCH_DB_NAME``: another database (benchmarks/fastpaths.py uses its own, beside a make benchmark)
DB_NAME = os.environ.get("BENCH_DB_NAME", "sympraxis_bench")
PLAIN_ROLE = "sympraxis_bench_plain"
PLUGIN_GROUPS = ["sympraxis.plugins", "sympraxis.test_plugins"]
BUSY_TENANTS = 10
NOTES_PER_TENANT = 50
TIMED_TENANTS = 1_000
SCALE_TENANTS = 10_000
RSS_REQUESTS = 10_000
ENDPOINTS = ("/api/v1/tenant", "/api/v1/testplugin/notes")
IMPLS = ("bare", "orm", "sympraxis")
IMPL_LABELS = {
    "bare": "bare Flask + psycopg",
    "orm": "Flask-SQLAlchemy",
    "sympraxis": "Sympraxis",
    "orm-control": "Flask-SQLAlchemy again (control: the noise of the measurement)",
}
RESULTS_DIR = os.path.join(HERE, "results")


def _admin_dsn() -> str:
    from core.testing.database import _url

    return _url("postgres", DB_NAME, password=False)


ADMIN_DSN = _admin_dsn()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- database ---------------------------------------------------------------------------------


def create_database(name: str = DB_NAME) -> dict[str, str]:
    """A benchmark database, its roles, and a BYPASSRLS read role for the baselines."""
    import psycopg

    from core.testing.database import ADMIN_URL, ROLE_PASSWORD, _url, create_test_database

    urls = create_test_database(name)
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PLAIN_ROLE,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(f"{verb} ROLE {PLAIN_ROLE} LOGIN PASSWORD '{ROLE_PASSWORD}' NOSUPERUSER BYPASSRLS")
    urls["plain"] = _url(PLAIN_ROLE, name)
    return urls


def build_app(urls: dict[str, str], **extra: Any):
    from core.app import create_app

    return create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "MIGRATIONS_DATABASE_URI": urls["owner"],
            "APP_DB_ROLE": "sympraxis_app",
            "SYMPRAXIS_PLUGIN_GROUPS": PLUGIN_GROUPS,
            **extra,
        }
    )


def migrate(app: Any, urls: dict[str, str]) -> None:
    import psycopg

    from core.migrate import upgrade

    upgrade(app)
    with psycopg.connect(urls["admin"], autocommit=True) as conn:
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PLAIN_ROLE}")


def new_tenant(slug: str, plugins: list[str]) -> Any:
    from core.tenant_admin import NewTenant

    return NewTenant(
        slug=slug,
        name=f"Municipality {slug}",
        country="GR",
        default_locale="el",
        locales=["el", "en"],
        timezone="Europe/Athens",
        plugins=plugins,
    )


def seed_busy_tenants(app: Any) -> list[str]:
    """Ten municipalities with the test plugin on and 50 notes each; returns their hosts."""
    from sympraxis_testplugin.models import Note

    from core.db import tenant_context
    from core.extensions import db
    from core.tenant_admin import create_tenant

    hosts = []
    base = dt.datetime(2026, 1, 1)
    with app.app_context():
        for i in range(BUSY_TENANTS):
            tenant = create_tenant(new_tenant(f"busy{i:02d}", ["testplugin"]))
            with tenant_context(tenant.id):
                for n in range(NOTES_PER_TENANT):
                    db.session.add(
                        Note(
                            title=f"Note {n} of {tenant.slug}",
                            body="Lorem ipsum dolor sit amet, " * 4,
                            created_at=base + dt.timedelta(minutes=n),
                        )
                    )
                db.session.commit()
            hosts.append(f"{tenant.slug}.localhost")
    return hosts


def relation_count(urls: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(urls["admin"]) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        ).fetchone()[0]


def create_tenants(app: Any, prefix: str, count: int, commit_every: int) -> float:
    """``count`` municipalities through ``create_tenant`` (test plugin on); returns seconds."""
    from core.extensions import db
    from core.tenant_admin import create_tenant

    with app.app_context():
        start = time.perf_counter()
        for i in range(count):
            create_tenant(new_tenant(f"{prefix}{i:05d}", ["testplugin"]))
            if (i + 1) % commit_every == 0:
                db.session.commit()
        db.session.commit()
        return time.perf_counter() - start


def all_hosts(urls: dict[str, str]) -> list[str]:
    import psycopg

    with psycopg.connect(urls["admin"]) as conn:
        return [r[0] for r in conn.execute("SELECT host FROM tenant_domains ORDER BY host")]


def host_resolution_us(
    apps: dict[str, Any], hosts: dict[str, list[str]], lookups: int = 2_000
) -> dict[str, float]:
    """Median microseconds of one uncached host lookup (``load_tenant_info``) over random hosts, for
    each app: measured in alternating chunks, so that the machine's changes of pace hit all alike."""
    import random

    from core.extensions import db
    from core.tenancy import load_tenant_info

    rng = random.Random(7)
    samples = {name: [rng.choice(hosts[name]) for _ in range(lookups)] for name in apps}
    times: dict[str, list[float]] = {name: [] for name in apps}
    chunk = 100
    for name, app in apps.items():
        with app.app_context():
            for host in samples[name][:200]:  # warm up
                load_tenant_info(host)
                db.session.rollback()
    for index, start_at in enumerate(range(0, lookups, chunk)):
        order = list(apps) if index % 2 == 0 else list(reversed(apps))
        for name in order:
            with apps[name].app_context():
                for host in samples[name][start_at : start_at + chunk]:
                    start = time.perf_counter()
                    info = load_tenant_info(host)
                    db.session.rollback()
                    times[name].append(time.perf_counter() - start)
                    assert info is not None, host
    return {name: statistics.median(t) * 1e6 for name, t in times.items()}


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen
    log_path: str
    db_role: str

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, host: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": host})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid:
                pids.append(int(entry))
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def start_server(
    name: str,
    urls: dict[str, str],
    workers: int,
    threads: int,
    probe_host: str,
    app_spec: str = "wsgi:app",
    cwd: str = ROOT,
    **env_extra: str,
) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "SYMPRAXIS_BIND": f"127.0.0.1:{port}",
        "SYMPRAXIS_WORKERS": str(workers),
        "SYMPRAXIS_THREADS": str(threads),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("SYMPRAXIS_ACCESS_LOG", None)
    gunicorn = [sys.executable, "-m", "gunicorn"]
    if name == "sympraxis" or name.startswith("sympraxis"):
        instance = os.path.join(RESULTS_DIR, "instance")
        os.makedirs(instance, exist_ok=True)
        env.update(
            {
                "SYMPRAXIS_SQLALCHEMY_DATABASE_URI": urls["app"],
                "SYMPRAXIS_SYMPRAXIS_PLUGIN_GROUPS": json.dumps(PLUGIN_GROUPS),
                "SYMPRAXIS_SECRET_KEY": secrets.token_hex(16),
                "SYMPRAXIS_INSTANCE_PATH": instance,
                # as in production: several workers refuse in-memory rate limits (core.ratelimit)
                "SYMPRAXIS_RATELIMIT_STORAGE_URI": os.environ.get(
                    "BENCH_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0"
                ),
                "SYMPRAXIS_RATELIMIT_KEY_PREFIX": f"{DB_NAME}-rl",
            }
        )
        cmd = [*gunicorn, "-c", os.path.join(cwd, "deploy", "gunicorn.conf.py")]
        if app_spec != "wsgi:app":  # an app module of benchmarks/ (fastpaths_app.py)
            cmd += ["--pythonpath", HERE]
        cmd.append(app_spec)
    else:
        module = {"bare": "baseline_bare", "orm": "baseline_orm", "orm-control": "baseline_orm"}[name]
        env.update({"BENCH_PLAIN_DATABASE_URL": urls["plain"], "BENCH_BASELINE_MODULE": module})
        cmd = [
            *gunicorn,
            "-c",
            os.path.join(HERE, "gunicorn_baseline.conf.py"),
            "--pythonpath",
            HERE,
            f"{module}:app",
        ]
    env.update(env_extra)
    log_path = os.path.join(RESULTS_DIR, f"gunicorn-{name}.log")
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    role = "sympraxis_app" if name.startswith("sympraxis") else PLAIN_ROLE
    server = Server(name, port, proc, log_path, role)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} server exited; see {log_path}")
        with contextlib.suppress(OSError):
            status, _ = server.get("/api/v1/tenant", probe_host)
            if status == 200 and len(server.worker_pids()) >= workers:
                return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} server did not become ready; see {log_path}")
        time.sleep(0.2)


# --- load -------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_us: float = 0.0  # CPU of the server's workers and its PostgreSQL backends, per request
    pg_cpu_us: float = 0.0  # of which the PostgreSQL backends
    #: the busiest worker's share of the workers' CPU (1/workers: even; 1.0: one did it all)
    busiest_worker: float = 0.0


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def server_processes(server: Server) -> tuple[list[int], list[int]]:
    """The server's workers, and the PostgreSQL backends of its database role."""
    import psycopg

    with psycopg.connect(ADMIN_DSN) as conn:
        backends = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                (DB_NAME, server.db_role),
            )
        ]
    return server.worker_pids(), backends


def wrk(
    server: Server,
    path: str,
    hosts: list[str],
    duration: float,
    threads: int = 2,
    connections: int = 16,
    max_requests: int = 0,
) -> Load:
    hosts_file = os.path.join(RESULTS_DIR, f"hosts-{len(hosts)}.txt")
    if not os.path.exists(hosts_file):
        with open(hosts_file, "w") as f:
            f.write("\n".join(hosts) + "\n")
    env = {
        **os.environ,
        "BENCH_HOSTS_FILE": hosts_file,
        "BENCH_MAX_REQUESTS_PER_THREAD": str(-(-max_requests // threads) if max_requests else 0),
    }
    cmd = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        os.path.join(HERE, "wrk_report.lua"),
        server.url(path),
    ]
    workers, backends = server_processes(server)
    app_before, pg_before = cpu_seconds(workers), cpu_seconds(backends)
    each_before = [cpu_seconds([w]) for w in workers]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    each = [cpu_seconds([w]) - b for w, b in zip(workers, each_before, strict=True)]
    pg_cpu = cpu_seconds(backends) - pg_before
    cpu = cpu_seconds(workers) - app_before + pg_cpu
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line.split(" ", 1)[1])
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    if errors:
        raise RuntimeError(f"{server.name} {path}: {errors} errors under load: {data}")
    return Load(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        cpu_us=cpu / max(1, data["requests"]) * 1e6,
        pg_cpu_us=pg_cpu / max(1, data["requests"]) * 1e6,
        busiest_worker=max(each) / sum(each) if sum(each) > 0 else 0.0,
    )


def median_load(runs: list[Load]) -> Load:
    return Load(
        rps=statistics.median(r.rps for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        requests=sum(r.requests for r in runs),
        cpu_us=statistics.median(r.cpu_us for r in runs),
        pg_cpu_us=statistics.median(r.pg_cpu_us for r in runs),
        busiest_worker=statistics.median(r.busiest_worker for r in runs),
    )


def check_same_json(servers: dict[str, Server], hosts: list[str]) -> None:
    """All three implementations answer the same documents (else the comparison is void)."""
    for path in ENDPOINTS:
        for host in hosts[:3]:
            answers = {}
            for name, server in servers.items():
                status, body = server.get(path, host)
                if status != 200:
                    raise RuntimeError(f"{name} {path} on {host}: HTTP {status}: {body[:300]!r}")
                answers[name] = json.loads(body)
            if len({json.dumps(a, sort_keys=True) for a in answers.values()}) != 1:
                raise RuntimeError(f"{path} on {host}: the implementations disagree: {answers}")


# --- the table --------------------------------------------------------------------------------


@dataclass
class Row:
    endpoint: str
    impl: str
    rps: str = ""
    p50: str = ""
    p99: str = ""
    p50_1c: str = ""
    cpu: str = ""
    x_orm: str = ""
    x_bare: str = ""
    floor: str = ""
    result: str = ""
    extra: dict = field(default_factory=dict)


HEADER = (
    "endpoint",
    "impl",
    "req/s",
    "p50 ms",
    "p99 ms",
    "p50 ms (1 conn)",
    "CPU µs/req, app + PG (PG)",
    "× ORM",
    "× bare",
    "floor",
    "result",
)


def render(rows: list[Row]) -> str:
    cells = [
        [r.endpoint, r.impl, r.rps, r.p50, r.p99, r.p50_1c, r.cpu, r.x_orm, r.x_bare, r.floor, r.result]
        for r in rows
    ]
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    lines += ["| " + " | ".join(c) + " |" for c in cells]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --- main -------------------------------------------------------------------------------------

WRK = shutil.which("wrk") or "/usr/bin/wrk"


def ensure_wrk() -> None:
    global WRK
    if shutil.which("wrk"):
        WRK = shutil.which("wrk")
        return
    log("wrk is missing: installing Debian's package")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    WRK = shutil.which("wrk") or "/usr/bin/wrk"


@contextlib.contextmanager
def servers_running(*servers: Server) -> Iterator[None]:
    try:
        yield
    finally:
        for s in servers:
            s.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement; the median is kept")
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--tenants", type=int, default=SCALE_TENANTS, help="municipalities for the scale rows"
    )
    parser.add_argument(
        "--endpoints-only", action="store_true", help="only the endpoint rows (for before/after)"
    )
    parser.add_argument(
        "--endpoint", choices=ENDPOINTS, action="append", help="measure only this endpoint (repeatable)"
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="also serve the ORM baseline a second time and compare it with itself: how far two runs of "
        "the same code drift apart on this machine",
    )
    args = parser.parse_args()
    ensure_wrk()
    os.makedirs(RESULTS_DIR, exist_ok=True)
    started = time.monotonic()
    rows: list[Row] = []

    log(f"creating database {DB_NAME}")
    urls = create_database()
    app = build_app(urls)
    migrate(app, urls)
    busy = seed_busy_tenants(app)
    log(f"seeded {len(busy)} municipalities with {NOTES_PER_TENANT} notes each")

    load_args = {"connections": args.connections}
    impls = (*IMPLS, "orm-control") if args.control else IMPLS
    servers = {name: start_server(name, urls, args.workers, args.threads, busy[0]) for name in impls}
    uncached = start_server(
        "sympraxis-nocache", urls, args.workers, args.threads, busy[0], SYMPRAXIS_TENANT_CACHE_TTL="0"
    )
    with servers_running(*servers.values(), uncached):
        check_same_json(servers, busy)
        log("the three implementations answer the same JSON")

        # 1. the two endpoints: bare, ORM and Sympraxis, interleaved round by round
        for path in args.endpoint or ENDPOINTS:
            for server in servers.values():
                wrk(server, path, busy, 2, **load_args)  # warm up
            loaded: dict[str, list[Load]] = {n: [] for n in impls}
            single: dict[str, list[Load]] = {n: [] for n in impls}
            for rnd in range(args.rounds):
                order = impls[rnd % len(impls) :] + impls[: rnd % len(impls)]
                for name in order:
                    loaded[name].append(wrk(servers[name], path, busy, args.duration, **load_args))
                for name in order:
                    single[name].append(
                        wrk(servers[name], path, busy, max(2, args.duration / 2), threads=1, connections=1)
                    )
                log(
                    f"{path} round {rnd + 1}: "
                    + ", ".join(
                        f"{n} {loaded[n][-1].rps:.0f} req/s, CPU {loaded[n][-1].cpu_us:.0f} µs/req, "
                        f"1-conn p50 {single[n][-1].p50_ms:.2f} ms"
                        for n in impls
                    )
                )
            med = {n: median_load(loaded[n]) for n in impls}
            med1 = {n: median_load(single[n]) for n in impls}
            for name in impls:
                m = med[name]
                row = Row(
                    path,
                    IMPL_LABELS[name],
                    f"{m.rps:,.0f}",
                    f"{m.p50_ms:.2f}",
                    f"{m.p99_ms:.2f}",
                    f"{med1[name].p50_ms:.2f}",
                    f"{m.cpu_us:,.0f} ({m.pg_cpu_us:,.0f})",
                    f"{m.rps / med['orm'].rps:.2f}",
                    f"{m.rps / med['bare'].rps:.2f}",
                )
                if name == "orm-control":
                    row.floor = (
                        f"the ORM baseline's own code: req/s × {m.rps / med['orm'].rps:.2f}, "
                        f"p50 (1 conn) {med1[name].p50_ms - med1['orm'].p50_ms:+.2f} ms"
                    )
                if name == "sympraxis":
                    added = med1[name].p50_ms - med1["orm"].p50_ms
                    ok = m.rps >= 0.85 * med["orm"].rps and added <= 1.0
                    row.floor = (
                        f"≥ 0.85 × ORM req/s; added p50 ≤ 1 ms (here {added:+.2f} ms; "
                        f"CPU/req × {m.cpu_us / max(1.0, med['orm'].cpu_us):.2f} ORM)"
                    )
                    row.result = verdict(ok)
                rows.append(row)
                log(
                    f"{path} {name}: {m.rps:.0f} req/s, p50 {m.p50_ms:.2f} ms, 1-conn p50 {med1[name].p50_ms:.2f}, "
                    f"CPU µs/req {m.cpu_us:.0f} (PostgreSQL {m.pg_cpu_us:.0f})"
                )

        if args.endpoints_only:
            return finish(rows, args, urls, started)

        # 2. creating 1,000 municipalities through the service layer, one transaction each
        relations_before = relation_count(urls)
        seconds = create_tenants(app, "onb", TIMED_TENANTS, commit_every=1)
        relations_after = relation_count(urls)
        no_ddl = relations_before == relations_after
        log(
            f"{TIMED_TENANTS} municipalities in {seconds:.1f} s; relations {relations_before} -> {relations_after}"
        )
        rows.append(
            Row(
                f"create {TIMED_TENANTS:,} municipalities (create_tenant, 1 transaction each)",
                "Sympraxis",
                floor=f"≤ 30 s, no DDL (here {seconds:.1f} s; relations {relations_before} → {relations_after})",
                result=verdict(seconds <= 30 and no_ddl),
                rps=f"{TIMED_TENANTS / seconds:,.0f} tenants/s",
            )
        )

        # 3. scale: this database filled to 10,000 municipalities, against a second database that
        # holds only the 10 busy ones, served side by side and measured round by round in turn
        rest = max(0, args.tenants - BUSY_TENANTS - TIMED_TENANTS)
        fill = create_tenants(app, "fill", rest, commit_every=100)
        log(f"{rest} more municipalities in {fill:.1f} s")
        small_urls = create_database(DB_NAME + "_small")
        small_app = build_app(small_urls)
        migrate(small_app, small_urls)
        seed_busy_tenants(small_app)
        small = start_server("sympraxis-small", small_urls, args.workers, args.threads, busy[0])
        small_uncached = start_server(
            "sympraxis-small-nocache",
            small_urls,
            args.workers,
            args.threads,
            busy[0],
            SYMPRAXIS_TENANT_CACHE_TTL="0",
        )
        with servers_running(small, small_uncached):
            hosts = {"small": all_hosts(small_urls), "big": all_hosts(urls)}
            pairs = {"cached": {"small": small, "big": servers["sympraxis"]}}
            pairs["cold"] = {"small": small_uncached, "big": uncached}
            for kind, pair in pairs.items():
                for size, server in pair.items():
                    wrk(server, ENDPOINTS[0], busy if kind == "cached" else hosts[size], 2, **load_args)
            runs: dict[tuple[str, str], list[Load]] = {}
            for rnd in range(args.rounds + 2):  # two more rounds: these rows compare two medians
                for kind, pair in pairs.items():
                    for size in ("small", "big") if rnd % 2 == 0 else ("big", "small"):
                        targets = busy if kind == "cached" else hosts[size]
                        run = wrk(pair[size], ENDPOINTS[0], targets, args.duration, **load_args)
                        runs.setdefault((kind, size), []).append(run)
            scale = {key: median_load(value) for key, value in runs.items()}
            resolve = host_resolution_us({"small": small_app, "big": app}, hosts)
        small_cached, small_cold = scale["cached", "small"], scale["cold", "small"]
        big_cached, big_cold = scale["cached", "big"], scale["cold", "big"]
        small_resolve, big_resolve = resolve["small"], resolve["big"]
        log(
            f"{BUSY_TENANTS} / {len(hosts['big']):,} municipalities: cached {small_cached.rps:.0f} / "
            f"{big_cached.rps:.0f} req/s, uncached {small_cold.rps:.0f} / {big_cold.rps:.0f} req/s"
        )
        total = BUSY_TENANTS + TIMED_TENANTS + rest
        for label, small, big in (
            ("GET /api/v1/tenant, host cache on, 10 busy hosts", small_cached, big_cached),
            ("GET /api/v1/tenant, host cache off, every host in turn", small_cold, big_cold),
        ):
            for n, m in ((BUSY_TENANTS, small), (total, big)):
                rows.append(
                    Row(
                        f"{label}, {n:,} municipalities",
                        "Sympraxis",
                        f"{m.rps:,.0f}",
                        f"{m.p50_ms:.2f}",
                        f"{m.p99_ms:.2f}",
                    )
                )
            ratio = big.rps / small.rps
            p50_ratio = big.p50_ms / small.p50_ms
            rows[
                -1
            ].floor = (
                f"no more than 10% worse than at {BUSY_TENANTS} (req/s × {ratio:.2f}, p50 × {p50_ratio:.2f})"
            )
            rows[-1].result = verdict(ratio >= 0.9 and p50_ratio <= 1.1)
        ratio = big_resolve / small_resolve
        rows.append(
            Row(
                f"host resolution, uncached (µs per lookup), {BUSY_TENANTS} → {total:,} municipalities",
                "Sympraxis",
                p50=f"{small_resolve:.0f} → {big_resolve:.0f} µs",
                floor=f"no more than 10% slower (× {ratio:.2f})",
                result=verdict(ratio <= 1.1),
            )
        )

    # 4. resident memory of one worker after 10,000 requests (its own single-worker server)
    solo = start_server("sympraxis-rss", urls, 1, args.threads, busy[0])
    with servers_running(solo):
        (pid,) = solo.worker_pids()
        rss_start = vm_rss_kib(pid)
        hosts = all_hosts(urls)
        served = 0
        for path, hs in ((ENDPOINTS[0], hosts), (ENDPOINTS[1], busy)):
            served += wrk(solo, path, hs, 60, max_requests=RSS_REQUESTS // 2, **load_args).requests
        rss = vm_rss_kib(pid)
        log(
            f"worker {pid}: VmRSS {rss_start / 1024:.1f} MiB at start, {rss / 1024:.1f} MiB after {served} requests"
        )
        rows.append(
            Row(
                f"RSS of one worker after {served:,} requests (both endpoints, {len(hosts):,} hosts)",
                "Sympraxis",
                floor=f"≤ 150 MiB (here {rss / 1024:.1f} MiB; {rss_start / 1024:.1f} MiB at start)",
                result=verdict(rss / 1024 <= 150 and served >= RSS_REQUESTS),
            )
        )

    return finish(rows, args, urls, started)


def finish(rows: list[Row], args: argparse.Namespace, urls: dict[str, str], started: float) -> int:
    table = render(rows)
    elapsed = time.monotonic() - started
    context = (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, gunicorn gthread "
        f"{args.workers} workers × {args.threads} threads (deploy/gunicorn.conf.py), wrk 2 threads × "
        f"{args.connections} connections, {args.duration:g} s × {args.rounds} rounds (median), "
        f"PostgreSQL {server_version(urls)}, total {elapsed:.0f} s"
    )
    print(table)
    print()
    print(context)
    with open(os.path.join(RESULTS_DIR, "latest.md"), "w") as f:
        f.write(f"# Benchmark run\n\n`make benchmark` ({context})\n\n{table}\n")
    return 0 if all(r.result != "FAIL" for r in rows) else 1


def server_version(urls: dict[str, str]) -> str:
    import psycopg

    with psycopg.connect(urls["admin"]) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


if __name__ == "__main__":
    sys.exit(main())
