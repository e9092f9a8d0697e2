"""Peak memory of SurveyDesign's paths beyond the data (numpy/pandas allocations, via tracemalloc).

Builds the survey of ``bench_paths.py`` in memory (no CSV) with ``--rows`` rows, then for each
path starts :mod:`tracemalloc` after the data exist and reports the peak of the memory allocated
while the path runs (numpy and pandas report their buffers to tracemalloc).

``--indicators`` measures instead the shipped indicator catalogue by district x sex
(:func:`campaign_me.indicators.compute_indicators`) on the survey of ``bench_indicators.py`` (the
Aroland sample copied to ``--rows`` respondents); the target is under 2 GB beyond the data at
10,000,000 rows (the data alone are about 5 GiB then; building them needs about twice that).

Run:  .venv/bin/python benchmarks/bench_memory.py --rows 10000000
      .venv/bin/python benchmarks/bench_memory.py --indicators --rows 3000000
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import warnings

from bench_indicators import SAMPLES, make_design
from bench_paths import OUTCOMES, make_data, margins

from campaign_me import Codebook, SurveyDesign, rake
from campaign_me.indicators import compute_indicators, load_catalogue


def indicators(rows: int) -> int:
    """Peak memory of the shipped catalogue by district x sex beyond the data."""
    cb = Codebook.from_yaml(SAMPLES / "codebook.yaml")
    cat = load_catalogue(codebook=cb)
    design = make_design("baseline", rows, cb)
    print(f"{rows:,} rows; data {design.data.memory_usage(deep=True).sum() / 2**30:.2f} GiB")
    print("| path | seconds | peak memory beyond the data (GiB) |")
    print("|---|---|---|")
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compute_indicators(design, cat, codebook=cb, by=["district", "sex"])
    secs = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"| compute_indicators_by_district_sex | {secs:.2f} | {peak / 2**30:.2f} |")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--indicators", action="store_true", help="the indicator catalogue instead of the paths")
    args = ap.parse_args(argv)
    if args.indicators:
        return indicators(args.rows)
    df = make_data(args.rows)
    pop = margins(df)
    ds = SurveyDesign(df, strata="stratum_s", psu="psu_s", weights="weight", nest=True)
    raked = rake(ds, pop, tol=1e-10)
    paths = {
        "design_nest_str": lambda: SurveyDesign(
            df, strata="stratum_s", psu="psu_s", weights="weight", nest=True
        ),
        "design_two_stage": lambda: SurveyDesign(
            df, strata="stratum_s", psu=["psu_s", "ssu"], fpc=["fpc1", "fpc2"], nest=True, lonely_psu="adjust"
        ),
        "mean6_by_region_age": lambda: ds.mean(OUTCOMES, by=["region", "agegroup"]),
        "mean_by_200_districts": lambda: ds.mean("y1", by="district"),
        "proportion_200_levels": lambda: ds.proportion("answer"),
        "mean6_after_rake": lambda: raked.mean(OUTCOMES),
    }
    print(f"{args.rows:,} rows; data {df.memory_usage(deep=True).sum() / 2**30:.2f} GiB")
    print("| path | seconds | peak memory beyond the data (GiB) |")
    print("|---|---|---|")
    for name, fn in paths.items():
        gc.collect()
        tracemalloc.start()
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
        secs = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"| {name} | {secs:.2f} | {peak / 2**30:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
