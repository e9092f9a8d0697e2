"""The ``campaign-me`` command line.

Subcommands
-----------
``demo``         print real design-based estimates from the bundled data
``sample-size``  sample size for estimating a proportion (or comparing two)
``validate``     check a survey file against its codebook
``synth``        regenerate the simulated campaign world (``data/samples``)
``report``       one country's report (notebooks executed, HTML without code, index.html)
``batch``        reports for several countries in parallel, locally or on a Dask cluster
``notebooks``    list the workbook notebooks and their parameters
``synthesis``    the regional synthesis of the country reports (from the results store)
"""

from __future__ import annotations

import argparse
import sys

from .errors import CampaignMeError

DEMO_INDICATORS = (
    ("risk_aware", "thinks irregular routes are high-risk (%)", 100),
    ("intend_irregular", "intends to migrate irregularly (%)", 100),
    ("hotline_known", "knows the hotline (%)", 100),
    ("risk_perception", "risk perception (0-100)", 1),
)


def _did_cells(baseline, endline, variable: str):
    """Design-based means by round x area; rounds are independent samples, areas disjoint strata."""
    import numpy as np

    from .design import SurveyDesign
    from .errors import DesignError

    cells = {}
    for round_, data in (("baseline", baseline), ("endline", endline)):
        mixed = data.groupby("stratum")["campaign"].nunique()
        if (mixed > 1).any():  # the variance below assumes campaign and comparison strata are disjoint
            raise DesignError(f"strata {list(mixed[mixed > 1].index)} mix campaign and comparison areas")
        d = SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
        est = d.mean(variable, by="campaign", na_rm=True, df=np.inf).set_index("campaign")
        est.index = est.index.astype(bool)
        for area in (False, True):
            cells[round_, area] = (float(est.loc[area, "estimate"]), float(est.loc[area, "se"]))
    return cells


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
    from scipy import stats

    from .io import load_survey
    from .synth import COUNTRIES, DEFAULT_SEED

    z = stats.norm.ppf(0.975)
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
        for var, label, scale in DEMO_INDICATORS:
            cells = _did_cells(base, end, var)
            est = {k: v[0] * scale for k, v in cells.items()}
            did = (est["endline", True] - est["baseline", True]) - (est["endline", False] - est["baseline", False])
            se = scale * np.sqrt(sum(v[1] ** 2 for v in cells.values()))
            planted = truth[var] * scale
            print(
                f"  {label:<43}{est['baseline', False]:>9.1f}{est['endline', False]:>9.1f} "
                f"{est['baseline', True]:>9.1f}{est['endline', True]:>9.1f}   "
                f"{did:+6.1f} [{did - z * se:+6.1f}, {did + z * se:+6.1f}]   {planted:+7.1f}"
            )
        print()
    print("Next: the notebooks (one per roadmap step) and the country reports build on these estimates.")
    return 0


def _sample_size(args: argparse.Namespace) -> int:
    from . import power

    if args.p2 is None:
        n = power.sample_size_proportion(
            args.p,
            args.margin,
            level=args.level,
            population=args.population,
            deff=args.deff,
            response_rate=args.response_rate,
        )
        print(f"{n} interviews to estimate p={args.p} within +/-{args.margin} at {args.level:.0%} confidence")
    else:
        n = power.sample_size_two_proportions(args.p, args.p2, power=args.power, alpha=1 - args.level, deff=args.deff)
        print(f"{n} per group to detect {args.p} vs {args.p2} with power {args.power}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .io import validate_command

    return validate_command(args.rest)


def _synth(args: argparse.Namespace) -> int:
    from .synth import generate

    paths = generate(args.out, seed=args.seed, countries=tuple(args.country) if args.country else None)
    print(f"wrote {len(paths)} files under {args.out} (seed {args.seed})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaign-me", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="print design-based estimates from the bundled data")
    p.set_defaults(func=_demo)

    p = sub.add_parser("sample-size", help="sample size for a proportion or a two-group comparison")
    p.add_argument("--p", type=float, default=0.5, help="expected proportion (default 0.5)")
    p.add_argument("--margin", type=float, default=0.05, help="margin of error (default 0.05)")
    p.add_argument("--p2", type=float, default=None, help="second proportion: size a two-group comparison")
    p.add_argument("--level", type=float, default=0.95)
    p.add_argument("--power", type=float, default=0.8)
    p.add_argument("--population", type=float, default=None)
    p.add_argument("--deff", type=float, default=1.0)
    p.add_argument("--response-rate", type=float, default=1.0)
    p.set_defaults(func=_sample_size)

    from .synth import COUNTRIES, DEFAULT_SEED

    p = sub.add_parser("synth", help="regenerate the simulated campaign world")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--out", default="data/samples", help="output folder (default data/samples)")
    p.add_argument("--country", action="append", choices=list(COUNTRIES), help="only this country (repeatable)")
    p.set_defaults(func=_synth)

    p = sub.add_parser("validate", help="check a survey file against its codebook", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_validate)

    from .report.commands import add_commands as _add_report_commands

    _add_report_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CampaignMeError as exc:
        print(f"campaign-me {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
