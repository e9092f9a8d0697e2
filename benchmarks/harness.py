"""What every benchmark script shares: timing the best of several runs, and running its R twin.

The scripts run as ``python benchmarks/bench_x.py`` (this folder is then on ``sys.path``), so they
import this module as ``harness``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def best_of(fn, repeat: int):
    """Best wall-clock and best CPU seconds (this process) of ``repeat`` runs, and the last result."""
    times, cpus, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return (min(times), min(cpus)), result


def best_wall(fn, repeat: int):
    """Best wall-clock seconds of ``repeat`` runs, and the last result."""
    (wall, _cpu), result = best_of(fn, repeat)
    return wall, result


def run_r(script: str, *args: object, timeout: float = 7200) -> dict | None:
    """Run ``benchmarks/<script>`` with Rscript; its last output line is JSON. None without R survey."""
    try:
        out = subprocess.run(
            ["Rscript", os.path.join(HERE, script), *map(str, args)],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"R survey not available ({exc}); skipped", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])
