"""The proxy's cost, measured: the same requests through Caddy (TLS, deploy/Caddyfile) and straight
to gunicorn, in the same run, on the native stack (``deploy/stack.py``, ports 20xxx).

``.venv/bin/python benchmarks/stack.py [--seconds 8] [--connections 8]`` starts its own stack,
creates one municipality, and for each path measures the median single-connection latency and the
throughput with N keep-alive connections: gunicorn direct (one app server), Caddy in front of the
same one server, Caddy over both. Prints markdown rows for benchmarks/RESULTS.md and the README.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import ssl
import statistics
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from deploy import stack as stack_module  # noqa: E402


class _SNI(http.client.HTTPSConnection):
    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def _connection(stack, via: str, host: str):
    if via == "direct":
        conn = http.client.HTTPConnection("127.0.0.1", stack.app_ports[0], timeout=10)
        return conn, {"Host": host}
    ctx = ssl.create_default_context(cafile=stack.ca_cert)
    conn = _SNI(host, stack.https_port, context=ctx, timeout=10)
    return conn, {"Host": f"{host}:{stack.https_port}"}


def measure(stack, via: str, host: str, path: str, seconds: float, connections: int) -> dict[str, float]:
    """Median latency on one connection, then requests per second over ``connections``."""
    conn, headers = _connection(stack, via, host)
    latencies = []
    for _ in range(200):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
        latencies.append(time.perf_counter() - started)
    conn.close()
    done = [0] * connections
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        c, h = _connection(stack, via, host)
        while time.monotonic() < stop:
            c.request("GET", path, headers=h)
            r = c.getresponse()
            r.read()
            if r.status == 200:
                done[i] += 1
        c.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "p50_ms": statistics.median(latencies[20:]) * 1000,
        "rps": sum(done) / (time.monotonic() - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    stack = stack_module.Stack(name="stackbench", base_port=20000)
    stack_module.down(stack, drop=True)
    try:
        stack_module.up(stack)
        from core.app import _loads, create_app
        from core.extensions import db
        from core.tenant_admin import NewTenant, create_tenant

        env = stack_module.environment(stack, stack_module.database_urls(stack, create=False))
        config = {
            k.removeprefix("SYMPRAXIS_"): _loads(v) for k, v in env.items() if k.startswith("SYMPRAXIS_")
        }
        app = create_app(config)
        with app.app_context():
            create_tenant(
                NewTenant(slug="bench", name="Bench", country="GR", default_locale="el", locales=["el"])
            )
            db.session.commit()
        host = f"bench.{stack_module.APEX}"
        rows = []
        for path in ("/healthz", "/api/v1/tenant"):
            direct = measure(stack, "direct", host, path, args.seconds, args.connections)
            proxied = measure(stack, "caddy", host, path, args.seconds, args.connections)
            rows.append(
                f"| {path} | gunicorn direct (1 server) | {direct['rps']:,.0f} | {direct['p50_ms']:.2f} | 1.00 |"
            )
            rows.append(
                f"| {path} | Caddy (TLS) → 2 servers | {proxied['rps']:,.0f} | {proxied['p50_ms']:.2f} | "
                f"{proxied['rps'] / direct['rps']:.2f} (p50 +{proxied['p50_ms'] - direct['p50_ms']:.2f} ms) |"
            )
        print(f"\nRun of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.connections} connections, "
              f"{args.seconds:.0f} s each, Python client on the same 2 CPUs\n")  # fmt: skip
        print("| path | via | req/s | p50 ms (1 conn) | × direct req/s |")
        print("|---|---|---|---|---|")
        for row in rows:
            print(row)
    finally:
        stack_module.down(stack, drop=True)


if __name__ == "__main__":
    main()
