"""Benchmark: the full indicator catalogue by sex x age group on a 100,000-respondent survey.

The survey is the Aroland baseline sample (data/samples/aroland/survey_baseline.csv, 921
respondents, read with its codebook) copied until it has ``--n`` rows, each copy with its own PSU
ids (so the design has about 110 times the sample's PSUs in the same 9 strata). Timed, best of
``--repeat`` runs, wall-clock and CPU seconds of this process (the CPU time is the fairer number
on a shared machine): ``compute_indicators`` of the shipped catalogue (26 indicators) overall and by
sex x age group (6 domains, 156 estimates), and ``compare_rounds`` overall on two such surveys.

Run:  .venv/bin/python benchmarks/bench_indicators.py [--n 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import campaign_me as cm
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
    args = ap.parse_args()
    warnings.simplefilter("error")
    cb = cm.Codebook.from_yaml(SAMPLES / "codebook.yaml")
    cat = load_catalogue(codebook=cb)
    t0 = time.perf_counter()
    base, end = make_design("baseline", args.n, cb), make_design("endline", args.n, cb)
    print(f"data: {args.n} rows per round, {base.degf} design df; built in {time.perf_counter() - t0:.2f} s")
    print(f"catalogue: {len(cat)} indicators")
    print(f"machine load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("step                                      wall s   cpu s   rows")
    runs = [
        ("compute_indicators, overall", lambda: compute_indicators(base, cat, codebook=cb)),
        (
            "compute_indicators, by sex x age group",
            lambda: compute_indicators(base, cat, codebook=cb, by=["sex", "age_group"]),
        ),
        ("compare_rounds, overall", lambda: compare_rounds(base, end, cat, codebook=cb)),
    ]
    for label, fn in runs:
        wall, cpu, out = best(fn, args.repeat)
        print(f"{label:<40} {wall:7.3f} {cpu:7.3f} {len(out):6d}")


if __name__ == "__main__":
    main()
