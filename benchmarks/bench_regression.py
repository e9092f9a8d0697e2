"""Benchmark: design-based regression (``regress``) on 1,000,000 rows, against R survey's ``svyglm``.

The survey of ``bench_paths.py`` (seed 20261130: 60 strata with string labels, 50 PSUs per stratum
numbered within it, so 3,000 PSUs with ``nest=True``; a 4-level string region), built in memory
with pandas' default (pyarrow-backed) strings, as ``read_csv`` gives them. Timed, best of
``--repeat`` (wall clock and CPU seconds of this process; the load average is printed):

- ``logistic``: ``regress(d, "y2 ~ C(region) + y1", family="logistic")`` (R:
  ``svyglm(y2 ~ region + y1, ds, family = quasibinomial())``)
- ``linear``: ``regress(d, "y1 ~ C(region) + y3")`` (R: ``svyglm(y1 ~ region + y3, ds)``)

With ``--compare`` R runs the same fits on the same data written to CSV (``bench_regression.R``,
timed inside R after ``read.csv``) and every coefficient and standard error is checked against
R's to 1e-6 before the table is printed. ``--profile`` prints the top of a cProfile of one
logistic fit; ``--startup`` times, in fresh processes, ``import campaign_me.regression`` and the
first logistic fit on a small survey (imports included).

Run:  .venv/bin/python benchmarks/bench_regression.py --compare --repeat 5
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile

import numpy as np
from bench_paths import make_data
from harness import best_of, run_r

from campaign_me import SurveyDesign
from campaign_me.regression import regress

FITS = {
    "logistic": ("y2 ~ C(region) + y1", "logistic"),
    "linear": ("y1 ~ C(region) + y3", "linear"),
}
STARTUP = (
    "import time; t0 = time.perf_counter(); import campaign_me.regression as r; t1 = time.perf_counter(); "
    "from campaign_me.datasets import load_api; from campaign_me import SurveyDesign; "
    "d = load_api('apiclus1'); d['y'] = (d['sch.wide'] == 'Yes').astype(int); "
    "s = SurveyDesign(d, psu='dnum', weights='pw', fpc='fpc'); t2 = time.perf_counter(); "
    "r.regress(s, 'y ~ ell + meals', family='logistic').to_frame(); t3 = time.perf_counter(); "
    "print(t1 - t0, t3 - t2)"
)


def startup(repeat: int) -> tuple[float, float]:
    """Best seconds, in fresh interpreters, of ``import campaign_me.regression`` and of the first fit."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", STARTUP], check=True, capture_output=True, text=True)
        runs.append([float(v) for v in out.stdout.split()])
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--r-repeat", type=int, default=3)
    ap.add_argument("--compare", action="store_true", help="also time R survey on the same data")
    ap.add_argument("--profile", action="store_true", help="cProfile one logistic fit")
    ap.add_argument("--startup", action="store_true", help="time the import and the first fit in fresh processes")
    args = ap.parse_args(argv)
    df = make_data(args.rows)
    d = SurveyDesign(df, strata="stratum_s", psu="psu_s", weights="weight", nest=True)
    print(f"{args.rows:,} rows, {d.degf + 60} PSUs in 60 strata; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    times, res = {}, {}
    for key, (formula, family) in FITS.items():
        fn = lambda formula=formula, family=family: regress(d, formula, family=family)  # noqa: E731
        fn()  # warm-up: imports and caches are not what is measured
        times[key], res[key] = best_of(fn, args.repeat)
    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(regress, d, FITS["logistic"][0], family="logistic")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    r = None
    if args.compare:
        with tempfile.TemporaryDirectory() as tmp:
            csv = os.path.join(tmp, "survey.csv")
            df.to_csv(csv, index=False)
            r = run_r("bench_regression.R", csv, args.r_repeat)
        if r is not None:
            for key, fit in res.items():
                np.testing.assert_allclose(fit.params, r[key]["est"], rtol=1e-6, atol=1e-12, err_msg=key)
                np.testing.assert_allclose(fit.se, r[key]["se"], rtol=1e-6, atol=1e-12, err_msg=key)
            print("coefficients and SEs agree with R survey's svyglm to 1e-6")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("wall-clock seconds, and CPU seconds in brackets (the fairer number on a shared machine)")
    print("| fit | campaign_me (s) |" + (" R svyglm (s) | R / campaign_me |" if r else ""))
    print("|---|---|" + ("---|---|" if r else ""))
    for key, (wall, cpu) in times.items():
        line = f"| {key} | {wall:.3f} ({cpu:.3f}) |"
        if r:
            rt, rc = r[key]["time"], r[key]["cpu"]
            line += f" {rt:.3f} ({rc:.3f}) | {rt / wall:.1f}x ({rc / cpu:.1f}x) |"
        print(line)
    if args.startup:
        imp, first = startup(3)
        print(f"fresh process, best of 3: import campaign_me.regression {imp:.3f} s; first logistic fit "
              f"(apiclus1, imports included) {first:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
