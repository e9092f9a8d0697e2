"""A cluster-randomised campaign trial in the simulated world, with a baseline-endline panel.

Modelled on IOM's recent evaluations (the four-country "Migrants as Messengers" cluster RCT;
the Guinea panel): communities of Belmora are randomised to a campaign arm within strata
(regions), a panel of young people is interviewed at baseline and again at endline, some drop
out (more in the control arm, and more among those who are not risk-aware), take-up of the
campaign's community events is partial (and a few control residents attend too), and the
baseline intra-cluster correlation of each outcome is about 0.03 (``truth["icc"]``), below
campaign_me's planning default of 0.05 (docs/methodology.md §5.3) and within the range published
household surveys report for individual outcomes (for example, most ICCs were 0.01-0.05 in a
survey of injection use in 34 clusters in Pakistan, Janjua, Khan & Clemens 2006; medians were
0.032 (wasting) and 0.054 (stunting) across 58 DHS surveys, Fenn, Morris & Frost 2004).

The planted effects, in ``truth``: the effect of attending on those who attend
(``effect_on_takers``, the complier effect), the intention-to-treat effect it implies
(``itt`` = effect x (take-up in campaign - take-up in control)), and the relative change
(ITT over the control arm's endline mean), all as population expectations.

Files (``data/samples/trial/``, written by :func:`campaign_me.synth.generate`):

- ``randomisation.csv``: one row per community, its stratum, population, arm and the seed;
- ``trial_survey.csv``: one row per interview (baseline and endline rounds, long format),
  validated by ``data/samples/codebook.yaml``: ``person_id`` links a person's two interviews,
  ``campaign`` is the assigned arm, ``took_up`` attendance (endline), ``followed_up`` whether
  the baseline respondent was re-interviewed;
- ``truth.json``.

The data-generating process is documented in ``docs/sample_data.md``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from .conventions import check_whole
from .errors import DataError
from .files import write_atomic, write_csv
from .sampling import assign

__all__ = ["TrialSpec", "TRIAL", "generate_trial", "takeup_rate", "trial_truth", "wide", "TRIAL_OUTCOMES"]

TRIAL_OUTCOMES = ("risk_aware", "intend_irregular", "hotline_known")


@dataclass(frozen=True)
class TrialSpec:
    """Parameters of the trial (sizes, take-up, attrition, planted effects)."""

    country: str = "Belmora"
    code: str = "BT"
    strata: tuple[str, ...] = ("Coast", "Highlands", "Delta")
    communities_per_stratum: int = 28  # half to each arm
    interviews_per_community: int = 24
    mean_population: float = 600.0  # eligible residents aged 15-34
    # community effect on each outcome's probability: uniform on (-a, a); with the outcomes'
    # means near 0.3-0.4 this gives an ICC of about 0.03
    community_spread: float = 0.14
    person_spread: float = 0.08  # persistent person effect
    # endline probability moves towards the person's baseline answer by this share
    # (panel autocorrelation; leaves every mean unchanged)
    persistence: float = 0.3
    # take-up of the campaign events: P = expit(a + b z) in campaign communities (z: interest)
    takeup_intercept: float = 0.3
    takeup_slope: float = 0.8
    control_takeup: float = 0.05  # control residents who attend events in neighbouring communities
    # planted effects on those who attend (probability scale) and secular trends
    effect_risk_aware: float = 0.15
    effect_intend_irregular: float = -0.06
    effect_hotline_known: float = 0.12
    trend_risk_aware: float = 0.03
    trend_intend_irregular: float = -0.02
    trend_hotline_known: float = 0.01
    base_risk_aware: float = 0.40
    base_intend_irregular: float = 0.42
    base_hotline_known: float = 0.30
    # follow-up: P(re-interviewed) = a + b * campaign + c * risk_aware at endline
    followup_base: float = 0.76
    followup_campaign: float = 0.08
    followup_risk_aware: float = 0.08


TRIAL = TrialSpec()


def takeup_rate(spec: TrialSpec = TRIAL) -> float:
    """Population take-up in campaign communities, E[expit(a + b Z)], by Gauss-Hermite quadrature."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    return float((special.expit(spec.takeup_intercept + spec.takeup_slope * x) * w).sum() / w.sum())


def _icc(spec: TrialSpec, base: float) -> float:
    """ICC of a binary outcome at baseline: community variance over the total p(1-p)."""
    return (spec.community_spread**2 / 3) / (base * (1 - base))


