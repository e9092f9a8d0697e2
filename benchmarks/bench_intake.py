"""Benchmark: validate_survey and load_survey on a large CSV file (time and peak memory).

Writes a synthetic survey of ROWS rows and 60 columns (id, weight, stratum, cluster, sex, age, 50
Likert items with a "don't know" code, 4 text columns) and its codebook to a temporary folder, then
checks it (``validate_survey``, what ``campaign-me validate`` runs) and loads it (``load_survey``,
which returns the typed data) in a fresh Python process per run, and reports the wall and CPU time
and the peak resident memory of that process (``VmHWM``) above the same run on a 10-row file, as a
multiple of the file size.

    .venv/bin/python benchmarks/bench_intake.py --rows 200000 2000000 --repeat 1
    .venv/bin/python benchmarks/bench_intake.py --rows 2000000 --what validate --multiline 0.02
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np


def write_files(folder: Path, rows: int, seed: int = 20261201, multiline: float = 0.0) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    items = [f"q{i:02d}" for i in range(1, 51)]
    cols = {
        "resp_id": np.char.zfill(np.arange(1, rows + 1).astype(str), 8),
        "weight": np.round(rng.uniform(10, 200, rows), 2).astype(str),
        "stratum": rng.choice(np.array(["north", "south", "east", "west"]), rows),
        "cluster": rng.integers(1, 2000, rows).astype(str),
        "sex": rng.integers(1, 3, rows).astype(str),
        "age": rng.integers(15, 65, rows).astype(str),
    }
    for q in items:
        v = rng.integers(1, 6, rows).astype(str)
        v[rng.random(rows) < 0.03] = "99"
        cols[q] = v
    for t in ("district", "enumerator", "language", "note"):
        cols[t] = rng.choice(np.array(["alpha", "beta", "gamma delta", ""]), rows)
    if multiline:  # a share of the answers carry a comment over two lines (a quoted line break)
        cols["note"] = cols["note"].astype(object)
        cols["note"][rng.random(rows) < multiline] = '"first line\nsecond line, more"'

    csv = folder / f"survey_{rows}.csv"
    with csv.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(cols) + "\n")
        block = 100_000
        for start in range(0, rows, block):
            chunk = np.column_stack([c[start : start + block] for c in cols.values()])
            fh.write("\n".join(",".join(r) for r in chunk.tolist()) + "\n")
    cb = folder / "codebook.yaml"
    lines = [
        "dataset: bench", "id: resp_id", "weight: weight", "strata: stratum", "psu: cluster",
        "missing: {99: Don't know}", "variables:",
        "  resp_id: {type: id}", "  weight: {type: number, min: 0}",
        "  stratum: {type: categorical, codes: [north, south, east, west]}",
        "  cluster: {type: integer}", "  sex: {type: categorical, codes: {1: Male, 2: Female}}",
        "  age: {type: integer, min: 15, max: 64}",
    ]  # fmt: skip
    lines += [f"  {q}: {{type: categorical, points: 5}}" for q in items]
    lines += [f"  {t}: {{type: text}}" for t in ("district", "enumerator", "language", "note")]
    cb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv, cb


RUN = textwrap.dedent(
    """
    import resource, sys, time
    from campaign_me.intake import load_survey, validate_survey
    t0, c0 = time.perf_counter(), time.process_time()
    if sys.argv[4] == "validate":
        problems = validate_survey(sys.argv[1], sys.argv[2])
        rows = problems.attrs["rows"]
    else:
        data, problems = load_survey(sys.argv[1], sys.argv[2], errors="report")
        rows = len(data)
    t, c = time.perf_counter() - t0, time.process_time() - c0
    assert rows == int(sys.argv[3]), rows
    assert (problems["severity"] == "error").sum() == 0, problems
    # VmHWM: this process's peak resident memory (ru_maxrss would carry the parent's over exec)
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")]
    peak = int(hwm[0].split()[1]) * 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(t, c, peak)
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--what", nargs="+", choices=["validate", "load"], default=["validate", "load"])
    parser.add_argument("--multiline", type=float, default=0.0, help="share of rows with a two-line comment")
    args = parser.parse_args()
    base = {}
    with tempfile.TemporaryDirectory() as tmp:  # the same run on a 10-row file: Python, libraries, codebook
        csv, cb = write_files(Path(tmp), 10)
        for what in args.what:
            out = subprocess.run(
                [sys.executable, "-c", RUN, str(csv), str(cb), "10", what], capture_output=True, text=True
            )
            base[what] = int(out.stdout.split()[2])
            print(f"peak memory, {what} of a 10-row file (Python and libraries): {base[what] / 2**20:.0f} MiB")
    print(
        f"{'':>9} {'rows':>9} {'file MiB':>9} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'peak - base':>12} "
        f"{'x file':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            csv, cb = write_files(Path(tmp), rows, multiline=args.multiline)
            size = os.path.getsize(csv)
            for what in args.what:
                best = None
                for _ in range(args.repeat):
                    out = subprocess.run(
                        [sys.executable, "-c", RUN, str(csv), str(cb), str(rows), what], capture_output=True, text=True
                    )
                    if out.returncode:
                        sys.exit(out.stderr)
                    t, c, peak = out.stdout.split()
                    run = (float(t), float(c), int(peak))
                    best = run if best is None or run[1] < best[1] else best
                t, c, peak = best
                print(
                    f"{what:>9} {rows:>9,} {size / 2**20:>9.1f} {t:>7.1f} {c:>7.1f} {peak / 2**20:>9.0f} "
                    f"{(peak - base[what]) / 2**20:>12.0f} {(peak - base[what]) / size:>7.1f}"
                )
            csv.unlink()


if __name__ == "__main__":
    main()
