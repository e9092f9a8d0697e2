"""The ``campaign-me`` command line.

Subcommands
-----------
``demo``         print real design-based estimates from the bundled data
``sample-size``  sample size for estimating a proportion (or comparing two)
``validate``     check a survey file against its codebook
``synth``        regenerate the simulated campaign world (``data/samples``)
``codebook``     draft a codebook (YAML) from a Kobo/ODK form
``report``       one country's report (notebooks executed, HTML without code, index.html)
``batch``        reports for several countries in parallel, locally or on a Dask cluster
``notebooks``    list the workbook notebooks and their parameters
``synthesis``    the regional synthesis of the country reports (from the results store)
"""

from __future__ import annotations

import argparse
import os
import sys

from .errors import CampaignMeError

DEMO_INDICATORS = (
    ("risk_aware", "thinks irregular routes are high-risk (%)", 100),
    ("intend_irregular", "intends to migrate irregularly (%)", 100),
    ("hotline_known", "knows the hotline (%)", 100),
    ("risk_perception", "risk perception (0-100)", 1),
)


def _sample_dir(tmp: str):
    """data/samples of the checkout (cwd or beside the package), else a freshly generated copy."""
    from pathlib import Path

    from .synth import DEFAULT_SEED, generate

    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (root / "data" / "samples" / "codebook.yaml").is_file():
            return root / "data" / "samples"
    generate(tmp, seed=DEFAULT_SEED)
    return Path(tmp)


def _demo(args: argparse.Namespace) -> int:
    import json
    import tempfile

    import numpy as np

    from .evaluation import combine_rounds, did
    from .intake import load_survey
    from .synth import COUNTRIES, DEFAULT_SEED

    print(f"campaign_me demo: the simulated campaign world (data/samples, seed {DEFAULT_SEED})")
    print("Design-based estimates (weights, strata, clusters) with 95% confidence intervals.")
    print("DiD = (endline - baseline) in campaign districts minus the same in comparison districts;")
    print("'planted' is the true effect written into the simulation (truth.json).\n")
    with tempfile.TemporaryDirectory() as tmp:
        samples = _sample_dir(tmp)
        loaded = {
            key: (
                load_survey(samples / key / "survey_baseline.csv", samples / "codebook.yaml"),
                load_survey(samples / key / "survey_endline.csv", samples / "codebook.yaml"),
                json.loads((samples / key / "truth.json").read_text(encoding="utf-8"))["itt"],
            )
            for key in COUNTRIES
        }
    for key, spec in COUNTRIES.items():
        base, end, truth = loaded[key]
        print(f"{spec.name}: baseline n={len(base)}, endline n={len(end)}, "
              f"{base['stratum'].nunique()} strata, {base['village'].nunique()} + {end['village'].nunique()} villages")
        print(f"  {'':<43}{'comparison':^18} {'campaign':^18}")
        print(f"  {'indicator':<43}{'baseline':>9}{'endline':>9} {'baseline':>9}{'endline':>9}   "
              f"{'DiD [95% CI]':<24}{'planted':>8}")
        both = combine_rounds(base, end, weights="weight", strata="stratum", psu="psu")
        for var, label, scale in DEMO_INDICATORS:
            r = did(both, var, treated="campaign", post="post", df=np.inf)  # normal intervals, as printed
            t = r.table * scale
            planted = truth[var] * scale
            print(
                f"  {label:<43}{t.loc['comparison', 'baseline']:>9.1f}{t.loc['comparison', 'endline']:>9.1f} "
                f"{t.loc['campaign', 'baseline']:>9.1f}{t.loc['campaign', 'endline']:>9.1f}   "
                f"{scale * r.effect:+6.1f} [{scale * r.ci_low:+6.1f}, {scale * r.ci_high:+6.1f}]   {planted:+7.1f}"
            )
        print()
    print("Next: the notebooks (one per roadmap step) and the country reports build on these estimates.")
    return 0