def trial_truth(spec: TrialSpec = TRIAL) -> dict:
    """The planted effects (population expectations) and the design of the trial."""
    pt, pc = takeup_rate(spec), spec.control_takeup
    out = {
        "itt": {},
        "effect_on_takers": {},
        "relative_change": {},
        "control_endline_mean": {},
        "baseline_mean": {},
        "secular_trend": {},
        "icc": {},
    }
    for y in TRIAL_OUTCOMES:
        eff, trend, base = (getattr(spec, f"{k}_{y}") for k in ("effect", "trend", "base"))
        itt = eff * (pt - pc)
        control_end = base + trend + eff * pc
        out["itt"][y] = round(itt, 10)
        out["effect_on_takers"][y] = eff
        out["relative_change"][y] = round(itt / control_end, 10)
        out["control_endline_mean"][y] = round(control_end, 10)
        out["baseline_mean"][y] = base
        out["secular_trend"][y] = trend
        out["icc"][y] = round(_icc(spec, base), 10)
    out.update(
        {
            "study": f"cluster-randomised trial of community campaign events in {spec.country}",
            "estimand": "intention-to-treat: population mean at endline in campaign communities minus "
            "control "
            "communities (everyone at baseline, whether re-interviewed or not); effect_on_takers is the "
            "complier "
            "effect (ITT / take-up difference); relative_change is ITT / control endline mean",
            "takeup_campaign": round(pt, 10),
            "takeup_control": pc,
            "units": "proportions (0.05 = 5 percentage points)",
            "biases_built_in": {
                "attrition": "follow-up is higher in the campaign arm and among the risk-aware, so "
                "completers "
                "are selected (Lee bounds bracket the effect)",
                "pre_post_in_campaign_arm": "adds the secular trend to the effect",
                "attendees_vs_non_attendees": "attendance rises with interest, which also raises the "
                "outcomes",
            },
            "spec": asdict(spec),
        }
    )
    return out


def _bern(rng: np.random.Generator, p: np.ndarray, what: str) -> np.ndarray:
    if (p < 0).any() or (p > 1).any():
        raise DataError(f"trial: probability of {what!r} outside [0, 1] ({p.min():.3f}..{p.max():.3f})")
    return (rng.random(len(p)) < p).astype(int)


def generate_trial(seed: int = 2018, *, spec: TrialSpec = TRIAL, hidden: bool = False) -> dict:
    """Simulate the trial: randomisation file, long-format survey (both rounds) and truth.

    Parameters
    ----------
    seed : int
        Seed; the same seed gives the same data.
    spec : TrialSpec
        Parameters (e.g. ``dataclasses.replace(TRIAL, communities_per_stratum=60)``).
    hidden : bool
        Add ``_interest`` (the latent interest behind take-up) to the survey rows.

    Returns
    -------
    dict
        ``randomisation`` and ``survey`` DataFrames, ``truth`` dict.

    Examples
    --------
    >>> t = generate_trial(1)
    >>> s = t["survey"]
    >>> sorted(s["round"].unique()), int(s["person_id"].nunique()) == 3 * 28 * 24
    (['baseline', 'endline'], True)
    """
    seed = check_whole(seed, argument="trial: seed", minimum=0, error=DataError)
    rng_rand, rng_people = (np.random.default_rng(s) for s in np.random.SeedSequence([seed, 20190]).spawn(2))
    k = spec.communities_per_stratum
    comm = pd.DataFrame(
        {
            "community": [
                f"{spec.code}{s + 1}-{c + 1:03d}" for s in range(len(spec.strata)) for c in range(k)
            ],
            "stratum": np.repeat(spec.strata, k),
        }
    )
    comm["district"] = comm["community"].str.slice(0, len(spec.code) + 1)
    comm["population"] = np.maximum(
        spec.interviews_per_community * 2,
        np.round(rng_rand.lognormal(np.log(spec.mean_population) - 0.08, 0.4, k * len(spec.strata))),
    ).astype(int)
    comm["urban"] = (rng_rand.random(len(comm)) < 0.3).astype(int)
    comm = assign(comm, arms=(0, 1), blocks="stratum", seed=rng_rand, column="campaign")
    comm["randomisation_seed"] = seed
    u = {
        y: rng_rand.uniform(-spec.community_spread, spec.community_spread, len(comm)) for y in TRIAL_OUTCOMES
    }

    m = spec.interviews_per_community
    n = len(comm) * m
    ci = np.repeat(np.arange(len(comm)), m)
    people = pd.DataFrame(
        {
            "person_id": [f"{spec.code}-{i + 1:05d}" for i in range(n)],
            "country": spec.country,
            "region": comm["stratum"].to_numpy()[ci],
            "district": comm["district"].to_numpy()[ci],
            "stratum": comm["stratum"].to_numpy()[ci],
            "psu": comm["community"].to_numpy()[ci],
            "village": comm["community"].to_numpy()[ci],
            "urban": comm["urban"].to_numpy()[ci],
            "campaign": comm["campaign"].to_numpy()[ci],
            "weight": (comm["population"].to_numpy() / m)[ci],
        }
    )
    female = rng_people.random(n) < 0.51
    people["sex"] = np.where(female, "female", "male")
    people["age"] = rng_people.integers(15, 35, size=n)  # 15-34: the codebook's age groups 15-24, 25-34
    people["age_group"] = np.where(people["age"] <= 24, "15-24", "25-34")
    z = rng_people.normal(size=n)
    tz = np.tanh(z)
    arm = people["campaign"].to_numpy()
    p_take = np.where(
        arm == 1, special.expit(spec.takeup_intercept + spec.takeup_slope * z), spec.control_takeup
    )
    took = _bern(rng_people, p_take, "took_up")
    base_rows, end_rows = {}, {}
    for y in TRIAL_OUTCOMES:
        eff, trend, base = (getattr(spec, f"{k}_{y}") for k in ("effect", "trend", "base"))
        v = rng_people.uniform(-spec.person_spread, spec.person_spread, n)
        p0 = base + u[y][ci] + v + 0.05 * tz
        base_rows[y] = _bern(rng_people, p0, y)
        y0 = base_rows[y]
        end_rows[y] = _bern(rng_people, p0 + spec.persistence * (y0 - p0) + trend + eff * took, y)
    p_follow = (
        spec.followup_base + spec.followup_campaign * arm + spec.followup_risk_aware * end_rows["risk_aware"]
    )
    followed = _bern(rng_people, p_follow, "followed_up")
    baseline = people.assign(round="baseline", **base_rows, took_up=pd.NA, followed_up=followed)
    endline = people.assign(round="endline", **end_rows, took_up=took, followed_up=1)[followed == 1]
    survey = pd.concat([baseline, endline], ignore_index=True)
    survey["took_up"] = survey["took_up"].astype("Int64")
    survey.insert(
        0,
        "resp_id",
        np.where(survey["round"] == "baseline", "B-", "E-")
        + survey["person_id"].str.slice(len(spec.code) + 1),
    )
    survey["resp_id"] = spec.code + "-" + survey["resp_id"]
    cols = [
        "resp_id",
        "person_id",
        "round",
        "country",
        "region",
        "district",
        "stratum",
        "psu",
        "village",
        "urban",
        "campaign",
        "weight",
        "sex",
        "age",
        "age_group",
        *TRIAL_OUTCOMES,
        "took_up",
        "followed_up",
    ]
    if hidden:
        survey["_interest"] = np.concatenate([z, z[followed == 1]])
        cols.append("_interest")
    randomisation = comm[
        [
            "community",
            "district",
            "stratum",
            "population",
            "urban",
            "campaign",
            "assignment_prob",
            "randomisation_seed",
        ]
    ]
    return {"randomisation": randomisation, "survey": survey[cols], "truth": trial_truth(spec)}


