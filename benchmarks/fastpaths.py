"""Each fast path of the request path, on against off, beside the bare control: ``make benchmark-fastpaths``.

For every group of variants (``benchmarks/fastpath_variants.py``) the script serves, side by side
with the settings of ``deploy/gunicorn.conf.py``:

- **on**: Sympraxis as shipped (``wsgi:app``, every fast path on);
- one server per variant of the group (the fast path off, or in another form);
- **control**: the bare Flask + psycopg baseline (``baseline_bare.py``), whose own spread over the
  rounds says how far the machine moves the same code from round to round.

It checks that they all answer the same JSON, then measures ``--rounds`` rounds, each server in
turn (the order rotates every round), with ``wrk -t2 -c16`` for ``--duration`` seconds per
endpoint. The table gives, per server and endpoint, the median req/s over the rounds and its
spread ((max - min) / median), the median CPU per request (app + PostgreSQL), and the gain of on
over off (median against median). A fast path is worth its coupling only where its gain is larger
than the control's spread in the same run. The table is printed and written to
``benchmarks/results/fastpaths.md``.

    .venv/bin/python benchmarks/fastpaths.py [--rounds 7] [--duration 4] [--group dump ...]

Its own database (``sympraxis_bench_fastpaths``): it can run beside ``make benchmark``.
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
from fastpath_variants import VARIANTS  # noqa: E402

#: Groups measured together: the fast path's name -> the variants that put it off (or change it).
GROUPS: dict[str, tuple[str, ...]] = {
    "dump": ("dump-off",),
    "begin": ("begin-off", "begin-cursor"),
    "commit": ("commit-session", "commit-off"),
    "login": ("login-off",),
    "ensure-sync": ("ensure-sync-off",),
}
GROUPS = {g: v for g, v in GROUPS.items() if all(name in VARIANTS for name in v)}


#: Every round's req/s and CPU µs/req, by group, endpoint and server (written beside the table).
RAW: dict[str, dict[str, dict[str, list[list[float]]]]] = {}


def spread(values: list[float]) -> float:
    return (max(values) - min(values)) / statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--group", choices=sorted(GROUPS), action="append", help="only this group (repeatable)"
    )
    parser.add_argument("--endpoint", choices=run.ENDPOINTS, action="append")
    parser.add_argument(
        "--instructions",
        type=int,
        default=0,
        metavar="N",
        help="also count instructions per request under callgrind (N requests, in-process) for each variant",
    )
    parser.add_argument("--instructions-only", action="store_true", help="only the callgrind counts")
    args = parser.parse_args()
    run.ensure_wrk()
    os.makedirs(run.RESULTS_DIR, exist_ok=True)
    started = time.monotonic()
    run.log(f"creating database {run.DB_NAME}")
    urls = run.create_database()
    app = run.build_app(urls)
    run.migrate(app, urls)
    busy = run.seed_busy_tenants(app)
    endpoints = args.endpoint or list(run.ENDPOINTS)

    lines: list[list[str]] = []
    groups = args.group or list(GROUPS)
    counted = (
        count_instructions(groups, endpoints, busy[0], args.instructions or 100)
        if (args.instructions or args.instructions_only)
        else []
    )
    for group in [] if args.instructions_only else groups:
        lines += measure_group(group, urls, busy, endpoints, args)
    for server in _SERVERS.values():
        server.stop()
    elapsed = time.monotonic() - started
    table = render(HEADER, lines)
    if counted:
        table += "\n\nInstructions per request (callgrind, in-process, one connection):\n\n"
        table += render(("fast path", "endpoint", "variant", "instructions per request", "on saves"), counted)
    context = (
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end, gunicorn gthread {args.workers} workers × {args.threads} "
        f"threads, wrk 2 threads × {args.connections} connections, {args.duration:g} s × {args.rounds} "
        f"rounds, total {elapsed:.0f} s"
    )
    print(table)
    print()
    print(context)
    with open(os.path.join(run.RESULTS_DIR, "fastpaths.md"), "w") as f:
        f.write(f"# Fast paths\n\n`benchmarks/fastpaths.py` ({context})\n\n{table}\n")
    with open(os.path.join(run.RESULTS_DIR, "fastpaths-rounds.json"), "w") as f:
        json.dump({"context": context, "rounds": RAW}, f, indent=1)
    return 0


_SERVERS: dict[str, run.Server] = {}


def measure_group(
    group: str, urls: dict[str, str], busy: list[str], endpoints: list[str], args
) -> list[list[str]]:
    """Serve the group's variants beside "on" and the control (both kept for the next group)."""
    if not _SERVERS:
        _SERVERS["control"] = run.start_server("bare", urls, args.workers, args.threads, busy[0])
        _SERVERS["on"] = run.start_server("sympraxis-fp-on", urls, args.workers, args.threads, busy[0])
    offs = {
        v: run.start_server(
            f"sympraxis-fp-{v}",
            urls,
            args.workers,
            args.threads,
            busy[0],
            app_spec="fastpaths_app:app",
            BENCH_FASTPATH_VARIANTS=v,
        )
        for v in GROUPS[group]
    }
    with run.servers_running(*offs.values()):
        servers = {**_SERVERS, **offs}
        run.check_same_json(servers, busy)
        return measure(group, servers, endpoints, busy, args)


