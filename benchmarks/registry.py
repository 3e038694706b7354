"""The registry's aggregate job, measured in memory: building the cells of every level from the
figure rows and suppressing them (primary and secondary), for N municipalities with 20 entries
and 3 years of figures each (issue 15). The database read that feeds it (one streamed SELECT
through the cross-tenant reader) is not part of this measure.

    .venv/bin/python benchmarks/registry.py            # 1,000, 2,000 and 4,000 municipalities
    .venv/bin/python benchmarks/registry.py --full     # and 10,000
"""

import argparse
import decimal
import random
import resource
import sys
import time
from collections import defaultdict
from types import SimpleNamespace

from plugins.registry import aggregates, taxonomy

SECTORS = list(taxonomy.SECTORS)
GROUPS = list(taxonomy.POPULATION_GROUPS)


def synthetic(n: int, seed: int = 15):
    """N municipalities in 40 NUTS 3 areas of 4 countries; 20 entries each, 3 years of figures."""
    rng = random.Random(seed)
    municipalities, names, rows = {}, {}, []
    for m in range(n):
        country = ("EL", "BG", "RO", "CY")[m % 4]
        nuts2 = f"{country}{m % 10 // 5 + 1}{m % 5}"[:4]
        nuts3 = f"{nuts2}{m % 40 // 10}"
        municipalities[m] = SimpleNamespace(nuts3=nuts3, nuts2=nuts2, country=country)
        names[m] = (f"m{m}", f"Municipality {m}")
        for _e in range(20):
            sectors = [rng.choice(SECTORS)]
            groups = rng.sample(GROUPS, rng.randint(1, 3))
            for year in (2023, 2024, 2025):
                rows.append(
                    (
                        m,
                        sectors,
                        groups,
                        year,
                        rng.randint(0, 30),
                        rng.randint(0, 20),
                        rng.randint(0, 5),
                        rng.randint(0, 500),
                        decimal.Decimal(rng.randint(0, 10**6)),
                        None,
                    )
                )
    return municipalities, names, rows


def measure(n: int) -> dict:
    municipalities, names, rows = synthetic(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cells = defaultdict(aggregates.Cell)
    aggregates.add_rows(cells, rows, municipalities, names)
    built = time.perf_counter()
    suppressed = aggregates.suppress(dict(cells))
    done = time.perf_counter()
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024  # kB on Linux
    return {
        "municipalities": n,
        "rows": len(rows),
        "cells": len(cells),
        "suppressed": suppressed,
        "build_s": built - started,
        "suppress_s": done - built,
        "peak_mib": peak / 2**20,  # growth of the peak resident set over the synthetic rows
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="also 10,000 municipalities")
    sizes = [1000, 2000, 4000] + ([10_000] if parser.parse_args().full else [])
    print(
        "| municipalities | figure rows | cells | suppressed | build s | suppress s | RSS growth MiB | s per 1,000 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        r = measure(n)
        total = r["build_s"] + r["suppress_s"]
        print(
            f"| {n:,} | {r['rows']:,} | {r['cells']:,} | {r['suppressed']:,} | {r['build_s']:.2f} | "
            f"{r['suppress_s']:.2f} | {r['peak_mib']:.0f} | {total / n * 1000:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