def _sample_size(args: argparse.Namespace) -> int:
    import math

    from . import power
    from .errors import PowerError

    level = 0.95 if args.level is None else args.level
    deff = 1.0 if args.deff is None else args.deff
    rate = 1.0 if args.response_rate is None else args.response_rate
    used = f"design effect {deff:g}, response rate {rate:.0%}"
    if args.p2 is None:
        if args.power is not None:
            raise PowerError("--power applies to comparing two groups: give --p2 too, or leave --power out.")
        margin = 0.05 if args.margin is None else args.margin
        try:
            n = power.sample_size_proportion(
                args.p, margin, level=level, population=args.population, deff=deff, response_rate=rate
            )
        except PowerError as exc:
            if "not finite" in str(exc) or "exceeds" in str(exc):
                raise PowerError(
                    f"--margin {margin:g} would need more than 10^15 interviews; choose a margin of error such "
                    "as 0.05 (plus or minus 5 percentage points)."
                ) from None
            raise
        pop = f", population {args.population:,.0f}" if args.population is not None else ""
        print(
            f"{n} interviews to estimate p={args.p} within +/-{margin} at {level:.0%} confidence "
            f"({used}{pop})"
        )
    else:
        if args.margin is not None:
            raise PowerError("--margin applies to estimating one proportion: leave it out with --p2 (use --power).")
        if args.population is not None:
            raise PowerError(
                "--population applies to estimating one proportion; a two-group comparison is sized for an "
                "infinite population: leave --population out."
            )
        pw = 0.8 if args.power is None else args.power
        n = power.sample_size_two_proportions(args.p, args.p2, power=pw, alpha=1 - level, deff=deff)
        if not 0 < rate <= 1:
            raise PowerError(f"--response-rate must be in (0, 1], got {rate}.")
        n = math.ceil(n / rate - 1e-9)
        print(
            f"{n} per group to detect {args.p} vs {args.p2} with power {pw} at {1 - level:.0%} significance "
            f"(two-sided; {used})"
        )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .codebook import Codebook
    from .errors import CodebookError
    from .intake import format_problems, summarize_problems, validate_survey
    from .privacy import printable

    try:
        cb = Codebook.from_yaml(args.codebook) if args.codebook else None
    except (FileNotFoundError, CodebookError) as exc:
        print(printable(f"campaign-me validate: {exc}"), file=sys.stderr)
        return 2
    status = 0
    for file in args.files:
        try:
            problems = validate_survey(
                file,
                cb,
                sheet=_sheet_arg(args.sheet),
                form=args.form,
                encoding=args.encoding,
                group_sep=args.group_sep,
            )
        except (OSError, CampaignMeError) as exc:
            print(printable(f"campaign-me validate: {exc}"), file=sys.stderr)
            status = 2
            continue
        name = printable(Path(file).name)
        serious = problems[problems["severity"].isin(["error", "warning"])]
        shape = f"{problems.attrs['rows']} rows, {problems.attrs['columns']} columns"
        if serious.empty:
            notes = f"; {summarize_problems(problems)}" if not problems.empty else ""
            scope = (
                ""
                if cb is not None or args.form
                else " - no codebook: only the file's structure and personal data were checked, not types, "
                "codes, ranges, ids or weights (pass --codebook)"
            )
            print(f"{name}: OK ({shape}){notes}{scope}")
        else:
            status = max(status, 1)
            print(f"{name}: {summarize_problems(problems)} ({shape} read); {problems.attrs.get('row_unit', '')}")
        if not problems.empty:
            print(format_problems(problems, table=True))
    return status


def _sheet_arg(sheet: str | None) -> str | int | None:
    """--sheet NAME, or a position among the worksheets: --sheet 0 is the first."""
    if sheet is not None and sheet.strip().isdigit():
        return int(sheet)
    return sheet


def _synth(args: argparse.Namespace) -> int:
    import shutil
    import tempfile
    from pathlib import Path

    from .errors import DataError
    from .synth import generate

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DataError(f"--out {str(out)!r} is a file, not a folder: choose a folder for the generated data.")
    existing = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if existing and not args.force and not _written_by_synth(out):
        shown = ", ".join(existing[:5]) + (f", ... ({len(existing)} in all)" if len(existing) > 5 else "")
        raise DataError(
            f"--out {str(out)!r} is not empty ({shown}) and was not written by campaign-me synth; "
            "choose an empty or new folder, or pass --force to replace its contents."
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.synth-", dir=out.parent))
    except OSError as exc:
        raise DataError(f"cannot write under {str(out.parent)!r}: {exc.strerror or exc}.") from None
    try:
        paths = generate(tmp, seed=args.seed, countries=tuple(args.country) if args.country else None)
        # keep what the generator does not write: countries not regenerated, hand-written files
        # such as each country's logframe.yaml
        for kept in sorted(p for p in out.rglob("*") if p.is_file()) if existing else ():
            target = tmp / kept.relative_to(out)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(kept), str(target))
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)  # the folder appears complete, or not at all
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(f"cannot write {str(out)!r}: {exc.strerror or exc}.") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"wrote {len(paths)} files under {args.out} (seed {args.seed})")
    return 0


