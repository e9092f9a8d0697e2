"""The ``campaign-me`` command line.

Subcommands
-----------
``demo``         print real design-based estimates from the bundled data
``sample-size``  sample size for estimating a proportion (or comparing two)
``validate``     check a survey file against its codebook
``synth``        regenerate the simulated campaign world (``data/samples``)
``codebook``     draft a codebook (YAML) from a Kobo/ODK form
``form``         the questionnaire (XLSForm for KoboToolbox/ODK) that chosen indicators need, and its codebook
``report``       one country's report (notebooks executed, HTML without code, index.html)
``batch``        reports for several countries in parallel, locally or on a Dask cluster
``notebooks``    list the workbook notebooks and their parameters
``synthesis``    the regional synthesis of the country reports (from the results store)
``workshop``     working copies of the lessons for a workshop laptop, then JupyterLab (``--check``: laptop)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .deferred import Deferred
from .errors import CampaignMeError, CodebookError, DataError, PowerError
from .files import write_atomic

# Each command needs a different part of the library; `campaign-me --help` and the light commands
# need none of pandas, SciPy or the notebook machinery, so the modules are bound here and imported
# when a command uses them (see campaign_me/deferred.py).
codebook = Deferred("campaign_me.codebook")  # deferred: pandas (via design)
evaluation = Deferred("campaign_me.evaluation")  # deferred: pandas, SciPy, statsmodels
intake = Deferred("campaign_me.intake")  # deferred: pandas, pyarrow
power = Deferred("campaign_me.power")  # deferred: SciPy
privacy = Deferred("campaign_me.privacy")  # deferred: pandas
questionnaire = Deferred("campaign_me.questionnaire")  # deferred: the indicator catalogue
report_commands = Deferred("campaign_me.report.commands")  # deferred: the report package
report_notebooks = Deferred("campaign_me.report.notebooks")  # deferred: the report package
report_runner = Deferred("campaign_me.report.runner")  # deferred: the report package
synth = Deferred("campaign_me.synth")  # deferred: pandas, SciPy, openpyxl
workbook = Deferred("campaign_me.workbook")  # deferred: pandas, the indicators
workshop = Deferred("campaign_me.workshop")  # deferred: Jupyter
xlsform = Deferred("campaign_me.xlsform")  # deferred: openpyxl, the codebook

DEMO_INDICATORS = (
    ("risk_aware", "thinks irregular routes are high-risk (%)", 100),
    ("intend_irregular", "intends to migrate irregularly (%)", 100),
    ("hotline_known", "knows the hotline (%)", 100),
    ("risk_perception", "risk perception (0-100)", 1),
)


def _demo(args: argparse.Namespace) -> int:
    print(f"campaign_me demo: the simulated campaign world (data/samples, seed {synth.DEFAULT_SEED})")
    print("Design-based estimates (weights, strata, clusters) with 95% confidence intervals.")
    print("DiD = (endline - baseline) in campaign districts minus the same in comparison districts;")
    print("'planted' is the true effect written into the simulation (truth.json).\n")
    samples = workbook.sample_data_dir(generate=True)  # the checkout's data/samples, else generated once
    book = codebook.Codebook.from_yaml(
        samples / "codebook.yaml"
    )  # the design and the arm come from the codebook
    treated = book.arm.column if book.arm is not None else "campaign"
    loaded = {
        key: (
            intake.load_survey(samples / key / "survey_baseline.csv", book),
            intake.load_survey(samples / key / "survey_endline.csv", book),
            json.loads((samples / key / "truth.json").read_text(encoding="utf-8"))["itt"],
        )
        for key in synth.COUNTRIES
    }
    for key, spec in synth.COUNTRIES.items():
        base, end, truth = loaded[key]
        print(
            f"{spec.name}: baseline n={len(base)}, endline n={len(end)}, "
            f"{base['stratum'].nunique()} strata, {base['village'].nunique()} + {end['village'].nunique()} "
            "villages"
        )
        print(f"  {'':<43}{'comparison':^18} {'campaign':^18}")
        print(
            f"  {'indicator':<43}{'baseline':>9}{'endline':>9} {'baseline':>9}{'endline':>9}   "
            f"{'DiD [95% CI]':<24}{'planted':>8}"
        )
        both = evaluation.combine_rounds(base, end, weights=book.weight, strata=book.strata, psu=book.psu)
        for var, label, scale in DEMO_INDICATORS:
            r = evaluation.did(
                both, var, treated=treated, post="post", df=math.inf
            )  # normal intervals, as printed
            t = r.table * scale
            planted = truth[var] * scale
            print(
                f"  {label:<43}{t.loc['comparison', 'baseline']:>9.1f}{t.loc['comparison', 'endline']:>9.1f} "
                f"{t.loc['campaign', 'baseline']:>9.1f}{t.loc['campaign', 'endline']:>9.1f}   "
                f"{scale * r.effect:+6.1f} [{scale * r.ci_low:+6.1f}, {scale * r.ci_high:+6.1f}]   "
                f"{planted:+7.1f}"
            )
        print()
    print("Next: the notebooks (one per roadmap step) and the country reports build on these estimates.")
    return 0


def _sample_size(args: argparse.Namespace) -> int:
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
                    f"--margin {margin:g} would need more than 10^15 interviews; choose a margin of error "
                    "such as 0.05 (plus or minus 5 percentage points)."
                ) from None
            raise
        pop = f", population {args.population:,.0f}" if args.population is not None else ""
        print(
            f"{n} interviews to estimate p={args.p} within +/-{margin} at {level:.0%} confidence "
            f"({used}{pop})"
        )
    else:
        if args.margin is not None:
            raise PowerError(
                "--margin applies to estimating one proportion: leave it out with --p2 (use --power)."
            )
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
    printable = privacy.printable
    try:
        cb = codebook.Codebook.from_yaml(args.codebook) if args.codebook else None
    except (FileNotFoundError, CodebookError) as exc:
        print(printable(f"campaign-me validate: {exc}"), file=sys.stderr)
        return 2
    status = 0
    for file in args.files:
        try:
            problems = intake.validate_survey(
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
            notes = f"; {intake.summarize_problems(problems)}" if not problems.empty else ""
            scope = (
                ""
                if cb is not None or args.form
                else " - no codebook: only the file's structure and personal data were checked, not types, "
                "codes, ranges, ids or weights (pass --codebook)"
            )
            print(f"{name}: OK ({shape}){notes}{scope}")
        else:
            status = max(status, 1)
            print(
                f"{name}: {intake.summarize_problems(problems)} ({shape} read); "
                f"{problems.attrs.get('row_unit', '')}"
            )
        if not problems.empty:
            print(intake.format_problems(problems, table=True))
    return status


def _sheet_arg(sheet: str | None) -> str | int | None:
    """--sheet NAME, or a position among the worksheets: --sheet 0 is the first."""
    if sheet is not None and sheet.strip().isdigit():
        return int(sheet)
    return sheet


def _synth(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DataError(
            f"--out {str(out)!r} is a file, not a folder: choose a folder for the generated data."
        )
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
        paths = synth.generate(tmp, seed=args.seed, countries=tuple(args.country) if args.country else None)
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
    drafted = xlsform.draft(args.form, dataset=args.dataset)
    cb, reasons = drafted.codebook, drafted.reasons
    header = (
        f"Codebook drafted from the form {Path(args.form).name} by campaign-me codebook (format: "
        "docs/codebook.md).\n"
        "Check each type; fill in the study's keys below (id, weight, strata, psu, arm, rounds), scale and\n"
        "correct on the items, and role: identifier on any other personal data.\n"
        "Questions that ask for personal data (names, phone numbers, e-mail, addresses, GPS) are drafted\n"
        "as role: identifier (dropped on load), each with a comment saying why: check them."
    )
    text = drafted.to_yaml(header=header)
    if args.out:
        target = Path(args.out)
        if target.exists() and not args.force:
            raise DataError(f"--out {str(target)!r} exists; pass --force to replace it.")
        write_atomic(target, text.encode("utf-8"))
        print(f"wrote {target} ({len(cb)} variables)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if reasons:
        print(
            "drafted as identifiers (personal data, dropped on load; see the comments): "
            f"{', '.join(reasons)}",
            file=sys.stderr,
        )
    if drafted.missing:
        shown = ", ".join(f"{c} = {lab}" for c, lab in drafted.missing.items())
        print(
            f"missing-value codes proposed from the form's choices: {shown} (check the 'missing' block)",
            file=sys.stderr,
        )
    return 0


def _form(args: argparse.Namespace) -> int:
    catalogue, ids = report_runner.report_indicators(args.catalogue, args.indicators)
    q = questionnaire.build_form(
        catalogue, ids, codebook=args.codebook, rounds=args.rounds, contact=not args.no_contact
    )
    form, codebook = q.write(args.out, force=args.force)
    print(
        f"wrote {form} (XLSForm: {len(q.questions)} questions for {len(q.indicators)} indicators; "
        f"sheets survey, choices, settings) and {codebook} (its codebook)"
    )
    print(f"indicators: {', '.join(q.indicators)}")
    if q.identifiers:
        print(
            f"personal data: {', '.join(q.identifiers)} (asked only of respondents who agree to a follow-up; "
            "marked role: identifier, dropped on load). Leave them out with --no-contact if you will not "
            "re-contact respondents.",
            file=sys.stderr,
        )
    print(
        "next: upload form.xlsx to KoboToolbox (or ODK Central), collect, download the data as CSV with "
        "'XML values and headers', then: campaign-me validate EXPORT.csv --codebook " + str(codebook)
    )
    return 0


def _study_options(sub) -> None:
    """``--catalogue`` and ``--indicators`` on report, batch and synthesis; ``--data-dir`` on synthesis.

    They reach the runner as its options (``-p catalogue=FILE`` is the same; see
    :data:`campaign_me.report.runner.REPORT_OPTIONS`).
    """
    for name in ("report", "batch", "synthesis"):
        p = sub.choices[name]
        if name == "synthesis":
            p.add_argument(
                "--data-dir",
                dest="study_data_dir",
                default=None,
                metavar="DIR",
                help="folder of the countries' data, for results computed without a store",
            )
        p.add_argument(
            "--catalogue",
            default=None,
            metavar="FILE",
            help="an indicator catalogue of your own (YAML), merged over the shipped one",
        )
        p.add_argument(
            "--indicators",
            default=None,
            metavar="ID,...",
            help="indicator ids to report (default: the standard report indicators and those "
            "--catalogue adds); those the survey did not ask are listed as not asked",
        )
        p.set_defaults(func=_with_study_options(p.get_default("func")))


def _with_study_options(func):
    def run(args: argparse.Namespace) -> int:
        given = {item.partition("=")[0].strip() for item in args.parameter}
        for key, dest in (
            ("catalogue", "catalogue"),
            ("indicators", "indicators"),
            ("data_dir", "study_data_dir"),
        ):
            value = getattr(args, dest, None)
            if value not in (None, ""):
                if key in given:
                    raise report_notebooks.ReportError(
                        f"{key} is given twice (--{key.replace('_', '-')} and -p {key}=...); give it once"
                    )
                args.parameter = [*args.parameter, f"{key}={value}"]
        return func(args)

    return run


def _workshop(args: argparse.Namespace) -> int:
    folder = args.folder or workshop.default_folder()
    if args.check:
        if args.reset or args.no_lab or args.port is not None:
            raise workshop.WorkshopError(
                "--check copies nothing and starts nothing: leave out --reset, --no-lab and --port"
            )
        print(f"Laptop check for the campaign_me workshop (workshop folder: {folder})", flush=True)
        results = workshop.laptop_check(
            folder, progress=lambda c: print(workshop.format_check(c), flush=True)
        )
        print(workshop.format_checks(results))
        return 0 if all(c.ok for c in results) else 1
    copies = workshop.prepare_workshop(folder, reset=args.reset)
    print(copies.summary(), flush=True)
    if args.no_lab:
        print(f"Start JupyterLab on the copies with: campaign-me workshop {copies.folder}")
        return 0
    return workshop.launch_lab(copies.folder, port=args.port)


def _port(text: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _sample_size_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--p", type=float, default=0.5, help="expected proportion (default 0.5)")
    p.add_argument(
        "--margin", type=float, default=None, help="margin of error, one proportion (default 0.05)"
    )
    p.add_argument("--p2", type=float, default=None, help="second proportion: size a two-group comparison")
    p.add_argument("--level", type=float, default=None, help="confidence level (default 0.95)")
    p.add_argument("--power", type=float, default=None, help="power, two groups (default 0.8)")
    p.add_argument("--population", type=float, default=None, help="population size, one proportion")
    p.add_argument("--deff", type=float, default=None, help="design effect (default 1)")
    p.add_argument("--response-rate", type=float, default=None, help="expected response rate (default 1)")


def _synth_arguments(p: argparse.ArgumentParser) -> None:
    seed = synth.DEFAULT_SEED
    p.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    p.add_argument("--out", default="data/samples", help="output folder (default data/samples)")
    p.add_argument(
        "--country", action="append", choices=list(synth.COUNTRIES), help="only this country (repeatable)"
    )
    p.add_argument("--force", action="store_true", help="replace a folder that holds other files")


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV, .xlsx or Kobo/ODK export")
    p.add_argument("--codebook", "-c", help="codebook.yaml")
    p.add_argument(
        "--sheet", help="Excel sheet name or position (0 = first; needed when several sheets hold data)"
    )
    p.add_argument("--form", help="XLSForm (.xlsx) of a Kobo/ODK export")
    p.add_argument("--encoding", help="text encoding of CSV files if not UTF-8, e.g. cp1252")
    p.add_argument(
        "--group-sep",
        default="/",
        help="separator of group prefixes in Kobo/ODK column names (default '/'; '.' or '-' in some exports)",
    )


def _codebook_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--form", required=True, help="the XLSForm (.xlsx) of the survey")
    p.add_argument("--dataset", help="dataset name (default: the form's form_id)")
    p.add_argument("--out", help="write to this file instead of the screen")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")


def _form_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="FOLDER", help="folder for form.xlsx and codebook.yaml")
    p.add_argument(
        "--catalogue",
        default=None,
        metavar="FILE",
        help="an indicator catalogue of your own (YAML), merged over the shipped one",
    )
    p.add_argument(
        "--indicators",
        default=None,
        metavar="ID,...",
        help="indicator ids (default: the standard report indicators and those --catalogue adds)",
    )
    p.add_argument(
        "--codebook",
        default=None,
        metavar="FILE",
        help="codebook describing the questions (default: the shipped one, data/samples/codebook.yaml)",
    )
    p.add_argument(
        "--rounds",
        choices=list(codebook.ROUNDS),
        default="independent",
        help="round structure for the codebook (panel: the respondent id is typed in, not generated)",
    )
    p.add_argument(
        "--no-contact",
        action="store_true",
        help="no follow-up contact questions (the respondent's name and phone number)",
    )
    p.add_argument("--force", action="store_true", help="replace form.xlsx and codebook.yaml in FOLDER")


def _workshop_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "folder",
        nargs="?",
        default=None,
        metavar="FOLDER",
        help="the workshop folder (default: campaign_me_workshop in your home folder)",
    )
    p.add_argument(
        "--reset",
        action="store_true",
        help="restore the original lessons (between groups); the old copies go to FOLDER/backups/",
    )
    p.add_argument("--no-lab", action="store_true", help="only copy; do not start JupyterLab")
    p.add_argument(
        "--port", type=_port, default=None, help="port for JupyterLab (default 8888, or the next free one)"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="laptop check: Python, campaign_me, notebooks, sample data, folder, charts, JupyterLab, "
        "widgets, a kernel, the server; copies nothing",
    )


# The commands defined here: name -> (function, its arguments, help, description). The report
# commands (report, batch, notebooks, synthesis) are added by campaign_me.report.commands.
COMMANDS = {
    "demo": (_demo, None, "print design-based estimates from the bundled data", None),
    "sample-size": (
        _sample_size,
        _sample_size_arguments,
        "sample size for a proportion or a two-group comparison",
        None,
    ),
    "synth": (_synth, _synth_arguments, "regenerate the simulated campaign world", None),
    "validate": (
        _validate,
        _validate_arguments,
        "check a survey file against its codebook",
        "Check survey files against a codebook and list every problem "
        "(rows are numbered as in the file; the header is row 1). Exit status: 0 clean, 1 errors or "
        "warnings, 2 the command could not run.",
    ),
    "codebook": (
        _codebook,
        _codebook_arguments,
        "draft a codebook (YAML) from a Kobo/ODK form",
        "Draft a codebook from an XLSForm: campaign-me codebook --form FORM.xlsx > codebook.yaml",
    ),
    "form": (
        _form,
        _form_arguments,
        "the questionnaire (XLSForm for KoboToolbox/ODK) that chosen indicators need, and its codebook",
        "Write FOLDER/form.xlsx, an XLSForm ready for KoboToolbox or ODK (survey, choices and settings "
        "sheets: interview details from the sampling plan, a consent question that ends the interview if "
        "refused, "
        "the questions the chosen indicators need with don't know / refused answers, and optionally a "
        "follow-up "
        "contact marked as personal data), and FOLDER/codebook.yaml, the codebook its export loads with.",
    ),
    "workshop": (
        _workshop,
        _workshop_arguments,
        "working copies of the lessons for a workshop laptop, then JupyterLab (--check: laptop check)",
        "Copy the lesson notebooks (00-06) and the reference pages into FOLDER and start JupyterLab "
        "there, so that JupyterLab's automatic saving never changes the originals. A copy a participant "
        "changed "
        "is never overwritten, unless --reset, which moves the old copies to FOLDER/backups/<date>-<time>/ "
        "and restores the originals (stop JupyterLab first). --check tests this laptop for the workshop and "
        "prints PASS or FAIL with what to do (exit status 1 if anything failed).",
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``campaign-me``.

    Every command is listed. The arguments of this module's commands are added for ``command`` only
    when it names one (the one being run), so that ``campaign-me validate ...`` and ``campaign-me
    --help`` do not import what ``synth`` or ``form`` need to describe their options; ``""`` adds
    none of them, ``None`` all.
    """
    parser = argparse.ArgumentParser(prog="campaign-me", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (func, arguments, help_, description) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=description)
        if arguments is not None and (command is None or command == name):
            arguments(p)
        p.set_defaults(func=func)
    if command not in COMMANDS:
        report_commands.add_commands(sub)
        _study_options(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # the top-level parser has no option but --help: the first other word names the command
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else "")
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CampaignMeError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(privacy.printable(f"campaign-me {args.command}: error: {exc}"), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
