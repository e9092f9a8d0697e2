"""Benchmark: the estimators users call most, on 1,000,000 rows, against R survey and a numpy floor.

The survey of ``bench_paths.py`` (seed 20261130: 60 strata with string labels, 50 PSUs per stratum
numbered within it, so 3,000 PSUs with ``nest=True``; a 4-level string region, 6 outcomes), built
in memory: string columns are pandas' default (pyarrow-backed) strings, as ``read_csv`` gives them.
Timed, best of ``--repeat`` (wall clock; the machine's load average is printed):

- ``total6``, ``mean6``, ``ratio``, ``proportion``, ``mean6_by_region``: ``SurveyDesign.total`` /
  ``mean`` of the 6 outcomes, ``ratio("y1", "y3")``, ``proportion("y2")`` and the mean of 6 by region
- ``rake``: ``rake(d, margins, tol=1e-10)`` to 2 margins (sex, age group; ``bench_paths.margins``;
  R: ``rake(..., control = list(maxit = 100, epsilon = 1e-4))``), checked through the mean of ``y1``
  on the raked design
- ``logistic``: ``regress(d, "y2 ~ C(region) + y1", family="logistic")`` (a 4-level string factor
  and a covariate; R: ``svyglm(family=quasibinomial())``)
- ``floor_mean6``: the same mean of 6 with its stratified cluster variance written by hand in
  numpy (grouped sums with ``bincount``, products summed with ``einsum``, which never waits for
  BLAS threads on a busy machine): the physical floor the simple estimators are measured against.

With ``--compare`` R's survey package runs the same calls on the same data (``bench_estimators.R``,
timed inside R after ``read.csv``) and every estimate and standard error is checked against R's to
1e-6 before the table is printed.

Run:  .venv/bin/python benchmarks/bench_estimators.py --compare --repeat 5
"""

from __future__ import annotations

import argparse
import os
import tempfile
import warnings

import numpy as np
import pandas as pd
from bench_paths import OUTCOMES, make_data, margins
from harness import best_of, run_r

from campaign_me import SurveyDesign, rake
from campaign_me.regression import regress

FORMULA = "y2 ~ C(region) + y1"


def build(rows: int) -> tuple[pd.DataFrame, SurveyDesign]:
    df = make_data(rows)
    d = SurveyDesign(df, strata="stratum_s", psu="psu_s", weights="weight", nest=True)
    return df, d


def floor_mean6(df: pd.DataFrame, d: SurveyDesign):
    """Mean of the 6 outcomes with a stratified cluster (with-replacement) variance, by hand in numpy.

    The design's codes are computed once, outside the timed function (as a design does).
    """
    st = d.structure()
    psu, stratum = st["psu"].to_numpy(), st["stratum"].to_numpy()
    w = d.weights.to_numpy()
    npsu = int(psu.max()) + 1
    psu_stratum = np.zeros(npsu, dtype=np.int64)
    psu_stratum[psu] = stratum
    nh = np.bincount(psu_stratum).astype(float)

    def run() -> np.ndarray:
        wsum = w.sum()
        out = np.empty((len(OUTCOMES), 2))
        for i, y in enumerate(OUTCOMES):
            yv = df[y].to_numpy(dtype=float)
            m = np.einsum("i,i->", w, yv) / wsum
            z = np.bincount(psu, weights=w * (yv - m), minlength=npsu) / wsum
            zbar = np.bincount(psu_stratum, weights=z) / nh
            dev = z - zbar[psu_stratum]
            out[i] = m, np.sqrt((nh / (nh - 1) * np.bincount(psu_stratum, weights=dev * dev)).sum())
        return out

    return run


def paths(df: pd.DataFrame, d: SurveyDesign) -> dict:
    pop = margins(df)
    return {
        "total6": lambda: d.total(OUTCOMES),
        "mean6": lambda: d.mean(OUTCOMES),
        "ratio": lambda: d.ratio("y1", "y3"),
        "proportion": lambda: d.proportion("y2"),
        "mean6_by_region": lambda: d.mean(OUTCOMES, by="region"),
        "rake": lambda: rake(d, pop, tol=1e-10),
        "logistic": lambda: regress(d, FORMULA, family="logistic", df=np.inf),
        "floor_mean6": floor_mean6(df, d),
    }


def results(res: dict) -> dict:
    """Estimates and SEs of each path, in R's order."""
    out = {}
    for key in ("total6", "mean6", "ratio", "proportion", "mean6_by_region"):
        t = res[key]
        out[key] = (t["estimate"].to_numpy(float), t["se"].to_numpy(float))
    if "rake" in res:
        t = res["rake"].mean("y1")
        out["rake"] = (t["estimate"].to_numpy(float), t["se"].to_numpy(float))
    fit = res["logistic"]
    out["logistic"] = (fit.params, fit.se)
    return out


def check_against_r(ours: dict, r: dict) -> None:
    for key, (est, se) in ours.items():
        if key == "mean6_by_region":  # R: one row per region, outcomes across; ours: outcome-major
            est, se = est.reshape(len(OUTCOMES), -1).T.ravel(), se.reshape(len(OUTCOMES), -1).T.ravel()
        np.testing.assert_allclose(est, r[key]["est"], rtol=1e-6, atol=1e-12, err_msg=key)
        np.testing.assert_allclose(se, r[key]["se"], rtol=1e-6, atol=1e-12, err_msg=key)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--r-repeat", type=int, default=3)
    ap.add_argument("--compare", action="store_true", help="also time R survey on the same data")
    ap.add_argument("--only", nargs="*", help="paths to time (default: all)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    df, d = build(args.rows)
    print(f"{args.rows:,} rows, {d.degf + 60} PSUs in 60 strata; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    times, res = {}, {}
    for key, fn in paths(df, d).items():
        if args.only and key not in args.only:
            continue
        fn()  # warm-up: imports (statsmodels) and caches are not what is measured
        times[key], res[key] = best_of(fn, args.repeat)
    floor = res.get("floor_mean6")
    if floor is not None and "mean6" in res:
        np.testing.assert_allclose(floor, res["mean6"][["estimate", "se"]].to_numpy(float), rtol=1e-9)
    r = None
    if args.compare:
        with tempfile.TemporaryDirectory() as tmp:
            csv = os.path.join(tmp, "survey.csv")
            df.to_csv(csv, index=False)
            margins_csv = os.path.join(tmp, "margins.csv")
            pd.DataFrame(
                [(var, level, count) for var, m in margins(df).items() for level, count in m.items()],
                columns=["variable", "level", "count"],
            ).to_csv(margins_csv, index=False)
            r = run_r("bench_estimators.R", csv, margins_csv, args.r_repeat)
        if r is not None:
            check_against_r(results(res), r)
            print("estimates and SEs agree with R survey to 1e-6 on every path")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("wall-clock seconds, and CPU seconds in brackets (the fairer number on a shared machine)")
    head = "| path | campaign_me (s) | x numpy floor |" + (" R survey (s) | R / campaign_me |" if r else "")
    print(head)
    print("|---|---|---|" + ("---|---|" if r else ""))
    for k, (v, c) in times.items():
        fl = f"{v / times['floor_mean6'][0]:.1f} ({c / times['floor_mean6'][1]:.1f})" if (
            "floor_mean6" in times and k not in ("logistic", "rake")) else ""
        line = f"| {k} | {v:.3f} ({c:.3f}) | {fl} |"
        if r and k in r["time"]:
            rt, rc = r["time"][k], r["cpu"][k]
            line += f" {rt:.3f} ({rc:.3f}) | {rt / v:.1f}x ({rc / c:.1f}x) |"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
