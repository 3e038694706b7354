"""Each fast path, on against off, beside the control: ``make benchmark-fastpaths``.

For every group of variants (``benchmarks/fastpath_variants.py``) the script serves, side by side
with the settings of ``deploy/gunicorn.conf.py``:

- **control**: the bare Flask + psycopg baseline (``baseline_bare.py``): its own spread over the
  rounds says how far this machine moves the same code from round to round;
- **on**: Sympraxis as it is (``wsgi:app``), and **on-again**, the same server a second time (an
  on/off comparison of two identical servers: how far such a ratio moves by chance);
- one server per variant of the group: one fast path off (or in another form), the rest as is.

It checks that they all answer the same JSON, then measures ``--rounds`` rounds, every server in
turn (the order rotates each round), ``wrk -t2 -c16`` for ``--duration`` seconds per endpoint:
requests per second, and CPU per request of the server's workers and their PostgreSQL backends.

The table gives, per server, the median over the rounds and its spread (the interquartile range,
then the full range, each ÷ the median), and per variant the gain of **on** over it (median
against median: fewer µs of CPU per request, more req/s). A fast path is kept only where its gain
in CPU per request is larger than the control's spread of CPU per request (its interquartile
range) in the same run: on a shared machine CPU per request is the steadier of the two figures,
and it is what a fast path saves. The table goes to ``benchmarks/results/fastpaths.md``, every
round's figures to ``fastpaths-rounds.json`` (``--report FILE`` renders one again).

``--instructions N`` adds instructions per request under callgrind (in-process, ``N`` requests,
``benchmarks/instructions.py``), which machine load cannot move.

    .venv/bin/python benchmarks/fastpaths.py [--rounds 9] [--duration 4] [--group begin ...]

It uses a database of its own (``sympraxis_bench_fastpaths``), so it can run beside ``make benchmark``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("BENCH_DB_NAME", "sympraxis_bench_fastpaths")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run  # noqa: E402
from fastpath_variants import GROUPS  # noqa: E402

#: Served in every group, beside the group's variants.
FIXED = ("control", "on", "on-again")
#: Every round's (req/s, CPU µs/req), by group, endpoint and server.
RAW: dict[str, dict[str, dict[str, list[list[float]]]]] = {}
_SERVERS: dict[str, run.Server] = {}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--group", choices=sorted(GROUPS), action="append", help="only this group (repeatable)"
    )
    parser.add_argument("--endpoint", choices=run.ENDPOINTS, action="append")
    parser.add_argument("--instructions", type=int, default=0, metavar="N", help="callgrind counts too")
    parser.add_argument("--instructions-only", action="store_true", help="only the callgrind counts")
    parser.add_argument("--report", metavar="FILE", help="render a fastpaths-rounds.json again")
    parser.add_argument(
        "--before",
        metavar="DIR",
        help="another checkout of the repository (say, main's): its wsgi:app is served as the variant "
        '"before" of a group of its own, "branch"',
    )
    args = parser.parse_args()
    if args.report:
        with open(args.report) as f:
            saved = json.load(f)
        print(render_rounds(saved["rounds"]) + "\n\n" + saved["context"])
        return 0
    run.ensure_wrk()
    os.makedirs(run.RESULTS_DIR, exist_ok=True)
    started = time.monotonic()
    run.log(f"creating database {run.DB_NAME}")
    urls = run.create_database()
    app = run.build_app(urls)
    run.migrate(app, urls)
    busy = run.seed_busy_tenants(app)
    endpoints = args.endpoint or list(run.ENDPOINTS)
    groups = args.group or list(GROUPS)
    if args.before:
        GROUPS["branch"] = ("before",)
        groups.append("branch")

    counted: list[list[str]] = []
    if args.instructions or args.instructions_only:
        counted = count_instructions(groups, endpoints, busy[0], args.instructions or 100)
    try:
        for group in [] if args.instructions_only else groups:
            measure_group(group, urls, busy, endpoints, args)
    finally:
        for server in _SERVERS.values():
            server.stop()
    table = render_rounds(RAW) if RAW else ""
    if counted:
        table += "\n\nInstructions per request (callgrind, in-process, one connection):\n\n"
        table += render(("fast path", "endpoint", "variant", "instructions per request", "on saves"), counted)
    context = (
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end, gunicorn gthread {args.workers} workers × {args.threads} "
        f"threads, wrk 2 threads × {args.connections} connections, {args.duration:g} s × {args.rounds} "
        f"rounds, total {time.monotonic() - started:.0f} s"
    )
    print(table + "\n\n" + context)
    with open(os.path.join(run.RESULTS_DIR, "fastpaths.md"), "w") as f:
        f.write(f"# Fast paths\n\n`benchmarks/fastpaths.py` ({context})\n\n{table}\n")
    with open(os.path.join(run.RESULTS_DIR, "fastpaths-rounds.json"), "w") as f:
        json.dump({"context": context, "rounds": RAW, "instructions": counted}, f, indent=1)
    return 0


def measure_group(group: str, urls: dict[str, str], busy: list[str], endpoints: list[str], args) -> None:
    """Serve the group's variants beside the fixed servers (kept for the next group) and measure."""
    if not _SERVERS:
        _SERVERS["control"] = run.start_server("bare", urls, args.workers, args.threads, busy[0])
        for name in ("on", "on-again"):
            _SERVERS[name] = run.start_server(
                f"sympraxis-fp-{name}", urls, args.workers, args.threads, busy[0]
            )
    variants = {}
    for v in GROUPS[group]:
        if v == "before":  # another checkout's code, its own modules first on the path
            variants[v] = run.start_server(
                "sympraxis-fp-before", urls, args.workers, args.threads, busy[0], cwd=args.before
            )
            continue
        variants[v] = run.start_server(
            f"sympraxis-fp-{v.replace(',', '+')}",
            urls,
            args.workers,
            args.threads,
            busy[0],
            app_spec="fastpaths_app:app",
            BENCH_FASTPATH_VARIANTS=v,
        )
    with run.servers_running(*variants.values()):
        servers = {**_SERVERS, **variants}
        run.check_same_json(servers, busy)
        names = list(servers)
        for path in endpoints:
            for server in servers.values():
                run.wrk(server, path, busy, 2, connections=args.connections)  # warm up
            rounds: dict[str, list[list[float]]] = {n: [] for n in names}
            for rnd in range(args.rounds):
                for name in names[rnd % len(names) :] + names[: rnd % len(names)]:
                    load = run.wrk(servers[name], path, busy, args.duration, connections=args.connections)
                    rounds[name].append([load.rps, load.cpu_us])
                run.log(
                    f"{group} {path} round {rnd + 1}: "
                    + ", ".join(f"{n} {r[-1][0]:.0f} req/s ({r[-1][1]:.0f} µs)" for n, r in rounds.items())
                )
            RAW.setdefault(group, {})[path] = rounds