def measure(
    group: str, servers: dict[str, run.Server], endpoints: list[str], busy: list[str], args
) -> list[list[str]]:
    names = list(servers)
    rows: list[list[str]] = []
    for path in endpoints:
        for server in servers.values():
            run.wrk(server, path, busy, 2, connections=args.connections)  # warm up
        loads: dict[str, list[run.Load]] = {n: [] for n in names}
        for rnd in range(args.rounds):
            order = names[rnd % len(names) :] + names[: rnd % len(names)]
            for name in order:
                loads[name].append(
                    run.wrk(servers[name], path, busy, args.duration, connections=args.connections)
                )
            run.log(
                f"{group} {path} round {rnd + 1}: "
                + ", ".join(f"{n} {loads[n][-1].rps:.0f} req/s ({loads[n][-1].cpu_us:.0f} µs)" for n in names)
            )
        RAW.setdefault(group, {})[path] = {n: [[x.rps, x.cpu_us] for x in loads[n]] for n in names}
        rps = {n: [x.rps for x in loads[n]] for n in names}
        cpu = {n: [x.cpu_us for x in loads[n]] for n in names}
        med = {n: statistics.median(rps[n]) for n in names}
        med_cpu = {n: statistics.median(cpu[n]) for n in names}
        noise, noise_cpu = spread(rps["control"]), spread(cpu["control"])
        for name in names:
            gain = gain_cpu = paired = reading = ""
            if name not in ("control", "on"):
                g = med["on"] / med[name] - 1
                g_cpu = med_cpu[name] / med_cpu["on"] - 1  # CPU per request saved by the fast path
                gain, gain_cpu = f"{g:+.1%}", f"{g_cpu:+.1%}"
                ratios = [a.rps / b.rps for a, b in zip(loads["on"], loads[name], strict=True)]
                paired = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
                beats = [label for label, x, n in (("req/s", g, noise), ("CPU", g_cpu, noise_cpu)) if x > n]
                reading = (
                    "on gains more than the control's spread: " + ", ".join(beats)
                    if beats
                    else "within the noise"
                )
            rows.append(
                [
                    group,
                    path,
                    name,
                    f"{med[name]:,.0f}",
                    f"{min(rps[name]):,.0f}–{max(rps[name]):,.0f} ({spread(rps[name]):.0%})",
                    f"{med_cpu[name]:,.0f}",
                    f"{min(cpu[name]):,.0f}–{max(cpu[name]):,.0f} ({spread(cpu[name]):.0%})",
                    gain,
                    gain_cpu,
                    paired,
                    reading,
                ]
            )
    return rows


HEADER = (
    "fast path",
    "endpoint",
    "server",
    "req/s (median)",
    "req/s min–max (spread)",
    "CPU µs/req (median)",
    "CPU min–max (spread)",
    "gain in req/s",
    "gain in CPU",
    "on ÷ this, same round: median (range)",
    "reading",
)


def count_instructions(groups: list[str], endpoints: list[str], host: str, n: int) -> list[list[str]]:
    """Instructions per request of Sympraxis as shipped and with each variant (callgrind): the work
    a fast path saves in the application's process, which machine load cannot move."""
    import instructions

    rows: list[list[str]] = []
    for path in endpoints:
        os.environ["BENCH_FASTPATH_VARIANTS"] = ""
        on = instructions.measure("sympraxis", path, host, n)["Ir"]
        run.log(f"{path}: {on:,} instructions per request, every fast path on")
        rows.append(["", path, "on", f"{on:,}", ""])
        for group in groups:
            for variant in GROUPS[group]:
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