def wide(survey: pd.DataFrame, outcomes=TRIAL_OUTCOMES) -> pd.DataFrame:
    """One row per baseline respondent: baseline outcomes, endline outcomes (missing if lost), take-up.

    Columns ``<outcome>_baseline`` and ``<outcome>_endline``; the design and person columns come
    from the baseline interview. The form :func:`campaign_me.evaluation.ancova` and
    :func:`campaign_me.evaluation.lee_bounds` take.

    Examples
    --------
    >>> w = wide(generate_trial(1)["survey"])
    >>> int(w["followed_up"].sum()) == int(w["risk_aware_endline"].notna().sum())
    True
    """
    require = ["person_id", "round", "took_up", *outcomes]
    missing = [c for c in require if c not in survey.columns]
    if missing:
        raise DataError(f"wide: the survey lacks the column(s) {missing}")
    rounds = survey["round"].astype(str)
    b = survey[rounds == "baseline"].drop(columns=["took_up"])
    e = survey.loc[rounds == "endline", ["person_id", *outcomes, "took_up"]]
    b = b.rename(columns={y: f"{y}_baseline" for y in outcomes})
    e = e.rename(columns={y: f"{y}_endline" for y in outcomes})
    out = b.merge(e, on="person_id", how="left", validate="one_to_one")
    return out.reset_index(drop=True)


def codebook_entries() -> dict:
    """Codebook entries of the trial's own columns (added to ``data/samples/codebook.yaml``)."""
    return {
        "person_id": {
            "type": "text",
            "label": "Panel person ID (trial survey: links baseline and endline)",
            "role": "design",
        },
        "took_up": {
            "type": "boolean",
            "label": "Attended a campaign community event (trial survey, endline)",
            "scale": "exposure",
        },
        "followed_up": {
            "type": "boolean",
            "label": "Re-interviewed at endline (trial survey, baseline rows)",
            "role": "design",
        },
    }


def write(out, seed: int = 2018) -> list:
    """Write ``randomisation.csv``, ``trial_survey.csv`` and ``truth.json`` under ``out`` (atomically)."""
    out = Path(out)
    data = generate_trial(seed)
    written = []
    for name, file in (("randomisation", "randomisation.csv"), ("survey", "trial_survey.csv")):
        write_csv(data[name], out / file)
        written.append(out / file)
    truth = {**data["truth"], "seed": seed, "numpy_version": ".".join(np.__version__.split(".")[:2])}
    write_atomic(out / "truth.json", (json.dumps(truth, indent=2, sort_keys=True) + "\n").encode())
    written.append(out / "truth.json")
    return written
