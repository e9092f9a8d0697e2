"""Benchmark: SurveyDesign on the paths users take, 1,000,000 rows read with pandas.read_csv.

A synthetic two-stage stratified survey (seed 20261130): 60 strata with string labels, 50 PSUs per
stratum numbered *within* their stratum (so ``nest=True``), 20 second-stage units (SSUs) per PSU
with fpc at both stages, 200 districts (string labels, 15 PSUs each), a 4-level string region, a
5-level age group, 2 sexes, 6 outcomes and a 200-level categorical answer. The data are written to
a CSV and read back with ``pandas.read_csv``, as a user reads them. Each path is timed (best of
``--repeat``):

- ``design_nest_int`` / ``design_nest_str``: ``nest=True`` with integer / string stratum and PSU ids
- ``design_two_stage``: PSU and SSU, fpc at both stages
- ``mean6_by_region`` / ``mean6_by_region_age``: mean of 6 outcomes by a 4-level string domain /
  by region x age group (20 domains)
- ``mean_by_200_districts``: mean of one outcome by 200 string-labelled districts
- ``proportion_200_levels``: proportion of a 200-level variable
- ``rake`` and ``mean6_after_rake``: raking to 2 margins (sex, age group), then the mean of 6

With ``--compare`` R's survey package runs the same paths on the same CSV (``bench_paths.R``,
timed inside R after ``read.csv``) and the script checks that the estimates and standard errors
agree to 1e-6 before printing the table.

Run:  .venv/bin/python benchmarks/bench_paths.py --compare
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import pandas as pd
from harness import best_wall as best_of
from harness import run_r

from campaign_me import SurveyDesign, rake

OUTCOMES = [f"y{i}" for i in range(1, 7)]
STRATA, PSU_PER_STRATUM, SSU_PER_PSU = 60, 50, 20


def make_data(n: int, seed: int = 20261130) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    npsu = STRATA * PSU_PER_STRATUM
    psu_global = rng.integers(0, npsu, size=n)
    psu_effect = rng.normal(0, 1, size=npsu)
    stratum = psu_global // PSU_PER_STRATUM
    data = {
        "stratum_i": stratum + 1,
        "psu_i": psu_global % PSU_PER_STRATUM + 1,  # numbered within the stratum
        "stratum_s": np.char.add("S", (stratum + 1).astype(str)),
        "psu_s": np.char.add("P", (psu_global % PSU_PER_STRATUM + 1).astype(str)),
        "ssu": rng.integers(1, SSU_PER_PSU + 1, size=n),
        "fpc1": np.full(n, 4 * PSU_PER_STRATUM),  # PSUs in the stratum's population
        "fpc2": np.full(n, 5 * SSU_PER_PSU),  # SSUs in the PSU's population
        "weight": rng.uniform(50, 150, size=npsu)[psu_global] * rng.uniform(0.8, 1.2, size=n),
        "region": np.array(["north", "south", "east", "west"])[rng.integers(0, 4, size=n)],
        "agegroup": np.array(["15-24", "25-34", "35-44", "45-54", "55+"])[rng.integers(0, 5, size=n)],
        "sex": np.array(["female", "male"])[rng.integers(0, 2, size=n)],
        "district": np.char.add("D", (psu_global // 15 + 1).astype(str)),  # 15 consecutive PSUs
        "answer": np.char.add("A", (rng.zipf(1.3, size=n) % 200 + 1).astype(str)),
    }
    for i, name in enumerate(OUTCOMES):
        if i % 2 == 0:
            data[name] = np.round(50 + 5 * psu_effect[psu_global] + rng.normal(0, 15, size=n), 6)
        else:
            data[name] = (rng.random(n) < 0.3 + 0.05 * np.tanh(psu_effect[psu_global])).astype(int)
    return pd.DataFrame(data)


def margins(df: pd.DataFrame) -> dict:
    """Population counts for raking: weighted sample counts tilted by level, on a population of 10**8."""
    out = {}
    for var in ("sex", "agegroup"):
        counts = df.groupby(var)["weight"].sum()
        counts = counts * (1 + 0.1 * np.arange(len(counts)))  # the sample is off the margins
        out[var] = (counts / counts.sum() * 1e8).to_dict()
    return out


def run_campaign_me(df: pd.DataFrame, repeat: int, pop: dict) -> tuple[dict, dict]:
    t, res = {}, {}
    # warm-up: modules imported on first use (scipy.stats for the intervals) are not what is measured
    SurveyDesign(df.head(1000), weights="weight").mean("y1")
    t["design_nest_int"], d = best_of(
        lambda: SurveyDesign(df, strata="stratum_i", psu="psu_i", weights="weight", nest=True), repeat
    )
    t["design_nest_str"], ds = best_of(
        lambda: SurveyDesign(df, strata="stratum_s", psu="psu_s", weights="weight", nest=True), repeat
    )
    t["design_two_stage"], d2 = best_of(
        lambda: SurveyDesign(
            df, strata="stratum_s", psu=["psu_s", "ssu"], fpc=["fpc1", "fpc2"], nest=True, lonely_psu="adjust"
        ),
        repeat,
    )
    t["mean6_by_region"], res["by_region"] = best_of(lambda: ds.mean(OUTCOMES, by="region"), repeat)
    t["mean6_by_region_age"], res["by_region_age"] = best_of(
        lambda: ds.mean(OUTCOMES, by=["region", "agegroup"]), repeat
    )
    t["mean_by_200_districts"], res["by_district"] = best_of(lambda: ds.mean("y1", by="district"), repeat)
    t["proportion_200_levels"], res["prop200"] = best_of(lambda: ds.proportion("answer"), repeat)
    t["two_stage_mean6"], res["two_stage"] = best_of(lambda: d2.mean(OUTCOMES), repeat)
    t["rake"], raked = best_of(lambda: rake(ds, pop, tol=1e-10), repeat)
    t["mean6_after_rake"], res["raked"] = best_of(lambda: raked.mean(OUTCOMES), repeat)
    assert d.degf == ds.degf
    return t, res


def check_against_r(res: dict, r: dict) -> None:
    """Estimates and standard errors agree with R's to 1e-6 (relative) on every compared path."""
    for key in ("by_region", "by_region_age", "by_district", "prop200", "two_stage", "raked"):
        ours = res[key]
        got = np.column_stack([ours["estimate"].to_numpy(float), ours["se"].to_numpy(float)])
        ref = np.column_stack([r[key]["est"], r[key]["se"]])
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12, err_msg=key)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--r-repeat", type=int, default=1)
    ap.add_argument("--compare", action="store_true", help="also time R survey on the same file")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "survey.csv")
        make_data(args.rows).to_csv(csv, index=False)
        t0 = time.perf_counter()
        df = pd.read_csv(csv)
        t_read = time.perf_counter() - t0
        pop = margins(df)
        pop_json = os.path.join(tmp, "margins.csv")
        pd.DataFrame(
            [(var, level, count) for var, m in pop.items() for level, count in m.items()],
            columns=["variable", "level", "count"],
        ).to_csv(pop_json, index=False)
        ours, res = run_campaign_me(df, args.repeat, pop)
        r = run_r("bench_paths.R", csv, pop_json, args.r_repeat) if args.compare else None
    print(f"{args.rows:,} rows; pandas.read_csv {t_read:.2f} s (not included below)")
    if r is not None:
        check_against_r(res, r)
        print("estimates and SEs agree with R survey to 1e-6 on every compared path")
    print(f"| path | campaign_me (s) |{' R survey (s) | R / campaign_me |' if r else ''}")
    print(f"|---|---|{'---|---|' if r else ''}")
    for k, v in ours.items():
        line = f"| {k} | {v:.3f} |"
        if r and k in r["time"]:
            line += f" {r['time'][k]:.2f} | {r['time'][k] / v:.0f}x |"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
