"""The ``campaign-me`` command line.

Subcommands
-----------
``demo``         print real design-based estimates from the bundled data
``sample-size``  sample size for estimating a proportion (or comparing two)
``validate``     check a survey file against its codebook
``synth``        regenerate the simulated campaign world (``data/samples``)
"""

from __future__ import annotations

import argparse
import sys

from .errors import CampaignMeError


def _demo(args: argparse.Namespace) -> int:
    import pandas as pd

    from .datasets import load_api
    from .design import SurveyDesign

    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 20)
    data = load_api("apistrat")
    design = SurveyDesign(data, weights="pw", strata="stype", fpc="fpc")
    print("campaign_me demo: R survey's stratified 'apistrat' sample (200 California schools)")
    print(design)
    print("\nMean API score 2000, overall and by school type (design-based, 95% CI):")
    print(design.mean("api00", by=None).round(2).to_string(index=False))
    print(design.mean("api00", by="stype").round(2).to_string(index=False))
    data = data.assign(met_target=(data["sch.wide"] == "Yes").astype(int))
    design = SurveyDesign(data, weights="pw", strata="stype", fpc="fpc")
    print("\nShare of schools meeting their growth target (logit CI):")
    print(design.proportion("met_target").round(3).to_string(index=False))
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CampaignMeError as exc:
        print(f"campaign-me {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
