"""Benchmark: design diagnosis by simulation (campaign_me.diagnose).

Times ``diagnose`` on a 2,000-respondent two-round design (40 clusters of 25 per arm and round),
500 simulations, for repeated cross-sections (DiD, pre-post, endline comparison) and for a panel
(plus ANCOVA), best of ``--repeat`` runs, on one core. For scale it also times the slow way: the
library's :func:`campaign_me.evaluation.did` run on ``--loop`` simulated data sets one by one
(what a loop over surveys would cost), and extrapolates to 500.

Run:  .venv/bin/python benchmarks/bench_diagnose.py
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

from campaign_me import SurveyDesign
from campaign_me.diagnose import CampaignDesign, diagnose, simulate_survey
from campaign_me.evaluation import did


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--loop", type=int, default=20, help="data sets for the one-by-one comparison")
    args = ap.parse_args()
    rows = []
    for label, design in (
        ("repeated cross-sections (did, pre_post, endline)", CampaignDesign(clusters_per_arm=40, cluster_size=25)),
        ("panel (did, pre_post, endline, ancova)", CampaignDesign(clusters_per_arm=40, cluster_size=25, panel=True)),
    ):
        t = best(lambda d=design: diagnose(d, sims=args.sims, seed=1), args.repeat)
        rows.append({"design": label, "respondents_per_round": design.n_per_round, "sims": args.sims,
                     "seconds": round(t, 3)})
    design = CampaignDesign(clusters_per_arm=40, cluster_size=25)
    t0 = time.perf_counter()
    for sim in range(args.loop):
        s = simulate_survey(design, seed=1, sim=sim, sims=args.sims)
        did(SurveyDesign(s, weights="weight", strata="round_stratum", psu="cluster"), "y", treated="arm", post="post")
    per = (time.perf_counter() - t0) / args.loop
    rows.append({"design": "loop: evaluation.did per data set (did only), extrapolated",
                 "respondents_per_round": design.n_per_round, "sims": args.sims,
                 "seconds": round(per * args.sims, 1)})
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"{platform.machine()}, best of {args.repeat}")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
