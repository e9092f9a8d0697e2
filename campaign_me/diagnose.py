"""Design diagnosis by simulation: declare a campaign evaluation, simulate it many times, diagnose.

As DeclareDesign's declare-diagnose-redesign (Blair, Cooper, Coppock & Humphreys 2019,
*Declaring and diagnosing research designs*, APSR 113(3)), for the designs campaign
evaluations use: a two-round survey of clusters (communities) in a campaign arm and a
comparison arm, with an intra-cluster correlation, a secular trend and a planted effect.
:func:`diagnose` simulates many surveys at once (numpy arrays over simulations, no loop over
surveys) and returns power, bias, RMSE and interval coverage per estimator, plus every
simulation as a DataFrame for diagnosands of your own.

The estimators are those of :mod:`campaign_me.evaluation` applied to a self-weighting design
whose strata are the arms (and the rounds, when each round samples new clusters) and whose
PSUs are the clusters; on equal-sized clusters their design-based (Taylor) estimates reduce to
cluster means, which is what makes the simulation fast. ``tests/test_diagnose.py`` checks that
each vectorised estimate, SE and df equals :func:`campaign_me.evaluation.did` (and friends) on a
simulated data set.

Use :func:`redesign` to compare variants (more clusters, a panel, another ICC), and
:func:`design_like_survey` to declare a design that copies a survey already fielded (its clusters,
interviews per cluster, ICC and baseline level), so that one survey's estimate can be set among the
estimates of many surveys like it.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from .conventions import LEVEL, Reporting, check_choice, check_level, reporting
from .deferred import Deferred
from .errors import DataError, DesignError

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only the intervals and p-values need it

__all__ = [
    "CampaignDesign",
    "Diagnosis",
    "diagnose",
    "redesign",
    "simulate_survey",
    "design_like_survey",
    "estimate_icc",
    "ESTIMATORS",
]

#: Estimators :func:`diagnose` knows. ``comparison_change`` (endline minus baseline in the comparison arm)
#: estimates the secular trend, not the effect: its estimand is ``trend``. It is simulated only on request.
ESTIMATORS = ("did", "pre_post", "endline", "ancova", "comparison_change")
_DEFAULT_ESTIMATORS = ("did", "pre_post", "endline", "ancova")


@dataclass(frozen=True)
class CampaignDesign:
    """Declaration of a two-round cluster evaluation of a campaign (a binary outcome).

    Parameters
    ----------
    clusters_per_arm : int, default 20
        Clusters (communities, villages) per arm in each round.
    cluster_size : int, default 25
        Respondents per cluster per round (equal sizes: a self-weighting sample).
    icc : float, default 0.05
        Intra-cluster correlation of the outcome. 0.05 is campaign_me's planning convention for
        individual knowledge and attitude items (docs/methodology.md §5.3), not a value measured
        on such items. Published ICCs depend on the outcome: most were 0.01-0.05 in one survey
        of injection use in Pakistan (34 clusters; Janjua, Khan & Clemens 2006), medians were
        0.054 (stunting) and 0.032 (wasting) across 58 DHS surveys in 46 countries (Fenn, Morris
        & Frost 2004), and 0.14 (physical activity) and 0.19 (fruit and vegetable intake) across
        the 56 countries of the World Health Survey (Masood & Reidpath 2016). Re-estimate it from
        the baseline.
    baseline : float, default 0.40
        Baseline proportion with the outcome.
    effect : float, default 0.08
        Planted intention-to-treat effect at endline in the campaign arm (a proportion:
        0.08 = 8 percentage points). The estimand of every estimator.
    trend : float, default 0.04
        Secular change in both arms between the rounds.
    same_clusters : bool, default True
        The same clusters are surveyed in both rounds (their cluster effects persist); with
        False each round samples new clusters.
    panel : bool, default False
        The same people are re-interviewed (needs ``same_clusters``); required by ANCOVA.
    persistence : float, default 0.3
        Panel only: the endline probability moves towards the person's baseline answer by
        this share (the outcome's autocorrelation, roughly).
    """

    clusters_per_arm: int = 20
    cluster_size: int = 25
    icc: float = 0.05
    baseline: float = 0.40
    effect: float = 0.08
    trend: float = 0.04
    same_clusters: bool = True
    panel: bool = False
    persistence: float = 0.3

    def __post_init__(self):
        if self.clusters_per_arm < 2:
            raise DesignError(f"clusters_per_arm={self.clusters_per_arm}: at least 2 clusters per arm are needed")
        if self.cluster_size < 1:
            raise DataError(f"cluster_size={self.cluster_size}: at least 1 respondent per cluster")
        if not 0 <= self.icc < 1:
            raise DataError(f"icc={self.icc}: must be in [0, 1)")
        if self.panel and not self.same_clusters:
            raise DataError("panel=True needs same_clusters=True (a panel re-interviews the same people)")
        if not 0 <= self.persistence < 1:
            raise DataError(f"persistence={self.persistence}: must be in [0, 1)")
        a = self._spread
        lo = self.baseline - a + min(0.0, self.trend) + min(0.0, self.effect + self.trend)
        hi = self.baseline + a + max(0.0, self.trend) + max(0.0, self.effect + self.trend)
        if lo < 0 or hi > 1:
            raise DataError(
                f"baseline={self.baseline}, icc={self.icc}, trend={self.trend}, effect={self.effect}: cluster "
                f"probabilities would leave [0, 1] ({lo:.3f}..{hi:.3f}); lower the icc or move the baseline"
            )

    @property
    def _spread(self) -> float:
        """Half-width of the uniform cluster effect with variance icc * p(1-p)."""
        return float(np.sqrt(3 * self.icc * self.baseline * (1 - self.baseline)))

    @property
    def n_per_round(self) -> int:
        return 2 * self.clusters_per_arm * self.cluster_size


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """Diagnosands per estimator and the raw simulations.

    Attributes
    ----------
    diagnosands : pandas.DataFrame
        ``estimator, estimand, mean_estimate, bias, sd_estimate, rmse, mean_se, power, coverage,
        sims`` (and any user diagnosands), one row per estimator.
    simulations : pandas.DataFrame
        ``sim, estimator, estimate, se, df, ci_low, ci_high, p_value``: every simulated estimate.
    design : CampaignDesign
    """

    diagnosands: pd.DataFrame
    simulations: pd.DataFrame = field(repr=False)
    design: CampaignDesign
    level: float = LEVEL
    alpha: float = 0.05

    def to_frame(self) -> pd.DataFrame:
        return self.diagnosands.copy()

    def summary(self) -> str:
        d = self.design
        parts = [
            f"{len(self.simulations['sim'].unique())} simulated surveys of {d.clusters_per_arm} clusters per arm x "
            f"{d.cluster_size} respondents per round (ICC {d.icc}), planted effect {100 * d.effect:+.1f} percentage "
            f"points, secular trend {100 * d.trend:+.1f}."
        ]
        for r in self.diagnosands.itertuples(index=False):
            parts.append(
                f"{r.estimator}: power {r.power:.0%}, bias {100 * r.bias:+.1f} pp, RMSE {100 * r.rmse:.1f} pp, "
                f"{self.level:.0%} intervals cover the truth {r.coverage:.0%} of the time."
            )
        return " ".join(parts)


def _draw(design: CampaignDesign, sims: int, rng: np.random.Generator):
    """Simulated outcomes: y0, y1 arrays (sims, 2J, m) of 0/1, and the arm of each cluster (2J,)."""
    j, m = design.clusters_per_arm, design.cluster_size
    k = 2 * j
    arm = np.repeat([0, 1], j)
    a = design._spread
    u0 = rng.uniform(-a, a, size=(sims, k, 1))
    u1 = u0 if design.same_clusters else rng.uniform(-a, a, size=(sims, k, 1))
    p0 = design.baseline + u0
    y0 = (rng.random((sims, k, m)) < p0).astype(np.int8)
    shift = design.trend + design.effect * arm[None, :, None]
    if design.panel:
        p1 = p0 + design.persistence * (y0 - p0) + shift
    else:
        p1 = design.baseline + u1 + shift
    y1 = (rng.random((sims, k, m)) < p1).astype(np.int8)
    return y0, y1, arm


def simulate_survey(design: CampaignDesign, *, seed: int = 0, sim: int = 0, sims: int = 500,
                    chunk: int = 100) -> pd.DataFrame:
    """One simulated survey (both rounds, long format), exactly as :func:`diagnose` draws it.

    ``sim`` picks which simulation of ``diagnose(design, sims=sims, seed=seed, chunk=chunk)``
    to return (the same random draws). Columns: ``cluster, arm, person, post, y,
    round_stratum, weight`` (and ``y_baseline`` in a panel); every weight is 1 (the sample
    is self-weighting).

    Examples
    --------
    >>> s = simulate_survey(CampaignDesign(clusters_per_arm=3, cluster_size=4))
    >>> s.shape
    (48, 7)
    """
    if not 0 <= sim < sims:
        raise DataError(f"sim={sim}: must be between 0 and sims - 1 = {sims - 1}")
    rng = np.random.default_rng(seed)
    start = 0
    while True:
        b = min(chunk, sims - start)
        y0, y1, arm = _draw(design, b, rng)
        if sim < start + b:
            break
        start += b
    sim -= start
    y0, y1 = y0[sim], y1[sim]
    k, m = y0.shape
    rows = []
    for post, y in ((0, y0), (1, y1)):
        rnd = "endline" if post else "baseline"
        cl = np.repeat(np.arange(k), m)
        cluster = [f"c{c:03d}" if design.same_clusters else f"{rnd}-c{c:03d}" for c in cl]
        person = [f"p{c:03d}-{i:03d}" if design.panel else f"{rnd}-p{c:03d}-{i:03d}" for c, i in
                  zip(cl, np.tile(np.arange(m), k))]
        frame = pd.DataFrame({"cluster": cluster, "arm": arm[cl], "person": person, "post": post,
                              "y": y.ravel().astype(float)})
        frame["round_stratum"] = (
            frame["arm"].astype(str) if design.same_clusters else rnd + ":" + frame["arm"].astype(str)
        )
        frame["weight"] = 1.0
        if design.panel:
            frame["y_baseline"] = y0.ravel().astype(float)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def _t_summary(est, se, df, level):
    q = stats.t.ppf(0.5 + level / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(est / se), df)
    return est - q * se, est + q * se, p


def _estimate(name: str, design: CampaignDesign, y0, y1, arm):
    """Vectorised estimate, SE and df of one estimator over all simulations."""
    j = design.clusters_per_arm
    c0, c1 = y0.mean(axis=2), y1.mean(axis=2)  # cluster means (sims, 2J)
    t, c = arm == 1, arm == 0

    def var_mean(x):  # variance of the mean of J cluster means (Taylor, PSUs within one stratum)
        return x.var(axis=1, ddof=1) / x.shape[1]

    if name == "endline":
        est = c1[:, t].mean(1) - c1[:, c].mean(1)
        var = var_mean(c1[:, t]) + var_mean(c1[:, c])
        return est, var, 2 * j - 3  # strata: arms; PSUs in the endline domain: 2J; k = 2
    if name == "pre_post":
        est = c1[:, t].mean(1) - c0[:, t].mean(1)
        if design.same_clusters:
            return est, var_mean(c1[:, t] - c0[:, t]), j - 2  # J PSUs, 1 stratum in the domain; k = 2
        return est, var_mean(c1[:, t]) + var_mean(c0[:, t]), 2 * j - 3
    if name == "comparison_change":  # the comparison arm's pre-post: the secular trend
        est = c1[:, c].mean(1) - c0[:, c].mean(1)
        if design.same_clusters:
            return est, var_mean(c1[:, c] - c0[:, c]), j - 2
        return est, var_mean(c1[:, c]) + var_mean(c0[:, c]), 2 * j - 3
    if name == "did":
        d = c1 - c0
        est = d[:, t].mean(1) - d[:, c].mean(1)
        if design.same_clusters:
            return est, var_mean(d[:, t]) + var_mean(d[:, c]), 2 * j - 5  # 2J PSUs, 2 strata; k = 4
        var = var_mean(c1[:, t]) + var_mean(c0[:, t]) + var_mean(c1[:, c]) + var_mean(c0[:, c])
        return est, var, 4 * j - 7  # 4J PSUs, 4 strata (arm x round); k = 4
    if name == "ancova":
        if not design.panel:
            raise DataError("estimator 'ancova' needs a panel (CampaignDesign(panel=True))")
        return _ancova(y0, y1, arm, j)
    raise DataError(f"unknown estimator {name!r}; choose from {', '.join(ESTIMATORS)}")


def _ancova(y0, y1, arm, j):
    """Batched least squares y1 ~ 1 + arm + y0 with cluster (PSU) Taylor variance, strata = arms."""
    sims, k, m = y0.shape
    n = k * m
    x = np.empty((sims, n, 3))
    x[:, :, 0] = 1.0
    x[:, :, 1] = np.repeat(arm, m)[None, :]
    x[:, :, 2] = y0.reshape(sims, n)
    y = y1.reshape(sims, n).astype(float)
    xtx = np.einsum("snk,snl->skl", x, x)
    xty = np.einsum("snk,sn->sk", x, y)
    beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
    resid = y - np.einsum("snk,sk->sn", x, beta)
    bread = np.linalg.inv(xtx)
    # influence of the arm coefficient per person, summed within clusters
    infl = np.einsum("sk,snk->sn", bread[:, 1, :], x) * resid
    tot = infl.reshape(sims, k, m).sum(axis=2)
    var = np.zeros(sims)
    for stratum in (arm == 0, arm == 1):
        z = tot[:, stratum]
        var += z.shape[1] / (z.shape[1] - 1) * ((z - z.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    return beta[:, 1], var, 2 * j - 4  # 2J PSUs, 2 strata; k = 3


def diagnose(
    design: CampaignDesign,
    *,
    sims: int = 500,
    estimators: Sequence[str] | None = None,
    level: float | None = None,
    alpha: float = 0.05,
    seed: int = 0,
    diagnosands: dict[str, Callable[[pd.DataFrame, float], float]] | None = None,
    progress: bool = False,
    chunk: int = 100,
    settings: Reporting | None = None,
) -> Diagnosis:
    """Simulate ``sims`` surveys of ``design`` and diagnose each estimator.

    Parameters
    ----------
    design : CampaignDesign
        The declared design.
    sims : int, default 500
        Number of simulated surveys (DeclareDesign's default; fewer than 100 is refused:
        the diagnosands would be too noisy to read).
    estimators : list of str, optional
        From ``"did"``, ``"pre_post"``, ``"endline"`` (post-only comparison of arms),
        ``"ancova"`` (panel only) and ``"comparison_change"`` (endline minus baseline in the
        comparison arm, whose estimand is the secular ``trend``). Default: all that apply except
        ``"comparison_change"``.
    level : float, optional
        Confidence level of the intervals (coverage); default ``settings.level``, else 0.95
        (:data:`campaign_me.conventions.LEVEL`).
    alpha : float, default 0.05
        Significance level for power (share of simulations with p < alpha).
    seed : int, default 0
        Seed of the simulation; the same seed gives the same diagnosis.
    diagnosands : dict, optional
        Extra diagnosands: ``name -> f(simulations_of_one_estimator, estimand) -> float``.
    progress : bool, default False
        Print a progress bar to standard error.
    chunk : int, default 100
        Simulations drawn per batch (bounds memory).
    settings : campaign_me.conventions.Reporting, optional
        Reporting settings; only ``level`` is used (``level=`` given explicitly wins).

    Returns
    -------
    Diagnosis
        ``diagnosands`` (power, bias, RMSE, coverage per estimator) and ``simulations``. The
        estimand is the planted ``effect``, except for ``comparison_change`` (the ``trend``).

    Examples
    --------
    >>> dx = diagnose(CampaignDesign(), sims=200, estimators=["did", "pre_post"], seed=1)
    >>> dx.diagnosands[["estimator", "bias"]].round(2)
      estimator  bias
    0       did  0.00
    1  pre_post  0.04

    Pre-post is off by the secular trend (0.04); the difference-in-differences is not.
    """
    if not isinstance(design, CampaignDesign):
        raise DataError(f"design: expected a CampaignDesign, got {type(design).__name__}")
    if isinstance(sims, bool) or not isinstance(sims, (int, np.integer)) or sims < 100:
        raise DataError(f"sims={sims!r}: use at least 100 simulations (500 or more for coverage)")
    level = reporting(settings, level=None if level is None else check_level(level, error=DataError)).level
    alpha = check_level(alpha, argument="alpha", error=DataError)
    if estimators is None:
        estimators = [e for e in _DEFAULT_ESTIMATORS if e != "ancova" or design.panel]
    estimators = [estimators] if isinstance(estimators, str) else list(estimators)
    for e in estimators:
        check_choice(e, ESTIMATORS, argument="estimator", error=DataError)
        if e == "ancova" and not design.panel:
            raise DataError("estimator 'ancova' needs a panel (CampaignDesign(panel=True))")
    rng = np.random.default_rng(seed)
    parts = {e: [] for e in estimators}
    done = 0
    while done < sims:
        b = min(chunk, sims - done)
        y0, y1, arm = _draw(design, b, rng)
        for e in estimators:
            est, var, df = _estimate(e, design, y0, y1, arm)
            parts[e].append((est, np.sqrt(np.maximum(var, 0.0)), df))
        done += b
        if progress:
            filled = int(30 * done / sims)
            sys.stderr.write(f"\rdiagnose [{'#' * filled}{'.' * (30 - filled)}] {done}/{sims}")
            sys.stderr.flush()
    if progress:
        sys.stderr.write("\n")
    frames, rows = [], []
    for e in estimators:
        truth = design.trend if e == "comparison_change" else design.effect
        est = np.concatenate([p[0] for p in parts[e]])
        se = np.concatenate([p[1] for p in parts[e]])
        df = float(parts[e][0][2])
        lo, hi, p = _t_summary(est, se, df, level)
        sim_frame = pd.DataFrame({"sim": np.arange(sims), "estimator": e, "estimate": est, "se": se, "df": df,
                                  "ci_low": lo, "ci_high": hi, "p_value": p})
        frames.append(sim_frame)
        row = {
            "estimator": e,
            "estimand": truth,
            "mean_estimate": float(est.mean()),
            "bias": float(est.mean() - truth),
            "sd_estimate": float(est.std(ddof=1)),
            "rmse": float(np.sqrt(np.mean((est - truth) ** 2))),
            "mean_se": float(se.mean()),
            "power": float(np.mean(p < alpha)),
            "coverage": float(np.mean((lo <= truth) & (truth <= hi))),
            "sims": int(sims),
        }
        for name, fn in (diagnosands or {}).items():
            row[name] = float(fn(sim_frame, truth))
        rows.append(row)
    return Diagnosis(diagnosands=pd.DataFrame(rows), simulations=pd.concat(frames, ignore_index=True),
                     design=design, level=level, alpha=alpha)


def redesign(design: CampaignDesign, *, sims: int = 500, seed: int = 0, estimators=None, **grid) -> pd.DataFrame:
    """Diagnose variants of a design over a grid of parameters (DeclareDesign's ``redesign``).

    ``grid`` maps a :class:`CampaignDesign` field to the values to try, e.g.
    ``redesign(d, clusters_per_arm=[10, 20, 40])``; every combination is diagnosed with the
    same seed. Returns the diagnosands with one column per varied parameter.

    Examples
    --------
    >>> out = redesign(CampaignDesign(), sims=100, estimators=["did"], clusters_per_arm=[10, 40])
    >>> bool(out["power"].iloc[1] > out["power"].iloc[0])
    True
    """
    fields = set(asdict(design))
    for key in grid:
        if key not in fields:
            raise DataError(f"redesign: {key!r} is not a CampaignDesign parameter ({', '.join(sorted(fields))})")
    keys = list(grid)
    out = []
    for values in itertools.product(*(grid[k] for k in keys)):
        variant = replace(design, **dict(zip(keys, values)))
        d = diagnose(variant, sims=sims, seed=seed, estimators=estimators).diagnosands
        for k, v in zip(keys, values):
            d.insert(0, k, v)
        out.append(d)
    return pd.concat(out, ignore_index=True)


# --------------------------------------------------------------------------------------
# a design like a survey already fielded
# --------------------------------------------------------------------------------------
def _binary(values: pd.Series, name: str) -> np.ndarray:
    """A 0/1 (or boolean) column as floats with NaN for missing; anything else is refused."""
    v = pd.to_numeric(values.astype("object"), errors="coerce").astype("float64").to_numpy()
    bad = ~np.isnan(v) & ~np.isin(v, (0.0, 1.0))
    if bad.any():
        raise DataError(f"{name}: must be 0/1 (or True/False); found {sorted(set(v[bad].tolist()))[:5]}")
    return v


def estimate_icc(data: pd.DataFrame, outcome: str, cluster: str, *, groups: str | Sequence[str] | None = None) -> float:
    """Intra-cluster correlation of an outcome by one-way analysis of variance (unweighted).

    The ANOVA estimator for clusters of unequal size (Donner 1986, *A review of inference
    procedures for the intraclass correlation coefficient in the one-way random effects model*,
    International Statistical Review 54(1)): ``(MSB - MSW) / (MSB + (n0 - 1) MSW)``, with ``n0``
    the adjusted mean cluster size. With ``groups`` (for example the arm and the round), clusters
    are compared only with clusters of their own group, so differences between the groups (the
    campaign's effect, a trend) do not count as clustering. The estimate can be negative when the
    clusters resemble each other less than chance would make them; with few clusters it is noisy.

    Parameters
    ----------
    data : DataFrame
    outcome : str
        Numeric (or boolean) outcome; rows where it is missing are left out.
    cluster : str
        Column naming each respondent's cluster (village, PSU).
    groups : str or list of str, optional
        Columns within whose levels the clusters are compared.

    Examples
    --------
    >>> df = pd.DataFrame({"village": list("aaabbbccc"), "y": [1, 1, 1, 0, 0, 0, 1, 1, 0]})
    >>> round(estimate_icc(df, "y", "village"), 3)
    0.667
    """
    cols = [outcome, cluster] + ([groups] if isinstance(groups, str) else list(groups or []))
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"estimate_icc: column(s) {missing} not in the data")
    y = pd.to_numeric(data[outcome].astype("object"), errors="coerce").astype("float64")
    keep = y.notna().to_numpy() & data[cluster].notna().to_numpy()
    frame = data.loc[keep, cols[1:]].copy()
    frame["_y"] = y[keep].to_numpy()
    group_cols = cols[2:]
    frame["_g"] = frame[group_cols].astype(str).agg("|".join, axis=1) if group_cols else "all"
    stats_ = frame.groupby(["_g", cluster], observed=True)["_y"].agg(["size", "mean", "var"])
    stats_["var"] = stats_["var"].fillna(0.0)
    n_i = stats_["size"].to_numpy(dtype=float)
    k, n = len(n_i), n_i.sum()
    g = frame["_g"].nunique()
    if k - g < 1 or n - k < 1:
        raise DataError(f"estimate_icc: {k} clusters of {int(n)} respondents in {g} group(s): too few to estimate an ICC")
    group_mean = frame.groupby("_g")["_y"].mean()
    g_of = stats_.index.get_level_values("_g")
    ssb = float(np.sum(n_i * (stats_["mean"].to_numpy() - group_mean.loc[g_of].to_numpy()) ** 2))
    ssw = float(np.sum((n_i - 1) * stats_["var"].to_numpy()))
    msb, msw = ssb / (k - g), ssw / (n - k)
    n_g = pd.Series(n_i, index=g_of).groupby(level=0).sum()
    sq = pd.Series(n_i**2, index=g_of).groupby(level=0).sum()
    n0 = (n - float((sq / n_g).sum())) / (k - g)
    denom = msb + (n0 - 1) * msw
    if denom <= 0:
        raise DataError(f"estimate_icc: {outcome!r} does not vary within the groups; no ICC can be estimated")
    return float((msb - msw) / denom)


def design_like_survey(
    baseline: pd.DataFrame,
    endline: pd.DataFrame,
    outcome: str,
    *,
    treated: str,
    cluster: str,
    effect: float,
    trend: float = 0.0,
    icc: float | None = None,
    weights: str | None = None,
    same_clusters: bool | None = None,
) -> CampaignDesign:
    """Declare a :class:`CampaignDesign` that copies a two-round survey already fielded.

    The copy keeps what drives the precision of a difference-in-differences: the number of
    clusters per arm and round (the average over the four arm x round cells), the interviews per
    cluster (the average), the outcome's intra-cluster correlation (:func:`estimate_icc` within
    arm x round, not below 0) and its baseline level. It simplifies the rest: equal-sized
    clusters, no weights, no strata. ``effect`` and ``trend`` are what the simulation plants (in
    the sample world, ``truth.json``'s ITT and secular trend). Diagnosing the copy shows what
    the survey's design gives over many surveys like it, beside the one estimate it gave.

    Parameters
    ----------
    baseline, endline : DataFrame
        The two rounds (one row per respondent).
    outcome : str
        A 0/1 (or boolean) outcome.
    treated : str
        0/1 (or boolean) column: 1 in campaign areas.
    cluster : str
        The cluster (village) column. Prefer the village to the PSU when a village taken with
        certainty has its households as PSUs.
    effect, trend : float
        Planted effect and secular trend (proportions: 0.08 = 8 percentage points).
    icc : float, optional
        Intra-cluster correlation; default: estimated from both rounds.
    weights : str, optional
        Weight column for the baseline level (default: unweighted).
    same_clusters : bool, optional
        Whether both rounds survey the same clusters; default: True when at least half of the
        endline's clusters were also surveyed at baseline.

    Examples
    --------
    >>> from campaign_me import load_survey
    >>> cb = "data/samples/codebook.yaml"
    >>> b = load_survey("data/samples/belmora/survey_baseline.csv", cb)
    >>> e = load_survey("data/samples/belmora/survey_endline.csv", cb)
    >>> d = design_like_survey(b, e, "risk_aware", treated="campaign", cluster="village", effect=0.10, trend=0.04)
    >>> d.clusters_per_arm, d.cluster_size, d.same_clusters
    (21, 12, False)
    """
    for name, frame in (("baseline", baseline), ("endline", endline)):
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
        missing = [c for c in (outcome, treated, cluster, weights) if c and c not in frame.columns]
        if missing:
            raise DataError(f"{name}: column(s) {missing} not in the data")
    rounds = []
    for post, frame in ((0, baseline), (1, endline)):
        y = _binary(frame[outcome], f"outcome {outcome!r}")
        arm = _binary(frame[treated], f"treated {treated!r}")
        part = pd.DataFrame({"y": y, "arm": arm, "cluster": frame[cluster].astype("object").to_numpy(), "post": post})
        if weights:
            part["w"] = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)
        rounds.append(part[~np.isnan(y) & ~np.isnan(arm) & part["cluster"].notna().to_numpy()])
    both = pd.concat(rounds, ignore_index=True)
    counts = both.groupby(["post", "arm"])["cluster"].nunique()
    if len(counts) < 4:
        raise DataError(f"design_like_survey: {outcome!r} needs respondents in both arms in both rounds")
    clusters_per_arm = max(2, int(round(float(counts.mean()))))
    cluster_size = max(1, int(round(len(both) / float(counts.sum()))))
    if icc is None:
        icc = max(0.0, estimate_icc(both, "y", "cluster", groups=["post", "arm"]))
    base = both[both["post"] == 0]
    level = float(np.average(base["y"], weights=base["w"])) if weights else float(base["y"].mean())
    if same_clusters is None:
        before, after = set(rounds[0]["cluster"]), set(rounds[1]["cluster"])
        same_clusters = len(before & after) >= 0.5 * len(after)
    return CampaignDesign(clusters_per_arm=clusters_per_arm, cluster_size=cluster_size, icc=float(icc),
                          baseline=level, effect=float(effect), trend=float(trend), same_clusters=bool(same_clusters))
