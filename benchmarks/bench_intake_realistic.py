"""Benchmark: validate_survey and load_survey on a realistic large CSV file (time and peak memory).

``bench_intake.py`` times a file of five-point items and short text. A real KoboToolbox export has
more kinds of columns, and the slow paths of intake were in those. This script writes a survey of
ROWS rows and 60 columns (about 238 bytes a row: 453 MiB at 2,000,000 rows) and its codebook:

- ``resp_id`` (8 digits), ``weight`` (2 decimals), ``stratum`` (6 text codes), ``cluster`` (1-4000),
  ``enumerator`` (1-300);
- 2 dates (``interview_date`` within 2025 with a min and max, ``dob`` over 50 years, 2% blank);
- integers ``age`` (15-64, -99 = refused), ``hh_size``, ``n_trips`` (-99, -98 codes);
- floats ``income`` (2 decimals, up to 10^5, -99) and ``distance_km`` (1 decimal);
- 5 booleans (``yes``/``no``, ``1``/``0`` and ``true``/``false`` spellings; -99);
- 4 select_multiple questions written as one space-separated column each, KoboToolbox style (options
  in form order; ``none`` options; blanks where skip logic hides the question; -99);
- 36 categorical items: ``sex``, 29 five-point items (3% -99, 2% -98) and 6 four-code knowledge items;
- 3 text columns: ``comments`` (quoted free text with commas, 75% blank, mostly distinct),
  ``occupation`` (a few hundred values, some quoted with commas), ``other_specify`` (95% blank).

Each run checks the file (``validate_survey``, what ``campaign-me validate`` runs) or loads it
(``load_survey(..., errors="report")``) in a fresh Python process and reports the wall and CPU time
and the peak resident memory of that process (``VmHWM``) above the same run on a 10-row file, as a
multiple of the file size. ``--code DIR`` imports campaign_me from another tree (a copy of an older
version) to compare versions on the same file in the same session; ``--keep DIR`` writes the files
there and reuses them (writing 2,000,000 rows takes about 2 minutes). Documented in
``benchmarks/README.md``.

    .venv/bin/python benchmarks/bench_intake_realistic.py                      # 2,000,000 rows, best of 3
    .venv/bin/python benchmarks/bench_intake_realistic.py --rows 200000 --repeat 1   # a quick look
    .venv/bin/python benchmarks/bench_intake_realistic.py --code /tmp/old --keep /tmp/realistic
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

SEED = 20261208

CHANNELS = ["radio", "tv", "facebook", "whatsapp", "poster", "event", "friends", "other", "none"]
SOURCES = ["family", "friends", "broker", "agency", "ngo", "government", "internet", "none"]
RISKS = ["debt", "passport", "violence", "detention", "unpaid", "trafficking", "death", "other", "dk"]
DESTINATIONS = ["gulf", "europe", "asia", "africa", "americas", "undecided"]
MULTI = {"channels": CHANNELS, "info_sources": SOURCES, "risks_known": RISKS, "destinations": DESTINATIONS}
STRATA = ["north", "south", "east", "west", "coast", "capital"]
ITEMS = [f"a{i:02d}" for i in range(1, 30)]
KNOWLEDGE = [f"k{i}" for i in range(1, 7)]

_WORDS_A = [
    "Heard about it on the radio",
    "My cousin went last year",
    "The broker asked for money",
    "We saw the poster at the market",
    "I do not trust agencies",
    "Nobody told us",
    "My neighbour came back",
    "The hotline did not answer",
    "I want to go legally",
    "They said the job was in a hotel",
    "My brother paid the fees",
    "The event was good",
]
_WORDS_B = [
    "but I am not sure",
    "and it was expensive",
    "so we waited",
    "then I asked my family",
    "although the pay is low",
    "and the papers took long",
    "but it was far",
    "so I stayed",
]
_JOBS = ["farmer", "trader", "student", "teacher", "driver", "nurse", "tailor", "mechanic", "fisher",
         "domestic worker", "construction worker", "shop keeper", "unemployed", "hairdresser", "cook"]  # fmt: skip


def _choice(
    rng: np.random.Generator, values: list[str], rows: int, p: list[float] | None = None
) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), rows, p=p)]


def _plant(rng: np.random.Generator, col: np.ndarray, codes: dict[str, float]) -> np.ndarray:
    """Missing codes (``{code: share}``) planted at random rows."""
    u = rng.random(len(col))
    lo = 0.0
    for code, share in codes.items():
        col[(u >= lo) & (u < lo + share)] = code
        lo += share
    return col


def _multi(rng: np.random.Generator, options: list[str], rows: int) -> np.ndarray:
    """Space-separated answers in form order; ``none``/``dk``/``undecided`` (the last option) alone."""
    pool: list[str] = []
    weights: list[float] = []
    plain = options[:-1]
    for mask in range(1, 2 ** len(plain)):
        chosen = [o for i, o in enumerate(plain) if mask >> i & 1]
        if len(chosen) <= 4:
            pool.append(" ".join(chosen))
            weights.append(0.3 ** len(chosen))
    pool.append(options[-1])
    weights.append(sum(weights) * 0.1)
    p = np.array(weights) / sum(weights)
    col = _choice(rng, pool, rows, list(p))
    return _plant(rng, col, {"": 0.15, "-99": 0.02})  # skip logic hides it; refused


def columns(rows: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """The columns of the file as arrays of text (object dtype), in file order."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    cols["resp_id"] = np.char.zfill(np.arange(1, rows + 1).astype(str), 8).astype(object)
    cols["weight"] = np.char.mod("%.2f", rng.uniform(10, 200, rows)).astype(object)
    cols["stratum"] = _choice(rng, STRATA, rows)
    cols["cluster"] = rng.integers(1, 4001, rows).astype(str).astype(object)
    cols["enumerator"] = rng.integers(1, 301, rows).astype(str).astype(object)
    day = np.datetime64("2025-01-01") + rng.integers(0, 365, rows).astype("timedelta64[D]")
    cols["interview_date"] = day.astype(str).astype(object)
    dob = np.datetime64("1960-01-01") + rng.integers(0, 50 * 365, rows).astype("timedelta64[D]")
    cols["dob"] = _plant(rng, dob.astype(str).astype(object), {"": 0.02})
    cols["sex"] = _plant(rng, _choice(rng, ["1", "2"], rows), {"-99": 0.005})
    cols["age"] = _plant(rng, rng.integers(15, 65, rows).astype(str).astype(object), {"-99": 0.01})
    cols["hh_size"] = rng.integers(1, 16, rows).astype(str).astype(object)
    cols["n_trips"] = _plant(
        rng, rng.integers(0, 11, rows).astype(str).astype(object), {"-99": 0.02, "-98": 0.1}
    )
    income = np.char.mod("%.2f", np.round(rng.lognormal(7, 1.2, rows).clip(0, 99999), 2)).astype(object)
    cols["income"] = _plant(rng, income, {"-99": 0.05, "": 0.02})
    cols["distance_km"] = np.char.mod("%.1f", rng.gamma(2, 150, rows).clip(0, 9999)).astype(object)
    cols["has_phone"] = _plant(rng, _choice(rng, ["yes", "no"], rows, [0.8, 0.2]), {"-99": 0.01})
    cols["has_passport"] = _plant(rng, _choice(rng, ["1", "0"], rows), {"-99": 0.01})
    cols["plans_to_migrate"] = _plant(rng, _choice(rng, ["true", "false"], rows), {"-99": 0.03})
    cols["heard_campaign"] = _plant(rng, _choice(rng, ["yes", "no"], rows), {"": 0.05})
    cols["knows_hotline"] = _plant(rng, _choice(rng, ["yes", "no"], rows), {"-99": 0.02})
    for name, options in MULTI.items():
        cols[name] = _multi(rng, options, rows)
    for q in ITEMS:
        cols[q] = _plant(rng, rng.integers(1, 6, rows).astype(str).astype(object), {"-99": 0.03, "-98": 0.02})
    for k in KNOWLEDGE:
        cols[k] = _plant(rng, rng.integers(1, 5, rows).astype(str).astype(object), {"-99": 0.02})
    # Free text, quoted (commas inside), mostly distinct: a phrase, a clause and sometimes a number.
    text = np.char.add(
        np.char.add(_choice(rng, _WORDS_A, rows).astype(str), ", "), _choice(rng, _WORDS_B, rows).astype(str)
    )
    numbered = rng.random(rows) < 0.6
    amounts = np.char.add(", paid ", rng.integers(100, 100_000, rows).astype(str))
    text = np.where(numbered, np.char.add(text, amounts), text)
    comments = np.char.add(np.char.add('"', text), '"').astype(object)
    cols["comments"] = _plant(rng, comments, {"": 0.75})
    pairs = np.array([f'"{a}, {b}"' for a in _JOBS for b in _JOBS[:12] if a != b], dtype=object)  # two jobs
    jobs = np.where(
        rng.random(rows) < 0.2, pairs[rng.integers(0, len(pairs), rows)], _choice(rng, _JOBS, rows)
    )
    cols["occupation"] = _plant(rng, jobs, {"": 0.05})
    cols["other_specify"] = np.full(rows, "", dtype=object)
    some = rng.random(rows) < 0.05
    cols["other_specify"][some] = (
        np.char.add('"mosque, church or ', rng.integers(1, 500, int(some.sum())).astype(str)) + '"'
    )
    assert len(cols) == 60, len(cols)
    return cols


