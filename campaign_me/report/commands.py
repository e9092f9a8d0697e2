"""The ``report``, ``batch``, ``notebooks`` and ``synthesis`` subcommands of ``campaign-me``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .batch import run_batch
from .notebooks import REPORT_NOTEBOOKS, SYNTHESIS_NOTEBOOK, list_notebooks, notebook_dir, parse_parameters
from .runner import run_report
from .synthesis import run_synthesis

__all__ = ["add_commands"]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None,
                   help="folder with <country>/survey_baseline.csv, survey_endline.csv and a codebook.yaml "
                        "(default: the bundled sample data)")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
                   help="notebook parameter, e.g. -p level=0.9 (repeatable; see campaign-me notebooks)")
    p.add_argument("--notebook", action="append", default=None, metavar="NAME",
                   help="notebook to execute (repeatable; default: 07_country_report)")
    p.add_argument("--store", default="default",
                   help="results store: a SQLite file or a SQLAlchemy URL (default: <out>/results.sqlite)")
    p.add_argument("--timeout", type=float, default=600, help="seconds a notebook cell may run (default 600)")


def _report(args: argparse.Namespace) -> int:
    res = run_report(args.country, data_dir=args.data_dir, out=args.out,
                     parameters=parse_parameters(args.parameter), notebooks=args.notebook, store=args.store,
                     progress=not args.quiet, timeout=args.timeout)
    print(f"{res.country}: report written in {res.seconds:.1f} s; open {res.report_dir / 'index.html'}")
    return 0


def _batch(args: argparse.Namespace) -> int:
    summary = run_batch(args.countries, workers=args.workers, scheduler=args.scheduler, data_dir=args.data_dir,
                        out=args.out, parameters=parse_parameters(args.parameter), notebooks=args.notebook,
                        store=args.store, timeout=args.timeout)
    print()
    print(summary.to_string(index=False, max_colwidth=90))
    failed = int((summary["status"] != "ok").sum())
    if failed:
        print(f"\n{failed} of {len(summary)} reports failed (see the error column above).")
        return 1
    index = Path(args.out) / "<country>" / "index.html"
    print(f"\nAll {len(summary)} reports written: open {index} in a browser.")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    print(f"Notebooks in {notebook_dir()}:")
    for name, params in list_notebooks():
        role = " (country report)" if name in REPORT_NOTEBOOKS else (
            " (regional synthesis)" if name == SYNTHESIS_NOTEBOOK else "")
        print(f"\n{name}{role}")
        if not params:
            print("    (no parameters)")
        for p in params.values():
            print(f"    {p.name}: {p.type} = {p.default}" + (f"  # {p.help}" if p.help else ""))
    return 0


def _synthesis(args: argparse.Namespace) -> int:
    res = run_synthesis(out=args.out, store=None if args.store == "default" else args.store,
                        parameters=parse_parameters(args.parameter), progress=not args.quiet,
                        timeout=args.timeout)
    print(f"regional synthesis written in {res.seconds:.1f} s; open {res.report_dir / 'index.html'}")
    return 0


def add_commands(sub) -> None:
    """Register the report subcommands on the ``campaign-me`` subparsers."""
    p = sub.add_parser("report", help="one country's report: notebooks executed and rendered to HTML")
    p.add_argument("--country", required=True, help="country id (a folder under --data-dir), e.g. aroland")
    _common(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_report)

    p = sub.add_parser("batch", help="reports for several countries in parallel (locally or on Dask)")
    p.add_argument("--countries", default="all", help="'all' (default) or a comma-separated list, e.g. aroland,corvia")
    p.add_argument("--workers", type=int, default=2, help="countries run at once on this machine (default 2)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    _common(p)
    p.set_defaults(func=_batch)

    p = sub.add_parser("notebooks", help="list the workbook notebooks and their parameters")
    p.set_defaults(func=_notebooks)

    p = sub.add_parser("synthesis", help="the regional synthesis from the results store")
    p.add_argument("--out", default="reports", help="output folder of the country reports (default: reports)")
    p.add_argument("--store", default="default", help="results store (default: <out>/results.sqlite)")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_synthesis)
