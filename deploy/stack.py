"""The production topology, natively on this machine: ``make stack`` (up), ``make stack-down``.

Caddy (Debian's ``caddy``, ``deploy/Caddyfile``, its internal CA) in front of two gunicorn app
servers on loopback (``deploy/gunicorn.conf.py``), a Celery worker and beat on the machine's
RabbitMQ (a virtual host of the stack's own), the machine's PostgreSQL (a database of its own,
the owner and the non-owner app role) and Redis (keys under a prefix of its own). The same shape
as ``deploy/compose.yaml``; ``make stack-test`` runs ``tests/stack`` against it.

``python deploy/stack.py up|down|status [--name N] [--base-port P] [--seed]``. Every process is
started in its own session and recorded in ``instance/<name>/state.json``; ``down`` stops exactly
those and removes the virtual host (the database stays, unless ``--drop``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")
APEX = "sympraxis.localhost"
REDIS_URL = os.environ.get("SYMPRAXIS_STACK_REDIS", "redis://127.0.0.1:6379/0")
AMQP_HOST = os.environ.get("SYMPRAXIS_STACK_AMQP", "guest:guest@127.0.0.1:5672")


@dataclass
class Stack:
    """Names, ports and paths of one stack (``name`` keeps two stacks on a machine apart)."""

    name: str = "stack"
    base_port: int = 18000
    app_servers: int = 2
    workers: int = 1
    threads: int = 4
    smtp_port: int | None = None
    beat_max_interval: float | None = None
    #: the periodic jobs ``beat_max_interval`` applies to (empty: all of them)
    beat_capped_jobs: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def dir(self) -> str:
        return os.path.join(ROOT, "instance", self.name)

    @property
    def database(self) -> str:
        return f"sympraxis_{self.name.replace('-', '_')}"

    @property
    def vhost(self) -> str:
        return f"sympraxis-{self.name}"

    @property
    def app_ports(self) -> list[int]:
        return [self.base_port + 1 + i for i in range(self.app_servers)]

    @property
    def https_port(self) -> int:
        return self.base_port + 443

    @property
    def http_port(self) -> int:
        return self.base_port + 80

    @property
    def ask_port(self) -> int:
        return self.base_port + 81

    @property
    def worker_metrics_port(self) -> int:
        return self.base_port + 91

    @property
    def ca_cert(self) -> str:
        return os.path.join(self.dir, "caddy-data", "caddy", "pki", "authorities", "local", "root.crt")

    def url(self, host: str = APEX, path: str = "/") -> str:
        return f"https://{host}:{self.https_port}{path}"

    def path(self, *parts: str) -> str:
        return os.path.join(self.dir, *parts)


def log(msg: str) -> None:
    print(f"[stack {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- state ------------------------------------------------------------------------------------


def load_state(stack: Stack) -> dict[str, Any]:
    try:
        with open(stack.path("state.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"processes": {}}


def save_state(stack: Stack, state: dict[str, Any]) -> None:
    os.makedirs(stack.dir, exist_ok=True)
    with open(stack.path("state.json"), "w") as f:
        json.dump(state, f, indent=2)


def secret_key(stack: Stack) -> str:
    """A generated 64-character key, kept across restarts (sessions survive a restart)."""
    path = stack.path("secret_key")
    if not os.path.exists(path):
        os.makedirs(stack.dir, exist_ok=True)
        with open(path, "w") as f:
            f.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path) as f:
        return f.read().strip()


# --- services ---------------------------------------------------------------------------------


def database_urls(stack: Stack, create: bool = True) -> dict[str, str]:
    """The stack's database with the production roles: created if missing, never dropped here."""
    import psycopg

    from core.testing.database import ADMIN_URL, OWNER_ROLE, READER_ROLE, _url, create_test_database

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (stack.database,)).fetchone()
    if not exists and create:
        return create_test_database(stack.database)
    return {
        "owner": "postgresql+psycopg://" + _url(OWNER_ROLE, stack.database).split("://", 1)[1],
        "app": "postgresql+psycopg://" + _url("sympraxis_app", stack.database).split("://", 1)[1],
        "reader": "postgresql+psycopg://" + _url(READER_ROLE, stack.database).split("://", 1)[1],
        "admin": _url("postgres", stack.database, password=False),
    }


def drop_database(stack: Stack) -> None:
    from core.testing.database import drop_test_database

    drop_test_database(stack.database)


def rabbitmqctl(*args: str, check: bool = True) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=check, capture_output=True, timeout=60)