def codebook_text() -> str:
    lines = [
        "dataset: bench_realistic",
        "id: resp_id",
        "weight: weight",
        "strata: stratum",
        "psu: cluster",
        "missing: {-99: Refused, -98: Don't know}",
        "variables:",
        "  resp_id: {type: id}",
        "  weight: {type: number, min: 0}",
        f"  stratum: {{type: categorical, codes: [{', '.join(STRATA)}]}}",
        "  cluster: {type: integer}",
        "  enumerator: {type: integer, role: metadata, min: 1, max: 300}",
        "  interview_date: {type: date, role: metadata, min: '2025-01-01', max: '2025-12-31'}",
        "  dob: {type: date, label: Date of birth}",
        "  sex: {type: categorical, codes: {1: Male, 2: Female}}",
        "  age: {type: integer, min: 15, max: 64}",
        "  hh_size: {type: integer, min: 1, max: 30}",
        "  n_trips: {type: integer, min: 0, max: 50}",
        "  income: {type: number, min: 0}",
        "  distance_km: {type: number, min: 0}",
        "  has_phone: {type: boolean}",
        "  has_passport: {type: boolean}",
        "  plans_to_migrate: {type: boolean}",
        "  heard_campaign: {type: boolean}",
        "  knows_hotline: {type: boolean}",
    ]
    for name, options in MULTI.items():
        lines.append(f"  {name}: {{type: select_multiple, codes: [{', '.join(options)}]}}")
    lines += [f"  {q}: {{type: categorical, scale: attitude, points: 5}}" for q in ITEMS]
    lines += [
        f"  {k}: {{type: categorical, codes: {{1: 'True', 2: 'False', 3: Depends, 4: Never heard}}}}"
        for k in KNOWLEDGE
    ]
    lines += ["  comments: {type: text}", "  occupation: {type: text}", "  other_specify: {type: text}"]
    return "\n".join(lines) + "\n"


