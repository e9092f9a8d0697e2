"""Benchmark: the full indicator catalogue by sex x age group on a 100,000-respondent survey.

The survey is the Aroland baseline sample (data/samples/aroland/survey_baseline.csv, 921
respondents, read with its codebook) copied until it has ``--n`` rows, each copy with its own PSU
ids (so the design has about 110 times the sample's PSUs in the same 9 strata). Timed, best of
``--repeat`` runs, wall-clock and CPU seconds of this process (the CPU time is the fairer number
on a shared machine): ``compute_indicators`` of the shipped catalogue (26 indicators) overall and by
sex x age group (6 domains, 156 estimates), and ``compare_rounds`` overall on two such surveys.

``--by district,sex --only by`` times the catalogue by another domain (district x sex: 48 domains,
each holding a few of the PSUs), and ``--memory`` reports the peak memory each step allocates beyond
the data (``tracemalloc``, one extra run per step). ``--every-row`` computes each expression on
every row instead of once per distinct combination of the values it reads (the numbers are the
same; this shows what the distinct values save).

Run:  .venv/bin/python benchmarks/bench_indicators.py [--n 100000] [--repeat 3]
      .venv/bin/python benchmarks/bench_indicators.py --n 1000000 --by district,sex --only by --memory
      (add --every-row for the row-by-row expressions)
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import campaign_me as cm
from campaign_me import expressions
from campaign_me.indicators import compare_rounds, compute_indicators, load_catalogue

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def make_design(round_: str, n: int, cb) -> cm.SurveyDesign:
    base = cm.load_survey(SAMPLES / "aroland" / f"survey_{round_}.csv", cb)
    copies = int(np.ceil(n / len(base)))
    parts = []
    for i in range(copies):
        part = base.copy()
        part["psu"] = part["psu"].astype(str) + f"-{i}"
        parts.append(part)
    data = pd.concat(parts, ignore_index=True).iloc[:n]
    return cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")


def best(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall-clock and best CPU time (this process) of ``repeat`` runs, and the last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--by", default="sex,age_group", help="domain columns, comma-separated")
    ap.add_argument("--only", choices=["overall", "by", "compare"], nargs="*", help="steps to run (default all)")
    ap.add_argument("--memory", action="store_true", help="also the peak allocation of each step (tracemalloc)")
    ap.add_argument("--every-row", action="store_true", help="expressions on every row, not on distinct values")
    args = ap.parse_args()
    by = args.by.split(",")
    if args.every_row:
        expressions._DISTINCT_FROM = 2**62
    warnings.simplefilter("error")
    cb = cm.Codebook.from_yaml(SAMPLES / "codebook.yaml")
    cat = load_catalogue(codebook=cb)
    t0 = time.perf_counter()
    base = make_design("baseline", args.n, cb)
    end = make_design("endline", args.n, cb) if not args.only or "compare" in args.only else None
    print(f"data: {args.n} rows per round, {base.degf} design df; built in {time.perf_counter() - t0:.2f} s")
    print(f"catalogue: {len(cat)} indicators")
    print(f"machine load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"data in memory: {base.data.memory_usage(deep=True).sum() / 2**20:.0f} MiB per round")
    print("step                                      wall s   cpu s   rows" + ("   peak MiB" if args.memory else ""))
    runs = [
        ("overall", "compute_indicators, overall", lambda: compute_indicators(base, cat, codebook=cb)),
        (
            "by",
            f"compute_indicators, by {' x '.join(by)}",
            lambda: compute_indicators(base, cat, codebook=cb, by=by),
        ),
        ("compare", "compare_rounds, overall", lambda: compare_rounds(base, end, cat, codebook=cb)),
    ]
    for key, label, fn in runs:
        if args.only and key not in args.only:
            continue
        wall, cpu, out = best(fn, args.repeat)
        line = f"{label:<40} {wall:7.3f} {cpu:7.3f} {len(out):6d}"
        if args.memory:
            tracemalloc.start()
            fn()
            line += f" {tracemalloc.get_traced_memory()[1] / 2**20:10.0f}"
            tracemalloc.stop()
        print(line)


if __name__ == "__main__":
    main()
