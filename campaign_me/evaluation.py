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
- :func:`message_pretest`: pairwise comparison of message variants (pingouin, statsmodels).
- :func:`evidence_strength`: Maryland Scientific Methods Scale level, assumption, threats.
- :func:`adjust_pvalues`: a primary outcome and Holm / Benjamini-Hochberg across the others.

References: Angrist & Pischke (2009) *Mostly Harmless Econometrics*; McKenzie (2012) "Beyond
baseline and follow-up", J. Dev. Econ. 99(2); Lee (2009) "Training, wages, and sample
selection", Rev. Econ. Stud. 76(3); Austin (2011) "Optimal caliper widths for propensity-score
matching", Pharm. Stat. 10(2); Madaleno & Waights / What Works Centre for Local Economic Growth
(2016) *Guide to scoring evidence using the Maryland Scientific Methods Scale*.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import SurveyDesign
from .errors import DataError, DesignError, describe_values, require_columns
from .regression import Model, _quote, fit_model, residual_df, total_covariance

__all__ = [
    "ROUNDS",
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


def _check_level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise DataError(f"level={level!r}: must be a number between 0 and 1 (e.g. 0.95)")
    return float(level)


def _is_binary(design: SurveyDesign, column: str) -> bool:
    v = pd.to_numeric(design.data[column], errors="coerce").dropna()
    return bool(len(v)) and bool(v.isin([0, 1]).all())


def _indicator(design: SurveyDesign, column: str, argument: str) -> np.ndarray:
    """A 0/1 column as floats, with a clear error otherwise."""
    require_columns(design.data, column, argument=argument)
    col = design.data[column]
    v = pd.to_numeric(col.astype("object") if pd.api.types.is_bool_dtype(col) else col, errors="coerce")
    v = v.astype("float64").to_numpy(na_value=np.nan)
    bad = ~np.isnan(v) & ~np.isin(v, (0.0, 1.0))
    if bad.any() or (np.isnan(v) & col.notna().to_numpy()).any():
        shown = col[bad | (np.isnan(v) & col.notna().to_numpy())].tolist()
        raise DataError(f"{argument}={column!r} must be 0/1 (or True/False); found {describe_values(shown)}")
    return v


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


def _require_groups(design: SurveyDesign, cells: dict[str, np.ndarray], outcome: str) -> None:
    """Each named group must hold at least one respondent with the outcome observed."""
    y = pd.to_numeric(design.data[outcome], errors="coerce").notna().to_numpy()
    w = design.weights.to_numpy() > 0
    empty = [name for name, mask in cells.items() if not (mask & y & w).any()]
    if empty:
        raise DataError(
            f"outcome {outcome!r}: no respondent with an observed outcome in {describe_values(empty)}; "
            "the comparison needs every group in every round"
        )


def _varies(design: SurveyDesign, values: np.ndarray, name: str, argument: str) -> None:
    w = design.weights.to_numpy() > 0
    present = values[w & ~np.isnan(values)]
    if len(np.unique(present)) < 2:
        raise DataError(
            f"{argument}={name!r} does not vary (every respondent in the design has "
            f"{describe_values(np.unique(present).tolist())}); a comparison needs both groups"
        )


# --------------------------------------------------------------------------------------
# two rounds
# --------------------------------------------------------------------------------------
#: How survey rounds relate: new samples each round, the same clusters revisited with new
#: respondents, or the same people re-interviewed (the codebook's ``rounds`` key).
ROUNDS = ("independent", "same_clusters", "panel")


@dataclass(frozen=True)
class _Stacking:
    """How a stacked design was declared (kept on designs from :func:`combine_rounds`)."""

    rounds: str
    weights: str | None
    strata: str | None
    psu: str | list[str] | None
    fpc: str | list[str] | None
    id: str | None
    post: str
    nest: bool
    lonely_psu: str


_STACKING = "_campaign_me_stacking"  # attribute of a stacked SurveyDesign (copied by subset/with_columns)


def _as_codebook(codebook):
    """A codebook, its path, or None (:meth:`campaign_me.Codebook.coerce`)."""
    from .codebook import Codebook

    return Codebook.coerce(codebook, optional=True, error=DataError)


def _check_rounds(rounds) -> str:
    if rounds not in ROUNDS:
        import difflib

        close = difflib.get_close_matches(str(rounds), ROUNDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DataError(
            f"rounds={rounds!r} is not one of {', '.join(map(repr, ROUNDS))}{hint}: 'independent' for new samples "
            "each round, 'same_clusters' for the same clusters revisited with new respondents, 'panel' for the "
            "same people re-interviewed"
        )
    return rounds


def _first(values: pd.Series, limit: int = 5) -> str:
    return describe_values(values.drop_duplicates().tolist()[:limit + 1], limit=limit)


def _declare_rounds(
    stacked: pd.DataFrame, spec: _Stacking, *, legacy_shared: bool = False
) -> SurveyDesign:
    """Declare the design of stacked rounds (``spec.post`` 0/1) with the round structure ``spec.rounds``.

    ``independent``: each round's strata and PSUs are separate strata and PSUs (``round_stratum``,
    ``round_psu``). ``same_clusters``: the strata and PSUs as declared, shared by the rounds, so a
    cluster's two rounds are one PSU (as R's ``svydesign(id = ~cluster, strata = ~stratum)`` on the
    stacked rows). ``panel``: the same, with each person's interviews in one PSU: the cluster when
    there is one (persons are nested in clusters), else the respondent id. ``legacy_shared`` keeps
    ``combine_rounds(independent=False)``: strata and PSUs as declared, without the checks.
    """
    post = stacked[spec.post].to_numpy()
    rounds = spec.rounds
    s_col, p_col = spec.strata, spec.psu
    data = stacked
    if rounds == "independent":
        data = stacked.copy()
        tag = pd.Series(np.where(post == 1, "endline", "baseline"), index=data.index)
        s_col = "round_stratum"
        data[s_col] = tag if spec.strata is None else tag + ":" + data[spec.strata].astype(str)
        if spec.psu is not None:
            first = spec.psu if isinstance(spec.psu, str) else spec.psu[0]
            data["round_psu"] = tag + ":" + data[first].astype(str)
            p_col = "round_psu" if isinstance(spec.psu, str) else ["round_psu", *spec.psu[1:]]
    elif not legacy_shared:
        first = p_col if isinstance(p_col, str) or p_col is None else p_col[0]
        if rounds == "same_clusters" and first is None:
            raise DesignError(
                "rounds='same_clusters': the rounds share clusters, so the design needs its cluster (PSU) column "
                "(psu=..., or the codebook's psu)"
            )
        if rounds == "panel":
            if spec.id is None:
                raise DesignError(
                    "rounds='panel': the respondent id that links each person's interviews is needed "
                    "(id=..., or the codebook's id)"
                )
            require_columns(stacked, spec.id, argument="id")
            ids = stacked[spec.id]
            if ids.isna().any():
                raise DataError(f"rounds='panel': the id column {spec.id!r} has blanks; every interview needs its id")
            dup = stacked[[spec.id, spec.post]].duplicated(keep=False).to_numpy()
            if dup.any():
                raise DataError(
                    f"rounds='panel': id(s) {_first(ids[dup])} appear more than once in one round; "
                    "a panel has each person at most once per round"
                )
            both = ids[post == 0].isin(set(ids[post == 1])).any()
            if not both:
                raise DataError(
                    f"rounds='panel': no id of the baseline is in the endline (column {spec.id!r}); "
                    "check the ids, or declare rounds: independent"
                )
            if first is None:
                p_col = spec.id  # each person is a PSU: their two interviews are linked
            # a person stays in one stratum and one cluster
            for col, what in ((spec.strata, "stratum"), (first, "cluster")):
                if col is None or col == spec.id:
                    continue
                moved = stacked.groupby(spec.id, sort=False)[col].transform("nunique") > 1
                if moved.any():
                    raise DesignError(
                        f"rounds='panel': id(s) {_first(ids[moved.to_numpy()])} are in another {what} ({col!r}) "
                        "at endline than at baseline; a panel keeps each person in the PSU and stratum of the "
                        "baseline (recode the endline's, or treat the rounds as independent)"
                    )
        if rounds == "same_clusters":
            require_columns(stacked, [c for c in (first, spec.strata) if c], argument="rounds='same_clusters'")
            shared = set(stacked.loc[post == 0, first]) & set(stacked.loc[post == 1, first])
            if not shared:
                raise DesignError(
                    f"rounds='same_clusters': no cluster ({first!r}) of the baseline is in the endline; check the "
                    "cluster codes (they must be the same in both rounds), or declare rounds: independent"
                )
            if spec.strata is not None and not spec.nest:
                moved = stacked.groupby(first, sort=False)[spec.strata].transform("nunique") > 1
                if moved.any():
                    raise DesignError(
                        f"rounds='same_clusters': cluster(s) {_first(stacked.loc[moved.to_numpy(), first])} are in "
                        f"different strata ({spec.strata!r}) in the two rounds (or within a round); a cluster "
                        "revisited keeps its stratum"
                    )
    design = SurveyDesign(
        data, weights=spec.weights, strata=s_col, psu=p_col, fpc=spec.fpc, nest=spec.nest,
        lonely_psu=spec.lonely_psu,
    )
    setattr(design, _STACKING, spec)
    return design


def combine_rounds(
    baseline,
    endline,
    *,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | Sequence[str] | None = None,
    fpc: str | Sequence[str] | None = None,
    post: str = "post",
    independent: bool | None = None,
    rounds: str | None = None,
    id: str | None = None,
    codebook=None,
    lonely_psu: str | None = None,
) -> SurveyDesign:
    """One design holding both rounds, for :func:`pre_post` and :func:`did`.

    Parameters
    ----------
    baseline, endline : pandas.DataFrame or SurveyDesign
        The two rounds, with the same design columns. Given as designs, their weights, strata, PSUs,
        fpc and domains (:meth:`SurveyDesign.subset`) are used; a calibrated design cannot be stacked.
    weights, strata, psu, fpc : str, optional
        Design columns (as :class:`SurveyDesign`); default: the designs', else the codebook's.
    post : str, default "post"
        Name of the 0/1 column added to mark the endline rows.
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default: the codebook's ``rounds``, else ``"independent"``.
        ``"independent"`` (repeated cross-sections): each round's strata and PSUs become separate
        strata and PSUs (``round_stratum``, ``round_psu``). ``"same_clusters"``: the same clusters
        revisited with new respondents; strata and PSUs are kept, so a cluster's two rounds form one
        PSU and their covariance enters the variance (R: ``svydesign(id = ~psu, strata = ~stratum)``
        on the stacked rows). ``"panel"``: the same people re-interviewed, linked by ``id``; each
        person's interviews sit in one PSU: their cluster, or the person (``id``) without clusters.
    independent : bool, optional
        The older switch: ``True`` is ``rounds="independent"``; ``False`` keeps the strata and PSUs
        as declared, without the checks of ``"same_clusters"``.
    id : str, optional
        Respondent-id column linking a panel's interviews; default: the codebook's ``id``.
    codebook : Codebook or path, optional
        Supplies ``weight``, ``strata``, ``psu``, ``fpc``, ``id`` and ``rounds``.
    lonely_psu : str, optional
        As :class:`SurveyDesign` (default: the designs', else ``"fail"``).

    Returns
    -------
    SurveyDesign
        On the stacked rows (baseline first), with the ``post`` column.

    Raises
    ------
    DesignError
        ``same_clusters`` without a PSU column, no cluster shared by the rounds, or a cluster in
        different strata; ``panel`` without an id, an id twice in a round, no id in both rounds, or a
        person who changed cluster or stratum.

    Examples
    --------
    >>> from campaign_me import load_survey
    >>> cb = "data/samples/codebook.yaml"
    >>> b = load_survey("data/samples/aroland/survey_baseline.csv", cb)
    >>> e = load_survey("data/samples/aroland/survey_endline.csv", cb)
    >>> d = combine_rounds(b, e, weights="weight", strata="stratum", psu="psu")
    >>> d.n == len(b) + len(e)
    True
    """
    cb = _as_codebook(codebook)
    designs = [x for x in (baseline, endline) if isinstance(x, SurveyDesign)]
    if designs and len(designs) != 2:
        raise DataError("baseline and endline: give two DataFrames or two SurveyDesigns, not one of each")
    frames = []
    for name, x in (("baseline", baseline), ("endline", endline)):
        frame = x.data if isinstance(x, SurveyDesign) else x
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{name}: expected a pandas DataFrame or a SurveyDesign, got {type(x).__name__}")
        if isinstance(x, SurveyDesign) and x.calibrated:
            raise DesignError(
                f"{name}: a calibrated (post-stratified, raked) design cannot be stacked with another round; "
                "stack the rounds' data with combine_rounds and calibrate the combined design"
            )
        frames.append(frame)
    spec = {"weights": weights, "strata": strata, "psu": psu, "fpc": fpc}
    nest = False
    if designs:
        for key, attr in (("weights", "weights_column"), ("strata", "strata"), ("psu", "psu"), ("fpc", "fpc")):
            got = [getattr(d, attr) for d in designs]
            if spec[key] is None:
                if got[0] != got[1]:
                    raise DataError(
                        f"baseline and endline: the designs differ in {key} ({got[0]!r} and {got[1]!r}); "
                        "declare both rounds with the same design columns"
                    )
                spec[key] = got[0]
        nest = any(d.nest for d in designs)
        lonely_psu = lonely_psu or designs[0].lonely_psu
    elif cb is not None:
        for key, attr in (("weights", "weight"), ("strata", "strata"), ("psu", "psu"), ("fpc", "fpc")):
            if spec[key] is None:
                spec[key] = getattr(cb, attr)
    if id is None and cb is not None:
        id = cb.id
    structure = _check_rounds(rounds) if rounds is not None else None
    if independent is not None:
        if not isinstance(independent, bool):
            raise DataError(f"independent={independent!r}: give True or False (or use rounds=...)")
        if structure is not None and (structure == "independent") != independent:
            raise DataError(f"independent={independent!r} contradicts rounds={rounds!r}; give only rounds=")
    if structure is None:
        if independent is not None:
            structure = "independent" if independent else "same_clusters"
        else:
            structure = cb.rounds if cb is not None else "independent"
    legacy = independent is False and rounds is None
    for name, frame in (("baseline", frames[0]), ("endline", frames[1])):
        cols = [spec["weights"], spec["strata"]]
        for key in ("psu", "fpc"):
            v = spec[key]
            cols += [v] if isinstance(v, str) or v is None else list(v)
        require_columns(frame, [c for c in cols if c], argument=name)
    if post in frames[0].columns or post in frames[1].columns:
        raise DataError(f"post={post!r}: the rounds already have a column of that name; choose another")
    stacked = pd.concat(
        [frames[0].assign(**{post: 0}), frames[1].assign(**{post: 1})], ignore_index=True, sort=False
    )
    stacking = _Stacking(
        rounds=structure, weights=spec["weights"], strata=spec["strata"], psu=spec["psu"], fpc=spec["fpc"], id=id,
        post=post, nest=nest, lonely_psu=lonely_psu or "fail",
    )
    design = _declare_rounds(stacked, stacking, legacy_shared=legacy)
    if designs and any(d.is_subset for d in designs):
        design = design.subset(np.concatenate([d.in_domain.to_numpy() for d in designs]))
    return design


def _rounds_of(design: SurveyDesign) -> _Stacking | None:
    return getattr(design, _STACKING, None)


def _with_rounds(design: SurveyDesign, post: str, rounds: str | None, codebook) -> SurveyDesign:
    """The stacked design declared with the round structure ``rounds`` (or the codebook's).

    Without either, the design is used as given. A design from :func:`combine_rounds` already
    declared with that structure is returned as it is; any other is declared anew on its data
    (the strata and PSUs of the rounds from the design, or those :func:`combine_rounds` was given),
    keeping its domain.
    """
    cb = _as_codebook(codebook)
    if rounds is None and cb is None:
        return design
    structure = _check_rounds(rounds) if rounds is not None else cb.rounds
    known = _rounds_of(design)
    if known is not None and known.rounds == structure and known.post == post:
        return design
    if design.calibrated:
        raise DesignError(
            f"rounds={structure!r}: a calibrated design cannot be declared anew; calibrate after combine_rounds"
        )
    require_columns(design.data, post, argument="post")
    if known is not None:
        spec = dataclasses.replace(known, rounds=structure, post=post)
        if spec.id is None and cb is not None:
            spec = dataclasses.replace(spec, id=cb.id)
    else:
        spec = _Stacking(
            rounds=structure, weights=design.weights_column, strata=design.strata, psu=design.psu, fpc=design.fpc,
            id=cb.id if cb is not None else None, post=post, nest=design.nest, lonely_psu=design.lonely_psu,
        )
    p = _indicator(design, post, "post")
    if np.isnan(p).any():
        raise DataError(f"post={post!r} has blanks; every row must be marked baseline (0) or endline (1)")
    new = _declare_rounds(design.data, spec)
    if design.is_subset:
        new = new.subset(design.in_domain.to_numpy())
    return new


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
    level: float = 0.95,
    df: float | None = None,
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
    level = _check_level(level)
    design = _with_rounds(design, post, rounds, codebook)
    p = _indicator(design, post, "post")
    _varies(design, p, post, "post")
    _require_groups(design, {"baseline": p == 0, "endline": p == 1}, outcome)
    m = fit_model(design, f"{_quote(outcome)} ~ {_quote(post)}")
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
    level: float = 0.95,
    df: float | None = None,
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
    level : float, default 0.95
    df : float, optional
        Degrees of freedom (default: the design's residual df, as ``svyglm``).
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
    level = _check_level(level)
    design = _with_rounds(design, post, rounds, codebook)
    design, treated = _arm_column(design, treated, codebook)
    t = _indicator(design, treated, "treated")
    p = _indicator(design, post, "post")
    _varies(design, t, treated, "treated")
    _varies(design, p, post, "post")
    cells = {f"{'campaign' if a else 'comparison'} x {'endline' if r else 'baseline'}": (t == a) & (p == r)
             for a in (0, 1) for r in (0, 1)}
    _require_groups(design, cells, outcome)
    tq, pq = _quote(treated), _quote(post)
    base = f"{_quote(outcome)} ~ {tq} * {pq}"
    sat = fit_model(design, base)
    table = _did_table(design, sat, tq, pq, level, df, t, p)
    m = sat if not covariates else fit_model(design, base + _rhs(covariates, design.data))
    b = dict(zip(sat.terms, sat.params))
    reference = b["Intercept"] + b[tq] + b[pq]  # campaign baseline + comparison change
    return _from_model(
        design, m, f"{tq}:{pq}", method="did", level=level, df=df, binary=_is_binary(design, outcome),
        reference=float(reference), table=table,
        assumption="parallel trends: without the campaign, the campaign areas' mean would have changed as "
        "the comparison areas' did (no other change that hit one group only, no spill-over into the "
        "comparison areas, no change in who was surveyed).",
    )


def _did_table(design, sat: Model, tq: str, pq: str, level: float, df, t, p) -> pd.DataFrame:
    """The ieddtab layout from the saturated model: cell means and differences with SEs."""
    names = ["Intercept", tq, pq, f"{tq}:{pq}"]
    idx = [sat.index(n) for n in names]
    cov = total_covariance(design, sat.influence[:, idx], sat.rows)
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
    return out


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


_RANDOMISED = (
    "random assignment (the arms differ only by chance at baseline) and no interference: the "
    "campaign did not reach the control clusters (contamination) and nobody changed answers "
    "because they knew their arm."
)


def itt(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str,
    covariates: Sequence[str] | None = None,
    level: float = 0.95,
    df: float | None = None,
    min_clusters: int = 2,
) -> EffectResult:
    """Intention-to-treat effect of random assignment (difference of arm means, or adjusted).

    ``effect`` is the coefficient of ``treated`` in ``outcome ~ treated + covariates``; the
    reference is the control arm's mean. Clusters are the design's PSUs; an arm with fewer
    than ``min_clusters`` of them is refused.

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
                       level=level, df=df, min_clusters=min_clusters)


def _randomised(design, outcome, *, treated, rhs, method, level, df, min_clusters) -> EffectResult:
    """The coefficient of ``treated`` in ``outcome ~ treated + rhs``, checked as a randomised comparison."""
    level = _check_level(level)
    t = _indicator(design, treated, "treated")
    _varies(design, t, treated, "treated")
    _clusters_per_arm(design, t, treated, min_clusters)
    _require_groups(design, {"control": t == 0, "treatment": t == 1}, outcome)
    m = fit_model(design, f"{_quote(outcome)} ~ {_quote(treated)}" + rhs)
    ref = fit_model(design, f"{_quote(outcome)} ~ {_quote(treated)}").params[0]
    return _from_model(design, m, _quote(treated), method=method, level=level, df=df,
                       binary=_is_binary(design, outcome), reference=float(ref), assumption=_RANDOMISED)


def ancova(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str,
    baseline: str,
    covariates: Sequence[str] | None = None,
    level: float = 0.95,
    df: float | None = None,
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
                       min_clusters=min_clusters)


def complier_effect(
    design: SurveyDesign,
    outcome: str,
    *,
    treated: str,
    took_up: str,
    covariates: Sequence[str] | None = None,
    level: float = 0.95,
    df: float | None = None,
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
    level = _check_level(level)
    t = _indicator(design, treated, "treated")
    _indicator(design, took_up, "took_up")
    _varies(design, t, treated, "treated")
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
        assumption=_RANDOMISED + " Also: assignment changes the outcome only through take-up (exclusion), "
        "and no one takes up because they were assigned to control (monotonicity).",
    )


def attrition(
    design: SurveyDesign,
    *,
    treated: str,
    responded: str,
    level: float = 0.95,
    df: float | None = None,
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
    level = _check_level(level)
    t = _indicator(design, treated, "treated")
    _indicator(design, responded, "responded")
    _varies(design, t, treated, "treated")
    _clusters_per_arm(design, t, treated, min_clusters)
    m = fit_model(design, f"{_quote(responded)} ~ {_quote(treated)}")
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
    level: float = 0.95,
    n_boot: int = 500,
    seed: int = 0,
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
    level = _check_level(level)
    t = _indicator(design, treated, "treated")
    s = _indicator(design, responded, "responded")
    require_columns(design.data, [outcome, cluster], argument="lee_bounds")
    _varies(design, t, treated, "treated")
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
    level: float = 0.95,
    df: float | None = None,
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
    level, df : as :func:`did`.

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
    level = _check_level(level)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise DataError("exposed_vs_unexposed: give the pre-exposure covariates (for the propensity model)")
    e = _indicator(design, exposed, "exposed")
    _varies(design, e, exposed, "exposed")
    binary = _is_binary(design, outcome)
    rhs = _rhs(covariates, design.data)
    naive_m = fit_model(design, f"{_quote(outcome)} ~ {_quote(exposed)}")
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


def dose_response(design: SurveyDesign, outcome: str, *, dose: str, level: float = 0.95) -> pd.DataFrame:
    """Outcome means by dose (e.g. number of channels recalled). DESCRIPTIVE, not causal.

    Exposure is self-selected, so a rising line may only show that interested people
    notice more channels; the ``note`` column says so in every row.
    """
    _check_level(level)
    require_columns(design.data, [outcome, dose], argument="dose_response")
    out = design.mean(outcome, by=dose, level=level, na_rm=True)
    out["note"] = "descriptive: exposure is self-selected"
    return out


# --------------------------------------------------------------------------------------
# message pretest
# --------------------------------------------------------------------------------------
def message_pretest(
    data: pd.DataFrame,
    *,
    variant: str,
    outcomes: Sequence[str],
    preference: str | None = None,
    primary: str | None = None,
    padjust: str = "holm",
) -> pd.DataFrame:
    """Compare randomised message variants pairwise on each outcome.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent of the (unweighted, individually randomised) pretest.
    variant : str
        Column of the variant each respondent saw.
    outcomes : list of str
        Outcome columns: 0/1 outcomes are compared with a chi-squared test (pingouin
        ``chi2_independence``) and Cohen's h; others with Welch's t-test (pingouin
        ``pairwise_tests``) and Cohen's d.
    preference : str, optional
        Column of the variant each respondent said they preferred. The table's attributes
        then say whether the vote ranks the variants as ``primary`` does.
    primary : str, optional
        The outcome whose ranking the vote is checked against (default: the last outcome,
        usually stated intention, which predicts behaviour best; O'Keefe 2021).
    padjust : {"holm", "fdr_bh", "none"}, default "holm"
        Adjustment of the p-values across the pairs of one outcome.

    Returns
    -------
    pandas.DataFrame
        ``outcome, variant_a, variant_b, mean_a, mean_b, difference, test, statistic, p_value,
        p_adjusted, effect_size, effect_size_type``; ``.attrs`` holds ``ranking`` (variants by
        the primary outcome), ``vote_ranking`` and ``vote_agrees``.

    Examples
    --------
    >>> p = pd.read_csv("data/samples/aroland/pretest.csv")
    >>> t = message_pretest(p, variant="variant", outcomes=["comprehension", "credibility", "intention_safe"],
    ...                     preference="preferred_variant")
    >>> t.attrs["ranking"][0], t.attrs["vote_ranking"][0], t.attrs["vote_agrees"]
    ('A_testimony', 'C_drama', False)
    """
    import pingouin as pg
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportion_effectsize

    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    require_columns(data, [variant, *outcomes] + ([preference] if preference else []), argument="message_pretest")
    if padjust not in ("holm", "fdr_bh", "none"):
        raise DataError(f"padjust={padjust!r}: choose 'holm', 'fdr_bh' or 'none'")
    levels = sorted(data[variant].dropna().astype(str).unique())
    if len(levels) < 2:
        raise DataError(f"variant={variant!r}: needs at least two variants, found {describe_values(levels)}")
    frame = data.assign(**{variant: data[variant].astype(str)})
    recs = []
    for out in outcomes:
        col = pd.to_numeric(frame[out], errors="coerce")
        if col.notna().sum() == 0:
            raise DataError(f"outcome {out!r} has no numeric values")
        binary = bool(col.dropna().isin([0, 1]).all())
        sub = pd.DataFrame({"v": frame[variant], "y": col}).dropna()
        means = sub.groupby("v")["y"].mean()
        for a, b in itertools.combinations(levels, 2):
            pair = sub[sub["v"].isin([a, b])]
            if binary:
                ct_in = pair.assign(y=pair["y"].astype(int).astype(str))
                if ct_in["y"].nunique() < 2:
                    stat, p = np.nan, 1.0
                else:
                    _, _, st = pg.chi2_independence(ct_in, x="v", y="y", correction=False)
                    stat, p = float(st.loc[0, "chi2"]), float(st.loc[0, "pval"])
                es = float(proportion_effectsize(means[a], means[b]))
                test, es_type = "chi2", "cohen_h"
            else:
                res = pg.pairwise_tests(pair, dv="y", between="v", parametric=True, correction=True,
                                        effsize="cohen")
                stat, p = float(res.loc[0, "T"]), float(res.loc[0, "p_unc"] if "p_unc" in res else res.loc[0, "p-unc"])
                sign = 1.0 if str(res.loc[0, "A"]) == a else -1.0
                stat *= sign
                es = float(res.loc[0, "cohen"]) * sign if "cohen" in res else np.nan
                test, es_type = "welch_t", "cohen_d"
            recs.append({"outcome": out, "variant_a": a, "variant_b": b, "mean_a": float(means[a]),
                         "mean_b": float(means[b]), "difference": float(means[a] - means[b]), "test": test,
                         "statistic": stat, "p_value": p, "effect_size": es, "effect_size_type": es_type})
    table = pd.DataFrame(recs)
    table["p_adjusted"] = table["p_value"]
    if padjust != "none":
        for out in outcomes:
            m = table["outcome"] == out
            table.loc[m, "p_adjusted"] = multipletests(table.loc[m, "p_value"].to_numpy(), method=padjust)[1]
    table = table[["outcome", "variant_a", "variant_b", "mean_a", "mean_b", "difference", "test", "statistic",
                   "p_value", "p_adjusted", "effect_size", "effect_size_type"]]
    primary = primary or outcomes[-1]
    if primary not in outcomes:
        raise DataError(f"primary={primary!r} is not one of the outcomes {describe_values(outcomes)}")
    ranking = pd.to_numeric(frame[primary], errors="coerce").groupby(frame[variant]).mean()
    table.attrs["ranking"] = list(ranking.sort_values(ascending=False, kind="stable").index)
    if preference:
        votes = frame[preference].dropna().astype(str).value_counts().reindex(levels, fill_value=0)
        table.attrs["vote_ranking"] = list(votes.sort_values(ascending=False, kind="stable").index)
        table.attrs["vote_agrees"] = table.attrs["vote_ranking"][0] == table.attrs["ranking"][0]
    return table


# --------------------------------------------------------------------------------------
# evidence strength and several outcomes
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvidenceStrength:
    """Maryland Scientific Methods Scale level of a design, with its assumption and threats."""

    level: int
    design: str
    assumption: str
    threats: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"sms_level": self.level, "design": self.design, "assumption": self.assumption,
                              "threats": "; ".join(self.threats)}])

    def summary(self) -> str:
        return (f"Design: {self.design}. Maryland Scientific Methods Scale level {self.level} of 5. Key assumption: "
                f"{self.assumption} Check: {'; '.join(self.threats)}.")


def evidence_strength(
    *,
    randomised: bool = False,
    comparison_group: bool = False,
    baseline: bool = False,
    adjusted: bool = False,
    quasi_random: bool = False,
    panel: bool = False,
    self_reported_exposure: bool = False,
) -> EvidenceStrength:
    """Score a design on the Maryland Scientific Methods Scale (What Works Centre, 2016).

    Parameters
    ----------
    randomised : bool
        Assignment to the campaign was random (level 5).
    comparison_group : bool
        There is an unexposed comparison group (areas or people).
    baseline : bool
        The outcome was measured before the campaign.
    adjusted : bool
        Comparison adjusted for observed differences (regression, matching, weighting).
    quasi_random : bool
        Exposure varies for a reason unrelated to outcomes (a discontinuity, an instrument;
        level 4).
    panel : bool
        The same people were interviewed in both rounds.
    self_reported_exposure : bool
        The comparison is exposed vs unexposed people by their own report.

    Examples
    --------
    >>> evidence_strength(comparison_group=True, baseline=True).level
    3
    >>> evidence_strength(baseline=True).level
    1
    """
    threats = ["recall bias in reported exposure and outcomes", "social desirability (answers the campaign taught)"]
    if randomised:
        level, design = 5, "randomised (cluster) trial"
        assumption = _RANDOMISED
        threats += ["attrition by arm (report it; Lee bounds)", "contamination / spill-over into control clusters",
                    "low take-up (report the complier effect)"]
        if not baseline:
            threats.append("no baseline: less precision, no balance check")
    elif quasi_random:
        level, design = 4, "quasi-random variation (discontinuity or instrument)"
        assumption = "the source of variation affects outcomes only through exposure."
        threats += ["manipulation of the cut-off or a weak instrument"]
    elif comparison_group and baseline:
        level, design = 3, "difference-in-differences (comparison group before and after)"
        assumption = "parallel trends between campaign and comparison groups without the campaign."
        threats += ["secular trend that differs between groups", "spill-over into comparison areas",
                    "change in who was surveyed between rounds"]
        if panel:
            threats.append("panel attrition")
    elif comparison_group and adjusted:
        level, design = 2, "cross-section with controls or matching"
        assumption = "selection on observables: no unmeasured difference between the groups."
        threats += ["self-selection into exposure on unmeasured traits (interest, networks)",
                    "lack of overlap between the groups"]
    elif comparison_group:
        level, design = 1, "cross-section comparison without adjustment"
        assumption = "the groups would have had the same outcome without the campaign."
        threats += ["self-selection into exposure", "reverse causation"]
    elif baseline:
        level, design = 1, "pre-post without comparison group"
        assumption = "nothing but the campaign changed the outcome between the rounds."
        threats += ["secular trend", "seasonality", "change of survey mode or questionnaire"]
    else:
        level, design = 1, "post-only, no comparison (descriptive)"
        assumption = "none: the design describes, it cannot attribute change to the campaign."
        threats += ["no counterfactual at all"]
    if self_reported_exposure and not randomised:
        threats.append("self-selection into (reported) exposure and false reports of exposure")
    return EvidenceStrength(level=level, design=design, assumption=assumption, threats=tuple(threats))


def adjust_pvalues(
    results: Sequence[EffectResult] | pd.DataFrame, *, primary: str | None = None, method: str = "holm"
) -> pd.DataFrame:
    """Flag the primary outcome and adjust the p-values of the others for multiplicity.

    Parameters
    ----------
    results : list of EffectResult, or a DataFrame with ``outcome`` and ``p_value``
    primary : str, optional
        The pre-registered primary outcome: its p-value is left as it is.
    method : {"holm", "fdr_bh"}, default "holm"
        Holm (family-wise error) or Benjamini-Hochberg (false discovery rate), from
        ``statsmodels.stats.multitest.multipletests``, across the secondary outcomes.

    Returns
    -------
    pandas.DataFrame
        The results' rows plus ``primary`` (bool) and ``p_adjusted``.

    Notes
    -----
    **How the primary-outcome rule controls the familywise error.** The familywise error rate
    (FWER) is the chance of at least one false finding (a null effect declared non-zero) in a
    family of tests. The outcomes form two families:

    - *Confirmatory*: the one primary outcome, named before the data were seen. A single test
      at level ``alpha`` has a FWER of exactly ``alpha``; that is why its p-value needs no
      adjustment, and why naming it in advance matters (choosing the "primary" outcome after
      seeing the results is a search over all of them).
    - *Secondary*: every other outcome. Holm's step-down procedure (``method="holm"``) controls
      the FWER of this family at ``alpha`` in the strong sense (whichever effects are truly
      zero) and under any dependence between the tests; ``"fdr_bh"`` controls the expected share
      of false findings instead (under independence or positive dependence), which is weaker.

    Read together as a *serial gatekeeping* procedure (Dmitrienko & Tamhane 2007), the FWER over
    all outcomes is at most ``alpha``: test the primary outcome at ``alpha``; only if it is
    significant, declare the secondary outcomes with ``p_adjusted < alpha``. (If the primary
    null is true, a false finding needs the primary test to err, which happens with probability
    at most ``alpha``; if it is false, only the secondary family can err, and Holm holds that at
    ``alpha``.) Read without the gate, each family keeps its own FWER at ``alpha`` and the two
    together at most ``2 alpha`` (Bonferroni's inequality); report the secondary outcomes as
    exploratory then. With no ``primary``, Holm runs across all outcomes, a single family with
    FWER ``alpha``; with several primary outcomes, pass them alone with ``primary=None`` (Holm
    within the confirmatory family) and the others separately, as
    :func:`campaign_me.narrative.findings` does for a country report.

    Examples
    --------
    >>> t = pd.DataFrame({"outcome": ["a", "b", "c"], "p_value": [0.01, 0.02, 0.04]})
    >>> adjust_pvalues(t, primary="a")["p_adjusted"].round(3).tolist()
    [0.01, 0.04, 0.04]
    """
    from statsmodels.stats.multitest import multipletests

    if method not in ("holm", "fdr_bh"):
        raise DataError(f"method={method!r}: choose 'holm' or 'fdr_bh'")
    if isinstance(results, pd.DataFrame):
        frame = results.copy()
        require_columns(frame, ["outcome", "p_value"], argument="results")
    else:
        frame = pd.concat([r.to_frame() for r in results], ignore_index=True)
    if primary is not None and primary not in set(frame["outcome"]):
        raise DataError(f"primary={primary!r} is not among the outcomes {describe_values(frame['outcome'].tolist())}")
    frame["primary"] = frame["outcome"] == primary
    frame["p_adjusted"] = frame["p_value"].astype(float)
    others = ~frame["primary"]
    if others.sum() > 0:
        frame.loc[others, "p_adjusted"] = multipletests(frame.loc[others, "p_value"].to_numpy(float), method=method)[1]
    return frame
