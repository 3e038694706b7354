"""Where a request's time goes: CPU per request in-process (WSGI test client), Sympraxis vs baselines.

Run after ``benchmarks/run.py`` (it reuses the ``sympraxis_bench`` database)::

    .venv/bin/python benchmarks/profile_request.py [--profile] [--path /api/v1/tenant] [-n 3000]

Prints CPU microseconds per request for each implementation; ``--profile`` adds a cProfile of
Sympraxis's requests sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from core.testing.database import _url  # noqa: E402

DB = os.environ.get("BENCH_DB_NAME", "sympraxis_bench")  # benchmarks/fastpaths.py: its own


def per_request_us(app, path: str, host: str, n: int) -> tuple[float, float, float]:
    """User CPU, system CPU and wall time per request, in microseconds."""
    client = app.test_client()
    for _ in range(200):
        assert client.get(path, headers={"Host": host}).status_code == 200
    before, wall = os.times(), time.perf_counter()
    for _ in range(n):
        client.get(path, headers={"Host": host})
    after = os.times()
    user, system = (after.user - before.user) / n * 1e6, (after.system - before.system) / n * 1e6
    return user, system, (time.perf_counter() - wall) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default="/api/v1/tenant")
    parser.add_argument("--host", default="busy00.localhost")
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--impl", choices=("bare", "orm", "sympraxis"))
    args = parser.parse_args()
    if args.impl is None:  # each in its own process: core's Session listeners are process-wide
        for impl in ("bare", "orm", "sympraxis"):
            extra = (
                ["--profile"]
                if args.profile and impl in os.environ.get("BENCH_PROFILE_IMPLS", "sympraxis").split(",")
                else []
            )
            cmd = [sys.executable, __file__, "--impl", impl, "--path", args.path, "--host", args.host]
            subprocess.run([*cmd, "-n", str(args.n), *extra], check=True)
        return
    os.environ["BENCH_PLAIN_DATABASE_URL"] = _url("sympraxis_bench_plain", DB)
    if args.impl == "bare":
        import baseline_bare

        app = baseline_bare.app
    elif args.impl == "orm":
        import baseline_orm

        app = baseline_orm.app
    else:
        app = sympraxis_app()
    user, system, wall = per_request_us(app, args.path, args.host, args.n)
    print(
        f"{args.impl:10s} {args.path}: {user + system:7.0f} µs CPU ({user:.0f} user, {system:.0f} system),"
        f" {wall:7.0f} µs wall per request",
        flush=True,
    )
    if args.profile:
        client = app.test_client()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.n):
            client.get(args.path, headers={"Host": args.host})
        prof.disable()
        pstats.Stats(prof).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
            int(os.environ.get("BENCH_TOP", "60"))
        )


def sympraxis_app():
    import logging

    logging.disable(logging.ERROR)
    from core.app import create_app

    return create_app(
        {
            "SECRET_KEY": "profile-" + "k" * 32,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://" + _url("sympraxis_app", DB).split("://", 1)[1],
            "SYMPRAXIS_PLUGIN_GROUPS": ["sympraxis.plugins", "sympraxis.test_plugins"],
        }
    )


if __name__ == "__main__":
    main()