def broker_url(stack: Stack) -> str:
    return f"amqp://{AMQP_HOST}/{stack.vhost}"


def environment(stack: Stack, urls: dict[str, str]) -> dict[str, str]:
    """What every process of the stack is configured with (``SYMPRAXIS_*``, core/config.py)."""
    env = {
        **os.environ,
        "PYTHONPATH": ROOT,
        "SYMPRAXIS_INSTANCE_PATH": stack.path("app-instance"),
        "SYMPRAXIS_SECRET_KEY": secret_key(stack),
        "SYMPRAXIS_SQLALCHEMY_DATABASE_URI": urls["app"],
        "SYMPRAXIS_MIGRATIONS_DATABASE_URI": urls["owner"],
        "SYMPRAXIS_APP_DB_ROLE": "sympraxis_app",
        # cross-municipality reads (NGO dashboard, /me, exports) as the SELECT-only reader role
        "SYMPRAXIS_CROSS_TENANT_READ_DATABASE_URI": urls["reader"],
        "SYMPRAXIS_READER_DB_ROLE": "sympraxis_reader",
        "SYMPRAXIS_PLATFORM_APEX": APEX,
        "SYMPRAXIS_PUBLIC_PORT": str(stack.https_port),
        "SYMPRAXIS_PREFERRED_URL_SCHEME": "https",
        "SYMPRAXIS_SESSION_COOKIE_SECURE": "true",
        # Caddy on loopback is the one proxy in front: trust its X-Forwarded-For/-Proto only
        "SYMPRAXIS_TRUSTED_PROXIES": "127.0.0.1",
        "SYMPRAXIS_FORWARDED_ALLOW_IPS": "127.0.0.1",
        # Redis: rate limits shared by the app servers, and the host cache's shared version
        "SYMPRAXIS_RATELIMIT_STORAGE_URI": REDIS_URL,
        "SYMPRAXIS_RATELIMIT_KEY_PREFIX": f"sympraxis-{stack.name}-rl",
        "SYMPRAXIS_TENANT_CACHE_REDIS_URL": REDIS_URL,
        "SYMPRAXIS_CACHE_KEY_PREFIX": f"sympraxis-{stack.name}",
        "SYMPRAXIS_TENANT_CACHE_TTL": "60",
        "SYMPRAXIS_JOBS_INLINE": "false",
        "SYMPRAXIS_CELERY_BROKER_URL": broker_url(stack),
        "SYMPRAXIS_WORKERS": str(stack.workers),
        "SYMPRAXIS_THREADS": str(stack.threads),
        "PROMETHEUS_MULTIPROC_DIR": stack.path("prometheus"),
        "SYMPRAXIS_METRICS_ENABLED": "true",
        "SYMPRAXIS_METRICS_ALLOWED": '["127.0.0.1/32"]',
        "SYMPRAXIS_LOG_FORMAT": "json",
    }
    if stack.smtp_port:
        env.update(
            SYMPRAXIS_MAIL_BACKEND="smtp",
            SYMPRAXIS_MAIL_SERVER="127.0.0.1",
            SYMPRAXIS_MAIL_PORT=str(stack.smtp_port),
        )
    else:
        env.update(SYMPRAXIS_MAIL_BACKEND="outbox", SYMPRAXIS_MAIL_OUTBOX_DIR=stack.path("outbox"))
    if stack.beat_max_interval:
        env["SYMPRAXIS_BEAT_MAX_INTERVAL"] = str(stack.beat_max_interval)
        if stack.beat_capped_jobs:
            env["SYMPRAXIS_BEAT_CAPPED_JOBS"] = ",".join(stack.beat_capped_jobs)
    env.update(stack.extra_env)
    return env


def caddy_environment(stack: Stack) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": stack.path("caddy-home"),
        "XDG_DATA_HOME": stack.path("caddy-data"),
        "XDG_CONFIG_HOME": stack.path("caddy-config"),
        "SYMPRAXIS_APEX": APEX,
        "SYMPRAXIS_UPSTREAMS": " ".join(f"127.0.0.1:{p}" for p in stack.app_ports),
        "SYMPRAXIS_TLS_MODE": "internal",
        "CADDY_HTTP_PORT": str(stack.http_port),
        "CADDY_HTTPS_PORT": str(stack.https_port),
        "CADDY_ASK_PORT": str(stack.ask_port),
        "CADDY_BIND": "127.0.0.1",
    }


# --- processes --------------------------------------------------------------------------------


