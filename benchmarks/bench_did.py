"""Benchmark: difference-in-differences from two survey rounds on 1,000,000 rows, against R survey.

Two independent rounds (repeated cross-sections) of 500,000 respondents each (``--rows`` in all),
generated with seed 20261207: 60 strata with string labels (``S1`` ... ``S60``), 50 PSUs per stratum
numbered within it (``nest=True``), so 3,000 PSUs per round and 6,000 in the stacked design; the
first 30 strata are campaign areas; a 0/1 outcome with a PSU effect, a secular trend of +3 points
and a planted effect of +5 points. Timed, best of ``--repeat`` (wall clock and CPU seconds of
this process; the machine's load average is printed):

- ``did``: :func:`campaign_me.evaluation.did` on the stacked design (``combine_rounds``, built once)
- ``combine_and_did``: ``combine_rounds`` of the two rounds' designs, then ``did`` (what a user runs)

With ``--compare`` R's survey package runs the same model on the same stacked rows
(``bench_did.R``: ``svydesign(id = ~round_psu, strata = ~round_stratum, weights = ~weight,
nest = TRUE)`` then ``svyglm(y ~ campaign * post)``, timed inside R after ``read.csv``, both
steps and ``svyglm`` alone), and the DiD estimate and its SE are checked against R's to 1e-8.

Run:  .venv/bin/python benchmarks/bench_did.py --compare --repeat 5
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile

import numpy as np
import pandas as pd
from harness import best_of, run_r

from campaign_me import SurveyDesign
from campaign_me.evaluation import combine_rounds, did

STRATA, PSU_PER_STRATUM = 60, 50


def make_round(n: int, rng: np.random.Generator, *, post: int) -> pd.DataFrame:
    """One round: ``n`` respondents in 60 strata x 50 PSUs, a 0/1 outcome ``y``."""
    npsu = STRATA * PSU_PER_STRATUM
    g = rng.integers(0, npsu, size=n)
    stratum = g // PSU_PER_STRATUM
    campaign = (stratum < STRATA // 2).astype(np.int64)
    psu_effect = rng.normal(0, 0.08, size=npsu)[g]
    p = 0.40 + 0.03 * post + 0.05 * post * campaign + psu_effect
    return pd.DataFrame({
        "stratum": np.char.add("S", (stratum + 1).astype(str)),
        "psu": g % PSU_PER_STRATUM + 1,  # numbered within the stratum
        "weight": rng.uniform(50, 150, size=npsu)[g] * rng.uniform(0.8, 1.2, size=n),
        "campaign": campaign,
        "y": (rng.random(n) < np.clip(p, 0, 1)).astype(np.int64),
    })


def build(rows: int, seed: int = 20261207):
    rng = np.random.default_rng(seed)
    base, end = make_round(rows // 2, rng, post=0), make_round(rows - rows // 2, rng, post=1)
    designs = [SurveyDesign(x, weights="weight", strata="stratum", psu="psu", nest=True) for x in (base, end)]
    return designs, combine_rounds(*designs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--r-repeat", type=int, default=3)
    ap.add_argument("--compare", action="store_true", help="also time R survey on the same data")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one did() call")
    args = ap.parse_args(argv)
    designs, stacked = build(args.rows)
    print(f"{args.rows:,} rows in two rounds, {stacked.degf + 2 * STRATA} PSUs in {2 * STRATA} strata; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    paths = {
        "did": lambda: did(stacked, "y", treated="campaign", post="post"),
        "combine_and_did": lambda: did(combine_rounds(*designs), "y", treated="campaign", post="post"),
    }
    if args.profile:
        paths["did"]()
        prof = cProfile.Profile()
        prof.runcall(paths["did"])
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        return 0
    times, res = {}, {}
    for key, fn in paths.items():
        fn()  # warm-up: imports and caches are not what is measured
        times[key], res[key] = best_of(fn, args.repeat)
    ours = res["did"]
    r = None
    if args.compare:
        with tempfile.TemporaryDirectory() as tmp:
            csv = os.path.join(tmp, "stacked.csv")
            stacked.data[["round_stratum", "round_psu", "weight", "campaign", "post", "y"]].to_csv(csv, index=False)
            r = run_r("bench_did.R", csv, args.r_repeat)
        if r is not None:
            np.testing.assert_allclose([ours.effect, ours.se], [r["est"], r["se"]], rtol=1e-8, err_msg="did vs R")
            print(f"DiD {ours.effect:.6f} (SE {ours.se:.6f}) agrees with R svyglm to 1e-8")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("wall-clock seconds, CPU seconds in brackets (the fairer number on a shared machine); R is compared "
          "with did as svyglm alone, with combine_and_did as svydesign + svyglm")
    head = "| path | campaign_me (s) |" + (" R survey svyglm (s) | R design + svyglm (s) | R / campaign_me |" if r else "")
    print(head)
    print("|---|---|" + ("---|---|---|" if r else ""))
    for k, (v, c) in times.items():
        line = f"| {k} | {v:.3f} ({c:.3f}) |"
        if r:
            rt, rc = r["time"]["svyglm"], r["cpu"]["svyglm"]
            rd, rdc = r["time"]["design_svyglm"], r["cpu"]["design_svyglm"]
            mine, mine_cpu = (rt, rc) if k == "did" else (rd, rdc)
            line += f" {rt:.3f} ({rc:.3f}) | {rd:.3f} ({rdc:.3f}) | {mine / v:.1f}x ({mine_cpu / c:.1f}x) |"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
