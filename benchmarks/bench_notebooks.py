"""Benchmark: each workbook notebook (notebooks/00-06) executed headless, as a participant's "Run All".

For every notebook and country, runs papermill (a fresh kernel each time, so the time includes
kernel start and imports, as a participant's *Restart and Run All*) ``--repeat`` times one after the
other, and reports the best and the median wall time, plus the time spent in the cells (papermill's
per-cell durations, without kernel start) and the CPU seconds used by papermill and the kernel
(``getrusage``: independent of other load on the machine, so comparable between runs on a busy,
shared machine). The budget is 20 s of wall time per notebook on an otherwise idle machine; the
load average is printed beside the results, since on a shared machine wall time scales with it.

Run:  .venv/bin/python benchmarks/bench_notebooks.py --repeat 3
      .venv/bin/python benchmarks/bench_notebooks.py --notebook 01_getting_started --country corvia
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 20.0


def _cpu() -> float:
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_once(notebook: Path, country: str, out: Path) -> tuple[float, float, float]:
    import nbformat
    import papermill as pm

    cpu0 = _cpu()
    start = time.perf_counter()
    pm.execute_notebook(str(notebook), str(out), parameters={"country": country}, kernel_name="python3",
                        progress_bar=False, log_output=False)
    wall = time.perf_counter() - start
    cpu = _cpu() - cpu0  # the kernel is a reaped child of this process by now
    nb = nbformat.read(out, as_version=4)
    cells = sum(c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells)
    return wall, cells, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--notebook", action="append", help="stem, e.g. 01_getting_started (repeatable)")
    parser.add_argument("--country", action="append", help="sample country (repeatable; default aroland)")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("0[0-6]_*.ipynb"))
    if args.notebook:
        notebooks = [p for p in notebooks if p.stem in args.notebook]
    countries = args.country or ["aroland"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average before: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'notebook':<30}{'country':<10}{'best s':>8}{'median s':>10}{'cells s':>9}{'cpu s':>8}"
          f"  budget {BUDGET:.0f} s")
    over = 0
    with tempfile.TemporaryDirectory() as tmp:
        for nb in notebooks:
            for country in countries:
                walls, cells, cpus = [], [], []
                for i in range(args.repeat):
                    w, c, u = run_once(nb, country, Path(tmp) / f"{nb.stem}_{country}_{i}.ipynb")
                    walls.append(w)
                    cells.append(c)
                    cpus.append(u)
                best = min(walls)
                over += best > BUDGET
                print(f"{nb.stem:<30}{country:<10}{best:>8.1f}{statistics.median(walls):>10.1f}"
                      f"{min(cells):>9.1f}{min(cpus):>8.1f}  {'OVER' if best > BUDGET else 'ok'}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
