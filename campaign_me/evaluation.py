"""Campaign effects with honest uncertainty: from pre-post to cluster RCTs.

Every estimator takes a :class:`~campaign_me.SurveyDesign` and returns a frozen
:class:`EffectResult` with ``.to_frame()`` (``outcome, effect, se, ci_low, ci_high, p_value,
n, df, method``) and ``.summary()``, a plain-language paragraph that states the unit
(percentage points for a 0/1 outcome) and the key identifying assumption. Standard errors are
design-based (Taylor-linearised, as R's ``svyglm``; :mod:`campaign_me.regression`), intervals
use Student's t on the design's residual degrees of freedom.

Estimators
----------
- :func:`pre_post`: endline minus baseline, no comparison group (Maryland SMS 1).
- :func:`did`: difference-in-differences, the 2x2 table of round x arm means with first and
  second differences (laid out as the World Bank's ``ieddtab``) and the regression form.
- :func:`itt`, :func:`ancova`, :func:`complier_effect`, :func:`attrition`, :func:`lee_bounds`:
  randomised (cluster) trials.
- :func:`exposed_vs_unexposed`: naive difference, regression adjustment, inverse-probability
  weighting and nearest-neighbour matching, with balance and overlap diagnostics;
  :func:`dose_response` (descriptive only).

Also exported here, from the modules where they now live: :func:`message_pretest` and
:class:`PretestResult` (:mod:`campaign_me.pretest`: unweighted pairwise comparison of message
variants), :func:`evidence_strength` / :class:`EvidenceStrength` (Maryland Scientific Methods Scale
level, assumption, threats) and :func:`adjust_pvalues` (a primary outcome and Holm /
Benjamini-Hochberg across the others), both in :mod:`campaign_me.evidence`.

Every result object (:class:`EffectResult`, :class:`ExposureComparison`,
:class:`~campaign_me.evidence.EvidenceStrength`, :class:`~campaign_me.pretest.PretestResult`) has
``.to_frame()`` and ``.summary()``; tables (:func:`dose_response`, :func:`adjust_pvalues`) are
DataFrames. ``level``, ``df`` and ``settings=`` (:class:`campaign_me.conventions.Reporting`) work
alike in every estimator.

References: Angrist & Pischke (2009) *Mostly Harmless Econometrics*; McKenzie (2012) "Beyond
baseline and follow-up", J. Dev. Econ. 99(2); Lee (2009) "Training, wages, and sample
selection", Rev. Econ. Stud. 76(3); Austin (2011) "Optimal caliper widths for propensity-score
matching", Pharm. Stat. 10(2); Madaleno & Waights / What Works Centre for Local Economic Growth
(2016) *Guide to scoring evidence using the Maryland Scientific Methods Scale*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .codebook import Codebook
from .contrasts import CellFit, cell_fit, require_groups, require_variation
from .conventions import Reporting, check_level, check_whole, reporting
from .deferred import Deferred
from .design import SurveyDesign, indicator_values, numeric_values, residual_df, total_covariance
from .errors import DataError, DesignError, require_columns
from .evidence import RANDOMISED_ASSUMPTION, EvidenceStrength, adjust_pvalues, evidence_strength
from .pretest import PretestResult, message_pretest
from .regression import Model, fit_model
from .regression import quote_name as _quote
from .rounds import ROUNDS, check_rounds, combine_rounds, declare_rounds

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only intervals and p-values need it

__all__ = [
    "ROUNDS",
    "check_rounds",
    "indicator_values",
    "EffectResult",
    "ExposureComparison",
    "EvidenceStrength",
    "EFFECT_COLUMNS",
    "combine_rounds",
    "pre_post",
    "did",
    "itt",
    "ancova",
    "complier_effect",
    "attrition",
    "lee_bounds",
    "exposed_vs_unexposed",
    "dose_response",
    "message_pretest",
    "PretestResult",
    "evidence_strength",
    "adjust_pvalues",
]

#: Columns of :meth:`EffectResult.to_frame`, in order.
EFFECT_COLUMNS = ("outcome", "effect", "se", "ci_low", "ci_high", "p_value", "n", "df", "method")


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EffectResult:
    """One effect estimate with its design-based uncertainty and what it assumes.

    Attributes
    ----------
    outcome, method : str
    effect, se, df : float
        Estimate (in the outcome's units: a proportion for a 0/1 outcome), standard error and
        degrees of freedom of the t interval.
    n : int
        Respondents used.
    level : float
    assumption : str
        The key identifying assumption, in words.
    binary : bool
        True for a 0/1 outcome (the summary then speaks of percentage points).
    reference : float or None
        The mean the effect is compared with (the counterfactual), for the relative change.
    table : pandas.DataFrame or None
        Supporting table (the 2x2 table of a DiD, response rates by arm, ...).
    details : dict
        Further numbers (e.g. the bounds of :func:`lee_bounds`).
    """

    outcome: str
    method: str
    effect: float
    se: float
    df: float
    n: int
    level: float
    assumption: str
    binary: bool = False
    reference: float | None = None
    table: pd.DataFrame | None = field(default=None, repr=False)
    details: dict = field(default_factory=dict, repr=False)
    interval: tuple[float, float] | None = None  # an interval that is not effect +/- t * se (Lee bounds)

    @property
    def ci_low(self) -> float:
        if self.interval is not None:
            return float(self.interval[0])
        return self.effect - _q(self.level, self.df) * self.se

    @property
    def ci_high(self) -> float:
        if self.interval is not None:
            return float(self.interval[1])
        return self.effect + _q(self.level, self.df) * self.se

    @property
    def p_value(self) -> float:
        if self.se <= 0 or self.interval is not None:
            return float("nan")
        return float(2 * stats.t.sf(abs(self.effect / self.se), self.df))

    @property
    def relative_change(self) -> float | None:
        """Effect relative to the reference mean (0.2 = 20 % higher), if there is one."""
        if self.reference is None or self.reference == 0:
            return None
        return self.effect / self.reference

    def to_frame(self) -> pd.DataFrame:
        """One row: ``outcome, effect, se, ci_low, ci_high, p_value, n, df, method``."""
        return pd.DataFrame(
            [
                {
                    "outcome": self.outcome,
                    "effect": self.effect,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "p_value": self.p_value,
                    "n": int(self.n),
                    "df": float(self.df),
                    "method": self.method,
                }
            ]
        )

    def summary(self) -> str:
        """A plain-language paragraph: the effect, its interval, its unit and its assumption."""
        return _sentence(self)


def _fmt(x: float, binary: bool) -> str:
    return f"{100 * x:+.1f} percentage points" if binary else f"{x:+.3g}"


def _sentence(r: EffectResult) -> str:
    lo, hi = r.ci_low, r.ci_high
    unit = "" if r.binary else " (in the outcome's units)"
    ci = (f"{100 * lo:+.1f} to {100 * hi:+.1f}" if r.binary else f"{lo:+.3g} to {hi:+.3g}")
    if r.method == "lee_bounds":
        lo_b, hi_b = r.details["lower"], r.details["upper"]
        return (
            f"{_METHOD_NAMES['lee_bounds']}: among people who would respond in either arm, the effect on "
            f"{r.outcome} lies between {_fmt(lo_b, r.binary)} and {_fmt(hi_b, r.binary)} ({r.level:.0%} interval "
            f"{ci}; n = {r.n} respondents). Key assumption: {r.assumption}"
        )
    pval = "" if np.isnan(r.p_value) else f"; p = {r.p_value:.3g}"
    text = (
        f"{_METHOD_NAMES.get(r.method, r.method)}: estimated effect on {r.outcome} {_fmt(r.effect, r.binary)}{unit} "
        f"({r.level:.0%} CI {ci}{pval}; n = {r.n})."
    )
    rel = r.relative_change
    if rel is not None:
        ref = f"{100 * r.reference:.1f}%" if r.binary else f"{r.reference:.3g}"
        text += f" Relative to the reference mean of {ref}, that is a {100 * rel:+.0f}% change."
    if lo <= 0 <= hi:
        text += " The interval includes zero: the data cannot rule out no effect."
    text += f" Key assumption: {r.assumption}"
    return text


_METHOD_NAMES = {
    "pre_post": "Pre-post (no comparison group)",
    "did": "Difference-in-differences",
    "itt": "Intention-to-treat (randomised)",
    "ancova": "ANCOVA (randomised, baseline-adjusted)",
    "complier": "Complier effect (Wald / IV)",
    "attrition": "Attrition difference (treatment minus control)",
    "naive": "Exposed minus unexposed (naive)",
    "regression": "Exposed vs unexposed, regression-adjusted",
    "ipw": "Exposed vs unexposed, inverse-probability weighted (ATT)",
    "matching": "Exposed vs unexposed, nearest-neighbour matching (ATT)",
    "lee_bounds": "Lee bounds (trimming for differential attrition)",
}


def _q(level: float, df: float) -> float:
    return float(stats.t.ppf(0.5 + level / 2, df))


def _settings(settings: Reporting | None, level, df) -> tuple[float, object]:
    """The confidence level and degrees of freedom: explicit keywords win over ``settings``.

    A ``settings.df`` of ``"degf"`` or ``"design"`` is the design's own default here (the residual
    degrees of freedom of the regression, as R's ``svyglm``), the same as ``None``.
    """
    s = reporting(settings, level=None if level is None else check_level(level, error=DataError))
    ddf = df if df is not None else s.df
    return s.level, (None if isinstance(ddf, str) else ddf)


def _is_binary(design: SurveyDesign, column: str) -> bool:
    v = numeric_values(design.data[column])
    v = v[~np.isnan(v)]
    return bool(len(v)) and bool(((v == 0) | (v == 1)).all())


def _rhs(covariates: Sequence[str] | None, data: pd.DataFrame) -> str:
    if not covariates:
        return ""
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    require_columns(data, covariates, argument="covariates")
    parts = []
    for c in covariates:
        col = data[c]
        numeric = pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        parts.append(_quote(c) if numeric else f"C({_quote(c)})")
    return " + " + " + ".join(parts)


def _from_model(design, m: Model, term: str, *, method, level, df, assumption, binary, reference=None, table=None,
                details=None) -> EffectResult:
    j = m.index(term)
    var = total_covariance(design, m.influence[:, [j]], m.rows)[0, 0]
    ddf = residual_df(design, m.used, len(m.terms), df, what=f"{method} of {m.outcome!r}")
    return EffectResult(
        outcome=m.outcome, method=method, effect=float(m.params[j]), se=float(np.sqrt(max(var, 0.0))), df=ddf,
        n=len(m.rows), level=level, assumption=assumption, binary=binary, reference=reference, table=table,
        details=details or {},
    )


# --------------------------------------------------------------------------------------
# two rounds
# --------------------------------------------------------------------------------------
# The stacking of rounds is a design operation: campaign_me.rounds (Core), re-exported here.
def _as_codebook(codebook):
    """A codebook, its path, or None (:meth:`campaign_me.Codebook.coerce`)."""
    return Codebook.coerce(codebook, optional=True, error=DataError)


_check_rounds = check_rounds  # the name other modules used before it was public
_indicator = indicator_values  # the same


def _with_rounds(design: SurveyDesign, post: str, rounds: str | None, codebook) -> SurveyDesign:
    """The stacked design declared with the round structure ``rounds`` (or the codebook's).

    Without either, the design is used as given; otherwise :func:`campaign_me.rounds.declare_rounds`.
    """
    cb = _as_codebook(codebook)
    if rounds is None and cb is None:
        return design
    structure = check_rounds(rounds) if rounds is not None else cb.rounds
    return declare_rounds(design, post, structure, id=cb.id if cb is not None else None)


def _arm_column(design: SurveyDesign, treated: str | None, codebook) -> tuple[SurveyDesign, str]:
    """The 0/1 arm column: ``treated``, or the codebook's ``arm`` as a column ``__campaign``."""
    if treated is not None:
        return design, treated
    cb = _as_codebook(codebook)
    if cb is None or cb.arm is None:
        raise DataError("treated: name the 0/1 column of campaign areas, or pass a codebook= that declares arm:")
    mask = cb.arm.mask(design.data)
    return design.with_columns(__campaign=mask.astype("int64").to_numpy()), "__campaign"


def pre_post(
    design: SurveyDesign,
    outcome: str,
    *,
    post: str,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
    rounds: str | None = None,
    codebook=None,
) -> EffectResult:
    """Endline minus baseline mean, with no comparison group (Maryland SMS level 1).

    Parameters
    ----------
    design : SurveyDesign
        Both rounds in one design (:func:`combine_rounds`); a subset design restricts it to
        a domain (e.g. campaign districts).
    outcome : str
        Numeric or 0/1 outcome column.
    post : str
        0/1 column, 1 for endline rows.
    level, df, settings : as :func:`did`.
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate, as :func:`did`; default: the codebook's, else the design as given.
    codebook : Codebook or path, optional
        Supplies ``rounds`` (and ``id`` for a panel).

    Returns
    -------
    EffectResult
        ``method="pre_post"``; the reference is the baseline mean.

    Notes
    -----
    The coefficient of ``post`` in ``outcome ~ post``: the difference of the two rounds'
    weighted means, with the design-based SE of the difference (independent rounds add their
    variances; a panel's covariance enters through shared PSUs). Anything else that changed
    between the rounds (a secular trend, seasonality, a new survey mode) is counted as effect.
    (The difference of independent estimates is computed here from the combined design.)

    Examples
    --------
    >>> from campaign_me import load_survey
    >>> cb = "data/samples/codebook.yaml"
    >>> b = load_survey("data/samples/aroland/survey_baseline.csv", cb)
    >>> e = load_survey("data/samples/aroland/survey_endline.csv", cb)
    >>> d = combine_rounds(b, e, weights="weight", strata="stratum", psu="psu")
    >>> r = pre_post(d.subset(d.data["campaign"] == 1), "risk_aware", post="post")
    >>> round(r.effect, 3), r.method
    (0.102, 'pre_post')
    """
    level, df = _settings(settings, level, df)
    design = _with_rounds(design, post, rounds, codebook)
    p = indicator_values(design, post, "post")
    require_variation(design, p, post, "post")
    require_groups(design, {"baseline": p == 0, "endline": p == 1}, outcome)
    m = cell_fit(design, outcome, (post, p), quote=_quote) or fit_model(design, f"{_quote(outcome)} ~ {_quote(post)}")
    ref = float(m.params[0])
    return _from_model(
        design, m, _quote(post), method="pre_post", level=level, df=df, binary=_is_binary(design, outcome),
        reference=ref,
        assumption="nothing but the campaign changed the outcome between the rounds (no secular trend, "
        "seasonality or change of survey method); rarely credible, and it credits any trend to the campaign.",
    )


def did(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str | None = None,
    post: str = "post",
    covariates: Sequence[str] | None = None,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
    rounds: str | None = None,
    codebook=None,
) -> EffectResult:
    """Difference-in-differences for repeated cross-sections, revisited clusters or a panel.

    Parameters
    ----------
    design : SurveyDesign
        Both rounds in one design (:func:`combine_rounds`).
    outcome : str
        Numeric or 0/1 outcome column.
    treated : str, optional
        0/1 column: 1 in campaign areas (the arm, fixed over rounds). Default: the codebook's
        ``arm`` (:meth:`campaign_me.codebook.Arm.mask`).
    post : str, default "post"
        0/1 column: 1 in the endline round.
    covariates : list of str, optional
        Covariates added to the regression (text columns enter as dummies).
    level : float, optional
        Confidence level of the interval (default: ``settings.level``, else 0.95,
        :data:`campaign_me.conventions.LEVEL`); a Python or numpy number.
    df : float, optional
        Degrees of freedom (default: ``settings.df`` if it is a number, else the design's residual
        df, as ``svyglm``).
    settings : campaign_me.conventions.Reporting, optional
        Reporting settings (level and df) in one value; ``level=`` and ``df=`` given explicitly win.
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default: the codebook's ``rounds`` when a codebook is given, else the
        design as it was declared (:func:`combine_rounds` declares ``"independent"`` by default). A
        design declared with another structure is declared anew on its rows (see
        :func:`combine_rounds`): ``"same_clusters"`` and ``"panel"`` keep each cluster's (or
        person's) two rounds in one PSU, so the covariance between the rounds enters the SE.
    codebook : Codebook or path, optional
        Supplies ``rounds``, ``arm`` and, for a panel, ``id``.

    Returns
    -------
    EffectResult
        ``effect`` and ``se`` are the coefficient and SE of ``treated:post`` in
        ``outcome ~ treated * post + covariates``, equal to R's ``svyglm`` on the same design.
        ``table`` is the 2x2 table of weighted means (rows comparison, campaign, difference;
        columns baseline, endline, difference; with SEs), laid out as ``ieddtab``: its
        bottom-right cell is the unadjusted DiD. The reference (for the relative change) is
        the campaign arm's counterfactual endline mean, baseline + comparison's change.

    Raises
    ------
    DataError
        A round x arm cell with no respondent, or an arm or round that does not vary.

    Notes
    -----
    Identifies the campaign's effect on the treated areas if, without the campaign, their mean
    would have moved as the comparison areas' did (parallel trends). Standard errors are
    clustered at the design's PSUs (the assignment units should be PSUs or contain them). The
    regression on the stacked rounds covers every round structure: what differs is the design
    the rows are declared with (``rounds``). With revisited clusters or a panel, the SE equals
    R's ``svyglm(y ~ treated * post, svydesign(id = ~cluster, strata = ~stratum, weights = ~w,
    data = stacked))``; for a panel without clusters, ``id = ~respondent``.

    Examples
    --------
    >>> from campaign_me import load_survey
    >>> cb = "data/samples/codebook.yaml"
    >>> b = load_survey("data/samples/aroland/survey_baseline.csv", cb)
    >>> e = load_survey("data/samples/aroland/survey_endline.csv", cb)
    >>> d = combine_rounds(b, e, weights="weight", strata="stratum", psu="psu")
    >>> r = did(d, "risk_aware", treated="campaign", post="post")
    >>> r.table.round(3)[["baseline", "endline", "difference"]]
                baseline  endline  difference
    arm
    comparison     0.480    0.481       0.002
    campaign       0.461    0.563       0.102
    difference    -0.018    0.082       0.100
    """
    level, df = _settings(settings, level, df)
    design = _with_rounds(design, post, rounds, codebook)
    design, treated = _arm_column(design, treated, codebook)
    t = indicator_values(design, treated, "treated")
    p = indicator_values(design, post, "post")
    require_variation(design, t, treated, "treated")
    require_variation(design, p, post, "post")
    cells = {f"{'campaign' if a else 'comparison'} x {'endline' if r else 'baseline'}": (t == a) & (p == r)
             for a in (0, 1) for r in (0, 1)}
    require_groups(design, cells, outcome)
    tq, pq = _quote(treated), _quote(post)
    base = f"{_quote(outcome)} ~ {tq} * {pq}"
    sat = cell_fit(design, outcome, (treated, t), (post, p), quote=_quote) or fit_model(design, base)
    table, cov, ddf = _did_table(design, sat, tq, pq, level, df, t, p)
    b = dict(zip(sat.terms, sat.params))
    reference = b["Intercept"] + b[tq] + b[pq]  # campaign baseline + comparison change
    binary = _is_binary(design, outcome)
    assumption = (
        "parallel trends: without the campaign, the campaign areas' mean would have changed as the comparison "
        "areas' did (no other change that hit one group only, no spill-over into the comparison areas, no "
        "change in who was surveyed)."
    )
    if covariates:
        m = fit_model(design, base + _rhs(covariates, design.data))
        return _from_model(design, m, f"{tq}:{pq}", method="did", level=level, df=df, binary=binary,
                           reference=float(reference), table=table, assumption=assumption)
    # without covariates the effect is the saturated model's interaction: its variance is already in cov
    return EffectResult(
        outcome=sat.outcome, method="did", effect=float(b[f"{tq}:{pq}"]), se=float(np.sqrt(max(cov[3, 3], 0.0))),
        df=ddf, n=len(sat.rows), level=level, assumption=assumption, binary=binary, reference=float(reference),
        table=table,
    )


def _did_table(design, sat: Model | CellFit, tq: str, pq: str, level: float, df, t, p):
    """The ieddtab layout from the saturated model: cell means and differences with SEs.

    Returns the table, the design covariance of (Intercept, treated, post, treated:post) and the
    residual degrees of freedom.
    """
    names = ["Intercept", tq, pq, f"{tq}:{pq}"]
    idx = [sat.index(n) for n in names]
    scores = sat.influence if idx == list(range(len(sat.terms))) else sat.influence[:, idx]
    cov = total_covariance(design, scores, sat.rows)
    beta = sat.params[idx]
    # contrasts on (b0, bT, bP, bTP)
    cells = {
        ("comparison", "baseline"): [1, 0, 0, 0],
        ("comparison", "endline"): [1, 0, 1, 0],
        ("campaign", "baseline"): [1, 1, 0, 0],
        ("campaign", "endline"): [1, 1, 1, 1],
        ("comparison", "difference"): [0, 0, 1, 0],
        ("campaign", "difference"): [0, 0, 1, 1],
        ("difference", "baseline"): [0, 1, 0, 0],
        ("difference", "endline"): [0, 1, 0, 1],
        ("difference", "difference"): [0, 0, 0, 1],
    }
    ddf = residual_df(design, sat.used, 4, df, what="did table")
    rows = ["comparison", "campaign", "difference"]
    cols = ["baseline", "endline", "difference"]
    est = pd.DataFrame(index=rows, columns=cols, dtype=float)
    se = pd.DataFrame(index=rows, columns=cols, dtype=float)
    for (r, c), vec in cells.items():
        v = np.asarray(vec, dtype=float)
        est.loc[r, c] = float(v @ beta)
        se.loc[r, c] = float(np.sqrt(max(v @ cov @ v, 0.0)))
    out = est.copy()
    for c in cols:
        out[f"se_{c}"] = se[c]
    q = _q(level, ddf)
    out["ci_low_difference"] = est["difference"] - q * se["difference"]
    out["ci_high_difference"] = est["difference"] + q * se["difference"]
    used = sat.used
    out["n_baseline"] = [int((used & (t == 0) & (p == 0)).sum()), int((used & (t == 1) & (p == 0)).sum()), 0]
    out["n_endline"] = [int((used & (t == 0) & (p == 1)).sum()), int((used & (t == 1) & (p == 1)).sum()), 0]
    out.index.name = "arm"
    return out, cov, ddf


# --------------------------------------------------------------------------------------
# randomised trials
# --------------------------------------------------------------------------------------
def _clusters_per_arm(design: SurveyDesign, t: np.ndarray, treated: str, min_clusters: int) -> None:
    """Refuse an arm with fewer than ``min_clusters`` PSUs (cluster-randomised inference fails)."""
    for arm in (0, 1):
        mask = t == arm
        if not mask.any():
            raise DataError(f"treated={treated!r}: no respondent in arm {arm}")
        n_psu = int(design.subset(pd.Series(mask, index=design.data.index)).summary()["psu_in_domain"].sum())
        if n_psu < min_clusters:
            raise DesignError(
                f"treated={treated!r}: arm {arm} has {n_psu} cluster(s) (PSUs); a cluster-randomised "
                f"comparison needs at least {min_clusters} per arm"
            )


def itt(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str,
    covariates: Sequence[str] | None = None,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
    min_clusters: int = 2,
) -> EffectResult:
    """Intention-to-treat effect of random assignment (difference of arm means, or adjusted).

    ``effect`` is the coefficient of ``treated`` in ``outcome ~ treated + covariates``; the
    reference is the control arm's mean. Clusters are the design's PSUs; an arm with fewer
    than ``min_clusters`` of them is refused. ``level``, ``df`` and ``settings`` as :func:`did`
    (also for :func:`ancova`, :func:`complier_effect` and :func:`attrition`).

    Examples
    --------
    >>> from campaign_me.trial import generate_trial, wide
    >>> w = wide(generate_trial(1)["survey"])  # a simulated cluster-randomised trial (planted ITT 0.077)
    >>> d = SurveyDesign(w, weights="weight", strata="stratum", psu="psu")
    >>> r = itt(d.subset(w["followed_up"] == 1), "risk_aware_endline", treated="campaign")
    >>> print(f"{r.effect:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]")
    0.108 [0.055, 0.162]
    """
    return _randomised(design, outcome, treated=treated, rhs=_rhs(covariates, design.data), method="itt",
                       level=level, df=df, settings=settings, min_clusters=min_clusters)


def _randomised(design, outcome, *, treated, rhs, method, level, df, settings, min_clusters) -> EffectResult:
    """The coefficient of ``treated`` in ``outcome ~ treated + rhs``, checked as a randomised comparison."""
    level, df = _settings(settings, level, df)
    t = indicator_values(design, treated, "treated")
    require_variation(design, t, treated, "treated")
    _clusters_per_arm(design, t, treated, min_clusters)
    require_groups(design, {"control": t == 0, "treatment": t == 1}, outcome)
    simple = cell_fit(design, outcome, (treated, t), quote=_quote) or fit_model(design, f"{_quote(outcome)} ~ {_quote(treated)}")
    m = fit_model(design, f"{_quote(outcome)} ~ {_quote(treated)}" + rhs) if rhs else simple
    ref = simple.params[0]
    return _from_model(design, m, _quote(treated), method=method, level=level, df=df,
                       binary=_is_binary(design, outcome), reference=float(ref), assumption=RANDOMISED_ASSUMPTION)


def ancova(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str,
    baseline: str,
    covariates: Sequence[str] | None = None,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
    min_clusters: int = 2,
) -> EffectResult:
    """ANCOVA for a randomised trial with a baseline: ``outcome ~ treated + baseline + covariates``.

    With one baseline and one follow-up and an outcome whose variance is the same in both
    rounds, ANCOVA's variance is ``(1 - rho^2)`` times that of the endline difference and
    ``(1 + rho) / 2`` times that of DiD, where ``rho`` is the outcome's autocorrelation between
    rounds (McKenzie 2012; large-sample results). So it is never less precise than either, and
    strictly more precise than DiD for any ``rho < 1``; its gain over the endline difference is
    largest when ``rho`` is high, its gain over DiD largest when ``rho`` is low. It is the
    default for trials. ``baseline`` is the outcome measured at baseline (the person's own in a
    panel, or the cluster's baseline mean).

    Examples
    --------
    The sample world's cluster-randomised trial (``data/samples/trial``; planted ITT on
    risk awareness +7.7 percentage points):

    >>> from campaign_me import load_survey
    >>> from campaign_me.trial import wide
    >>> t = wide(load_survey("data/samples/trial/trial_survey.csv", "data/samples/codebook.yaml"))
    >>> d = SurveyDesign(t, weights="weight", strata="stratum", psu="psu").subset(t["followed_up"])
    >>> r = ancova(d, "risk_aware_endline", treated="campaign", baseline="risk_aware_baseline")
    >>> print(f"{r.effect:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]")
    0.094 [0.041, 0.148]
    """
    require_columns(design.data, baseline, argument="baseline")
    rhs = f" + {_quote(baseline)}" + _rhs(covariates, design.data)
    return _randomised(design, outcome, treated=treated, rhs=rhs, method="ancova", level=level, df=df,
                       settings=settings, min_clusters=min_clusters)


def complier_effect(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str,
    took_up: str,
    covariates: Sequence[str] | None = None,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
    min_clusters: int = 2,
) -> EffectResult:
    """Effect on compliers when take-up is partial: ITT on the outcome over ITT on take-up.

    The Wald (instrumental-variable) estimator with random assignment as the instrument:
    :math:`\\hat\\beta = \\hat\\delta_Y / \\hat\\delta_D`, both from design-weighted regressions with
    the same covariates (so it equals just-identified two-stage least squares). Its SE is
    the design variance of the linearised ratio, :math:`(\\psi_Y - \\hat\\beta \\psi_D)/\\hat\\delta_D`.

    Assumes, besides randomisation, that assignment moves the outcome only through take-up
    (exclusion) and that nobody takes up *because* they were assigned to control
    (monotonicity). ``details`` holds the first-stage effect (take-up difference).

    Examples
    --------
    >>> from campaign_me.trial import generate_trial, wide
    >>> w = wide(generate_trial(1)["survey"])  # a simulated cluster-randomised trial (planted ITT 0.077)
    >>> d = SurveyDesign(w, weights="weight", strata="stratum", psu="psu")
    >>> r = complier_effect(d.subset(w["followed_up"] == 1), "risk_aware_endline", treated="campaign",
    ...                     took_up="took_up")
    >>> print(f"{r.effect:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}], take-up difference {r.details['first_stage']:.3f}")
    0.208 [0.105, 0.311], take-up difference 0.521

    The planted effect on attendees is 0.15.
    """
    level, df = _settings(settings, level, df)
    t = indicator_values(design, treated, "treated")
    indicator_values(design, took_up, "took_up")
    require_variation(design, t, treated, "treated")
    _clusters_per_arm(design, t, treated, min_clusters)
    rhs = _rhs(covariates, design.data)
    # one row set for both equations: respondents with outcome and take-up observed
    y_ok = pd.to_numeric(design.data[outcome], errors="coerce").notna() & design.data[took_up].notna()
    sub = design.subset(pd.Series(y_ok.to_numpy(), index=design.data.index))
    my = fit_model(sub, f"{_quote(outcome)} ~ {_quote(treated)}" + rhs)
    md = fit_model(sub, f"{_quote(took_up)} ~ {_quote(treated)}" + rhs)
    if not np.array_equal(my.rows, md.rows):
        raise DataError("complier_effect: outcome and take-up equations use different rows (missing covariates?)")
    j = my.index(_quote(treated))
    first = float(md.params[j])
    if abs(first) < 1e-8:
        raise DataError(
            f"complier_effect: assignment did not change take-up ({took_up!r} differs by {first:.3g} between "
            "arms), so the complier effect is not identified"
        )
    beta = float(my.params[j]) / first
    psi = (my.influence[:, j] - beta * md.influence[:, j]) / first
    var = total_covariance(sub, psi[:, None], my.rows)[0, 0]
    ddf = residual_df(sub, my.used, len(my.terms), df, what=f"complier effect of {outcome!r}")
    ref = fit_model(sub, f"{_quote(outcome)} ~ {_quote(treated)}").params[0]
    return EffectResult(
        outcome=outcome, method="complier", effect=beta, se=float(np.sqrt(max(var, 0.0))), df=ddf,
        n=len(my.rows), level=level, binary=_is_binary(design, outcome), reference=float(ref),
        details={"first_stage": first, "itt": float(my.params[j])},
        assumption=RANDOMISED_ASSUMPTION + " Also: assignment changes the outcome only through take-up (exclusion), "
        "and no one takes up because they were assigned to control (monotonicity).",
    )


def attrition(
    design: SurveyDesign,
    *,
    treated: str,
    responded: str,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
    min_clusters: int = 2,
) -> EffectResult:
    """Follow-up response by arm: ``effect`` is treatment minus control response rate.

    ``design`` is the baseline sample (everyone who should be re-interviewed); ``responded``
    the 0/1 follow-up response. ``table`` gives the response rate per arm. A difference
    means the arms' completers may no longer be comparable: check :func:`lee_bounds`.

    Examples
    --------
    >>> from campaign_me.trial import generate_trial, wide
    >>> w = wide(generate_trial(1)["survey"])  # a simulated cluster-randomised trial (planted ITT 0.077)
    >>> d = SurveyDesign(w, weights="weight", strata="stratum", psu="psu")
    >>> r = attrition(d, treated="campaign", responded="followed_up")
    >>> print(f"{r.effect:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]")
    0.111 [0.080, 0.142]
    """
    level, df = _settings(settings, level, df)
    t = indicator_values(design, treated, "treated")
    indicator_values(design, responded, "responded")
    require_variation(design, t, treated, "treated")
    _clusters_per_arm(design, t, treated, min_clusters)
    m = cell_fit(design, responded, (treated, t), quote=_quote) or fit_model(design, f"{_quote(responded)} ~ {_quote(treated)}")
    table = design.mean(responded, by=treated, level=level, df=df)
    res = _from_model(design, m, _quote(treated), method="attrition", level=level, df=df, binary=True,
                      reference=float(m.params[0]), table=table,
                      assumption="response is compared between arms; equal rates do not prove that the same "
                      "kinds of people dropped out of each arm.")
    return res


def _trimmed_mean(y: np.ndarray, w: np.ndarray, share: float, *, drop_top: bool) -> float:
    """Weighted mean after removing ``share`` of the weight from the top (or bottom), ties split."""
    order = np.argsort(-y if drop_top else y, kind="stable")[::-1]  # the kept end first
    ys, ws = y[order], w[order]
    keep = (1 - share) * ws.sum()
    before = np.cumsum(ws) - ws
    take = np.clip(keep - before, 0, ws)
    return float(np.sum(take * ys) / keep)


def _lee(y, w, t, s):
    """Lee (2009) bounds from arrays (y observed where s == 1)."""
    rate = [np.sum(w[(t == a)] * s[t == a]) / np.sum(w[t == a]) for a in (0, 1)]
    more = 1 if rate[1] >= rate[0] else 0  # the arm with more respondents is trimmed
    share = (rate[more] - rate[1 - more]) / rate[more]
    keep = (t == more) & (s == 1)
    other = (t == 1 - more) & (s == 1)
    m_other = np.sum(w[other] * y[other]) / np.sum(w[other])
    low_mean = _trimmed_mean(y[keep], w[keep], share, drop_top=True)
    high_mean = _trimmed_mean(y[keep], w[keep], share, drop_top=False)
    if more == 1:
        return low_mean - m_other, high_mean - m_other, share
    return m_other - high_mean, m_other - low_mean, share


def lee_bounds(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str,
    responded: str,
    cluster: str,
    level: float | None = None,
    n_boot: int = 500,
    seed: int = 0,
    settings: Reporting | None = None,
) -> EffectResult:
    """Lee (2009) bounds on the effect among always-respondents when attrition differs by arm.

    The arm with the higher response rate is trimmed by the excess share
    :math:`p = (r_{hi} - r_{lo})/r_{hi}` from the top (lower bound) or the bottom (upper bound)
    of its weighted outcome distribution. With a 0/1 outcome the bounds are wide: they show
    how much differential attrition could matter.

    Parameters
    ----------
    design : SurveyDesign
        Everyone who should be re-interviewed (the baseline sample).
    outcome : str
        Follow-up outcome (missing where not re-interviewed).
    treated, responded : str
        0/1 columns: arm, and follow-up response.
    cluster : str
        Column of the randomised clusters, resampled (within arm) for the interval.
    n_boot : int, default 500
        Bootstrap replicates (cluster bootstrap within arms, design weights kept).
    seed : int, default 0
    level, settings : as :func:`did` (the bootstrap interval's level; ``settings.df`` is not used)

    Returns
    -------
    EffectResult
        ``effect`` is the midpoint of the bounds; ``ci_low`` and ``ci_high`` are the lower
        bound minus z x its bootstrap SE and the upper bound plus z x its SE (a conservative
        interval for the effect); no p-value. ``details`` holds ``lower``, ``upper``,
        ``trimmed_share``, the bounds' SEs and that interval (``ci_lower``, ``ci_upper``).

    Examples
    --------
    >>> from campaign_me.trial import generate_trial, wide
    >>> w = wide(generate_trial(1)["survey"])  # a simulated cluster-randomised trial (planted ITT 0.077)
    >>> d = SurveyDesign(w, weights="weight", strata="stratum", psu="psu")
    >>> r = lee_bounds(d, "risk_aware_endline", treated="campaign", responded="followed_up", cluster="psu",
    ...                n_boot=100)
    >>> round(r.details["lower"], 3), round(r.details["upper"], 3)
    (0.048, 0.188)
    """
    level, _ = _settings(settings, level, None)
    n_boot = check_whole(n_boot, argument="n_boot", minimum=2, error=DataError)
    t = indicator_values(design, treated, "treated")
    s = indicator_values(design, responded, "responded")
    require_columns(design.data, [outcome, cluster], argument="lee_bounds")
    require_variation(design, t, treated, "treated")
    w = design.weights.to_numpy()
    inset = w > 0
    y = pd.to_numeric(design.data[outcome], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(y[inset & (s == 1)]).any():
        raise DataError(f"lee_bounds: {outcome!r} is missing for some respondents with {responded!r} = 1")
    y = np.where(s == 1, y, 0.0)
    t, s, w, y = t[inset], s[inset], w[inset], y[inset]
    cl = pd.factorize(design.data[cluster].to_numpy()[inset])[0]
    lower, upper, share = _lee(y, w, t, s)
    rng = np.random.default_rng(seed)
    arms = [np.unique(cl[t == a]) for a in (0, 1)]
    for a, c in enumerate(arms):
        if len(c) < 2:
            raise DesignError(f"lee_bounds: arm {a} has {len(c)} cluster(s); the bootstrap needs at least 2 per arm")
    members = pd.Series(np.arange(len(cl))).groupby(cl).apply(np.asarray).to_dict()
    boots = np.empty((n_boot, 2))
    for b in range(n_boot):
        pick = np.concatenate([members[c] for a in (0, 1) for c in rng.choice(arms[a], len(arms[a]))])
        lo_b, hi_b, _ = _lee(y[pick], w[pick], t[pick], s[pick])
        boots[b] = lo_b, hi_b
    se_lo, se_hi = boots.std(axis=0, ddof=1)
    z = stats.norm.ppf(0.5 + level / 2)
    details = {k: float(v) for k, v in {
        "lower": lower, "upper": upper, "trimmed_share": share, "se_lower": se_lo, "se_upper": se_hi,
        "ci_lower": lower - z * se_lo, "ci_upper": upper + z * se_hi}.items()}
    return EffectResult(
        outcome=outcome, method="lee_bounds", effect=float((lower + upper) / 2), se=float((se_lo + se_hi) / 2),
        df=float("inf"), n=int(s.sum()), level=level, binary=_is_binary(design, outcome), details=details,
        interval=(details["ci_lower"], details["ci_upper"]),
        assumption="monotonicity: assignment makes nobody drop out who would have responded in the other arm "
        f"(bounds {lower:+.3g} to {upper:+.3g}, trimming {share:.1%} of the larger arm's respondents).",
    )


# --------------------------------------------------------------------------------------
# exposed versus unexposed
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ExposureComparison:
    """Exposed-vs-unexposed estimates by method, with balance and overlap diagnostics.

    Attributes
    ----------
    results : dict of str to EffectResult
        ``naive``, ``regression``, ``ipw``, ``matching``.
    balance : pandas.DataFrame
        Per covariate (model-matrix column): weighted means of exposed and unexposed, their
        difference and standardised mean difference (difference over the pooled SD before
        adjustment) before adjustment, after IPW (within common support) and after matching.
    overlap : pandas.DataFrame
        Propensity-score range per group and the share of each group outside common support.
    trimmed_share : float
        Share of respondents (weighted) left out of IPW and matching for lack of overlap.
    """

    results: dict
    balance: pd.DataFrame = field(repr=False)
    overlap: pd.DataFrame = field(repr=False)
    trimmed_share: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per method (``EFFECT_COLUMNS``)."""
        return pd.concat([r.to_frame() for r in self.results.values()], ignore_index=True)

    def summary(self) -> str:
        naive, ipw = self.results["naive"], self.results["ipw"]
        worst = self.balance["smd_before"].abs().max()
        after = self.balance["smd_ipw"].abs().max()
        return (
            f"Exposed versus unexposed on {naive.outcome}: the naive difference is {_fmt(naive.effect, naive.binary)}, "
            f"weighting by the propensity to be exposed gives {_fmt(ipw.effect, ipw.binary)} "
            f"({ipw.level:.0%} CI {_fmt(ipw.ci_low, ipw.binary)} to {_fmt(ipw.ci_high, ipw.binary)}). "
            f"The largest standardised difference in the covariates falls from {worst:.2f} to {after:.2f}; "
            f"{self.trimmed_share:.1%} of respondents were outside common support and left out. "
            "Key assumption: no unmeasured difference between exposed and unexposed people (selection on "
            "observables). People who seek out campaign messages differ in ways surveys rarely measure "
            "(interest, networks, plans), so treat these as upper-level associations (Maryland SMS 1-2), "
            "not effects."
        )


def _wmean_var(x, w):
    m = np.sum(w * x) / np.sum(w)
    return m, np.sum(w * (x - m) ** 2) / np.sum(w)


def _diff_means(design, y, expo, wt, rows, *, method, outcome, level, df_fit, binary, assumption, details=None):
    """Difference of weighted means (exposed minus controls) with control weights ``wt``.

    ``wt`` multiplies the design weight (1 for the exposed); each mean is a ratio of totals,
    linearised, and the variance comes from the design (treating ``wt`` as fixed).
    """
    w = design.weights.to_numpy()[rows]
    a = w * np.where(expo == 1, 1.0, 0.0)
    c = w * np.where(expo == 0, wt, 0.0)
    m1, m0 = np.sum(a * y) / np.sum(a), np.sum(c * y) / np.sum(c)
    psi = a * (y - m1) / np.sum(a) - c * (y - m0) / np.sum(c)
    var = total_covariance(design, psi[:, None], rows)[0, 0]
    return EffectResult(outcome=outcome, method=method, effect=float(m1 - m0), se=float(np.sqrt(max(var, 0.0))),
                        df=df_fit, n=int(np.count_nonzero((a + c) > 0)), level=level, binary=binary,
                        reference=float(m0), assumption=assumption, details=details or {})


def exposed_vs_unexposed(
    design: SurveyDesign,
    outcome: str,
    *,
    exposed: str,
    covariates: Sequence[str],
    caliper: float = 0.2,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
) -> ExposureComparison:
    """Compare exposed and unexposed respondents four ways, with balance and overlap checks.

    Parameters
    ----------
    design : SurveyDesign
        One survey round (usually the endline in campaign areas).
    outcome : str
    exposed : str
        0/1 reported exposure.
    covariates : list of str
        Pre-exposure characteristics for the propensity model and the regression (never
        anything the campaign could have changed).
    caliper : float, default 0.2
        Nearest-neighbour matching radius, in standard deviations of the logit of the
        propensity score (Austin 2011's recommendation).
    level, df, settings : as :func:`did`.

    Returns
    -------
    ExposureComparison
        Methods ``naive`` (difference of weighted means), ``regression`` (coefficient of
        exposure with the covariates), ``ipw`` (effect on the exposed: unexposed weighted by
        :math:`e/(1-e)` from a design-weighted logistic propensity model) and ``matching``
        (1:1 nearest neighbour with replacement on the logit propensity within the caliper,
        also the effect on the exposed). IPW and matching use only respondents inside common
        support (propensity within the range both groups share).

    Raises
    ------
    DataError
        Exposure does not vary, or the propensity scores of the two groups do not overlap.

    Notes
    -----
    The SEs of ``ipw`` and ``matching`` treat the estimated weights and matches as fixed
    (design-based variance of the weighted difference of means): they ignore the
    uncertainty of the propensity model. All four rest on selection on observables.
    """
    level, df = _settings(settings, level, df)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise DataError("exposed_vs_unexposed: give the pre-exposure covariates (for the propensity model)")
    e = indicator_values(design, exposed, "exposed")
    require_variation(design, e, exposed, "exposed")
    binary = _is_binary(design, outcome)
    rhs = _rhs(covariates, design.data)
    naive_m = cell_fit(design, outcome, (exposed, e), quote=_quote) or fit_model(design, f"{_quote(outcome)} ~ {_quote(exposed)}")
    sel = "no unmeasured difference between exposed and unexposed people (selection on observables)"
    naive = _from_model(design, naive_m, _quote(exposed), method="naive", level=level, df=df, binary=binary,
                        reference=float(naive_m.params[0]),
                        assumption="exposed and unexposed people would have had the same outcome without the "
                        "campaign; self-selection into exposure makes this implausible.")
    reg = fit_model(design, f"{_quote(outcome)} ~ {_quote(exposed)}" + rhs)
    regression = _from_model(design, reg, _quote(exposed), method="regression", level=level, df=df, binary=binary,
                             reference=float(naive_m.params[0]), assumption=sel + ", and a linear model.")
    # propensity model on the rows with outcome and covariates observed
    try:
        ps_m = fit_model(design.subset(pd.Series(reg.used, index=design.data.index)),
                         f"{_quote(exposed)} ~ 1" + rhs, family="logistic")
    except DataError as exc:
        if "separation" not in str(exc):
            raise
        raise DataError(
            f"exposed_vs_unexposed: the covariates predict {exposed!r} perfectly, so the propensity scores of "
            "exposed and unexposed respondents do not overlap and no comparison is possible; drop or coarsen "
            f"the covariate that separates them ({exc})"
        ) from None
    rows = ps_m.rows
    ps = 1 / (1 + np.exp(-(ps_m.x @ ps_m.params)))
    ex = ps_m.y
    y = pd.to_numeric(design.data[outcome], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[rows]
    lo = max(ps[ex == 1].min(), ps[ex == 0].min())
    hi = min(ps[ex == 1].max(), ps[ex == 0].max())
    if lo >= hi:
        raise DataError(
            f"exposed_vs_unexposed: the propensity scores of exposed ({ps[ex == 1].min():.3f}-{ps[ex == 1].max():.3f}) "
            f"and unexposed ({ps[ex == 0].min():.3f}-{ps[ex == 0].max():.3f}) respondents do not overlap; no "
            "comparison is possible on these covariates"
        )
    inside = (ps >= lo) & (ps <= hi)
    w = design.weights.to_numpy()[rows]
    trimmed = float(np.sum(w[~inside]) / np.sum(w))
    overlap = pd.DataFrame(
        {
            "group": ["exposed", "unexposed"],
            "n": [int((ex == 1).sum()), int((ex == 0).sum())],
            "ps_min": [ps[ex == 1].min(), ps[ex == 0].min()],
            "ps_max": [ps[ex == 1].max(), ps[ex == 0].max()],
            "share_outside_support": [float(np.mean(~inside[ex == 1])), float(np.mean(~inside[ex == 0]))],
        }
    )
    ddf = residual_df(design, ps_m.used, len(ps_m.terms), df, what="propensity model")
    r_in = rows[inside]
    ps_in, ex_in, y_in = ps[inside], ex[inside], y[inside]
    ipw_w = np.where(ex_in == 1, 1.0, ps_in / (1 - ps_in))
    ipw = _diff_means(design, y_in, ex_in, ipw_w, r_in, method="ipw", outcome=outcome, level=level, df_fit=ddf,
                      binary=binary, assumption=sel + ", and overlap (every exposed person has comparable "
                      "unexposed ones).")
    # 1:1 nearest neighbour with replacement on the logit propensity, within the caliper
    logit = np.log(ps_in / (1 - ps_in))
    width = caliper * np.std(logit, ddof=1)
    t_idx, c_idx = np.flatnonzero(ex_in == 1), np.flatnonzero(ex_in == 0)
    order = np.argsort(logit[c_idx], kind="stable")
    cs = logit[c_idx][order]
    pos = np.clip(np.searchsorted(cs, logit[t_idx]), 1, len(cs) - 1)
    left, right = cs[pos - 1], cs[pos]
    pick = np.where(np.abs(logit[t_idx] - left) <= np.abs(right - logit[t_idx]), pos - 1, pos)
    dist = np.abs(logit[t_idx] - cs[pick])
    ok = dist <= width
    matched_c = c_idx[order][pick[ok]]
    w_in = design.weights.to_numpy()[r_in]
    match_w = np.zeros(len(r_in))
    np.add.at(match_w, matched_c, w_in[t_idx[ok]])  # control weight: design weight of the exposed it stands for
    keep = np.zeros(len(r_in), dtype=bool)
    keep[t_idx[ok]] = True
    keep[matched_c] = True
    rel_w = np.where(ex_in == 1, 1.0, match_w / np.where(w_in > 0, w_in, 1.0))
    matching = _diff_means(design, y_in[keep], ex_in[keep], rel_w[keep], r_in[keep], method="matching",
                           outcome=outcome, level=level, df_fit=ddf, binary=binary,
                           assumption=sel + ", and close matches (caliper) for every exposed person kept.",
                           details={"exposed_unmatched": int((~ok).sum()), "caliper": float(width)})
    balance = _balance(ps_m, inside, ex, ipw_w, keep, rel_w, design.weights.to_numpy()[rows])
    return ExposureComparison(
        results={"naive": naive, "regression": regression, "ipw": ipw, "matching": matching},
        balance=balance, overlap=overlap, trimmed_share=trimmed,
    )


def _balance(ps_m: Model, inside, ex, ipw_w, keep, rel_w, w) -> pd.DataFrame:
    recs = []
    for j, term in enumerate(ps_m.terms):
        if term == "Intercept":
            continue
        x = ps_m.x[:, j]
        m1, v1 = _wmean_var(x[ex == 1], w[ex == 1])
        m0, v0 = _wmean_var(x[ex == 0], w[ex == 0])
        sd = np.sqrt((v1 + v0) / 2)
        xi, ei, wi = x[inside], ex[inside], w[inside]
        a1 = _wmean_var(xi[ei == 1], wi[ei == 1])[0]
        a0 = _wmean_var(xi[ei == 0], (wi * ipw_w)[ei == 0])[0]
        k = keep & (ei == 0)
        mm0 = _wmean_var(xi[k], (wi * rel_w)[k])[0] if k.any() else np.nan
        k1 = keep & (ei == 1)
        mm1 = _wmean_var(xi[k1], wi[k1])[0] if k1.any() else np.nan
        recs.append(
            {
                "covariate": term,
                "mean_exposed": m1,
                "mean_unexposed": m0,
                "difference": m1 - m0,
                "smd_before": (m1 - m0) / sd if sd > 0 else np.nan,
                "mean_exposed_support": a1,
                "mean_unexposed_ipw": a0,
                "smd_ipw": (a1 - a0) / sd if sd > 0 else np.nan,
                "mean_exposed_matched": mm1,
                "mean_unexposed_matched": mm0,
                "smd_matching": (mm1 - mm0) / sd if sd > 0 else np.nan,
            }
        )
    return pd.DataFrame(recs)


def dose_response(
    design: SurveyDesign, outcome: str, *, dose: str, level: float | None = None, settings: Reporting | None = None
) -> pd.DataFrame:
    """Outcome means by dose (e.g. number of channels recalled). DESCRIPTIVE, not causal.

    Exposure is self-selected, so a rising line may only show that interested people
    notice more channels; the ``note`` column says so in every row. ``level`` (or
    ``settings.level``) is the intervals' confidence level.
    """
    level, _ = _settings(settings, level, None)
    require_columns(design.data, [outcome, dose], argument="dose_response")
    out = design.mean(outcome, by=dose, level=level, na_rm=True)
    out["note"] = "descriptive: exposure is self-selected"
    return out