def relative_spreads(values: list[float]) -> tuple[float, float]:
    """(interquartile range, full range), each divided by the median."""
    median = statistics.median(values)
    q1, _q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (q3 - q1) / median, (max(values) - min(values)) / median


HEADER = (
    "fast path",
    "endpoint",
    "server",
    "req/s: median (IQR; range)",
    "CPU µs/req: median (IQR; range)",
    "on gains: CPU, req/s",
    "on ÷ this, same round (req/s)",
    "reading",
)


def render_rounds(raw: dict[str, dict[str, dict[str, list[list[float]]]]]) -> str:
    rows: list[list[str]] = []
    for group, paths in raw.items():
        for path, rounds in paths.items():
            rps = {n: [r[0] for r in v] for n, v in rounds.items()}
            cpu = {n: [r[1] for r in v] for n, v in rounds.items()}
            noise = relative_spreads(cpu["control"])[0]
            for name in rounds:
                gains = paired = reading = ""
                if name not in ("control", "on"):
                    g_cpu = statistics.median(cpu[name]) / statistics.median(cpu["on"]) - 1
                    g_rps = statistics.median(rps["on"]) / statistics.median(rps[name]) - 1
                    gains = f"{g_cpu:+.1%}, {g_rps:+.1%}"
                    ratios = [a / b for a, b in zip(rps["on"], rps[name], strict=True)]
                    paired = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
                    if name == "on-again":
                        reading = "the same code: chance"
                    else:
                        beats = g_cpu > noise
                        reading = f"{'more' if beats else 'less'} than the control's spread ({noise:.0%})"
                rows.append(
                    [
                        group,
                        path,
                        name,
                        _figure(rps[name], "{:,.0f}"),
                        _figure(cpu[name], "{:,.0f}"),
                        gains,
                        paired,
                        reading,
                    ]
                )
    return render(HEADER, rows)


def _figure(values: list[float], fmt: str) -> str:
    iqr, full = relative_spreads(values)
    return f"{fmt.format(statistics.median(values))} ({iqr:.0%}; {full:.0%})"


def count_instructions(groups: list[str], endpoints: list[str], host: str, n: int) -> list[list[str]]:
    """Instructions per request as is and with each variant (callgrind): the work a fast path saves
    in the application's process, which machine load cannot move (PostgreSQL's is not counted)."""
    import instructions

    rows: list[list[str]] = []
    for path in endpoints:
        os.environ["BENCH_FASTPATH_VARIANTS"] = ""
        on = instructions.measure("sympraxis", path, host, n)["Ir"]
        run.log(f"{path}: {on:,} instructions per request as is")
        rows.append(["", path, "on", f"{on:,}", ""])
        for group in groups:
            for variant in (v for v in GROUPS[group] if v != "before"):
                os.environ["BENCH_FASTPATH_VARIANTS"] = variant
                off = instructions.measure("sympraxis", path, host, n)["Ir"]
                run.log(f"{path}: {off:,} instructions per request with {variant}")
                rows.append([group, path, variant, f"{off:,}", f"{1 - on / off:+.1%}"])
        os.environ.pop("BENCH_FASTPATH_VARIANTS", None)
    return rows


def render(header: tuple[str, ...], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