def _written_by_synth(folder) -> bool:
    """A folder written by campaign-me synth: its codebook.yaml starts with synth's comment."""
    try:
        with open(folder / "codebook.yaml", encoding="utf-8") as fh:
            return "Written by campaign_me.synth" in fh.readline()
    except OSError:
        return False


def _codebook(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .xlsform import commented_yaml, draft_codebook

    cb, reasons = draft_codebook(args.form, dataset=args.dataset)
    header = (
        f"Codebook drafted from the form {Path(args.form).name} by campaign-me codebook (format: docs/codebook.md).\n"
        "Check each type; add id, weight, strata and psu at the top, scale and correct on the items,\n"
        "missing codes such as 99: Don't know, and role: identifier on any other personal data.\n"
        "Questions that ask for personal data (names, phone numbers, e-mail, addresses, GPS) are drafted\n"
        "as role: identifier (dropped on load), each with a comment saying why: check them."
    )
    text = commented_yaml(cb.to_yaml(header=header), reasons)
    if args.out:
        target = Path(args.out)
        if target.exists() and not args.force:
            from .errors import DataError

            raise DataError(f"--out {str(target)!r} exists; pass --force to replace it.")
        from .files import write_atomic

        write_atomic(target, text.encode("utf-8"))
        print(f"wrote {target} ({len(cb)} variables)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if reasons:
        print(f"drafted as identifiers (personal data, dropped on load; see the comments): {', '.join(reasons)}",
              file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaign-me", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="print design-based estimates from the bundled data")
    p.set_defaults(func=_demo)

    p = sub.add_parser("sample-size", help="sample size for a proportion or a two-group comparison")
    p.add_argument("--p", type=float, default=0.5, help="expected proportion (default 0.5)")
    p.add_argument("--margin", type=float, default=None, help="margin of error, one proportion (default 0.05)")
    p.add_argument("--p2", type=float, default=None, help="second proportion: size a two-group comparison")
    p.add_argument("--level", type=float, default=None, help="confidence level (default 0.95)")
    p.add_argument("--power", type=float, default=None, help="power, two groups (default 0.8)")
    p.add_argument("--population", type=float, default=None, help="population size, one proportion")
    p.add_argument("--deff", type=float, default=None, help="design effect (default 1)")
    p.add_argument("--response-rate", type=float, default=None, help="expected response rate (default 1)")
    p.set_defaults(func=_sample_size)

    from .synth import COUNTRIES, DEFAULT_SEED

    p = sub.add_parser("synth", help="regenerate the simulated campaign world")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--out", default="data/samples", help="output folder (default data/samples)")
    p.add_argument("--country", action="append", choices=list(COUNTRIES), help="only this country (repeatable)")
    p.add_argument("--force", action="store_true", help="replace a folder that holds other files")
    p.set_defaults(func=_synth)

    p = sub.add_parser(
        "validate",
        help="check a survey file against its codebook",
        description="Check survey files against a codebook and list every problem "
        "(rows are numbered as in the file; the header is row 1). Exit status: 0 clean, 1 errors or "
        "warnings, 2 the command could not run.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV, .xlsx or Kobo/ODK export")
    p.add_argument("--codebook", "-c", help="codebook.yaml")
    p.add_argument("--sheet", help="Excel sheet name or position (0 = first; needed when several sheets hold data)")
    p.add_argument("--form", help="XLSForm (.xlsx) of a Kobo/ODK export")
    p.add_argument("--encoding", help="text encoding of CSV files if not UTF-8, e.g. cp1252")
    p.add_argument(
        "--group-sep",
        default="/",
        help="separator of group prefixes in Kobo/ODK column names (default '/'; '.' or '-' in some exports)",
    )
    p.set_defaults(func=_validate)

    p = sub.add_parser(
        "codebook",
        help="draft a codebook (YAML) from a Kobo/ODK form",
        description="Draft a codebook from an XLSForm: campaign-me codebook --form FORM.xlsx > codebook.yaml",
    )
    p.add_argument("--form", required=True, help="the XLSForm (.xlsx) of the survey")
    p.add_argument("--dataset", help="dataset name (default: the form's form_id)")
    p.add_argument("--out", help="write to this file instead of the screen")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=_codebook)

    from .report.commands import add_commands as _add_report_commands

    _add_report_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CampaignMeError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        from .privacy import printable

        print(printable(f"campaign-me {args.command}: error: {exc}"), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
