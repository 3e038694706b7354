"""Instructions per request, counted by valgrind's callgrind: a figure that machine load cannot move.

Wall-clock and CPU figures on a shared 2-CPU machine swing by a third from run to run; the number
of instructions a request executes does not (the same to within 0.1% between runs, with a fixed
hash seed). Use it to compare two versions of the request path, then confirm with ``run.py``.
Instructions are not time: a bigger working set costs more per instruction, and PostgreSQL's side
is not counted (``profile_request.py`` and ``run.py`` report it).

Run after ``benchmarks/run.py`` (it reuses the ``sympraxis_bench`` database)::

    .venv/bin/python benchmarks/instructions.py [--path /api/v1/testplugin/notes] [-n 100] [--impl orm]

Each implementation runs in its own process under ``valgrind --tool=callgrind`` with
instrumentation off; after 200 warm-up requests the script switches it on
(``callgrind_control -i on``) for ``n`` requests only. Needs Debian's ``valgrind``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def child(impl: str, path: str, host: str, n: int, handshake: str) -> None:
    """Inside valgrind: warm up, signal, wait for instrumentation, run ``n`` requests, signal."""
    sys.path[:0] = [ROOT, HERE]
    if impl == "sympraxis" and os.environ.get("BENCH_FASTPATH_VARIANTS"):  # benchmarks/fastpaths.py
        from fastpath_variants import apply

        apply(os.environ["BENCH_FASTPATH_VARIANTS"])
    import profile_request

    from core.testing.database import _url

    os.environ["BENCH_PLAIN_DATABASE_URL"] = _url("sympraxis_bench_plain", profile_request.DB)
    if impl == "sympraxis":
        app = profile_request.sympraxis_app()
    else:
        app = __import__({"bare": "baseline_bare", "orm": "baseline_orm"}[impl]).app
    client = app.test_client()
    for _ in range(200):
        assert client.get(path, headers={"Host": host}).status_code == 200
    open(os.path.join(handshake, "ready"), "w").close()
    while not os.path.exists(os.path.join(handshake, "go")):
        time.sleep(0.05)
    for _ in range(n):
        client.get(path, headers={"Host": host})
    open(os.path.join(handshake, "done"), "w").close()
    while not os.path.exists(os.path.join(handshake, "stop")):
        time.sleep(0.05)


def measure(impl: str, path: str, host: str, n: int, cache_sim: bool = False) -> dict[str, int]:
    """Events per request of ``impl`` (``Ir``, instructions; with ``cache_sim`` also the simulated
    cache misses, e.g. ``D1mr``, ``DLmr``), from a callgrind run of ``n`` requests."""
    with tempfile.TemporaryDirectory() as handshake:
        out = os.path.join(handshake, "callgrind.out")
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--cache-sim={'yes' if cache_sim else 'no'}",
            *os.environ.get("BENCH_VALGRIND_ARGS", "").split(),
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            handshake,
            "--impl",
            impl,
            "--path",
            path,
            "--host",
            host,
            "-n",
            str(n),
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}  # dict and set orders, hence counts, repeat
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def wait_for(name: str) -> None:
            while not os.path.exists(os.path.join(handshake, name)):
                if proc.poll() is not None:
                    raise RuntimeError(f"{impl}: valgrind exited early:\n{proc.stderr.read()[-2000:]}")
                time.sleep(0.2)

        try:
            wait_for("ready")
            subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
            open(os.path.join(handshake, "go"), "w").close()
            wait_for("done")
            subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True, capture_output=True)
            open(os.path.join(handshake, "stop"), "w").close()
            proc.wait(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
        with open(out) as f:
            lines = f.readlines()
        events = next(line for line in lines if line.startswith("events:")).split()[1:]
        totals = [line for line in lines if line.startswith("totals:")][-1].split()[1:]
        return {event: int(total) // n for event, total in zip(events, totals, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--path", default="/api/v1/testplugin/notes")
    parser.add_argument("--host", default="busy00.localhost")
    parser.add_argument("-n", type=int, default=100, help="requests counted (default 100)")
    parser.add_argument("--impl", choices=("bare", "orm", "sympraxis"), action="append")
    parser.add_argument(
        "--cache-sim",
        action="store_true",
        help="also simulate the caches: misses per request in L1 and the last level (slower)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.impl[0], args.path, args.host, args.n, args.child)
        return
    if not shutil.which("valgrind"):
        sys.exit("valgrind is missing: apt-get install valgrind")
    counts = {
        impl: measure(impl, args.path, args.host, args.n, args.cache_sim)
        for impl in args.impl or ("bare", "orm", "sympraxis")
    }
    for impl, events in counts.items():
        ratio = f"  ({events['Ir'] / counts['orm']['Ir']:.3f} × ORM)" if "orm" in counts else ""
        line = f"{impl:10s} {args.path}: {events['Ir']:,} instructions per request{ratio}"
        if args.cache_sim:
            data_l1 = events["D1mr"] + events["D1mw"]
            last_level = events["ILmr"] + events["DLmr"] + events["DLmw"]
            line += f"; misses: L1 instructions {events['I1mr']:,}, L1 data {data_l1:,}, last level {last_level:,}"
        print(line)


if __name__ == "__main__":
    main()
