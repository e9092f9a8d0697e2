"""Run the benchmark suite, save the results under benchmarks/results/ and compare with the last run.

    .venv/bin/python benchmarks/run.py                  # all paths, 1,000,000 rows
    .venv/bin/python benchmarks/run.py -k mean          # a selection (pytest -k)
    CAMPAIGN_ME_BENCH_ROWS=100000 .venv/bin/python benchmarks/run.py --no-save   # a quick look

Each run is saved by pytest-benchmark as benchmarks/results/<machine>/NNNN_<commit>_<date>[_uncommitted-changes].json
and compared with the newest earlier file of the same machine: the table shows both, and the
run fails (exit status 1) when a path's best time (min) is more than ``--fail-above`` percent
slower than before (default 30: the machine is shared, so small changes are noise). Other
arguments go to pytest. ``--no-save`` runs and compares without saving.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


def main(argv=None) -> int:
    import pytest

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fail-above", type=float, default=30.0, help="percent slower (min time) that fails the run")
    ap.add_argument("--no-save", action="store_true", help="do not save this run")
    args, rest = ap.parse_known_args(argv)
    opts = [
        os.path.join(HERE, "bench_suite.py"),
        "-p",
        "no:randomly",
        f"--benchmark-storage=file://{RESULTS}",
        "--benchmark-columns=min,median,max,rounds",
        "--benchmark-sort=name",
        "--benchmark-name=short",
        "-W",
        "ignore::pytest_benchmark.logger.PytestBenchmarkWarning",
    ]
    if not args.no_save:
        opts.append("--benchmark-autosave")
    if glob.glob(os.path.join(RESULTS, "*", "*.json")):  # something to compare with
        opts += ["--benchmark-compare", f"--benchmark-compare-fail=min:{args.fail_above:g}%"]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    from pytest_benchmark.session import PerformanceRegression

    try:
        return pytest.main(opts + rest)
    except PerformanceRegression:  # the table above names the paths; the run was saved all the same
        print(f"SLOWER: at least one path's best time is more than {args.fail_above:g}% above the previous run")
        return 1


if __name__ == "__main__":
    sys.exit(main())
