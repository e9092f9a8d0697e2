"""A simulated campaign world with known truth, for teaching and for testing estimators.

Three fictional countries run an anti-trafficking / safe-migration campaign in some of their
districts. For each country the generator writes a population frame with census margins, a
baseline and an endline KAP survey drawn with a stratified two-stage PPS design (using
:mod:`campaign_me.sampling`), weighted for nonresponse and raked to the census (using
:mod:`campaign_me.weighting`), monitoring data (activity log, daily digital metrics), a message
pretest, and ``truth.json``: the effects planted in the data, so that notebooks and tests can
show which estimators recover them. The data-generating process is documented in
``docs/sample_data.md``; everything is seeded and byte-for-byte reproducible.

Use :func:`generate` (or ``campaign-me synth --seed N --out DIR``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook
from scipy import special

from . import trial
from .conventions import check_whole
from .design import SurveyDesign
from .errors import DataError
from .files import write_atomic, write_csv
from .sampling import assign, two_stage
from .weighting import adjust_nonresponse, rake

__all__ = ["CountrySpec", "COUNTRIES", "DEFAULT_SEED", "generate", "generate_country", "exposure_rate"]

DEFAULT_SEED = 2018  # the Bangkok training workshop's year
RISK_DK_CODE = 999  # "don't know" on the risk-perception question
RISK_DK_RATE = 0.03

AGE_GROUPS = ("15-24", "25-34", "35-45")
AGE_BOUNDS = {"15-24": (15, 24), "25-34": (25, 34), "35-45": (35, 45)}
STATUSES = ("none", "regular", "irregular_or_undecided", "returnee")
CHANNELS = ("radio", "tv", "facebook", "events")
SIGNS = ("no_contract", "fees_debt", "passport_kept", "too_good", "vague_job")
# Knowledge statements: (id, statement is true?)  the correct answer is 1 (true) or 2 (false)
KNOWLEDGE = (
    ("k1", True),  # A licensed agency must give you a written contract before you leave.
    ("k2", False),  # It is normal for an employer abroad to keep your passport.
    ("k3", True),  # Recruitment fees charged to workers are illegal in the destination country.
    ("k4", False),  # A tourist visa allows you to work legally abroad.
    ("k5", True),  # The national hotline can help you if you are in trouble abroad.
    ("k6", False),  # If you owe the broker money you must work until the debt is paid.
)
# Likert attitude items (1 strongly disagree .. 5 strongly agree); reverse-worded ones marked
ATTITUDES = (
    ("a1", False),  # I would check that an agency is licensed before paying it.
    ("a2", True),  # Using an unlicensed broker is fine if it is faster.
    ("a3", False),  # People who migrate irregularly risk exploitation.
    ("a4", True),  # Stories about trafficking are exaggerated.
    ("a5", False),  # I would advise a friend to migrate through regular channels.
)


@dataclass(frozen=True)
class CountrySpec:
    """Parameters of one fictional country (sizes, design and planted effects)."""

    code: str
    name: str
    regions: tuple[str, ...]
    districts_per_region: int
    villages_per_district: int
    mean_village_size: float  # eligible persons aged 15-45
    clusters_per_stratum: int
    take: int  # households per selected village
    stratify_by_region: bool
    # planted intention-to-treat effects in campaign districts (endline minus baseline, net of trend)
    itt_risk_aware: float
    itt_irregular_intention: float
    itt_risk_perception: float
    itt_hotline_known: float
    itt_info_seeking: float
    # secular trends (all districts, endline minus baseline)
    trend_risk_aware: float = 0.04
    trend_irregular_intention: float = -0.03
    trend_risk_perception: float = 2.0
    trend_hotline_known: float = 0.02
    trend_info_seeking: float = 0.01
    # self-selection into exposure: P(exposed | campaign district) = expit(a + b z)
    exposure_intercept: float = 0.2
    exposure_slope: float = 1.0
    false_exposure_rate: float = 0.08  # people who report exposure they never had
    response_rate: float = 0.85
    capital_size: float | None = None  # one very large village (a certainty PSU)


COUNTRIES: dict[str, CountrySpec] = {
    "aroland": CountrySpec(
        code="AR",
        name="Aroland",
        regions=("North", "East", "South", "West"),
        districts_per_region=6,
        villages_per_district=30,
        mean_village_size=420.0,
        clusters_per_stratum=8,
        take=18,
        stratify_by_region=True,
        itt_risk_aware=0.08,
        itt_irregular_intention=-0.05,
        itt_risk_perception=6.0,
        itt_hotline_known=0.06,
        itt_info_seeking=0.03,
    ),
    "belmora": CountrySpec(
        code="BE",
        name="Belmora",
        regions=("Coast", "Highlands", "Delta"),
        districts_per_region=4,
        villages_per_district=25,
        mean_village_size=350.0,
        clusters_per_stratum=7,
        take=15,
        stratify_by_region=True,
        itt_risk_aware=0.10,
        itt_irregular_intention=-0.07,
        itt_risk_perception=8.0,
        itt_hotline_known=0.08,
        itt_info_seeking=0.04,
        exposure_intercept=0.5,
    ),
    "corvia": CountrySpec(
        code="CO",
        name="Corvia",
        regions=("Upper", "Lower"),
        districts_per_region=3,
        villages_per_district=20,
        mean_village_size=300.0,
        clusters_per_stratum=10,
        take=12,
        stratify_by_region=False,
        itt_risk_aware=0.06,
        itt_irregular_intention=-0.03,
        itt_risk_perception=4.0,
        itt_hotline_known=0.05,
        itt_info_seeking=0.02,
        exposure_intercept=-0.2,
        capital_size=9000.0,
    ),
}


def exposure_rate(spec: CountrySpec) -> float:
    """Population share truly exposed in campaign districts: E[expit(a + b Z)], Z ~ N(0, 1).

    Computed by Gauss-Hermite quadrature (80 nodes; exact to machine precision here).
    """
    x, w = np.polynomial.hermite_e.hermegauss(80)
    return float((special.expit(spec.exposure_intercept + spec.exposure_slope * x) * w).sum() / w.sum())


def _att(itt: float, spec: CountrySpec) -> float:
    """Effect on the exposed that yields the planted ITT (effects act only through exposure)."""
    return itt / exposure_rate(spec)


# --------------------------------------------------------------------------------------
# population frame
# --------------------------------------------------------------------------------------
def make_frame(spec: CountrySpec, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for r, region in enumerate(spec.regions):
        # half of each region's districts run the campaign (chosen at random)
        campaign = rng.permutation(np.arange(spec.districts_per_region) < spec.districts_per_region // 2)
        for d in range(spec.districts_per_region):
            district = f"{spec.code}{r + 1}{d + 1:02d}"
            urban_share = rng.uniform(0.15, 0.45)
            for v in range(spec.villages_per_district):
                urban = rng.random() < urban_share
                size = rng.lognormal(np.log(spec.mean_village_size) - 0.18, 0.6) * (1.8 if urban else 1.0)
                rows.append(
                    {
                        "country": spec.name,
                        "region": region,
                        "district": district,
                        "village": f"{district}-{v + 1:03d}",
                        "urban": int(urban),
                        "campaign": int(campaign[d]),
                        "population": int(max(40, round(size))),
                    }
                )
    frame = pd.DataFrame(rows)
    if spec.capital_size is not None:
        # the capital: one very large urban village in the first district (a certainty PSU)
        frame.loc[0, ["urban", "population"]] = [1, int(spec.capital_size)]
    frame["stratum"] = (
        frame["region"] + "-" + np.where(frame["campaign"] == 1, "campaign", "comparison")
        if spec.stratify_by_region
        else np.where(frame["campaign"] == 1, "campaign", "comparison")
    )
    # village effect on outcome probabilities (creates intra-cluster correlation); hidden truth
    frame["_u"] = rng.uniform(-0.08, 0.08, size=len(frame))
    return frame


SEX_SHARE_FEMALE = 0.51
AGE_SHARES = np.array([0.42, 0.33, 0.25])


def census_margins(frame: pd.DataFrame) -> pd.DataFrame:
    """Census counts by region x sex x age group (what a statistics office would publish)."""
    pop = frame.groupby("region", sort=False)["population"].sum()
    rows = []
    for region, total in pop.items():
        for sex, s_share in (("female", SEX_SHARE_FEMALE), ("male", 1 - SEX_SHARE_FEMALE)):
            for ag, a_share in zip(AGE_GROUPS, AGE_SHARES):
                rows.append(
                    {"region": region, "sex": sex, "age_group": ag, "population": total * s_share * a_share}
                )
    out = pd.DataFrame(rows)
    # integer counts that add up exactly to the frame (largest remainder within region)
    out["population"] = _round_preserving(out, pop)
    return out


def _round_preserving(out: pd.DataFrame, totals: pd.Series) -> np.ndarray:
    result = np.floor(out["population"].to_numpy()).astype(int)
    for region, total in totals.items():
        idx = np.flatnonzero(out["region"].to_numpy() == region)
        rem = out["population"].to_numpy()[idx] - result[idx]
        short = int(total - result[idx].sum())
        result[idx[np.argsort(-rem, kind="stable")[:short]]] += 1
    return result


# --------------------------------------------------------------------------------------
# respondents
# --------------------------------------------------------------------------------------
def _bern(rng: np.random.Generator, p: np.ndarray, what: str) -> np.ndarray:
    if (p < 0).any() or (p > 1).any():  # the DGP is additive on the probability scale: keep it exact
        raise DataError(f"synth: probability of {what!r} outside [0, 1] ({p.min():.3f}..{p.max():.3f})")
    return (rng.random(len(p)) < p).astype(int)


def draw_round(spec: CountrySpec, frame: pd.DataFrame, round_: str, rng: np.random.Generator) -> pd.DataFrame:
    """Select a two-stage PPS sample and simulate the interviews of one survey round."""
    post = 1.0 if round_ == "endline" else 0.0
    # household listing of every village (M_i households), then the library's two-stage selection:
    # PPS systematic selection of villages within strata, then a fixed take of households by SRS
    households = np.maximum(1, np.round(frame["population"].to_numpy() / 2.2).astype(int))
    listing = frame.loc[frame.index.repeat(households), ["village", "stratum"]].reset_index(drop=True)
    listing["household"] = listing.groupby("village", sort=False).cumcount() + 1
    selected = two_stage(
        listing,
        cluster="village",
        n_clusters=spec.clusters_per_stratum,
        take=spec.take,
        strata="stratum",
        seed=rng,
    )
    sample = selected[["village", "household", "prob_stage1", "prob_stage2", "certainty"]].merge(
        frame, on="village", how="left"
    )
    n = len(sample)
    # a village taken with certainty is a stratum of its own whose PSUs are the households
    cert = sample["certainty"].to_numpy()
    sample["psu"] = np.where(
        cert, sample["village"] + "-h" + sample["household"].astype(str), sample["village"]
    )
    sample["stratum"] = np.where(cert, sample["village"] + " (certainty)", sample["stratum"])
    # household composition and the respondent picked among eligible members (Kish grid)
    sample["eligible"] = rng.integers(1, 4, size=n)
    sample["design_weight"] = sample["eligible"] / (sample["prob_stage1"] * sample["prob_stage2"])
    female = rng.random(n) < SEX_SHARE_FEMALE
    sample["sex"] = np.where(female, "female", "male")
    ag = rng.choice(3, size=n, p=AGE_SHARES)
    sample["age_group"] = np.asarray(AGE_GROUPS)[ag]
    lo = np.array([AGE_BOUNDS[g][0] for g in AGE_GROUPS])[ag]
    hi = np.array([AGE_BOUNDS[g][1] for g in AGE_GROUPS])[ag]
    sample["age"] = rng.integers(lo, hi + 1)
    urban = sample["urban"].to_numpy()
    edu_p = np.where(urban[:, None] == 1, [[0.05, 0.30, 0.45, 0.20]], [[0.15, 0.45, 0.33, 0.07]])
    sample["education"] = (rng.random(n)[:, None] > np.cumsum(edu_p, axis=1)).sum(axis=1)
    status_p = np.where(female[:, None], [[0.55, 0.15, 0.22, 0.08]], [[0.40, 0.17, 0.30, 0.13]])
    st = (rng.random(n)[:, None] > np.cumsum(status_p, axis=1)).sum(axis=1)
    sample["migration_status"] = np.asarray(STATUSES)[st]
    for ch, (base_rural, base_urban) in zip(
        CHANNELS, ((0.70, 0.60), (0.45, 0.85), (0.30, 0.75), (0.40, 0.35))
    ):
        sample[f"access/{ch}"] = _bern(rng, np.where(urban == 1, base_urban, base_rural), f"access/{ch}")

    # latent interest in migration information: drives exposure AND outcomes (self-selection)
    z = rng.normal(size=n)
    u = sample["_u"].to_numpy()
    edu = sample["education"].to_numpy()
    campaign = sample["campaign"].to_numpy() * post
    exposed_true = _bern(
        rng, campaign * special.expit(spec.exposure_intercept + spec.exposure_slope * z), "exposed"
    )
    sample["_interest"] = z  # hidden truth: never written to the files
    sample["_exposed"] = exposed_true
    tz = np.tanh(z)

    def outcome(base, trend, itt, what, interest=0.06, village=1.0):
        p = base + village * u + interest * tz + trend * post + _att(itt, spec) * exposed_true
        return _bern(rng, p, what)

    sample["risk_aware"] = outcome(
        0.38 + 0.05 * urban + 0.02 * edu, spec.trend_risk_aware, spec.itt_risk_aware, "risk_aware"
    )
    base_int = np.array([0.25, 0.28, 0.45, 0.34])[st] - 0.015 * (edu - 1)
    sample["intend_irregular"] = outcome(
        base_int,
        spec.trend_irregular_intention,
        spec.itt_irregular_intention,
        "intend_irregular",
        interest=0.02,
        village=0.5,
    )
    sample["hotline_known"] = outcome(
        0.22 + 0.05 * urban, spec.trend_hotline_known, spec.itt_hotline_known, "hotline_known"
    )
    sample["info_seeking"] = outcome(
        0.15 + 0.03 * edu, spec.trend_info_seeking, spec.itt_info_seeking, "info_seeking"
    )
    # risk perception 0-100: Beta with mean m (mean exactly m, so the ITT on the mean is exact)
    m = (
        38
        + 8 * tz
        + 3 * (edu - 1)
        + spec.trend_risk_perception * post
        + _att(spec.itt_risk_perception, spec) * exposed_true
        + 100 * u / 4
    ) / 100
    if (m <= 0).any() or (m >= 1).any():
        raise DataError("synth: risk perception mean outside (0, 100)")
    conc = 6.0
    rp = np.round(100 * rng.beta(m * conc, (1 - m) * conc)).astype(int)
    # 3% answer "don't know", coded 999 in the file (a missing-value code in the codebook); at random,
    # so the mean among those who answer still estimates the planted effect
    sample["risk_perception"] = np.where(rng.random(n) < RISK_DK_RATE, RISK_DK_CODE, rp)

    # knowledge: right / wrong / don't know; no campaign effect and no trend (as in Senegal)
    for item, is_true in KNOWLEDGE:
        p_right = 0.42 + 0.06 * edu + u + 0.12 * tz  # the interested know more: no campaign effect
        dk = rng.random(n) < 0.12
        right = _bern(rng, np.clip(p_right, 0, 1), item) == 1
        correct_code = 1 if is_true else 2
        sample[item] = np.where(dk, 8, np.where(right, correct_code, 3 - correct_code))
    # warning signs named spontaneously (select_multiple)
    for sign, base in zip(SIGNS, (0.35, 0.30, 0.28, 0.22, 0.18)):
        sample[f"signs/{sign}"] = _bern(rng, np.clip(base + 0.04 * edu + u, 0, 1), sign)
    # attitudes: latent, shifted by exposure (+0.3 sd) and interest; reverse-worded items flipped
    latent = rng.normal(size=n) + 0.3 * z + 0.3 * exposed_true + 0.1 * post
    cuts = np.array([-1.6, -0.6, 0.3, 1.2])
    for item, reverse in ATTITUDES:
        resp = 1 + (latent[:, None] + rng.normal(0, 0.8, size=n)[:, None] > cuts).sum(axis=1)
        sample[item] = 6 - resp if reverse else resp
    # safe practices apply to people who prepared a migration (regular route or returnees)
    applies = np.isin(st, [1, 3])
    for item, base in (("checked_licence", 0.35), ("written_contract", 0.45), ("left_copies", 0.30)):
        did = _bern(rng, np.clip(base + 0.05 * edu + 0.1 * exposed_true, 0, 1), item)
        sample[item] = np.where(applies, did, np.nan)
    # reported exposure by channel: true campaign exposure through accessible channels, plus false reports
    any_false = rng.random(n) < spec.false_exposure_rate
    for ch in CHANNELS:
        acc = sample[f"access/{ch}"].to_numpy()
        true_ch = exposed_true * acc * (rng.random(n) < 0.6)
        false_ch = any_false * (rng.random(n) < 0.4)
        sample[f"exposed/{ch}"] = ((true_ch + false_ch) > 0).astype(int)
    sample["exposed_any"] = sample[[f"exposed/{c}" for c in CHANNELS]].max(axis=1)
    # "none" is an option of its own, so an answered question always has a ticked box (as in Kobo)
    for q, options in (("access", CHANNELS), ("signs", SIGNS), ("exposed", CHANNELS)):
        sample[f"{q}/none"] = 1 - sample[[f"{q}/{o}" for o in options]].max(axis=1)
    recalled = exposed_true * (rng.random(n) < 0.5)
    sample["unaided_recall"] = recalled
    decoy = (rng.random(n) < 0.12).astype(int)
    sample["aided_recall"] = ((exposed_true * (rng.random(n) < 0.8)) | (rng.random(n) < 0.12)).astype(int)
    sample["aided_recall_decoy"] = decoy
    comp = _bern(rng, np.full(n, 0.7), "comprehension")
    sample["comprehension"] = np.where(sample["aided_recall"] == 1, comp, np.nan)

    # nonresponse: lower among urban men; then weighting-class adjustment and raking to the census
    p_resp = spec.response_rate - 0.08 * urban - 0.05 * (~female)
    sample["responded"] = _bern(rng, p_resp, "responded").astype(bool)
    sample["round"] = round_
    sample["resp_id"] = [f"{spec.code}-{round_[0].upper()}-{i + 1:05d}" for i in range(n)]
    return sample


def weight_round(sample: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """Nonresponse adjustment within strata x urban, then raking to region, sex and age group."""
    resp = adjust_nonresponse(
        sample, weights="design_weight", responded="responded", classes=["stratum", "urban"]
    )
    design = SurveyDesign(resp, weights="nr_weight", strata="stratum", psu="psu")
    margins = {
        var: census.groupby(var)["population"].sum().to_dict() for var in ("region", "sex", "age_group")
    }
    raked = rake(design, margins, max_iter=200, tol=1e-10)
    out = resp.copy()
    out["weight"] = raked.weights.to_numpy()
    return out


SURVEY_COLUMNS = (
    [
        "resp_id",
        "round",
        "country",
        "region",
        "district",
        "stratum",
        "psu",
        "village",
        "urban",
        "campaign",
        "household",
        "eligible",
        "prob_stage1",
        "prob_stage2",
        "design_weight",
        "weight",
        "sex",
        "age",
        "age_group",
        "education",
        "migration_status",
    ]
    + [f"access/{c}" for c in (*CHANNELS, "none")]
    + [k for k, _ in KNOWLEDGE]
    + [f"signs/{s}" for s in (*SIGNS, "none")]
    + ["hotline_known", "risk_aware", "risk_perception"]
    + [a for a, _ in ATTITUDES]
    + ["intend_irregular", "checked_licence", "written_contract", "left_copies", "info_seeking"]
    + [f"exposed/{c}" for c in (*CHANNELS, "none")]
    + ["exposed_any", "unaided_recall", "aided_recall", "aided_recall_decoy", "comprehension"]
)


# --------------------------------------------------------------------------------------
# monitoring and pretest
# --------------------------------------------------------------------------------------
def monitoring(
    spec: CountrySpec, frame: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Activity log (planned vs delivered per district and activity), daily platform metrics, period reach."""
    districts = frame.loc[frame["campaign"] == 1, "district"].drop_duplicates().tolist()
    start = pd.Timestamp("2025-03-01")
    rows = []
    kinds = {
        "community_event": (4, 900.0),
        "radio_spot": (40, 35.0),
        "poster": (60, 4.0),
        "social_post": (30, 0.0),
    }
    aid = 0
    for d in districts:
        for kind, (planned, unit_cost) in kinds.items():
            delivered_share = rng.uniform(0.55, 1.05)
            for _ in range(planned):
                aid += 1
                delivered = int(rng.random() < min(delivered_share, 1.0))
                rows.append(
                    {
                        "activity_id": f"{spec.code}-ACT-{aid:05d}",
                        "country": spec.name,
                        "district": d,
                        "channel": kind,
                        "date": (start + pd.Timedelta(days=int(rng.integers(0, 180)))).strftime("%Y-%m-%d"),
                        "planned": 1,
                        "delivered": delivered,
                        "attendance": int(rng.integers(10, 101))
                        if kind == "community_event" and delivered
                        else 0,
                        "cost": round(unit_cost * rng.uniform(0.8, 1.3), 2) if delivered else 0.0,
                    }
                )
    activities = pd.DataFrame(rows).sort_values(["date", "activity_id"], kind="stable").reset_index(drop=True)
    digital, reach = platform_metrics(spec, frame, rng, start=start)
    return activities, digital, reach