def start(stack: Stack, state: dict[str, Any], name: str, argv: list[str], env: dict[str, str]) -> int:
    os.makedirs(stack.path("logs"), exist_ok=True)
    with open(stack.path("logs", f"{name}.log"), "ab") as out:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    state["processes"][name] = {"pid": proc.pid, "argv": argv}
    save_state(stack, state)
    return proc.pid


def app_server_env(stack: Stack, env: dict[str, str], port: int) -> dict[str, str]:
    """One metrics directory per app server: each is scraped on its own, as in production."""
    folder = stack.path("prometheus", f"app-{port}")
    os.makedirs(folder, exist_ok=True)
    for stale in os.listdir(folder):
        os.unlink(os.path.join(folder, stale))
    return {**env, "PROMETHEUS_MULTIPROC_DIR": folder}


def worker_env(stack: Stack, env: dict[str, str]) -> dict[str, str]:
    """The worker is one process (threads): plain metrics, served on its own port."""
    worker = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    worker["SYMPRAXIS_WORKER_METRICS_PORT"] = str(stack.worker_metrics_port)
    return worker


def app_server_argv(stack: Stack, port: int) -> list[str]:
    return [
        os.path.join(BIN, "gunicorn"), "-c", os.path.join(ROOT, "deploy", "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--pid", stack.path(f"app-{port}.pid"), "wsgi:app",
    ]  # fmt: skip


def start_app_server(stack: Stack, index: int, env: dict[str, str] | None = None) -> int:
    """(Re)start app server ``index`` (0-based): a rolling restart or a recovery in the tests."""
    state = load_state(stack)
    env = env or environment(stack, database_urls(stack, create=False))
    port = stack.app_ports[index]
    pid = start(stack, state, f"app-{port}", app_server_argv(stack, port), app_server_env(stack, env, port))
    wait_http(port, "/healthz")
    return pid


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(FileNotFoundError, IndexError), open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ", 1)[1][0] != "Z"
    return True


def stop_process(pid: int, timeout: float = 15.0) -> None:
    """SIGTERM the process group this stack started (a gunicorn master and its workers), then
    SIGKILL whatever is left after ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not alive(pid):
                return
            time.sleep(0.1)


def kill_app_server(stack: Stack, index: int) -> None:
    """SIGKILL one app server's whole process group: a crash, not a graceful stop."""
    state = load_state(stack)
    pid = state["processes"][f"app-{stack.app_ports[index]}"]["pid"]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.05)


def wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s") from None
            time.sleep(0.2)


def wait_http(port: int, path: str, timeout: float = 90.0) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"127.0.0.1:{port}{path} did not answer 200 after {timeout}s")
        time.sleep(0.3)


def wait_tls(stack: Stack, timeout: float = 60.0) -> None:
    """Until Caddy serves the apex's ``/healthz`` with 200 over TLS (a certificate from its internal
    CA, and an app server Caddy itself counts healthy: its active health checks start with every
    upstream down, and an on-demand ask made before the first passing check is refused)."""
    import http.client

    deadline = time.monotonic() + timeout
    while True:
        try:
            if os.path.exists(stack.ca_cert):
                ctx = ssl.create_default_context(cafile=stack.ca_cert)
                conn = http.client.HTTPSConnection("127.0.0.1", stack.https_port, timeout=5, context=ctx)
                conn.sock = ctx.wrap_socket(
                    socket.create_connection(("127.0.0.1", stack.https_port), timeout=5), server_hostname=APEX
                )
                conn.request("GET", "/healthz", headers={"Host": APEX})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
        except (OSError, ssl.SSLError, http.client.HTTPException):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("Caddy did not serve the apex over TLS in time")
        time.sleep(0.3)


def wait_log(path: str, needle: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError), open(path, errors="replace") as f:
            if needle in f.read():
                return
        time.sleep(0.3)
    raise RuntimeError(f"{needle!r} did not appear in {path} within {timeout}s")


# --- up / down --------------------------------------------------------------------------------


