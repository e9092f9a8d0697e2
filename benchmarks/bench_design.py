"""Benchmark: SurveyDesign on a 1,000,000-row stratified cluster survey.

Builds a synthetic survey (60 strata, 3,000 PSUs, 6 outcomes, a 4-level domain, seed 20261129),
then times design construction, ``mean`` of the 6 outcomes, and ``mean`` by domain, each the best of
``--repeat`` runs. With ``--compare`` it also writes the data to a CSV and times R's survey package
(``benchmarks/bench_design.R``, the same three steps, timed inside R after reading the file) and
samplics' ``TaylorEstimator`` (if installed) on the same data, and checks that all three agree.

Run:  .venv/bin/python benchmarks/bench_design.py --compare
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from harness import run_r

from campaign_me import SurveyDesign

OUTCOMES = [f"y{i}" for i in range(1, 7)]


def make_data(n: int = 1_000_000, strata: int = 60, psus: int = 3_000, seed: int = 20261129) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, psus, size=n)
    psu_effect = rng.normal(0, 1, size=psus)
    data = {
        "stratum": psu % strata,
        "psu": psu,
        "weight": rng.uniform(50, 150, size=psus)[psu] * rng.uniform(0.8, 1.2, size=n),
        "domain": rng.integers(0, 4, size=n),
    }
    for i, name in enumerate(OUTCOMES):
        if i % 2 == 0:
            data[name] = 50 + 5 * psu_effect[psu] + rng.normal(0, 15, size=n)
        else:
            data[name] = (rng.random(n) < 0.3 + 0.05 * np.tanh(psu_effect[psu])).astype(float)
    return pd.DataFrame(data)


def best_of(fn, repeat: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def run_campaign_me(df: pd.DataFrame, repeat: int) -> dict:
    # warm-up: modules imported on first use (scipy for the intervals) are not what is measured
    SurveyDesign(df.head(1000), weights="weight").mean(OUTCOMES[0])
    t_design, d = best_of(lambda: SurveyDesign(df, weights="weight", strata="stratum", psu="psu"), repeat)
    t_mean, m = best_of(lambda: d.mean(OUTCOMES), repeat)
    t_by, b = best_of(lambda: d.mean(OUTCOMES, by="domain"), repeat)
    return {"design": t_design, "mean": t_mean, "mean_by_domain": t_by, "_mean": m, "_by": b}


def run_samplics(df: pd.DataFrame, repeat: int) -> dict | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from samplics.estimation import TaylorEstimator  # deferred: optional dependency
            from samplics.utils.types import PopParam  # deferred: optional dependency
    except Exception as exc:  # not installed: the comparison is optional
        print(f"samplics not available ({exc}); skipped", file=sys.stderr)
        return None

    def mean_all():
        out = []
        for y in OUTCOMES:
            est = TaylorEstimator(PopParam.mean)
            est.estimate(y=df[y], samp_weight=df["weight"], stratum=df["stratum"], psu=df["psu"], remove_nan=False)
            out.append((est.point_est, est.stderror))
        return out

    def mean_by():
        out = []
        for y in OUTCOMES:
            est = TaylorEstimator(PopParam.mean)
            est.estimate(
                y=df[y], samp_weight=df["weight"], stratum=df["stratum"], psu=df["psu"], domain=df["domain"]
            )
            out.append((est.point_est, est.stderror))
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_mean, m = best_of(mean_all, repeat)
        t_by, b = best_of(mean_by, max(1, repeat // 2))
    return {"mean": t_mean, "mean_by_domain": t_by, "_mean": m, "_by": b}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compare", action="store_true", help="also time R survey and samplics")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    df = make_data(args.rows)
    print(f"data: {len(df):,} rows, {df['stratum'].nunique()} strata, {df['psu'].nunique()} PSUs "
          f"(built in {time.perf_counter() - t0:.1f} s)")
    res = run_campaign_me(df, args.repeat)
    print(f"campaign_me  design {res['design']:.3f} s | mean x6 {res['mean']:.3f} s | "
          f"mean x6 by 4 domains {res['mean_by_domain']:.3f} s")
    m = res["_mean"].set_index("variable")
    if args.compare:
        sres = run_samplics(df, args.repeat)
        if sres:
            print(f"samplics     mean x6 {sres['mean']:.3f} s | mean x6 by 4 domains {sres['mean_by_domain']:.3f} s")
            for y, (est, se) in zip(OUTCOMES, sres["_mean"]):
                assert abs(est - m.loc[y, "estimate"]) < 1e-8 * abs(est), y
                assert abs(se - m.loc[y, "se"]) < 1e-6 * se, (y, se, m.loc[y, "se"])
            print("samplics     agrees with campaign_me (estimates and SEs, 1e-6)")
        with tempfile.TemporaryDirectory() as tmp:
            csv = os.path.join(tmp, "bench.csv")
            df.to_csv(csv, index=False)
            rres = run_r("bench_design.R", csv, args.repeat)
        if rres:
            print(f"R survey     design {rres['design']:.3f} s | mean x6 {rres['mean']:.3f} s | "
                  f"mean x6 by 4 domains {rres['mean_by_domain']:.3f} s")
            for y, est, se in zip(OUTCOMES, rres["est"], rres["se"]):
                assert abs(est - m.loc[y, "estimate"]) < 1e-8 * abs(est), y
                assert abs(se - m.loc[y, "se"]) < 1e-6 * se, (y, se, m.loc[y, "se"])
            print("R survey     agrees with campaign_me (estimates and SEs, 1e-6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