# Online ads: per platform (impressions per platform user per day in targeted districts, click-through rate,
# cost per 1,000 impressions, share of the 15-45 population using the platform)
PLATFORMS = {"facebook": (0.04, 0.012, 5.0, 0.45), "tiktok": (0.03, 0.008, 4.5, 0.30)}
AD_SPILLOVER = 0.06  # share of impressions the platforms geolocate outside the targeted districts
AD_HETEROGENEITY = 0.5  # gamma shape of users' exposure rates: small = impressions pile up on few users
CAMPAIGN_DAYS = 180


def _reach_share(impressions: np.ndarray, users: np.ndarray) -> np.ndarray:
    """Expected share of users reached by ``impressions`` spread over ``users`` with gamma-mixed rates.

    A user with rate ``lambda`` ~ Gamma(k, mean m) is reached with probability 1 - exp(-lambda); averaged over
    the gamma this is ``1 - (1 + m / k) ** -k`` (negative-binomial zero class), with m = impressions / users.
    """
    m = np.divide(impressions, users, out=np.zeros(np.shape(impressions)), where=np.asarray(users) > 0)
    return 1.0 - (1.0 + m / AD_HETEROGENEITY) ** -AD_HETEROGENEITY


def platform_metrics(
    spec: CountrySpec, frame: pd.DataFrame, rng: np.random.Generator, *, start: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily platform metrics by district and the platforms' period (unique) reach.

    Ads target the campaign districts, but the platforms geolocate a share of impressions
    (``AD_SPILLOVER``) in comparison districts: the ``targeted`` column shows the spill-over. Daily
    reach counts the accounts reached that day; the same account is reached again on later days, so
    daily reach must never be summed. The period file gives unique reach per month and over the whole
    campaign, with frequency = impressions / reach.
    """
    pop = frame.groupby("district", sort=False).agg(
        population=("population", "sum"), targeted=("campaign", "max")
    )
    districts = pop.index.to_numpy()
    targeted = pop["targeted"].to_numpy().astype(int)
    days = pd.date_range(start, periods=CAMPAIGN_DAYS, freq="D")
    daily, period = [], []
    for platform, (per_user, ctr, cpm, share) in PLATFORMS.items():
        users = np.round(pop["population"].to_numpy() * share).astype(int)
        # where the platform delivers: targeted districts by audience size, the spill-over elsewhere
        w_in = np.where(targeted == 1, users, 0) / users[targeted == 1].sum()
        w_out = np.where(targeted == 0, users, 0) / max(users[targeted == 0].sum(), 1)
        where = (1 - AD_SPILLOVER) * w_in + AD_SPILLOVER * w_out
        total = rng.poisson(per_user * users[targeted == 1].sum() * rng.uniform(0.6, 1.4, size=len(days)))
        imp = np.vstack([rng.multinomial(t, where) for t in total])  # days x districts
        reach = np.minimum(rng.binomial(users, _reach_share(imp, users)), imp)
        clicks = rng.binomial(imp, ctr)
        engagements = clicks + rng.binomial(imp, 0.01)
        spend = np.round(imp * cpm / 1000 * rng.uniform(0.9, 1.1, size=imp.shape), 2)
        for j, d in enumerate(districts):
            daily.append(
                pd.DataFrame(
                    {
                        "country": spec.name,
                        "date": days.strftime("%Y-%m-%d"),
                        "platform": platform,
                        "district": d,
                        "targeted": targeted[j],
                        "impressions": imp[:, j],
                        "reach": reach[:, j],
                        "clicks": clicks[:, j],
                        "engagements": engagements[:, j],
                        "spend": spend[:, j],
                    }
                )
            )
        # unique reach per calendar month and over the whole campaign (never the sum of daily reach)
        months = days.to_period("M")
        spans = [(str(m), months == m) for m in months.unique()] + [("campaign", np.ones(len(days), bool))]
        floor = np.zeros(len(districts), dtype=int)
        for label, mask in spans:
            cum = imp[mask].sum(axis=0)
            r = np.minimum(rng.binomial(users, _reach_share(cum, users)), cum)
            r = np.maximum(r, reach[mask].max(axis=0))  # at least the best day
            if label == "campaign":
                r = np.maximum(r, floor)  # at least the best month
            floor = np.maximum(floor, r)
            period.append(
                pd.DataFrame(
                    {
                        "country": spec.name,
                        "platform": platform,
                        "district": districts,
                        "targeted": targeted,
                        "period": label,
                        "start": days[mask][0].strftime("%Y-%m-%d"),
                        "end": days[mask][-1].strftime("%Y-%m-%d"),
                        "impressions": cum,
                        "reach": r,
                        "frequency": np.round(np.divide(cum, r, out=np.full(len(r), np.nan), where=r > 0), 3),
                    }
                )
            )
    digital = pd.concat(daily, ignore_index=True).sort_values(["date", "platform", "district"], kind="stable")
    return digital.reset_index(drop=True), pd.concat(period, ignore_index=True)


PRETEST_TRUTH = {
    # variant: (comprehension, credibility mean on 1-5, stated safe-migration intention, preference share)
    "A_testimony": (0.78, 3.9, 0.46, 0.20),
    "B_statistics": (0.62, 3.4, 0.36, 0.25),
    "C_drama": (0.70, 3.1, 0.31, 0.55),
}


def pretest(spec: CountrySpec, rng: np.random.Generator, n: int = 360) -> pd.DataFrame:
    """Message pretest: respondents randomised to three variants; the preference vote misleads."""
    variants = np.array(list(PRETEST_TRUTH))
    people = pd.DataFrame({"resp_id": [f"{spec.code}-P-{i + 1:04d}" for i in range(n)]})
    assigned = assign(people, arms=tuple(variants), seed=rng, column="variant")  # complete randomisation
    arm = pd.Categorical(assigned["variant"], categories=variants).codes
    comp, cred, intent, pref = (np.array(x) for x in zip(*PRETEST_TRUTH.values()))
    credibility = np.clip(np.round(rng.normal(cred[arm], 0.9)), 1, 5).astype(int)
    vote = rng.choice(len(variants), size=n, p=pref / pref.sum())
    return pd.DataFrame(
        {
            "resp_id": people["resp_id"],
            "country": spec.name,
            "variant": variants[arm],
            "comprehension": (rng.random(n) < comp[arm]).astype(int),
            "credibility": credibility,
            "intention_safe": (rng.random(n) < intent[arm]).astype(int),
            "preferred_variant": variants[vote],
        }
    )


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------
def truth(spec: CountrySpec) -> dict:
    e = exposure_rate(spec)
    return {
        "country": spec.name,
        "estimand": "population intention-to-treat effect in campaign districts, endline minus baseline, net "
        "of the secular trend (the difference-in-differences of population means)",
        "exposure_rate_campaign_districts": round(e, 10),
        "itt": {
            "risk_aware": spec.itt_risk_aware,
            "intend_irregular": spec.itt_irregular_intention,
            "risk_perception": spec.itt_risk_perception,
            "hotline_known": spec.itt_hotline_known,
            "info_seeking": spec.itt_info_seeking,
            "knowledge_items": 0.0,
        },
        "effect_on_exposed": {
            k: round(v / e, 10)
            for k, v in {
                "risk_aware": spec.itt_risk_aware,
                "intend_irregular": spec.itt_irregular_intention,
                "risk_perception": spec.itt_risk_perception,
                "hotline_known": spec.itt_hotline_known,
                "info_seeking": spec.itt_info_seeking,
            }.items()
        },
        "secular_trend": {
            "risk_aware": spec.trend_risk_aware,
            "intend_irregular": spec.trend_irregular_intention,
            "risk_perception": spec.trend_risk_perception,
            "hotline_known": spec.trend_hotline_known,
            "info_seeking": spec.trend_info_seeking,
            "knowledge_items": 0.0,
        },
        "biases_built_in": {
            "pre_post_without_comparison": "adds the secular trend to the effect",
            "exposed_vs_unexposed": "confounded by interest in migration, which raises both exposure and "
            "risk awareness (self-selection) and by false reports of exposure",
            "aided_recall": "includes a false-recognition rate equal to the decoy recognition rate (12%)",
        },
        "digital": {
            "platforms": {
                k: dict(zip(("impressions_per_user_day", "click_through", "cpm", "user_share"), v))
                for k, v in PLATFORMS.items()
            },
            "spillover_share": AD_SPILLOVER,
            "exposure_rate_gamma_shape": AD_HETEROGENEITY,
            "note": "daily reach counts accounts reached that day; summing it over days counts the same "
            "people again (use digital_reach.csv); platforms count accounts, not people",
        },
        "pretest": {
            k: dict(zip(("comprehension", "credibility", "intention_safe", "preference_share"), v))
            for k, v in PRETEST_TRUTH.items()
        },
        "spec": asdict(spec),
    }


def _check_seed(seed) -> int:
    return check_whole(seed, argument="synth: seed", minimum=0, error=DataError)


def generate_country(
    key: str, seed: int = DEFAULT_SEED, *, spec: CountrySpec | None = None, hidden: bool = False
) -> dict[str, pd.DataFrame | dict]:
    """Generate one country's data sets in memory (frame, census, rounds, monitoring, pretest, truth).

    ``spec`` replaces the country's parameters (e.g. ``dataclasses.replace(COUNTRIES["aroland"],
    take=40)`` for a larger sample); the random streams stay those of ``key`` and ``seed``.
    ``hidden=True`` adds what no survey observes to the rounds: ``_interest`` (the latent interest
    in migration information that drives self-selection) and ``_exposed`` (true exposure).
    """
    if key not in COUNTRIES:
        raise DataError(f"synth: unknown country {key!r}; choose one of {', '.join(COUNTRIES)}")
    seed = _check_seed(seed)
    spec = spec or COUNTRIES[key]
    ss = np.random.SeedSequence([seed, sum(ord(c) * 31**i for i, c in enumerate(key)) % 2**32])
    rng_frame, rng_base, rng_end, rng_mon, rng_pre = (np.random.default_rng(s) for s in ss.spawn(5))
    frame = make_frame(spec, rng_frame)
    census = census_margins(frame)
    rounds = {}
    for round_, rng in (("baseline", rng_base), ("endline", rng_end)):
        sample = draw_round(spec, frame, round_, rng)
        weighted = weight_round(sample, census)
        keep = SURVEY_COLUMNS + (["_interest", "_exposed"] if hidden else [])
        rounds[round_] = weighted[keep].reset_index(drop=True)
    activities, digital, digital_reach = monitoring(spec, frame, rng_mon)
    return {
        "frame": frame.drop(columns="_u"),
        "census": census,
        "survey_baseline": rounds["baseline"],
        "survey_endline": rounds["endline"],
        "activities": activities,
        "digital_metrics": digital,
        "digital_reach": digital_reach,
        "pretest": pretest(spec, rng_pre),
        "truth": truth(spec),
    }


def generate(
    out: str | os.PathLike = "data/samples",
    *,
    seed: int = DEFAULT_SEED,
    countries: tuple[str, ...] | None = None,
) -> list[Path]:
    """Write every country's files under ``out/<country>/``; returns the paths written.

    Files are written atomically (to a temporary file, then renamed), so an interrupted run
    never leaves a half-written file in place of a good one.
    """
    seed = _check_seed(seed)
    out = Path(out)
    written = []
    path = out / "codebook.yaml"
    text = "# Codebook of the sample survey files (format: docs/codebook.md). Written by campaign_me.synth.\n"
    text += yaml.safe_dump(codebook(), sort_keys=False, allow_unicode=True, width=100)
    write_atomic(path, text.encode("utf-8"))
    written.append(path)
    for key in countries or tuple(COUNTRIES):
        data = generate_country(key, seed)
        for name, obj in data.items():
            if name == "truth":
                path = out / key / "truth.json"
                obj = {**obj, "seed": seed, "numpy_version": ".".join(np.__version__.split(".")[:2])}
                write_atomic(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())
            else:
                path = out / key / f"{name}.csv"
                write_csv(obj, path)
            written.append(path)
        if key == KOBO_COUNTRY:
            rng = np.random.default_rng(np.random.SeedSequence([seed, 4242]))
            csv, form = kobo_export(data["survey_endline"], rng)
            path = out / key / "kobo" / "survey_endline_kobo.csv"
            write_atomic(path, csv.encode("utf-8"))
            written.append(path)
            path = out / key / "kobo" / "kap_form.xlsx"
            write_xlsx(form, path)
            written.append(path)
    if countries is None:  # the cluster-randomised trial (campaign_me.trial) belongs to the whole world
        written += trial.write(out / "trial", seed)
    return written


KOBO_COUNTRY = "aroland"


def _fixed_zip(path: Path) -> None:
    """Rewrite a zip (xlsx) with fixed timestamps so it is byte-for-byte reproducible."""
    with zipfile.ZipFile(path) as zin:
        items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", data)
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------
# codebook of the survey files (docs/codebook.md describes the format)
# --------------------------------------------------------------------------------------
KNOWLEDGE_LABELS = {
    "k1": "A licensed agency must give you a written contract before you leave",
    "k2": "It is normal for an employer abroad to keep your passport",
    "k3": "Recruitment fees charged to workers are illegal in the destination country",
    "k4": "A tourist visa allows you to work legally abroad",
    "k5": "The national hotline can help you if you are in trouble abroad",
    "k6": "If you owe the broker money you must work until the debt is paid",
}
ATTITUDE_LABELS = {
    "a1": "I would check that an agency is licensed before paying it",
    "a2": "Using an unlicensed broker is fine if it is faster",
    "a3": "People who migrate irregularly risk exploitation",
    "a4": "Stories about trafficking are exaggerated",
    "a5": "I would advise a friend to migrate through regular channels",
}
LIKERT = {1: "Strongly disagree", 2: "Disagree", 3: "Neither", 4: "Agree", 5: "Strongly agree"}
CHANNEL_LABELS = {"radio": "Radio", "tv": "Television", "facebook": "Facebook", "events": "Community events"}
SIGN_LABELS = {
    "no_contract": "No written contract",
    "fees_debt": "High fees or debt to the recruiter",
    "passport_kept": "Employer keeps the passport",
    "too_good": "Offer too good to be true",
    "vague_job": "Vague job description",
}


def codebook() -> dict:
    """The codebook of the sample survey files, as a mapping ready for YAML."""

    def v(type_, label, **kw):
        return {"type": type_, "label": label, **kw}

    design = {"role": "design"}
    variables = {
        "resp_id": v("id", "Respondent ID", required=True),
        "respondent_name": v(
            "text", "Respondent's name (Kobo export only; dropped on load)", role="identifier"
        ),
        "phone": v(
            "text", "Phone number for follow-up (Kobo export only; dropped on load)", role="identifier"
        ),
        "round": v(
            "categorical",
            "Survey round",
            codes={"baseline": "Baseline", "endline": "Endline"},
            required=True,
            **design,
        ),
        "country": v("text", "Country", required=True),
        "region": v("text", "Region", required=True),
        "district": v("text", "District", required=True),
        "stratum": v(
            "text",
            "Sampling stratum (region x campaign/comparison; certainty villages alone)",
            required=True,
            **design,
        ),
        "psu": v(
            "text",
            "Primary sampling unit (village; household in a certainty village)",
            required=True,
            **design,
        ),
        "village": v("text", "Village (cluster)", required=True, **design),
        "urban": v("boolean", "Urban village", required=True),
        "campaign": v("boolean", "Campaign district (1) or comparison district (0)", required=True, **design),
        "household": v("integer", "Household number in the village listing", min=1, **design),
        "eligible": v("integer", "Eligible household members aged 15-45", min=1, max=20, **design),
        "prob_stage1": v("number", "Inclusion probability of the village (PPS)", min=0, max=1, **design),
        "prob_stage2": v(
            "number", "Inclusion probability of the household in the village", min=0, max=1, **design
        ),
        "design_weight": v(
            "number", "Design weight: eligible / (prob_stage1 x prob_stage2)", min=0, **design
        ),
        "weight": v(
            "number",
            "Final weight: nonresponse-adjusted and raked to the census",
            min=0,
            required=True,
            **design,
        ),
        "sex": v("categorical", "Sex", codes={"female": "Female", "male": "Male"}, required=True),
        "age": v("integer", "Age in completed years", min=15, max=45, required=True),
        "age_group": v("categorical", "Age group", codes={g: g for g in AGE_GROUPS}, ordered=True),
        "education": v(
            "categorical",
            "Highest level of education",
            codes={0: "None", 1: "Primary", 2: "Secondary", 3: "Tertiary"},
            ordered=True,
        ),
        "migration_status": v(
            "categorical",
            "Migration intention status",
            codes={
                "none": "No plan to migrate",
                "regular": "Plans to migrate through regular channels",
                "irregular_or_undecided": "Plans to migrate irregularly, or undecided about the route",
                "returnee": "Returned migrant",
            },
        ),
        "access": v(
            "select_multiple",
            "Channels the respondent can use (owns / attends)",
            codes={**CHANNEL_LABELS, "none": "None of these"},
            scale="channel_access",
        ),
    }
    for item, is_true in KNOWLEDGE:
        variables[item] = v(
            "categorical",
            KNOWLEDGE_LABELS[item],
            codes={1: "True", 2: "False", 8: "Don't know"},
            scale="knowledge",
            correct=1 if is_true else 2,
        )
    variables["signs"] = v(
        "select_multiple",
        "Warning signs of trafficking named without prompting",
        codes={**SIGN_LABELS, "none": "Could not name any"},
        scale="warning_signs",
    )
    variables["hotline_known"] = v(
        "boolean", "Knows the national anti-trafficking hotline number", scale="safe_channels", correct=True
    )
    variables["risk_aware"] = v(
        "boolean",
        "Thinks people on irregular routes face a high risk of exploitation",
        scale="risk_awareness",
    )
    variables["risk_perception"] = v(
        "integer",
        "Of 100 people like you taking the irregular route, how many would be exploited or hurt?",
        min=0,
        max=100,
        scale="risk_perception",
        missing={RISK_DK_CODE: "Don't know"},
    )
    for item, reverse in ATTITUDES:
        kw = {"reverse": True} if reverse else {}
        variables[item] = v(
            "categorical", ATTITUDE_LABELS[item], codes=LIKERT, points=5, scale="attitude", **kw
        )
    variables["intend_irregular"] = v(
        "boolean", "Intends to migrate without regular documents in the next 12 months", scale="intention"
    )
    for item, label in (
        ("checked_licence", "Checked the agency's licence"),
        ("written_contract", "Signed a written contract before leaving"),
        ("left_copies", "Left copies of passport and contract with family"),
    ):
        variables[item] = v(
            "boolean", f"{label} (asked of regular migrants and returnees)", scale="practice", correct=True
        )
    variables["info_seeking"] = v(
        "boolean",
        "Looked for information about working abroad from an official source in the last 3 months",
        scale="information_seeking",
    )
    variables["exposed"] = v(
        "select_multiple",
        "Saw or heard anything about working abroad in the last 3 months, by channel",
        codes={**CHANNEL_LABELS, "none": "Nothing seen or heard"},
        scale="exposure",
    )
    variables["exposed_any"] = v("boolean", "Any exposure (derived from exposed)", role="derived")
    variables["unaided_recall"] = v(
        "boolean", "Named the campaign or its key message without prompting", scale="recall"
    )
    variables["aided_recall"] = v("boolean", "Recognised the campaign poster when shown", scale="recall")
    variables["aided_recall_decoy"] = v(
        "boolean", "Recognised a decoy poster that was never used", scale="recall"
    )
    variables["comprehension"] = v(
        "boolean",
        "Restated the main point correctly (asked of those who recognised the poster)",
        scale="comprehension",
    )
    variables.update(trial.codebook_entries())  # the trial survey's own columns
    return {
        "dataset": "campaign_me_kap",
        "version": "1.0",
        "description": "Baseline and endline KAP surveys of the simulated campaign world "
        "(campaign_me.synth); "
        "see docs/sample_data.md",
        "id": "resp_id",
        "weight": "weight",
        "strata": "stratum",
        "psu": "psu",
        "variables": variables,
    }


# --------------------------------------------------------------------------------------
# KoboToolbox-style export of one round ("XML values and headers") with its XLSForm
# --------------------------------------------------------------------------------------
KOBO_GROUPS = {
    "sample": [
        "resp_id",
        "round",
        "country",
        "region",
        "district",
        "stratum",
        "psu",
        "village",
        "urban",
        "campaign",
        "household",
        "eligible",
        "prob_stage1",
        "prob_stage2",
        "design_weight",
        "weight",
    ],
    "respondent": [
        "respondent_name",
        "phone",
        "sex",
        "age",
        "age_group",
        "education",
        "migration_status",
        "access",
    ],
    "knowledge": [k for k, _ in KNOWLEDGE] + ["signs", "hotline_known", "risk_aware", "risk_perception"],
    "attitudes": [a for a, _ in ATTITUDES],
    "intentions": ["intend_irregular", "checked_licence", "written_contract", "left_copies", "info_seeking"],
    "campaign_exposure": ["exposed", "unaided_recall", "aided_recall", "aided_recall_decoy", "comprehension"],
}
_SYLLABLES = ("ka", "lo", "mi", "na", "ro", "si", "ta", "vu", "le", "do", "ba", "ri", "en", "sa")


def _fake_name(rng: np.random.Generator) -> str:
    def word(k):
        return "".join(rng.choice(_SYLLABLES, size=k)).capitalize()

    return f"{word(2)} {word(3)}"


def kobo_export(survey: pd.DataFrame, rng: np.random.Generator) -> tuple[str, dict[str, pd.DataFrame]]:
    """A Kobo export (semicolon CSV text) of a survey round and the XLSForm sheets behind it.

    The export carries what a real one does: group prefixes, select_multiple questions both as a
    space-separated column and as ``q/option`` 0/1 columns, yes/no answers, interview start and end,
    ``_``-prefixed submission metadata, and two personal-data columns (respondent name and phone)
    that intake must drop.
    """
    cb = codebook()["variables"]
    n = len(survey)
    data = survey.copy()
    data["respondent_name"] = [_fake_name(rng) for _ in range(n)]
    # fictional numbers in an unassigned country code (+999)
    data["phone"] = [
        f"+999 7{rng.integers(10, 100)} {rng.integers(100, 1000)} {rng.integers(100, 1000)}" for _ in range(n)
    ]
    cols: dict[str, list] = {}
    start = pd.Timestamp("2025-09-01 08:00")
    minutes = np.cumsum(rng.integers(20, 60, size=n))
    t0 = [start + pd.Timedelta(minutes=int(m)) for m in minutes]
    cols["start"] = [t.strftime("%Y-%m-%dT%H:%M:%S.000+07:00") for t in t0]
    cols["end"] = [
        (t + pd.Timedelta(minutes=int(d))).strftime("%Y-%m-%dT%H:%M:%S.000+07:00")
        for t, d in zip(t0, rng.integers(15, 35, size=n))
    ]

    def text(v):
        if isinstance(v, float) and np.isnan(v):
            return ""
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v) if not isinstance(v, float) else f"{v:.10g}"

    for group, names in KOBO_GROUPS.items():
        for name in names:
            meta = cb.get(name, {"type": "text"})
            if meta["type"] == "select_multiple":
                options = list(meta["codes"])
                onehot = np.column_stack([data[f"{name}/{o}"].to_numpy() for o in options])
                cols[f"{group}/{name}"] = [
                    " ".join(o for o, x in zip(options, row) if x == 1) for row in onehot
                ]
                for j, o in enumerate(options):
                    cols[f"{group}/{name}/{o}"] = [str(int(x)) for x in onehot[:, j]]
            elif meta["type"] == "boolean":
                cols[f"{group}/{name}"] = [
                    "" if pd.isna(x) else ("yes" if x == 1 else "no") for x in data[name]
                ]
            else:
                cols[f"{group}/{name}"] = [text(x) for x in data[name]]
    cols["_id"] = [str(100000 + i) for i in range(n)]
    cols["_uuid"] = [
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}".format(*(int(x) for x in r))
        for r in rng.integers(0, [2**32, 2**16, 2**12, 2**12, 2**48], size=(n, 5))
    ]
    cols["_submission_time"] = [t.strftime("%Y-%m-%dT%H:%M:%S") for t in t0]
    cols["_validation_status"] = [""] * n
    cols["_status"] = ["submitted_via_web"] * n
    cols["_submitted_by"] = [f"enumerator{int(x)}" for x in rng.integers(1, 9, size=n)]
    cols["__version__"] = ["vA1"] * n
    cols["_index"] = [str(i + 1) for i in range(n)]
    frame = pd.DataFrame(cols)
    csv = frame.to_csv(index=False, sep=";", quoting=1, lineterminator="\n")
    return csv, xlsform()


def xlsform() -> dict[str, pd.DataFrame]:
    """The XLSForm (survey, choices, settings sheets) of the KAP questionnaire."""
    cb = codebook()["variables"]
    survey_rows = [
        {"type": "start", "name": "start", "label": ""},
        {"type": "end", "name": "end", "label": ""},
    ]
    choices = [
        {"list_name": "yes_no", "name": "yes", "label": "Yes"},
        {"list_name": "yes_no", "name": "no", "label": "No"},
    ]
    for group, names in KOBO_GROUPS.items():
        survey_rows.append(
            {"type": "begin_group", "name": group, "label": group.replace("_", " ").capitalize()}
        )
        for name in names:
            meta = cb.get(name)
            if meta is None:  # personal data collected for follow-up, not analysis
                kind = "text"
                label = {"respondent_name": "Respondent's name", "phone": "Phone number for follow-up"}[name]
                survey_rows.append({"type": kind, "name": name, "label": label})
                continue
            t = meta["type"]
            if t in ("categorical", "select_multiple"):
                kind = ("select_one " if t == "categorical" else "select_multiple ") + name
                for code, label in meta["codes"].items():
                    choices.append({"list_name": name, "name": str(code), "label": label})
            elif t == "boolean":
                kind = "select_one yes_no"
            elif group == "sample":
                kind = "calculate"
            else:
                kind = {"integer": "integer", "number": "decimal", "id": "text"}.get(t, "text")
            survey_rows.append({"type": kind, "name": name, "label": meta["label"]})
        survey_rows.append({"type": "end_group", "name": group, "label": ""})
    settings = pd.DataFrame(
        [
            {
                "form_title": "Safe migration KAP survey (campaign_me sample)",
                "form_id": "cm_kap",
                "version": "vA1",
            }
        ]
    )
    return {"survey": pd.DataFrame(survey_rows), "choices": pd.DataFrame(choices), "settings": settings}


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write sheets to .xlsx atomically and byte-for-byte reproducibly (fixed timestamps)."""

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".xlsx")
    os.close(fd)
    try:
        # openpyxl directly (not pandas' ExcelWriter, whose styling differs between pandas versions)
        wb = Workbook()
        wb.remove(wb.active)
        for name, df in sheets.items():
            ws = wb.create_sheet(name)
            ws.append([str(c) for c in df.columns])
            for row in df.itertuples(index=False, name=None):
                ws.append(["" if (isinstance(v, float) and np.isnan(v)) else v for v in row])
        wb.properties.created = _dt.datetime(2020, 1, 1)
        wb.save(tmp)
        _fixed_zip(Path(tmp))
        with open(tmp, "rb") as fh:
            write_atomic(path, fh.read())
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