def up(stack: Stack, seed: bool = False) -> dict[str, Any]:
    """Start everything (migrating first, as an upgrade does), wait until it serves, return state."""
    if shutil.which("caddy") is None:
        raise SystemExit("caddy is not installed: `apt-get install -y caddy` (make stack does it)")
    state = load_state(stack)
    if any(alive(p["pid"]) for p in state["processes"].values()):
        raise SystemExit(f"the stack {stack.name!r} is already running: `make stack-down` first")
    state = {"processes": {}, "stack": stack.name}
    for sub in ("logs", "prometheus", "app-instance"):
        os.makedirs(stack.path(sub), exist_ok=True)
    urls = database_urls(stack)
    env = environment(stack, urls)
    log(f"database {stack.database}: migrating")
    subprocess.run([os.path.join(BIN, "sympraxis"), "db", "upgrade"], cwd=ROOT, env=env, check=True)
    log(f"RabbitMQ virtual host {stack.vhost}")
    rabbitmqctl("add_vhost", stack.vhost, check=False)
    rabbitmqctl("set_permissions", "-p", stack.vhost, AMQP_HOST.split(":", 1)[0], ".*", ".*", ".*")
    if seed:  # the demo municipalities (idempotent), as `make demo` seeds them
        subprocess.run([os.path.join(BIN, "sympraxis"), "demo", "--no-serve"], cwd=ROOT, env=env, check=True)
    try:
        for port in stack.app_ports:
            start(stack, state, f"app-{port}", app_server_argv(stack, port), app_server_env(stack, env, port))
        celery = os.path.join(BIN, "celery")
        start(
            stack, state, "worker",
            [celery, "-A", "deploy.worker:celery", "worker", "-P", "threads", "-c", "2", "-l", "INFO",
             "-n", f"{stack.name}@%h", "--without-gossip", "--without-mingle"],
            worker_env(stack, env),
        )  # fmt: skip
        start(
            stack, state, "beat",
            [celery, "-A", "deploy.worker:celery", "beat", "-l", "INFO", "-s", stack.path("beat-schedule")],
            env,
        )  # fmt: skip
        for port in stack.app_ports:  # before Caddy, so its first health checks find them up
            wait_http(port, "/healthz")
        start(
            stack, state, "caddy",
            ["caddy", "run", "--config", os.path.join(ROOT, "deploy", "Caddyfile"), "--adapter", "caddyfile"],
            caddy_environment(stack),
        )  # fmt: skip
        wait_port(stack.https_port)
        wait_tls(stack)
        # the on-demand ask, through Caddy's own proxy: certificates can be issued from here on
        wait_http(stack.ask_port, f"/tls/allowed?domain={APEX}")
        wait_log(stack.path("logs", "worker.log"), "ready.")
    except BaseException:
        down(stack)
        raise
    state["urls"] = urls
    save_state(stack, state)
    return state


def down(stack: Stack, drop: bool = False) -> None:
    """Stop what ``up`` started (Caddy first, so no request reaches a stopping server)."""
    state = load_state(stack)
    order = ["caddy", "beat", "worker"] + [n for n in state["processes"] if n.startswith("app-")]
    for name in order:
        entry = state["processes"].get(name)
        if entry:
            stop_process(entry["pid"])
    state["processes"] = {}
    save_state(stack, state)
    rabbitmqctl("delete_vhost", stack.vhost, check=False)
    with contextlib.suppress(Exception):
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=1)
        for key in client.scan_iter(f"sympraxis-{stack.name}*"):
            client.delete(key)
    if drop:
        drop_database(stack)


def print_urls(stack: Stack) -> None:
    print(f"""
Sympraxis stack {stack.name!r} is up (Caddy's internal CA: {stack.ca_cert})
  platform:        {stack.url()}
  municipalities:  https://<slug>.{APEX}:{stack.https_port}/  (demo: orestiada, haskovo, sector3 with --seed)
  app servers:     {", ".join(f"http://127.0.0.1:{p}" for p in stack.app_ports)}  (gunicorn, direct)
  metrics:         http://127.0.0.1:<app server port>/metrics, worker http://127.0.0.1:{stack.worker_metrics_port}/
  logs:            {stack.path("logs")}/
  try:             curl --cacert {stack.ca_cert} --resolve {APEX}:{stack.https_port}:127.0.0.1 {stack.url(path="/healthz")}
  stop:            make stack-down
""")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--name", default="stack")
    parser.add_argument("--base-port", type=int, default=18000)
    parser.add_argument("--seed", action="store_true", help="seed the demo municipalities (up)")
    parser.add_argument("--drop", action="store_true", help="drop the database too (down)")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    stack = Stack(name=args.name, base_port=args.base_port)
    if args.command == "up":
        up(stack, seed=args.seed)
        print_urls(stack)
    elif args.command == "down":
        down(stack, drop=args.drop)
        log("stopped")
    else:
        for name, entry in load_state(stack)["processes"].items():
            print(f"{name:12} pid {entry['pid']:7}  {'running' if alive(entry['pid']) else 'stopped'}")


if __name__ == "__main__":
    main()
