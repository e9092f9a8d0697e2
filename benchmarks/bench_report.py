"""Benchmark: country reports with the runner against the obvious shell loop.

Times, in one run on the same machine:

1. ``run_report`` for one sample country (the largest, Aroland);
2. ``run_batch`` for the three sample countries with 1 worker and with 2 workers;
3. the shell loop a user would write without campaign_me: for each country,
   ``papermill notebooks/07_country_report.ipynb out.ipynb -p country C`` then
   ``jupyter nbconvert --to html --no-input out.ipynb``.

Wall time and CPU time (this process and its children: kernels, CLI processes) are printed. The
machine's load average is printed too: on a shared machine wall times are only comparable within
one run.

    .venv/bin/python benchmarks/bench_report.py              # all of the above
    .venv/bin/python benchmarks/bench_report.py --no-shell   # the runner only
    .venv/bin/python benchmarks/bench_report.py --one --repeat 3   # one country, best of 3 fresh processes

``--one`` times a single country's report the way a user meets it, in a fresh Python process each
time (``campaign_me.report`` imported before the clock starts, papermill and nbconvert not), and
prints the best of ``--repeat`` runs with the load average before each.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTRIES = ("aroland", "belmora", "corvia")


def cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, fn, rows: list) -> float:
    load = os.getloadavg()[0]
    w0, c0 = time.perf_counter(), cpu()
    fn()
    wall, cpus = time.perf_counter() - w0, cpu() - c0
    rows.append((label, wall, cpus, load))
    print(f"{label:<58} {wall:7.1f} s wall {cpus:7.1f} s CPU   (load {load:.1f})", flush=True)
    return wall


_ONE = """
import sys, tempfile, time
from pathlib import Path
from campaign_me.report import run_report
warm = sys.argv[1] == "warm"
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    run_report("aroland", out=Path(tmp) / "one", progress=False, store=None, warm=warm)
    print(time.perf_counter() - t0)
"""


def one_country(repeat: int, warm: bool) -> int:
    """Best of ``repeat`` single-country reports, each in a fresh process (imports as a user pays them)."""
    walls = []
    for i in range(repeat):
        load = os.getloadavg()[0]
        c0 = cpu()
        out = subprocess.run([sys.executable, "-c", _ONE, "warm" if warm else "cold"], check=True,
                             capture_output=True, text=True)
        wall = float(out.stdout.strip().splitlines()[-1])
        walls.append(wall)
        print(f"runner: one country (aroland), fresh process, run {i + 1}: {wall:6.2f} s wall "
              f"(process and kernels: {cpu() - c0:5.1f} s CPU; load {load:.1f})", flush=True)
    print(f"best of {repeat}: {min(walls):.2f} s (target < 8 s)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-shell", action="store_true", help="skip the papermill + nbconvert shell loop")
    parser.add_argument("--cold", action="store_true", help="runner without warm kernels (papermill starts them)")
    parser.add_argument("--one", action="store_true", help="one country only, each run in a fresh process")
    parser.add_argument("--repeat", type=int, default=3, help="runs of --one (the best is reported; default 3)")
    args = parser.parse_args()
    if args.one:
        return one_country(args.repeat, warm=not args.cold)

    from campaign_me.report import run_batch, run_report, sample_data_dir

    data = sample_data_dir()
    bindir = Path(sys.executable).parent
    rows: list = []
    warm = not args.cold
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = timed("runner: one country (aroland)",
                    lambda: run_report("aroland", out=tmp / "one", progress=False, store=None, warm=warm), rows)
        seq = timed("runner: 3 countries, 1 worker",
                    lambda: run_batch("all", workers=1, out=tmp / "seq", echo=None, store=None, warm=warm), rows)
        par = timed("runner: 3 countries, 2 workers",
                    lambda: run_batch("all", workers=2, out=tmp / "par", echo=None, store=None, warm=warm), rows)
        shell = None
        if not args.no_shell:
            def loop() -> None:
                nb = ROOT / "notebooks" / "07_country_report.ipynb"
                for c in COUNTRIES:
                    out = tmp / "shell" / c
                    out.mkdir(parents=True)
                    subprocess.run([str(bindir / "papermill"), str(nb), str(out / "07_country_report.ipynb"),
                                    "-p", "country", c, "-p", "data_dir", str(data), "--no-progress-bar"],
                                   check=True, capture_output=True)
                    subprocess.run([str(bindir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                                    str(out / "07_country_report.ipynb")], check=True, capture_output=True)

            shell = timed("shell loop: papermill + jupyter nbconvert, 3 countries", loop, rows)
    print()
    print(f"3 countries with 2 workers / one country:  {par / one:.2f}  (target < 1.6)")
    if shell:
        print(f"shell loop / runner with 2 workers:         {shell / par:.2f}  (target >= 2)")
        print(f"shell loop / runner with 1 worker:          {shell / seq:.2f}")
        print(f"CPU: shell loop / runner with 1 worker:     {rows[3][2] / rows[1][2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