def write_files(folder: Path, rows: int, seed: int = SEED) -> tuple[Path, Path]:
    csv = folder / f"realistic_{rows}.csv"
    cb = folder / "codebook_realistic.yaml"
    cb.write_text(codebook_text(), encoding="utf-8")
    block = 200_000
    with csv.open("w", encoding="utf-8", newline="") as fh:
        names = list(columns(1, seed))
        fh.write(",".join(names) + "\n")
        for start in range(0, rows, block):
            part = columns(min(block, rows - start), seed + 1 + start // block)  # a seed per block
            # the ids run on over the blocks
            part["resp_id"] = np.char.zfill(
                np.arange(start + 1, start + len(part["resp_id"]) + 1).astype(str), 8
            )
            chunk = np.column_stack([part[c].astype(str) for c in names])
            fh.write("\n".join(",".join(r) for r in chunk.tolist()) + "\n")
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
    print(t, c, peak, len(problems))
    """
)


def _run(csv: Path, cb: Path, rows: int, what: str, code: str | None) -> tuple[float, float, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(csv.resolve()), str(cb.resolve()), str(rows), what],
        capture_output=True,
        text=True,
        cwd=code,  # ``python -c`` puts the working folder first on sys.path
    )
    if out.returncode:
        sys.exit(out.stderr)
    t, c, peak, n_problems = out.stdout.split()
    return float(t), float(c), int(peak), int(n_problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000_000])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each; the best (least wall time) is shown"
    )
    parser.add_argument("--what", nargs="+", choices=["validate", "load"], default=["validate", "load"])
    parser.add_argument("--code", help="import campaign_me from this folder (holding campaign_me/)")
    parser.add_argument("--keep", type=Path, help="write the files to this folder and reuse them if present")
    args = parser.parse_args()
    code = str(Path(args.code).resolve()) if args.code else None
    base = {}
    with tempfile.TemporaryDirectory() as tmp:  # the same run on a 10-row file: Python, libraries, codebook
        csv, cb = write_files(Path(tmp), 10)
        for what in args.what:
            base[what] = _run(csv, cb, 10, what, code)[2]
            print(
                f"peak memory, {what} of a 10-row file (Python and libraries): {base[what] / 2**20:.0f} MiB"
            )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"{'':>9} {'rows':>9} {'file MiB':>9} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'peak - base':>12} "
        f"{'x file':>7} {'problems':>9}  (all wall s; load average at the end)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in args.rows:
            csv = folder / f"realistic_{rows}.csv"
            cb = folder / "codebook_realistic.yaml"
            if not (args.keep and csv.exists() and cb.exists()):
                t0 = time.perf_counter()
                csv, cb = write_files(folder, rows)
                print(f"wrote {csv.name} in {time.perf_counter() - t0:.0f} s")
            size = os.path.getsize(csv)
            for what in args.what:
                runs = [_run(csv, cb, rows, what, code) for _ in range(args.repeat)]
                t, c, peak, n_problems = min(runs)
                print(
                    f"{what:>9} {rows:>9,} {size / 2**20:>9.1f} {t:>7.1f} {c:>7.1f} {peak / 2**20:>9.0f} "
                    f"{(peak - base[what]) / 2**20:>12.0f} {(peak - base[what]) / size:>7.1f} {n_problems:>9}  "
                    f"({', '.join(f'{r[0]:.1f}' for r in runs)}; load {os.getloadavg()[0]:.1f})"
                )
            if not args.keep:
                csv.unlink()


if __name__ == "__main__":
    main()
